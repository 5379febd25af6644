import COpenSSL

// JSON Web Keys (RFC 7517): reading a key from a JWK, and writing a key's
// public JWK and its RFC 7638 thumbprint.

extension Key {
    /// A key from a JWK (RFC 7517) of type RSA, EC, OKP (Ed25519) or oct.
    /// `requested` nil takes the algorithm from the JWK's `alg`; otherwise
    /// the JWK's `alg`, when present, must agree.
    static func jwk(requested: Algorithm?, document: UnsafeRawBufferPointer) throws(TesseraError) -> Key {
        let parsed = try JSONValue.parseObject(document, label: "JWK")
        return try jwk(requested: requested, parsed: parsed, inferAlgorithm: false)
    }

    /// `jwk(requested:document:)` on a parsed JWK. With `inferAlgorithm`
    /// (key sets), a JWK without `alg` gets one from its key: ES256/384/512
    /// by curve, EdDSA for Ed25519, RS256 for RSA.
    static func jwk(requested: Algorithm?, parsed jwk: JSONValue, inferAlgorithm: Bool) throws(TesseraError) -> Key {
        guard case .object = jwk else { throw .key("a JWK must be a JSON object") }
        guard let kty = jwk["kty"]?.stringValue else { throw .key("the JWK has no \"kty\" string") }
        var named: Algorithm? = nil
        if let value = jwk["alg"] {
            guard let text = value.stringValue else { throw .key("the JWK's \"alg\" is not a string") }
            guard let a = Array(text.utf8).withUnsafeBytes({ Algorithm(name: $0) }) else {
                throw .algorithm("the JWK's alg \"\(text)\" is not a JWS algorithm Tessera supports")
            }
            named = a
        }
        if let requested, let named, requested != named {
            throw .algorithm("the JWK is for \(named.name), not \(requested.name)")
        }
        if let use = jwk["use"] {
            guard use.stringValue == "sig" else { throw .key("the JWK's \"use\" is not \"sig\": it is not a signing key") }
        }
        var canSign = true
        if let ops = jwk["key_ops"] {
            guard case .array(let items) = ops else { throw .key("the JWK's \"key_ops\" is not an array") }
            let names = items.compactMap(\.stringValue)
            guard names.count == items.count else { throw .key("the JWK's \"key_ops\" holds a non-string") }
            guard names.contains("sign") || names.contains("verify") else {
                throw .key("the JWK's \"key_ops\" allow neither \"sign\" nor \"verify\"")
            }
            canSign = names.contains("sign")
        }
        var kidBytes: [UInt8]? = nil
        if let kidValue = jwk["kid"] {
            guard let text = kidValue.stringValue else { throw .key("the JWK's \"kid\" is not a string") }
            kidBytes = try withBytes(Array(text.utf8)) { k throws(TesseraError) in try checkKid(k, status: .key) }
        }
        guard let algorithm = requested ?? named ?? (inferAlgorithm ? inferredAlgorithm(kty: kty, jwk: jwk) : nil) else {
            if inferAlgorithm { throw .key("the JWK (kty \(kty)) names no \"alg\" and none can be inferred") }
            throw .argument("the JWK names no \"alg\"; pass the algorithm")
        }
        let expectedKty: String
        switch algorithm.family {
        case nil: expectedKty = "oct"
        case .rsa: expectedKty = "RSA"
        case .ec: expectedKty = "EC"
        case .ed25519: expectedKty = "OKP"
        }
        guard kty == expectedKty else {
            throw .key("\(algorithm.name) needs a JWK of kty \"\(expectedKty)\", got \"\(kty)\"")
        }
        if algorithm.family == nil {
            guard let secret = try KeyLoading.member(jwk, "k", required: true) else { throw .key("the oct JWK has no \"k\"") }
            return try kidBytes.withOptionalBytes { k throws(TesseraError) in
                try secret.withBytes { (s: UnsafeRawBufferPointer) throws(TesseraError) -> Key in
                    try hmac(algorithm: algorithm, secret: s, kid: k, canSign: canSign)
                }
            }
        }
        let asym = try AsymmetricKey(pkey: try KeyLoading.fromJWK(jwk, algorithm: algorithm), algorithm: algorithm)
        try asym.checkConsistency()
        return Key(algorithm: algorithm, kid: kidBytes, hmac: nil, asymmetric: asym, canSign: canSign && asym.hasPrivate)
    }

