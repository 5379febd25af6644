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
}
