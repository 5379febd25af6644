// The subcommands.
import ArgumentParser
import CLibcrypto
import CTesseraABI
import Glibc

struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Generate a key into files.",
        discussion: """
            RS*/PS*/ES*/EdDSA: the private key as PKCS#8 PEM into --private (mode 0600) and the \
            public key as SPKI PEM into --public, and the public JWK on standard output (its kid \
            is --kid, or the RFC 7638 thumbprint). RSA keys have 2048 bits unless --bits says \
            otherwise; ES256/384/512 use P-256/P-384/P-521; EdDSA uses Ed25519. \
            HS256/384/512: a random secret of 32/48/64 bytes from OpenSSL's generator into \
            --private (mode 0600), raw; a secret has no public half, so --public is refused. \
            Existing files are kept unless --force.
            """
    )

    @Option(help: ArgumentHelp("The algorithm the key is for.", valueName: "alg")) var alg: Algorithm
    @Option(help: "The key id for the printed JWK.") var kid: String?
    @Option(name: .customLong("private"), help: ArgumentHelp("Where to write the private key or secret.", valueName: "file"))
    var privatePath: String
    @Option(name: .customLong("public"), help: ArgumentHelp("Where to write the public key (not for HS*).", valueName: "file"))
    var publicPath: String?
    @Option(help: "RSA modulus size in bits, 2048-16384 (RS*/PS* only).") var bits: Int?
    @Flag(help: "Overwrite existing files.") var force = false

    func validate() throws {
        if alg.isHMAC && publicPath != nil {
            throw ValidationError("\(alg.name) keys are a shared secret with no public half: leave out --public")
        }
        if !alg.isHMAC && publicPath == nil { throw ValidationError("\(alg.name) needs --public FILE") }
        if let bits, !alg.isRSA { throw ValidationError("--bits \(bits) applies to RS*/PS* keys only") }
        if let bits, bits < 2048 || bits > 16384 { throw ValidationError("--bits must be 2048-16384") }
        if let publicPath, publicPath == privatePath { throw ValidationError("--private and --public name the same file") }
    }

    func run() throws {
        if alg.isHMAC {
            let length = alg.value == TESSERA_HS256 ? 32 : alg.value == TESSERA_HS384 ? 48 : 64
            let secret = Secret(capacity: length)
            var random = [UInt8](repeating: 0, count: length)
            guard RAND_bytes(&random, Int32(length)) == 1 else { throw CLIError("the random generator failed") }
            random.withUnsafeBytes { secret.append($0) }
            OPENSSL_cleanse(&random, length)
            _ = try loadKey(alg, file: secret, path: privatePath, kid: kid)  // the library accepts it
            try writeFile(privatePath, secret.contents, mode: 0o600, overwrite: force)
            return
        }
        guard let publicPath else { return }
        if !force {
            for path in [privatePath, publicPath] where access(path, F_OK) == 0 {
                throw CLIError("cannot write \(path): File exists (use --force to overwrite)")
            }
        }
        let pkey = try generate()
        defer { EVP_PKEY_free(pkey) }
        let privatePEM = try pem(pkey, private: true)
        let publicPEM = try pem(pkey, private: false)
        let key = try loadKey(alg, file: privatePEM, path: privatePath, kid: kid)
        let jwk = try output("public JWK") { tessera_key_export_jwk(key.handle, $0, $1, $2) }
        try writeFile(privatePath, privatePEM.contents, mode: 0o600, overwrite: force)
        try writeFile(publicPath, publicPEM.contents, mode: 0o644, overwrite: force)
        print(jwk)
    }

    /// A new key pair from OpenSSL, of the algorithm's type and size.
    private func generate() throws -> OpaquePointer {
        let type: String
        var group: String?
        switch alg.value {
        case TESSERA_ES256: (type, group) = ("EC", "P-256")
        case TESSERA_ES384: (type, group) = ("EC", "P-384")
        case TESSERA_ES512: (type, group) = ("EC", "P-521")
        case TESSERA_EDDSA: type = "ED25519"
        default: type = "RSA"
        }
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, type, nil) else { throw CLIError("OpenSSL has no \(type) keys") }
        defer { EVP_PKEY_CTX_free(ctx) }
        var pkey: OpaquePointer?
        guard EVP_PKEY_keygen_init(ctx) == 1,
              type != "RSA" || EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, Int32(bits ?? 2048)) == 1,
              group.map({ EVP_PKEY_CTX_set_group_name(ctx, $0) == 1 }) ?? true,
              EVP_PKEY_generate(ctx, &pkey) == 1, let pkey
        else { throw CLIError("OpenSSL could not generate a \(alg.name) key") }
        return pkey
    }

    /// The key as PEM: PKCS#8 private key (in OpenSSL's secure heap) or SPKI.
    private func pem(_ pkey: OpaquePointer, private: Bool) throws -> Secret {
        guard let bio = BIO_new(`private` ? BIO_s_secmem() : BIO_s_mem()) else { throw CLIError("out of memory") }
        defer { BIO_free(bio) }
        let written = `private` ? PEM_write_bio_PrivateKey(bio, pkey, nil, nil, 0, nil, nil) : PEM_write_bio_PUBKEY(bio, pkey)
        var data: UnsafeMutablePointer<CChar>?
        let length = tessera_cli_bio_data(bio, &data)
        guard written == 1, let data, length > 0 else { throw CLIError("OpenSSL could not write the key as PEM") }
        return Secret(copying: UnsafeRawBufferPointer(start: data, count: length))
    }
}