    private static func inferredAlgorithm(kty: String, jwk: JSONValue) -> Algorithm? {
        switch (kty, jwk["crv"]?.stringValue) {
        case ("EC", "P-256"): return .es256
        case ("EC", "P-384"): return .es384
        case ("EC", "P-521"): return .es512
        case ("OKP", "Ed25519"): return .edDSA
        case ("RSA", _): return .rs256
        default: return nil
        }
    }

    /// The RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key.
    /// HMAC keys have none: it would be a fingerprint of the secret.
    func thumbprint() throws(TesseraError) -> String {
        guard let asymmetric else {
            throw .key("an HMAC key has no thumbprint: it would fingerprint the secret")
        }
        // Required members only, in lexicographic order, no whitespace.
        var members = try asymmetric.publicComponents()
        members.append((name: "kty", value: String(decoding: UnsafeRawBufferPointer(start: asymmetric.family.jwkType.utf8Start, count: asymmetric.family.jwkType.utf8CodeUnitCount), as: UTF8.self)))
        members.sort { $0.name < $1.name }
        let canonical = "{" + members.map { JSONWriter.quoted($0.name) + ":" + JSONWriter.quoted($0.value) }.joined(separator: ",") + "}"
        var digest = [UInt8](repeating: 0, count: 32)
        let bytes = Array(canonical.utf8)
        let ok = bytes.withUnsafeBytes { b in
            digest.withUnsafeMutableBytes { d in d.baseAddress.map { HashKind.sha256.digest(b, into: $0) } ?? false }
        }
        guard ok else { throw TesseraError(.crypto, "SHA-256 failed") }
        return base64url(digest)
    }

    /// The public JWK: `kty`, the public members, `kid` (the key's, or its
    /// RFC 7638 thumbprint when it has none), `alg`, `"use":"sig"`.
    func publicJWK() throws(TesseraError) -> String {
        guard let asymmetric else {
            throw .key("an HMAC key has no public form: its JWK would be the secret itself")
        }
        let kty = String(decoding: UnsafeRawBufferPointer(start: asymmetric.family.jwkType.utf8Start, count: asymmetric.family.jwkType.utf8CodeUnitCount), as: UTF8.self)
        var out = "{\"kty\":\"\(kty)\""
        for (name, value) in try asymmetric.publicComponents() {
            out += ",\"\(name)\":" + JSONWriter.quoted(value)
        }
        let kidText: String
        if let kid { kidText = String(decoding: kid, as: UTF8.self) } else { kidText = try thumbprint() }
        out += ",\"kid\":" + JSONWriter.quoted(kidText)
        out += ",\"alg\":\"\(algorithm.name)\",\"use\":\"sig\"}"
        return out
    }

    func exportJWK(to output: Output) throws(TesseraError) -> Int {
        try output.write(publicJWK())
    }
}

// MARK: - Building OpenSSL keys from JWK members

extension KeyLoading {
    /// The bytes of a base64url JWK member, or throws naming it. Decoded
    /// straight from the caller's document into wiped memory: no copy of a
    /// secret member, as text or as bytes, is left in memory the library
    /// frees unwiped.
    static func member(_ jwk: JSONValue, _ name: String, required: Bool) throws(TesseraError) -> SecretBytes? {
        guard let value = jwk[name] else {
            if required { throw .key("the JWK has no \"\(name)\" member") }
            return nil
        }
        guard let text = value.text else { throw .key("the JWK's \"\(name)\" is not a string") }
        enum Decoded { case bytes(SecretBytes), notBase64url, noMemory }
        let decoded = text.withBytes { b64 -> Decoded in
            guard let bytes = SecretBytes(capacity: Base64.urlDecodedLength(b64.count)) else { return .noMemory }
            let ok = bytes.fill { out, capacity in Base64.decodeURL(b64, to: out, capacity: capacity) }
            return ok && bytes.count > 0 ? .bytes(bytes) : .notBase64url
        } ?? .noMemory
        switch decoded {
        case .bytes(let bytes): return bytes
        case .noMemory: throw TesseraError(.noMemory, "no memory for the JWK's \"\(name)\"")
        case .notBase64url: throw .key("the JWK's \"\(name)\" is not non-empty base64url")
        }
    }

