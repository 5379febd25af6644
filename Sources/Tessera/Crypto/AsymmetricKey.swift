import COpenSSL

/// An asymmetric key (RSA, EC, Ed25519) parsed once into an `EVP_PKEY`, with
/// its digest fetched once and signing/verifying contexts initialised once.
/// Each operation copies the ready context (`EVP_MD_CTX_copy_ex`): no
/// algorithm fetch, no shared mutable state, so any number of threads may
/// sign with one key.
final class AsymmetricKey: @unchecked Sendable {
    let pkey: OpaquePointer
    let algorithm: Algorithm
    let family: KeyFamily
    let hasPrivate: Bool
    /// Bytes of a JWS signature: the modulus size (RSA), 2 × the coordinate
    /// size (ECDSA, raw r‖s), 64 (Ed25519).
    let signatureLength: Int
    private let md: OpaquePointer?
    private let signTemplate: OpaquePointer?
    private let verifyTemplate: OpaquePointer?

    static let minRSABits: Int32 = 2048
    /// Largest RSA modulus accepted: 8192 bits is generous for JWS (RFC 7518
    /// asks for 2048) and bounds the cost of one verification.
    static let maxRSABits: Int32 = 8192

    /// Binds `pkey` (owned from here on, freed on failure too) to
    /// `algorithm` after the contract's checks.
    init(pkey: OpaquePointer, algorithm: Algorithm) throws(TesseraError) {
        guard let family = algorithm.family else {
            EVP_PKEY_free(pkey)
            throw .key("\(algorithm.name) is an HMAC algorithm; an asymmetric key cannot be used with it")
        }
        self.pkey = pkey
        self.algorithm = algorithm
        self.family = family
        var md: OpaquePointer? = nil
        var sign: OpaquePointer? = nil
        var verify: OpaquePointer? = nil
        // Until every stored property is set, failures free by hand.
        func cleanup() {
            EVP_MD_CTX_free(sign)
            EVP_MD_CTX_free(verify)
            EVP_MD_free(md)
            EVP_PKEY_free(pkey)
        }
        do throws(TesseraError) {
            try AsymmetricKey.checkType(pkey, algorithm: algorithm, family: family)
            let priv = AsymmetricKey.hasPrivateComponent(pkey, family: family)
            if let name = algorithm.digestName {
                md = EVP_MD_fetch(nil, cString(name), nil)
                guard md != nil else { throw TesseraError(.crypto, OpenSSLError.detail("EVP_MD_fetch failed")) }
            }
            if priv { sign = try AsymmetricKey.makeTemplate(pkey, md: md, algorithm: algorithm, signing: true) }
            verify = try AsymmetricKey.makeTemplate(pkey, md: md, algorithm: algorithm, signing: false)
            self.hasPrivate = priv
            switch family {
            case .rsa: signatureLength = Int(EVP_PKEY_get_size(pkey))
            case .ec: signatureLength = 2 * (algorithm.curve?.size ?? 0)
            case .ed25519: signatureLength = 64
            }
        } catch {
            cleanup()
            throw error
        }
        self.md = md
        self.signTemplate = sign
        self.verifyTemplate = verify
    }

    deinit {
        EVP_MD_CTX_free(signTemplate)
        EVP_MD_CTX_free(verifyTemplate)
        EVP_MD_free(md)
        // Frees and clears the private key material.
        EVP_PKEY_free(pkey)
    }