struct JWKCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jwk",
        abstract: "Print a key's public JWK.",
        discussion: "The kid is --kid, the key's own (a JWK's), or the RFC 7638 thumbprint. HMAC keys have no public form."
    )

    @Option(help: ArgumentHelp("The key's algorithm.", valueName: "alg")) var alg: Algorithm
    @Option(help: ArgumentHelp("The key: PEM, DER or JWK, private or public.", valueName: "file")) var key: String
    @Option(help: "The key id to publish.") var kid: String?

    func run() throws {
        let loaded = try loadKey(alg, path: key, kid: kid)
        print(try output("public JWK") { tessera_key_export_jwk(loaded.handle, $0, $1, $2) })
    }
}

struct JWKSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jwks",
        abstract: "Print a JWKS of the public keys given.",
        discussion: """
            Each --key is ALG:FILE or ALG:FILE:KID. FILE is taken whole when such a file exists, \
            so paths may hold ':'. A key without a kid is published under its thumbprint.
            """
    )

    @Option(name: .customLong("key"), help: ArgumentHelp("A key to publish.", valueName: "alg:file[:kid]"))
    var keys: [String] = []

    func validate() throws {
        if keys.isEmpty { throw ValidationError("give at least one --key ALG:FILE[:KID]") }
    }

    func run() throws {
        var set: OpaquePointer?
        try require(tessera_keyset_new(&set), "key set")
        guard let set else { throw CLIError("key set: none made") }
        defer { tessera_keyset_free(set) }
        for spec in keys {
            let (alg, path, kid) = try parse(spec)
            let loaded = try loadKey(alg, path: path, kid: kid)
            try require(tessera_keyset_add(set, loaded.handle), "key \(path)")
        }
        print(try output("JWKS") { tessera_keyset_export_jwks(set, $0, $1, $2) })
    }

    private func parse(_ spec: String) throws -> (Algorithm, String, String?) {
        guard let colon = spec.firstIndex(of: ":"), colon != spec.startIndex else {
            throw CLIError("--key \(spec): expected ALG:FILE[:KID]")
        }
        guard let alg = Algorithm(argument: String(spec[..<colon])) else {
            throw CLIError("--key \(spec): unknown algorithm \(spec[..<colon])")
        }
        let rest = String(spec[spec.index(after: colon)...])
        if access(rest, F_OK) != 0, let last = rest.lastIndex(of: ":"), last != rest.startIndex {
            let kid = String(rest[rest.index(after: last)...])
            return (alg, String(rest[..<last]), kid.isEmpty ? nil : kid)
        }
        return (alg, rest, nil)
    }
}

