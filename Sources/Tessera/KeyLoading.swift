import COpenSSL

/// Turning key documents into `EVP_PKEY`s: PEM or DER (PKCS#8, PKCS#1,
/// SEC1, SPKI), JWK members, and fresh generation. Each function returns an
/// owned `EVP_PKEY` or throws `TesseraError`, never leaving an OpenSSL error
/// queued.
enum KeyLoading {
    /// Decodes a PEM or DER private or public key. An encrypted key is
    /// refused: Tessera never prompts for or takes a passphrase.
    static func decode(_ bytes: UnsafeRawBufferPointer) throws(TesseraError) -> OpaquePointer {
        guard let base = bytes.baseAddress, bytes.count > 0 else { throw .key("the PEM is empty") }
        if contains(bytes, "ENCRYPTED") {
            throw .key("the PEM is encrypted; Tessera takes unencrypted keys only (decrypt it first, e.g. `openssl pkey -in key.pem -out plain.pem`)")
        }
        // Private first (PKCS#8, PKCS#1, SEC1), then public (SPKI, PKCS#1).
        for selection in [tessera_select_keypair, tessera_select_public] {
            var pkey: OpaquePointer? = nil
            guard let dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, nil, nil, nil, selection, nil, nil) else {
                throw TesseraError(.noMemory, OpenSSLError.detail("OSSL_DECODER_CTX_new_for_pkey failed"))
            }
            defer { OSSL_DECODER_CTX_free(dctx) }
            _ = OSSL_DECODER_CTX_set_passphrase_cb(dctx, tessera_no_passphrase, nil)
            var p: UnsafePointer<UInt8>? = UnsafePointer(base.assumingMemoryBound(to: UInt8.self))
            var len = bytes.count
            if OSSL_DECODER_from_data(dctx, &p, &len) == 1, let pkey {
                ERR_clear_error()
                return pkey
            }
            EVP_PKEY_free(pkey)
        }
        throw .key(OpenSSLError.detail("not a PEM or DER key Tessera can read (PKCS#8, PKCS#1 or SEC1 private key; SPKI or PKCS#1 public key), or it is truncated"))
    }

    static func contains(_ haystack: UnsafeRawBufferPointer, _ needle: StaticString) -> Bool {
        let m = needle.utf8CodeUnitCount
        let n = haystack.count
        guard m > 0, n >= m else { return false }
        let w = needle.utf8Start
        var i = 0
        while i <= n - m {
            var k = 0
            while k < m && haystack[i + k] == w[k] { k += 1 }
            if k == m { return true }
            i += 1
        }
        return false
    }

    /// Generates a fresh key for `algorithm`: RSA 2048 bits, the
    /// algorithm's EC curve, or Ed25519.
    static func generate(_ algorithm: Algorithm) throws(TesseraError) -> OpaquePointer {
        guard let family = algorithm.family else { throw .algorithm("\(algorithm.name) is not asymmetric") }
        let name: StaticString
        switch family {
        case .rsa: name = "RSA\0"
        case .ec: name = "EC\0"
        case .ed25519: name = "ED25519\0"
        }
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, cString(name), nil) else {
            throw TesseraError(.crypto, OpenSSLError.detail("EVP_PKEY_CTX_new_from_name failed"))
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_keygen_init(ctx) == 1 else {
            throw TesseraError(.crypto, OpenSSLError.detail("EVP_PKEY_keygen_init failed"))
        }
        switch family {
        case .rsa:
            guard EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048) == 1 else {
                throw TesseraError(.crypto, OpenSSLError.detail("setting the RSA size failed"))
            }
        case .ec:
            guard let curve = algorithm.curve, EVP_PKEY_CTX_set_group_name(ctx, cString(curve.group)) == 1 else {
                throw TesseraError(.crypto, OpenSSLError.detail("setting the EC curve failed"))
            }
        case .ed25519:
            break
        }
        var pkey: OpaquePointer? = nil
        guard EVP_PKEY_generate(ctx, &pkey) == 1, let pkey else {
            throw TesseraError(.crypto, OpenSSLError.detail("key generation failed"))
        }
        return pkey
    }

    // MARK: - JWK members

    /// The bytes of a base64url JWK member, or throws naming it.
    static func member(_ jwk: JSONValue, _ name: String, required: Bool) throws(TesseraError) -> [UInt8]? {
        guard let value = jwk[name] else {
            if required { throw .key("the JWK has no \"\(name)\" member") }
            return nil
        }
        guard let text = value.stringValue else { throw .key("the JWK's \"\(name)\" is not a string") }
        guard let bytes = base64urlDecode(text.utf8), !bytes.isEmpty else {
            throw .key("the JWK's \"\(name)\" is not non-empty base64url")
        }
        return bytes
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
        var parts: [(StaticString, [UInt8])] = [(ParamName.rsaN, n), (ParamName.rsaE, e)]
        if let d = try member(jwk, "d", required: false) {
            parts.append((ParamName.rsaD, d))
            let crt: [(String, StaticString)] = [("p", ParamName.rsaP), ("q", ParamName.rsaQ), ("dp", ParamName.rsaDP),
                                                 ("dq", ParamName.rsaDQ), ("qi", ParamName.rsaQI)]
            var found: [(StaticString, [UInt8])] = []
            for (name, param) in crt {
                if let v = try member(jwk, name, required: false) { found.append((param, v)) }
            }
            guard found.isEmpty || found.count == crt.count else {
                throw .key("the JWK has some but not all of p, q, dp, dq, qi")
            }
            parts += found
        }
        defer {
            for i in parts.indices { parts[i].1.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) } }
        }
        let isPrivate = parts.count > 2
        return try fromData(type: "RSA\0", isPrivate: isPrivate) { bld, keep throws(TesseraError) in
            for (name, bytes) in parts {
                let bn = secureBN(bytes)
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
        var d = try member(jwk, "d", required: false)
        defer { _ = d?.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) } }
        if let d, d.count != curve.size { throw .key("the EC JWK's d must be \(curve.size) bytes for \(want)") }
        let point = [0x04] + x + y
        let pkey = try fromData(type: "EC\0", isPrivate: d != nil) { bld, keep throws(TesseraError) in
            guard OSSL_PARAM_BLD_push_utf8_string(bld, cString(ParamName.group), cString(curve.group), 0) == 1,
                  point.withUnsafeBytes({ OSSL_PARAM_BLD_push_octet_string(bld, cString(ParamName.pub), $0.baseAddress, $0.count) }) == 1 else {
                throw TesseraError(.crypto, OpenSSLError.detail("building EC parameters failed"))
            }
            if let d {
                let bn = secureBN(d)
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
        var d = try member(jwk, "d", required: false)
        defer { _ = d?.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) } }
        if let d {
            guard d.count == 32 else { throw .key("the Ed25519 JWK's d must be 32 bytes") }
            let made = d.withUnsafeBufferPointer { EVP_PKEY_new_raw_private_key_ex(nil, cString("ED25519\0"), nil, $0.baseAddress, 32) }
            guard let pkey = made else { throw .key(OpenSSLError.detail("the Ed25519 JWK's d is unusable")) }
            var derived = [UInt8](repeating: 0, count: 32)
            var len = 32
            guard EVP_PKEY_get_raw_public_key(pkey, &derived, &len) == 1, derived == x else {
                EVP_PKEY_free(pkey)
                ERR_clear_error()
                throw .key("the Ed25519 JWK's d does not match its x")
            }
            return pkey
        }
        let made = x.withUnsafeBufferPointer { EVP_PKEY_new_raw_public_key_ex(nil, cString("ED25519\0"), nil, $0.baseAddress, 32) }
        guard let pkey = made else { throw .key(OpenSSLError.detail("the Ed25519 JWK's x is unusable")) }
        return pkey
    }

    /// A BIGNUM (flagged secure, so OpenSSL clears it) from big-endian bytes.
    private static func secureBN(_ bytes: [UInt8]) -> OpaquePointer? {
        guard let bn = BN_secure_new() else { return nil }
        let ok = bytes.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32($0.count), bn) } != nil
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