    /// The contract's key checks: family, RSA size, EC curve.
    private static func checkType(_ pkey: OpaquePointer, algorithm: Algorithm, family: KeyFamily) throws(TesseraError) {
        let id = EVP_PKEY_get_base_id(pkey)
        switch family {
        case .rsa:
            guard id == tessera_pkey_rsa else {
                if id == tessera_pkey_rsa_pss {
                    throw .key("RSA-PSS-restricted keys are not supported; use a plain RSA key for \(algorithm.name)")
                }
                throw .key("\(algorithm.name) needs an RSA key, got \(typeName(id))")
            }
            let bits = EVP_PKEY_get_bits(pkey)
            guard bits >= minRSABits else {
                throw .key("RSA key of \(bits) bits is too small: at least \(minRSABits) bits are required")
            }
            guard bits <= maxRSABits else {
                throw .key("RSA key of \(bits) bits is larger than the supported \(maxRSABits)")
            }
        case .ec:
            guard id == tessera_pkey_ec else {
                throw .key("\(algorithm.name) needs an EC key, got \(typeName(id))")
            }
            guard let curve = algorithm.curve else { throw .key("no curve for \(algorithm.name)") }
            var name = [CChar](repeating: 0, count: 64)
            var len = 0
            guard EVP_PKEY_get_utf8_string_param(pkey, cString(ParamName.group), &name, name.count, &len) == 1 else {
                throw .key(OpenSSLError.detail("the EC key names no curve"))
            }
            let got = String(decoding: name.prefix(len).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let want = String(decoding: UnsafeRawBufferPointer(start: curve.group.utf8Start, count: curve.group.utf8CodeUnitCount - 1), as: UTF8.self)
            guard got == want else {
                throw .key("\(algorithm.name) needs an EC key on \(curve.jwk) (\(want)), got one on \(got)")
            }
        case .ed25519:
            guard id == tessera_pkey_ed25519 else {
                throw .key("EdDSA needs an Ed25519 key, got \(typeName(id))")
            }
        }
    }

    static func typeName(_ id: Int32) -> String {
        switch id {
        case tessera_pkey_rsa: return "an RSA key"
        case tessera_pkey_rsa_pss: return "an RSA-PSS key"
        case tessera_pkey_ec: return "an EC key"
        case tessera_pkey_ed25519: return "an Ed25519 key"
        default:
            if let sn = OBJ_nid2sn(id) { return "a key of type \(String(cString: sn))" }
            return "a key of an unsupported type"
        }
    }

    static func hasPrivateComponent(_ pkey: OpaquePointer, family: KeyFamily) -> Bool {
        switch family {
        case .rsa:
            var d: OpaquePointer? = nil
            defer { BN_clear_free(d) }
            return EVP_PKEY_get_bn_param(pkey, cString(ParamName.rsaD), &d) == 1 && d != nil
        case .ec:
            var d: OpaquePointer? = nil
            defer { BN_clear_free(d) }
            return EVP_PKEY_get_bn_param(pkey, cString(ParamName.priv), &d) == 1 && d != nil
        case .ed25519:
            // Asks for the size alone: EVP_PKEY_get_raw_private_key would
            // export a copy of the key that OpenSSL 3.0 frees unwiped.
            var len = 0
            let ok = EVP_PKEY_get_octet_string_param(pkey, cString(ParamName.priv), nil, 0, &len) == 1 && len == 32
            ERR_clear_error()
            return ok
        }
    }

    private static func makeTemplate(_ pkey: OpaquePointer, md: OpaquePointer?, algorithm: Algorithm,
                                     signing: Bool) throws(TesseraError) -> OpaquePointer {
        guard let ctx = EVP_MD_CTX_new() else { throw TesseraError(.noMemory, "EVP_MD_CTX_new failed") }
        var pctx: OpaquePointer? = nil
        let ok = signing ? EVP_DigestSignInit(ctx, &pctx, md, nil, pkey) : EVP_DigestVerifyInit(ctx, &pctx, md, nil, pkey)
        guard ok == 1 else {
            EVP_MD_CTX_free(ctx)
            throw TesseraError(.key, OpenSSLError.detail("the key cannot be used for \(algorithm.name)"))
        }
        if algorithm.isPSS {
            guard EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1,
                  EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1,
                  EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) == 1 else {
                EVP_MD_CTX_free(ctx)
                throw TesseraError(.crypto, OpenSSLError.detail("setting RSA-PSS parameters failed"))
            }
        } else if algorithm.family == .rsa {
            guard EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1 else {
                EVP_MD_CTX_free(ctx)
                throw TesseraError(.crypto, OpenSSLError.detail("setting RSA PKCS#1 v1.5 padding failed"))
            }
        }
        return ctx
    }

    // MARK: - Signing and verifying

