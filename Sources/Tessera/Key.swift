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
    /// The encoded protected header, ready to copy into each token.
    let encodedHeader: [UInt8]
    /// The HMAC states, for HS256/384/512 keys.
    let hmac: HMACKey?

    /// Largest key id accepted, in bytes.
    static let maxKidLength = 256

    private init(algorithm: Algorithm, kid: [UInt8]?, hmac: HMACKey?) {
        self.algorithm = algorithm
        self.kid = kid
        self.hmac = hmac
        self.encodedHeader = Key.encodeHeader(algorithm: algorithm, kid: kid)
    }

    deinit {
        hmac?.destroy()
    }

    /// Checks a caller's key id: 1-256 bytes of UTF-8.
    static func checkKid(_ kid: UnsafeRawBufferPointer?) throws(TesseraError) -> [UInt8]? {
        guard let kid else { return nil }
        guard kid.count > 0 else { throw .argument("kid is empty; pass NULL for no kid") }
        guard kid.count <= maxKidLength else { throw .argument("kid is longer than \(maxKidLength) bytes") }
        if let bad = UTF8Check.firstInvalid(kid) { throw .argument("kid is not valid UTF-8 (byte \(bad))") }
        return Array(kid)
    }

    /// Makes an HMAC key from a raw secret (RFC 7518 §3.2).
    static func hmac(algorithm: Algorithm, secret: UnsafeRawBufferPointer,
                     kid: UnsafeRawBufferPointer?) throws(TesseraError) -> Key {
        guard let hash = algorithm.hmacHash else {
            throw .algorithm("\(algorithm.name) is not an HMAC algorithm; tessera_key_new_hmac takes HS256, HS384 or HS512")
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
        return Key(algorithm: algorithm, kid: kidBytes, hmac: state)
    }

    /// Names the kind of key document `secret` is, if it is one: PEM armour
    /// anywhere, or a JSON object naming "kty" (a JWK) or "keys" (a JWKS).
    /// Such bytes given as an HMAC secret are the algorithm-confusion attack.
    static func asymmetricKeyDocument(_ secret: UnsafeRawBufferPointer) -> String? {
        if contains(secret, "-----BEGIN") { return "a PEM document" }
        let firstNonSpace = secret.first { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
        if firstNonSpace == UInt8(ascii: "{") && (contains(secret, "\"kty\"") || contains(secret, "\"keys\"")) {
            return "a JSON Web Key"
        }
        return nil
    }

    private static func contains(_ haystack: UnsafeRawBufferPointer, _ needle: StaticString) -> Bool {
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

    /// base64url of `{"alg":"<alg>","typ":"JWT"}` or with `,"kid":"<kid>"`.
    private static func encodeHeader(algorithm: Algorithm, kid: [UInt8]?) -> [UInt8] {
        var json: [UInt8] = Array("{\"alg\":\"".utf8)
        json.append(contentsOf: algorithm.nameBytes)
        json.append(contentsOf: "\",\"typ\":\"JWT\"".utf8)
        if let kid {
            json.append(contentsOf: ",\"kid\":\"".utf8)
            kid.withUnsafeBytes { k in
                let escapedLength = Text.jsonEscapedLength(k)
                let start = json.count
                json.append(contentsOf: repeatElement(0, count: escapedLength))
                json.withUnsafeMutableBufferPointer { b in
                    if let base = b.baseAddress { _ = Text.writeJSONEscaped(k, to: base + start) }
                }
            }
            json.append(UInt8(ascii: "\""))
        }
        json.append(UInt8(ascii: "}"))
        let encodedLength = Base64.urlEncodedLength(json.count) ?? 0
        var out = [UInt8](repeating: 0, count: encodedLength)
        json.withUnsafeBytes { j in
            out.withUnsafeMutableBufferPointer { o in
                if let base = o.baseAddress { _ = Base64.encodeURL(j, to: base) }
            }
        }
        return out
    }

    /// The signature length this key produces.
    var signatureLength: Int {
        algorithm.fixedSignatureLength ?? 0
    }

    /// Signs `input` into `sig` (room for `signatureLength` bytes).
    func sign(_ input: UnsafeRawBufferPointer, into sig: UnsafeMutableRawPointer) throws(TesseraError) {
        guard let hmac else {
            throw .key("this key cannot sign with \(algorithm.name)")
        }
        guard hmac.authenticate(input, into: sig) else {
            throw TesseraError(.crypto, "SHA-2 computation failed in OpenSSL")
        }
    }

    /// The public JWK. Only asymmetric keys have one.
    func exportJWK(to output: Output) throws(TesseraError) -> Int {
        if hmac != nil {
            throw .key("an HMAC key has no public form: its JWK would be the secret itself")
        }
        throw .key("this key has no exportable public form")
    }
}