struct Sign: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign claims into a compact JWT and print it.",
        discussion: """
            CLAIMS is a JSON object (strict RFC 8259, UTF-8), or - to read it from standard input. \
            It is signed as given; with --ttl, "iat" (now) and "exp" (now + ttl) are added, and \
            "jti" (a random UUID) with --jti and "nbf" (now) with --nbf, which need --ttl.
            """
    )

    @Option(help: ArgumentHelp("The algorithm.", valueName: "alg")) var alg: Algorithm
    @Option(help: ArgumentHelp("The signing key: private PEM/DER/JWK, or the HMAC secret.", valueName: "file")) var key: String
    @Option(help: "The kid to put in the header.") var kid: String?
    @Option(help: ArgumentHelp("Add iat and exp = iat + SECONDS.", valueName: "seconds")) var ttl: UInt32?
    @Flag(help: "Add a random jti (needs --ttl).") var jti = false
    @Flag(help: "Add nbf = now (needs --ttl).") var nbf = false
    @Argument(help: ArgumentHelp("The claims: a JSON object, or - for standard input.", valueName: "claims")) var claims: String

    func validate() throws {
        if ttl == 0 { throw ValidationError("--ttl must be at least 1 second") }
        if (jti || nbf) && ttl == nil { throw ValidationError("--jti and --nbf need --ttl (iat and exp come with them)") }
    }

    func run() throws {
        let loaded = try loadKey(alg, path: key, kid: kid)
        let text = claims == "-" ? try readFile("-", what: "claims from", limit: Int(TESSERA_TOKEN_MAX)) : nil
        let bytes = text.map { Array($0.contents) } ?? Array(claims.utf8)
        let token = try bytes.withUnsafeBufferPointer { raw in
            try raw.withMemoryRebound(to: CChar.self) { json in
                try output("sign") { out, cap, length in
                    if let ttl {
                        let flags = (jti ? UInt32(TESSERA_ISSUE_JTI) : 0) | (nbf ? UInt32(TESSERA_ISSUE_NBF) : 0)
                        return tessera_jwt_issue(loaded.handle, json.baseAddress, json.count, tessera_now(), ttl, flags,
                                                 out, cap, length)
                    }
                    return tessera_jwt_sign(loaded.handle, json.baseAddress, json.count, out, cap, length)
                }
            }
        }
        print(token)
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify a compact JWT; print its claims.",
        discussion: """
            Only --alg is allowed. The key file may be a JWKS: the key is then chosen by the \
            token's kid. exp is required (unless --allow-no-exp) and, with nbf and iat, checked \
            against the clock (with --leeway); --aud, \
            --iss and --sub must match; --max-lifetime bounds exp - iat and requires both. On \
            success the claims go to standard output and the exit status is 0; on failure the \
            status and its detail go to standard error and the exit status is 1.
            """
    )

    @Option(help: ArgumentHelp("The one algorithm accepted.", valueName: "alg")) var alg: Algorithm
    @Option(help: ArgumentHelp("The key: PEM, DER, JWK or JWKS; or the HMAC secret.", valueName: "file")) var key: String
    @Option(help: ArgumentHelp("Required audience.", valueName: "aud")) var aud: String?
    @Option(help: ArgumentHelp("Required issuer.", valueName: "iss")) var iss: String?
    @Option(help: ArgumentHelp("Required subject.", valueName: "sub")) var sub: String?
    @Option(help: ArgumentHelp("Clock skew allowed, in seconds.", valueName: "seconds")) var leeway: UInt32?
    @Option(name: .customLong("max-lifetime"), help: ArgumentHelp("Largest exp - iat, in seconds.", valueName: "seconds"))
    var maxLifetime: UInt32?
    @Option(name: .customLong("require"), help: ArgumentHelp("A claim that must be present (repeatable).", valueName: "claim"))
    var required: [String] = []
    @Flag(name: .customLong("allow-no-exp"), help: "Accept a token without exp (it then never expires).")
    var allowNoExp = false
    @Argument(help: ArgumentHelp("The token, or - for standard input.", valueName: "token")) var token: String

    func run() throws {
        var policy: OpaquePointer?
        try require(tessera_policy_new(&policy), "policy")
        guard let policy else { throw CLIError("policy: none made") }
        defer { tessera_policy_free(policy) }
        try require(tessera_policy_allow_alg(policy, alg.value), "--alg")
        if let aud { try require(tessera_policy_set_audience(policy, aud), "--aud") }
        if let iss { try require(tessera_policy_set_issuer(policy, iss), "--iss") }
        if let sub { try require(tessera_policy_set_subject(policy, sub), "--sub") }
        if let leeway { try require(tessera_policy_set_leeway(policy, leeway), "--leeway") }
        if let maxLifetime { try require(tessera_policy_set_max_lifetime(policy, maxLifetime), "--max-lifetime") }
        for claim in required { try require(tessera_policy_require_claim(policy, claim), "--require \(claim)") }
        if allowNoExp { try require(tessera_policy_set_require_exp(policy, 0), "--allow-no-exp") }

        let text = try tokenText(token)
        let file = try readFile(key, what: "key file")
        var set: OpaquePointer?
        var single: Key?
        if KeyDocument(file) == .jwks {
            let jwks = file.contents
            try require(tessera_keyset_new_jwks(jwks.baseAddress?.assumingMemoryBound(to: CChar.self), jwks.count, &set),
                        "key set \(key)")
        } else {
            single = try loadKey(alg, file: file, path: key, kid: nil)
        }
        defer { tessera_keyset_free(set) }
        // The claims are shorter than the token that carries them.
        var claims = [CChar](repeating: 0, count: text.utf8.count + 1)
        var length = 0
        let rc = claims.withUnsafeMutableBufferPointer { out in
            if let single {
                return tessera_jwt_verify(single.handle, text, text.utf8.count, policy, out.baseAddress, out.count, &length)
            }
            return tessera_jwt_verify_keyset(set, text, text.utf8.count, policy, out.baseAddress, out.count, &length)
        }
        guard rc == TESSERA_OK else { throw CLIError.status(rc, "invalid token") }
        print(String(decoding: claims.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}

/// The token argument, or standard input for "-", without surrounding white space.
func tokenText(_ argument: String) throws -> String {
    guard argument == "-" else { return argument }
    let input = try readFile("-", what: "token from", limit: Int(TESSERA_TOKEN_MAX) + 2)
    let text = String(decoding: input.contents, as: UTF8.self)
    return String(text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
}

struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a JWT's header and payload WITHOUT verifying it.",
        discussion: """
            Prints the decoded header and payload, one per line, exactly as the token carries \
            them, and a warning on standard error. Only the shape is checked, as verify's first \
            step checks it (three strict base64url segments, each part one JSON object): no \
            signature, algorithm or claim. Use verify to trust a token.
            """
    )

    @Argument(help: ArgumentHelp("The token, or - for standard input.", valueName: "token")) var token: String

    func run() throws {
        // tessera_jwt_peek: the library's own step 1 of verification (three
        // strict base64url segments, header and payload strict JSON objects),
        // so decode refuses exactly what verify would refuse as malformed.
        let text = try tokenText(token)
        var headerLength = 0, payloadLength = 0
        let rc = tessera_jwt_peek(text, text.utf8.count, nil, 0, &headerLength, nil, 0, &payloadLength)
        guard rc == TESSERA_E_BUFFER_TOO_SMALL else { throw CLIError.status(rc, "not a JWT") }
        var header = [UInt8](repeating: 0, count: headerLength + 1)
        var payload = [UInt8](repeating: 0, count: payloadLength + 1)
        let again = header.withUnsafeMutableBufferPointer { h in
            payload.withUnsafeMutableBufferPointer { p in
                h.withMemoryRebound(to: CChar.self) { hc in
                    p.withMemoryRebound(to: CChar.self) { pc in
                        tessera_jwt_peek(text, text.utf8.count, hc.baseAddress, hc.count, &headerLength,
                                         pc.baseAddress, pc.count, &payloadLength)
                    }
                }
            }
        }
        try require(again, "not a JWT")
        let headerText = try self.text(Array(header.prefix(headerLength)), part: "header")
        let payloadText = try self.text(Array(payload.prefix(payloadLength)), part: "payload")
        warn("the signature was NOT verified; anyone can make a token that decodes like this one")
        print(headerText)
        print(payloadText)
    }

    /// The bytes as text, if they are UTF-8 without control characters
    /// (other than tab and line breaks) that could drive a terminal.
    private func text(_ bytes: [UInt8], part: String) throws -> String {
        guard let string = String(validating: bytes, as: UTF8.self) else { throw CLIError("the \(part) is not UTF-8 text") }
        let control = string.unicodeScalars.contains {
            ($0.value < 0x20 && $0 != "\t" && $0 != "\n" && $0 != "\r") || (0x7F...0x9F).contains($0.value)
        }
        guard !control else {
            throw CLIError("the \(part) holds control characters; not printing it")
        }
        return string
    }
}

struct CredentialCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credential",
        abstract: "Print a SkyWay-style credential for a peer.",
        discussion: """
            {"peerId","timestamp","ttl","authToken"} with authToken = \
            base64(HMAC-SHA256(secret, "timestamp:ttl:peerId")). The secret is the file's raw \
            bytes, exactly as stored (no trailing newline is removed).
            """
    )

    @Option(name: .customLong("secret-file"), help: ArgumentHelp("The app's secret key.", valueName: "file")) var secretFile: String
    @Option(help: ArgumentHelp("The peer id.", valueName: "id")) var peer: String
    @Option(help: ArgumentHelp("Lifetime in seconds, 600-90000.", valueName: "seconds")) var ttl: UInt32 = 3600
    @Option(help: ArgumentHelp("Unix time of issue (default: now).", valueName: "seconds")) var timestamp: Int64?

    func run() throws {
        let secret = try readFile(secretFile, what: "secret file")
        let bytes = secret.contents
        print(try output("credential") { out, cap, length in
            tessera_credential_json(bytes.baseAddress, bytes.count, peer, peer.utf8.count, timestamp ?? tessera_now(), ttl,
                                    out, cap, length)
        })
    }
}