    /// Signs `input`, writing exactly `signatureLength` bytes at `sig` (raw
    /// r‖s for ECDSA).
    func sign(_ input: UnsafeRawBufferPointer, into sig: UnsafeMutableRawPointer) throws(TesseraError) {
        guard let template = signTemplate else {
            throw .key("this is a public key: it can verify but not sign")
        }
        guard let ctx = EVP_MD_CTX_new() else { throw TesseraError(.noMemory, "EVP_MD_CTX_new failed") }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_MD_CTX_copy_ex(ctx, template) == 1 else {
            throw TesseraError(.crypto, OpenSSLError.detail("EVP_MD_CTX_copy_ex failed"))
        }
        let out = sig.assumingMemoryBound(to: UInt8.self)
        let message = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
        if family != .ec {
            var len = signatureLength
            guard EVP_DigestSign(ctx, out, &len, message, input.count) == 1, len == signatureLength else {
                throw TesseraError(.crypto, OpenSSLError.detail("\(algorithm.name) signing failed"))
            }
            return
        }
        // ECDSA: OpenSSL writes DER; JWS wants fixed-size big-endian r‖s.
        let half = signatureLength / 2
        try withUnsafeTemporaryAllocation(byteCount: ECDSASignature.derCapacity(half: half), alignment: 8) {
            der throws(TesseraError) in
            guard let derBase = der.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
                throw TesseraError(.noMemory, "no scratch memory")
            }
            var len = der.count
            guard EVP_DigestSign(ctx, derBase, &len, message, input.count) == 1 else {
                throw TesseraError(.crypto, OpenSSLError.detail("\(algorithm.name) signing failed"))
            }
            guard ECDSASignature.rawFromDER(UnsafeRawBufferPointer(start: derBase, count: len), half: half, into: out) else {
                throw TesseraError(.crypto, "could not decode OpenSSL's ECDSA signature")
            }
        }
    }

    /// For a private key read from a document (PEM, DER, JWK): signs a test
    /// message and verifies it with the public half. Nothing in a document
    /// forces its parts to agree (an RSA modulus that is not p·q, an EC point
    /// that is not d·G): such a key would sign tokens that nobody, itself
    /// included, can verify. One signature and one verification at load
    /// (about 1 ms for RSA 2048); generated keys skip it.
    func checkConsistency() throws(TesseraError) {
        guard hasPrivate else { return }
        let message: StaticString = "Tessera key consistency check"
        let input = UnsafeRawBufferPointer(start: message.utf8Start, count: message.utf8CodeUnitCount)
        let agrees = try withUnsafeTemporaryAllocation(byteCount: max(signatureLength, 1), alignment: 8) {
            (sig: UnsafeMutableRawBufferPointer) throws(TesseraError) -> Bool in
            guard let base = sig.baseAddress else { throw TesseraError(.noMemory, "no scratch memory") }
            try sign(input, into: base)
            return try verify(input, signature: UnsafeRawBufferPointer(start: base, count: signatureLength))
        }
        guard agrees else {
            ERR_clear_error()
            throw .key("the private key does not match its public key (its test signature does not verify)")
        }
    }

    /// Verifies a JWS signature over `input`. Lengths are exact: RSA
    /// signatures of the modulus size, ECDSA raw r‖s of 2 × the coordinate
    /// size (DER is refused), Ed25519 64 bytes. PSS requires salt length =
    /// hash length. Returns false for a signature that does not verify.
    func verify(_ input: UnsafeRawBufferPointer, signature: UnsafeRawBufferPointer) throws(TesseraError) -> Bool {
        guard signature.count == signatureLength, let sigBase = signature.baseAddress else { return false }
        guard let template = verifyTemplate, let ctx = EVP_MD_CTX_new() else {
            throw TesseraError(.noMemory, "EVP_MD_CTX_new failed")
        }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_MD_CTX_copy_ex(ctx, template) == 1 else {
            throw TesseraError(.crypto, OpenSSLError.detail("EVP_MD_CTX_copy_ex failed"))
        }
        let message = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let result: Int32
        if family == .ec {
            // JWS's r‖s as the DER OpenSSL verifies (at most 141 bytes).
            let half = signatureLength / 2
            result = try withUnsafeTemporaryAllocation(byteCount: ECDSASignature.derCapacity(half: half), alignment: 8) {
                (der: UnsafeMutableRawBufferPointer) throws(TesseraError) -> Int32 in
                guard let derBase = der.baseAddress?.assumingMemoryBound(to: UInt8.self),
                      let derLength = ECDSASignature.derFromRaw(sigBase.assumingMemoryBound(to: UInt8.self), half: half,
                                                                into: derBase) else {
                    throw TesseraError(.crypto, "ECDSA signature of an unexpected size")
                }
                return EVP_DigestVerify(ctx, derBase, derLength, message, input.count)
            }
        } else {
            result = EVP_DigestVerify(ctx, sigBase.assumingMemoryBound(to: UInt8.self), signature.count, message, input.count)
        }
        if result != 1 { ERR_clear_error() }
        return result == 1
    }

    // MARK: - Public components

    /// The public JWK members after `kty`, in RFC 7638 order of the rest:
    /// RSA `n`,`e`; EC `crv`,`x`,`y`; OKP `crv`,`x` (base64url).
    func publicComponents() throws(TesseraError) -> [(name: String, value: String)] {
        switch family {
        case .rsa:
            return [("n", try bnParam(ParamName.rsaN, pad: 0)), ("e", try bnParam(ParamName.rsaE, pad: 0))]
        case .ec:
            guard let curve = algorithm.curve else { throw .key("no curve") }
            return [("crv", String(decoding: UnsafeRawBufferPointer(start: curve.jwk.utf8Start, count: curve.jwk.utf8CodeUnitCount), as: UTF8.self)),
                    ("x", try bnParam(ParamName.ecX, pad: curve.size)), ("y", try bnParam(ParamName.ecY, pad: curve.size))]
        case .ed25519:
            var raw = [UInt8](repeating: 0, count: 32)
            var len = 32
            guard EVP_PKEY_get_raw_public_key(pkey, &raw, &len) == 1, len == 32 else {
                throw TesseraError(.crypto, OpenSSLError.detail("could not read the Ed25519 public key"))
            }
            return [("crv", "Ed25519"), ("x", base64url(raw))]
        }
    }

    private func bnParam(_ name: StaticString, pad: Int) throws(TesseraError) -> String {
        var bn: OpaquePointer? = nil
        guard EVP_PKEY_get_bn_param(pkey, cString(name), &bn) == 1, let bn else {
            throw TesseraError(.crypto, OpenSSLError.detail("could not read a public key component"))
        }
        defer { BN_free(bn) }
        let size = max(pad, Int((BN_num_bits(bn) + 7) / 8))
        var bytes = [UInt8](repeating: 0, count: max(size, 1))
        guard BN_bn2binpad(bn, &bytes, Int32(bytes.count)) == Int32(bytes.count) else {
            throw TesseraError(.crypto, "public key component does not fit")
        }
        return base64url(bytes)
    }
}
