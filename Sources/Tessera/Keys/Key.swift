import COpenSSL

/// A key bound to one algorithm, immutable once built, shared freely across
/// threads. It owns its secret material and wipes it when freed.
///
/// The JOSE header segment (`base64url({"alg":…,"typ":"JWT"[,"kid":…]})`)
/// is computed once here, so signing a token only copies it.
final class Key: @unchecked Sendable {
    let algorithm: Algorithm
    /// The key id's UTF-8 bytes, if any.
    let kid: [UInt8]?
    /// The encoded protected header, ready to copy into each token. Memory
    /// the key owns (not an array), so reading it retains nothing.
    let encodedHeader: UnsafeRawBufferPointer
    /// The HMAC states, for HS256/384/512 keys.
    let hmac: HMACKey?
    /// The parsed key, for RS/PS/ES/EdDSA.
    let asymmetric: AsymmetricKey?
    /// False for public keys and for keys whose JWK `key_ops` omit "sign".
    let canSign: Bool

    /// Largest key id accepted, in bytes.
    static let maxKidLength = 256

    /// The designated initialiser, for the constructors here and in JWK.swift.
    init(algorithm: Algorithm, kid: [UInt8]?, hmac: HMACKey?, asymmetric: AsymmetricKey?, canSign: Bool) {
        self.algorithm = algorithm
        self.kid = kid
        self.hmac = hmac
        self.asymmetric = asymmetric
        self.canSign = canSign
        let header = Key.encodeHeader(algorithm: algorithm, kid: kid)
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(header.count, 1), alignment: 1)
        header.withUnsafeBytes { storage.copyMemory(from: $0) }
        self.encodedHeader = UnsafeRawBufferPointer(rebasing: storage[0..<header.count])
    }

    deinit {
        hmac?.destroy()
        UnsafeMutableRawBufferPointer(mutating: encodedHeader).deallocate()
    }

    /// Checks a key id: 1-256 bytes of UTF-8.
    static func checkKid(_ kid: UnsafeRawBufferPointer?, status: Status = .argument) throws(TesseraError) -> [UInt8]? {
        guard let kid else { return nil }
        guard kid.count > 0 else { throw TesseraError(status, "kid is empty; pass NULL for no kid") }
        guard kid.count <= maxKidLength else { throw TesseraError(status, "kid is longer than \(maxKidLength) bytes") }
        if let bad = UTF8Check.firstInvalid(kid) { throw TesseraError(status, "kid is not valid UTF-8 (byte \(bad))") }
        return Array(kid)
    }

    // MARK: - Constructors

    /// An HMAC key from a raw secret (RFC 7518 §3.2).
    static func hmac(algorithm: Algorithm, secret: UnsafeRawBufferPointer, kid: UnsafeRawBufferPointer?,
                     canSign: Bool = true) throws(TesseraError) -> Key {
        guard let hash = algorithm.hmacHash else {
            throw .algorithm("\(algorithm.name) is not an HMAC algorithm; HMAC secrets take HS256, HS384 or HS512")
        }
        let kidBytes = try checkKid(kid)
        guard secret.count >= hash.digestLength else {
            throw .key("\(algorithm.name) needs a secret of at least \(hash.digestLength) bytes, got \(secret.count)")
        }
        if let what = asymmetricKeyDocument(secret) {
            throw .key("the secret is \(what): an asymmetric key must not be used as an HMAC secret (algorithm confusion)")
        }
        guard let state = HMACKey(hash: hash, secret: secret) else {
            throw TesseraError(.noMemory, "could not allocate or compute the HMAC key state")
        }
        return Key(algorithm: algorithm, kid: kidBytes, hmac: state, asymmetric: nil, canSign: canSign)
    }

    /// A key from a PEM (or DER) document: private keys as PKCS#8, PKCS#1
    /// and SEC1; public keys as SPKI and PKCS#1.
    static func pem(algorithm: Algorithm, document: UnsafeRawBufferPointer, kid: UnsafeRawBufferPointer?) throws(TesseraError) -> Key {
        guard algorithm.family != nil else {
            throw .key("\(algorithm.name) is an HMAC algorithm: a PEM key cannot serve it (use tessera_key_new_hmac with the raw secret)")
        }
        let kidBytes = try checkKid(kid)
        let pkey = try KeyLoading.decode(document)
        let asym = try AsymmetricKey(pkey: pkey, algorithm: algorithm)
        try asym.checkConsistency()
        return Key(algorithm: algorithm, kid: kidBytes, hmac: nil, asymmetric: asym, canSign: asym.hasPrivate)
    }

    /// A fresh key: a random secret of the hash's length for HS*, RSA 2048,
    /// the algorithm's EC curve, or Ed25519.
    static func generate(algorithm: Algorithm, kid: UnsafeRawBufferPointer?) throws(TesseraError) -> Key {
        if let hash = algorithm.hmacHash {
            var secret = [UInt8](repeating: 0, count: hash.digestLength)
            defer { secret.withUnsafeMutableBytes { wipe($0.baseAddress, $0.count) } }
            let filled: TesseraError? = secret.withUnsafeMutableBytes { b in
                do throws(TesseraError) { try Random.fill(b) } catch { return error }
                return nil
            }
            if let filled { throw filled }
            return try withBytes(secret) { s throws(TesseraError) in try hmac(algorithm: algorithm, secret: s, kid: kid) }
        }
        let kidBytes = try checkKid(kid)
        let asym = try AsymmetricKey(pkey: try KeyLoading.generate(algorithm), algorithm: algorithm)
        return Key(algorithm: algorithm, kid: kidBytes, hmac: nil, asymmetric: asym, canSign: true)
    }

    /// Names the kind of key document `secret` is, if it is one: PEM armour
    /// anywhere, or a JSON object naming "kty" (a JWK) or "keys" (a JWKS).
    /// Such bytes given as an HMAC secret are the algorithm-confusion attack.
    static func asymmetricKeyDocument(_ secret: UnsafeRawBufferPointer) -> String? {
        if KeyLoading.contains(secret, "-----BEGIN") { return "a PEM document" }
        let firstNonSpace = secret.first { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
        if firstNonSpace == UInt8(ascii: "{") && (KeyLoading.contains(secret, "\"kty\"") || KeyLoading.contains(secret, "\"keys\"")) {
            return "a JSON Web Key"
        }
        return nil
    }

    /// base64url of `{"alg":"<alg>","typ":"JWT"}` or with `,"kid":"<kid>"`
    /// (`ProtectedHeader`).
    private static func encodeHeader(algorithm: Algorithm, kid: [UInt8]?) -> [UInt8] {
        var json = [UInt8](repeating: 0, count: ProtectedHeader.length(algorithm: algorithm, typ: nil, kid: kid, extra: 0))
        json.withUnsafeMutableBufferPointer { b in
            if let base = b.baseAddress { _ = ProtectedHeader.write(algorithm: algorithm, typ: nil, kid: kid, to: base) }
        }
        return Array(base64url(json).utf8)
    }

    // MARK: - Signing and verifying

    /// The signature length this key produces.
    var signatureLength: Int {
        asymmetric?.signatureLength ?? algorithm.fixedSignatureLength ?? 0
    }

    /// Throws `key` unless this key may sign.
    func checkCanSign() throws(TesseraError) {
        guard canSign else {
            throw .key(asymmetric != nil && asymmetric?.hasPrivate == false
                       ? "this is a public key: it can verify but not sign"
                       : "the key's JWK \"key_ops\" do not allow \"sign\"")
        }
    }

    /// An HMAC inner state saved after the first `absorbed` bytes of a
    /// signing input (a signer template's constant prefix).
    struct Resume {
        let state: UnsafeRawPointer
        let absorbed: Int
    }

    /// Signs `input` into `sig` (room for `signatureLength` bytes). With
    /// `resume`, an HMAC key hashes only the bytes after `resume.absorbed`;
    /// other keys sign the whole input.
    func sign(_ input: UnsafeRawBufferPointer, into sig: UnsafeMutableRawPointer, resuming resume: Resume? = nil) throws(TesseraError) {
        try checkCanSign()
        if let hmac {
            let ok: Bool
            if let resume {
                ok = hmac.authenticate(resuming: resume.state, UnsafeRawBufferPointer(rebasing: input[resume.absorbed...]), into: sig)
            } else {
                ok = hmac.authenticate(input, into: sig)
            }
            guard ok else {
                throw TesseraError(.crypto, "SHA-2 computation failed in OpenSSL")
            }
            return
        }
        guard let asymmetric else { throw .key("this key cannot sign") }
        try asymmetric.sign(input, into: sig)
    }

    /// Checks a JWS signature over `input`: exact length, then the MAC in
    /// constant time or the public-key verification.
    ///
    /// Constant time for HMAC: the signature's length is fixed by the
    /// algorithm (32/48/64 bytes), so the length check tells an attacker
    /// nothing; the expected MAC is computed in full, then CRYPTO_memcmp
    /// reads every byte and folds the differences with XOR/OR, never
    /// stopping at the first one. The base64url decoding before this point
    /// depends only on the attacker's own bytes. `make ct` measures it.
    func verify(_ input: UnsafeRawBufferPointer, signature: UnsafeRawBufferPointer) throws(TesseraError) -> Bool {
        if let hmac {
            let n = hmac.hash.digestLength
            guard signature.count == n, let given = signature.baseAddress else { return false }
            var mac: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
            return try withUnsafeMutableBytes(of: &mac) { m throws(TesseraError) -> Bool in
                defer { wipe(m.baseAddress, m.count) }
                guard let mp = m.baseAddress, hmac.authenticate(input, into: mp) else {
                    throw TesseraError(.crypto, "SHA-2 computation failed in OpenSSL")
                }
                return CRYPTO_memcmp(mp, given, n) == 0
            }
        }
        guard let asymmetric else { return false }
        return try asymmetric.verify(input, signature: signature)
    }
}