    /// Builds an RSA, EC or Ed25519 `EVP_PKEY` from JWK members.
    static func fromJWK(_ jwk: JSONValue, algorithm: Algorithm) throws(TesseraError) -> OpaquePointer {
        guard let family = algorithm.family else { throw .key("\(algorithm.name) is not asymmetric") }
        switch family {
        case .rsa: return try rsaFromJWK(jwk)
        case .ec: return try ecFromJWK(jwk, algorithm: algorithm)
        case .ed25519: return try edFromJWK(jwk)
        }
    }

    private static func rsaFromJWK(_ jwk: JSONValue) throws(TesseraError) -> OpaquePointer {
        if jwk["oth"] != nil { throw .key("multi-prime RSA keys (\"oth\") are not supported") }
        guard let n = try member(jwk, "n", required: true), let e = try member(jwk, "e", required: true) else {
            throw .key("the JWK has no modulus or exponent")
        }
        var parts: [(StaticString, SecretBytes)] = [(ParamName.rsaN, n), (ParamName.rsaE, e)]
        if let d = try member(jwk, "d", required: false) {
            parts.append((ParamName.rsaD, d))
            let crt: [(String, StaticString)] = [("p", ParamName.rsaP), ("q", ParamName.rsaQ), ("dp", ParamName.rsaDP),
                                                 ("dq", ParamName.rsaDQ), ("qi", ParamName.rsaQI)]
            var found: [(StaticString, SecretBytes)] = []
            for (name, param) in crt {
                if let v = try member(jwk, name, required: false) { found.append((param, v)) }
            }
            guard found.isEmpty || found.count == crt.count else {
                throw .key("the JWK has some but not all of p, q, dp, dq, qi")
            }
            parts += found
        }
        let isPrivate = parts.count > 2
        return try fromData(type: "RSA\0", isPrivate: isPrivate) { bld, keep throws(TesseraError) in
            for (name, bytes) in parts {
                let bn = bytes.withBytes { secureBN($0) }
                guard let bn else { throw TesseraError(.noMemory, "BN_bin2bn failed") }
                keep.append(bn)
                guard OSSL_PARAM_BLD_push_BN(bld, cString(name), bn) == 1 else {
                    throw TesseraError(.crypto, OpenSSLError.detail("OSSL_PARAM_BLD_push_BN failed"))
                }
            }
        }
    }

    private static func ecFromJWK(_ jwk: JSONValue, algorithm: Algorithm) throws(TesseraError) -> OpaquePointer {
        guard let curve = algorithm.curve else { throw .key("no curve for \(algorithm.name)") }
        let want = String(decoding: UnsafeRawBufferPointer(start: curve.jwk.utf8Start, count: curve.jwk.utf8CodeUnitCount), as: UTF8.self)
        guard let crv = jwk["crv"]?.stringValue else { throw .key("the EC JWK has no \"crv\"") }
        guard crv == want else { throw .key("\(algorithm.name) needs curve \(want), the JWK's is \(crv)") }
        guard let x = try member(jwk, "x", required: true), let y = try member(jwk, "y", required: true) else {
            throw .key("the EC JWK has no coordinates")
        }
        guard x.count == curve.size, y.count == curve.size else {
            throw .key("the EC JWK's x and y must be \(curve.size) bytes each for \(want)")
        }
        let d = try member(jwk, "d", required: false)
        if let d, d.count != curve.size { throw .key("the EC JWK's d must be \(curve.size) bytes for \(want)") }
        let point = [0x04] + x.withBytes { Array($0) } + y.withBytes { Array($0) } // public
        let pkey = try fromData(type: "EC\0", isPrivate: d != nil) { bld, keep throws(TesseraError) in
            guard OSSL_PARAM_BLD_push_utf8_string(bld, cString(ParamName.group), cString(curve.group), 0) == 1,
                  point.withUnsafeBytes({ OSSL_PARAM_BLD_push_octet_string(bld, cString(ParamName.pub), $0.baseAddress, $0.count) }) == 1 else {
                throw TesseraError(.crypto, OpenSSLError.detail("building EC parameters failed"))
            }
            if let d {
                let bn = d.withBytes { secureBN($0) }
                guard let bn else { throw TesseraError(.noMemory, "BN_bin2bn failed") }
                keep.append(bn)
                guard OSSL_PARAM_BLD_push_BN(bld, cString(ParamName.priv), bn) == 1 else {
                    throw TesseraError(.crypto, OpenSSLError.detail("OSSL_PARAM_BLD_push_BN failed"))
                }
            }
        }
        // The point must be on the curve, and a private scalar must match it.
        guard let check = EVP_PKEY_CTX_new_from_pkey(nil, pkey, nil) else {
            EVP_PKEY_free(pkey)
            throw TesseraError(.noMemory, "EVP_PKEY_CTX_new_from_pkey failed")
        }
        defer { EVP_PKEY_CTX_free(check) }
        let valid = d == nil ? EVP_PKEY_public_check(check) : EVP_PKEY_pairwise_check(check)
        guard valid == 1 else {
            EVP_PKEY_free(pkey)
            throw .key(OpenSSLError.detail(d == nil ? "the EC JWK's point is not on \(want)" : "the EC JWK's d does not match its x and y"))
        }
        return pkey
    }

    private static func edFromJWK(_ jwk: JSONValue) throws(TesseraError) -> OpaquePointer {
        guard let crv = jwk["crv"]?.stringValue else { throw .key("the OKP JWK has no \"crv\"") }
        guard crv == "Ed25519" else { throw .key("EdDSA supports the Ed25519 curve only; the JWK's is \(crv)") }
        guard let x = try member(jwk, "x", required: true), x.count == 32 else {
            throw .key("the Ed25519 JWK's x must be 32 bytes")
        }
        if let d = try member(jwk, "d", required: false) {
            guard d.count == 32 else { throw .key("the Ed25519 JWK's d must be 32 bytes") }
            let made = d.withBytes { seed in
                EVP_PKEY_new_raw_private_key_ex(nil, cString("ED25519\0"), nil, seed.baseAddress?.assumingMemoryBound(to: UInt8.self), 32)
            }
            guard let pkey = made else { throw .key(OpenSSLError.detail("the Ed25519 JWK's d is unusable")) }
            var derived = [UInt8](repeating: 0, count: 32)
            var len = 32
            guard EVP_PKEY_get_raw_public_key(pkey, &derived, &len) == 1,
                  derived.withUnsafeBytes({ x.equals($0) }) else {
                EVP_PKEY_free(pkey)
                ERR_clear_error()
                throw .key("the Ed25519 JWK's d does not match its x")
            }
            return pkey
        }
        let made = x.withBytes { raw in
            EVP_PKEY_new_raw_public_key_ex(nil, cString("ED25519\0"), nil, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), 32)
        }
        guard let pkey = made else { throw .key(OpenSSLError.detail("the Ed25519 JWK's x is unusable")) }
        return pkey
    }

    /// A BIGNUM (flagged secure, so OpenSSL clears it) from big-endian bytes.
    private static func secureBN(_ bytes: UnsafeRawBufferPointer) -> OpaquePointer? {
        guard let bn = BN_secure_new(), bytes.count <= Int(Int32.max) else { return nil }
        let ok = BN_bin2bn(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(bytes.count), bn) != nil
        if !ok {
            BN_clear_free(bn)
            return nil
        }
        return bn
    }

    /// `EVP_PKEY_fromdata` over parameters that `push` adds to a builder;
    /// BIGNUMs it creates go into `keep` and are cleared afterwards.
    private static func fromData(type: StaticString, isPrivate: Bool,
                                 _ push: (OpaquePointer, inout [OpaquePointer]) throws(TesseraError) -> Void) throws(TesseraError) -> OpaquePointer {
        guard let bld = OSSL_PARAM_BLD_new() else { throw TesseraError(.noMemory, "OSSL_PARAM_BLD_new failed") }
        var keep: [OpaquePointer] = []
        defer {
            for bn in keep { BN_clear_free(bn) }
            OSSL_PARAM_BLD_free(bld)
        }
        try push(bld, &keep)
        guard let params = OSSL_PARAM_BLD_to_param(bld) else {
            throw TesseraError(.noMemory, OpenSSLError.detail("OSSL_PARAM_BLD_to_param failed"))
        }
        // BIGNUMs from secureBN() put the parameters in OpenSSL's secure
        // block, which OSSL_PARAM_free clears before freeing.
        defer { OSSL_PARAM_free(params) }
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, cString(type), nil) else {
            throw TesseraError(.crypto, OpenSSLError.detail("EVP_PKEY_CTX_new_from_name failed"))
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        var pkey: OpaquePointer? = nil
        guard EVP_PKEY_fromdata_init(ctx) == 1,
              EVP_PKEY_fromdata(ctx, &pkey, isPrivate ? tessera_select_keypair : tessera_select_public, params) == 1,
              let pkey else {
            throw .key(OpenSSLError.detail("the JWK's members do not make a valid key"))
        }
        return pkey
    }
}
