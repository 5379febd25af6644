import Glibc

/// The system clock in Unix seconds.
enum Clock {
    static func now() -> Int64 {
        var ts = timespec()
        guard clock_gettime(CLOCK_REALTIME, &ts) == 0 else { return 0 }
        return Int64(ts.tv_sec)
    }
}

/// Compact JWS verification (RFC 7515 §5.2) and JWT validation (RFC 7519
/// §7.2), in the order the contract fixes; the first failure is returned:
///
/// 1. shape: size, exactly three strict base64url segments, header (and for
///    a JWT, payload) one strict JSON object (`malformed`);
/// 2. header: `alg` allowed and the key's, never `none`; `crit` refused;
///    `kid` a lookup label only (`algorithm`, `malformed`, `keyNotFound`);
/// 3. signature, exact length, constant time for MACs (`signature`);
/// 4. claims, with the policy's leeway (JWT only).
///
/// Nothing is allocated for typical tokens: the segments decode into stack
/// scratch memory, or the payload straight into the caller's buffer.
enum Verifier {
    enum Keys {
        case one(Key)
        case set(KeySet)
    }

    enum Mode {
        /// A JWT: the payload must be a JSON object and its claims are checked.
        case jwt
        /// Any JWS payload; steps 1-3 only.
        case jws
    }

    /// Verifies `token`; the decoded payload goes to `output` (which may be
    /// nil: no copy wanted). Returns the payload length.
    static func verify(_ keys: Keys, token: UnsafeRawBufferPointer, policy: Policy?, mode: Mode,
                       output: UnsafeMutableRawBufferPointer?) throws(TesseraError) -> Int {
        let config: Policy.Frozen
        if let policy { config = policy.frozen.pointee } else { config = Policy.defaults.frozen.pointee }
        let n = token.count
        guard n > 0, let base = token.baseAddress else { throw .malformed("token is empty") }
        guard n <= JWT.maxTokenLength else {
            throw .malformed("token is \(n) bytes, over the limit of \(JWT.maxTokenLength)")
        }
        let t = base.assumingMemoryBound(to: UInt8.self)
        // The dots, found with memchr (vectorised in glibc).
        var dots = 0, first = 0, second = 0
        var from = 0
        while from < n, let hit = memchr(t + from, Int32(UInt8(ascii: ".")), n - from) {
            let at = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self)) - t
            dots += 1
            if dots == 1 { first = at } else if dots == 2 { second = at } else if dots > 5 { break }
            from = at + 1
        }
        guard dots == 2 else {
            throw .malformed("token has \(dots + 1) segments; a compact JWS has exactly 3" + (dots == 4 ? " (5 is a JWE, which Tessera does not accept)" : ""))
        }
        let headerB64 = UnsafeRawBufferPointer(start: t, count: first)
        let payloadB64 = UnsafeRawBufferPointer(start: t + first + 1, count: second - first - 1)
        let sigB64 = UnsafeRawBufferPointer(start: t + second + 1, count: n - second - 1)
        let headerLength = Base64.urlDecodedLength(headerB64.count)
        let payloadLength = Base64.urlDecodedLength(payloadB64.count)
        let sigLength = Base64.urlDecodedLength(sigB64.count)
        // The payload goes straight into the caller's buffer when it fits.
        let direct: UnsafeMutablePointer<UInt8>? = {
            guard let output, let o = output.baseAddress, output.count > payloadLength else { return nil }
            return o.assumingMemoryBound(to: UInt8.self)
        }()
        let scratchSize = headerLength + sigLength + (direct == nil ? payloadLength : 0)
        // Captured as Unmanaged and borrowed inside: the caller's references
        // keep them alive, and a strong capture would retain shared objects
        // on every token.
        var singleKey: Unmanaged<Key>? = nil, keySet: Unmanaged<KeySet>? = nil
        switch keys {
        case .one(let k): singleKey = Unmanaged.passUnretained(k)
        case .set(let s): keySet = Unmanaged.passUnretained(s)
        }
        return try withUnsafeTemporaryAllocation(byteCount: max(scratchSize, 1), alignment: 8) { scratch throws(TesseraError) -> Int in
            guard let s = scratch.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
                throw TesseraError(.noMemory, "no scratch memory")
            }
            let header = s
            let sig = s + headerLength
            let payload = direct ?? (s + headerLength + sigLength)
            do throws(TesseraError) {
                // 1. Shape.
                guard Base64.decodeURL(headerB64, to: header, capacity: headerLength) == headerLength else {
                    throw .malformed("header segment is not strict base64url (no padding, '+', '/', whitespace; unused bits zero)")
                }
                guard Base64.decodeURL(payloadB64, to: payload, capacity: payloadLength) == payloadLength else {
                    throw .malformed("payload segment is not strict base64url (no padding, '+', '/', whitespace; unused bits zero)")
                }
                guard Base64.decodeURL(sigB64, to: sig, capacity: sigLength) == sigLength else {
                    throw .malformed("signature segment is not strict base64url (no padding, '+', '/', whitespace; unused bits zero)")
                }
                _ = try JSONChecker.checkObject(UnsafeRawBufferPointer(start: header, count: headerLength), label: "header")
                if mode == .jwt {
                    _ = try JSONChecker.checkObject(UnsafeRawBufferPointer(start: payload, count: payloadLength), label: "claims")
                }
                // 2. Header.
                let facts = try HeaderFacts(header, headerLength)
                if config.allowed != 0 && !config.allows(facts.alg) {
                    throw .algorithm("alg \(facts.alg.name) is not allowed by the policy")
                }
                // 3. Signature.
                let input = UnsafeRawBufferPointer(start: t, count: second)
                let signature = UnsafeRawBufferPointer(start: sig, count: sigLength)
                if let singleKey {
                    try singleKey.borrow { (key: Key) throws(TesseraError) in
                        guard key.algorithm == facts.alg else {
                            throw .algorithm("the token's alg \(facts.alg.name) is not the key's (\(key.algorithm.name))")
                        }
                        guard try key.verify(input, signature: signature) else { throw signatureError(key, sigLength) }
                    }
                } else if let keySet {
                    try keySet.borrow { (set: KeySet) throws(TesseraError) in
                        try verifyWithSet(set, facts: facts, header: header, input: input, signature: signature)
                    }
                }
                // 4. Claims.
                if mode == .jwt {
                    try Claims.check(payload, payloadLength, header: header, typ: facts.typ, config: config)
                }
            } catch {
                if let direct { direct.update(repeating: 0, count: payloadLength) }
                throw error
            }
            if let output, let o = output.baseAddress?.assumingMemoryBound(to: UInt8.self) {
                guard output.count > payloadLength else {
                    throw TesseraError(.bufferTooSmall, "the verified payload needs \(payloadLength) bytes plus a NUL (the token is valid)",
                                       needed: payloadLength)
                }
                if direct == nil { o.update(from: payload, count: payloadLength) }
                o[payloadLength] = 0
            }
            return payloadLength
        }
    }

    private static func signatureError(_ key: Key, _ length: Int) -> TesseraError {
        if length != key.signatureLength {
            return TesseraError(.signature, "signature is \(length) bytes; \(key.algorithm.name) with this key needs \(key.signatureLength)")
        }
        return TesseraError(.signature, "signature does not verify")
    }

    /// Picks keys by kid (exact) when the token has one, else by alg, and
    /// accepts the token if one of them verifies it.
    private static func verifyWithSet(_ set: KeySet, facts: HeaderFacts, header: UnsafePointer<UInt8>,
                                      input: UnsafeRawBufferPointer, signature: UnsafeRawBufferPointer) throws(TesseraError) {
        var kidMatches = 0
        var tried: Unmanaged<Key>? = nil
        for entry in set.frozen {
            let verified = try entry.borrow { (key: Key) throws(TesseraError) -> Bool in
                if let kid = facts.kid {
                    guard let keyKid = key.kid,
                          keyKid.withUnsafeBytes({ JSONChecker.stringEquals(kid, $0, in: header) }) else { return false }
                    kidMatches += 1
                }
                guard key.algorithm == facts.alg else { return false }
                tried = entry
                return try key.verify(input, signature: signature)
            }
            if verified { return }
        }
        if let tried { throw tried._withUnsafeGuaranteedRef { signatureError($0, signature.count) } }
        if facts.kid != nil {
            throw TesseraError(.keyNotFound, kidMatches == 0 ? "no key in the set has the token's kid"
                               : "the key with the token's kid is not for \(facts.alg.name)")
        }
        throw TesseraError(.keyNotFound, "no key in the set is for \(facts.alg.name)")
    }

    /// What step 2 needs from the protected header.
    struct HeaderFacts {
        let alg: Algorithm
        let kid: JSONChecker.NameSpan?
        let typ: JSONChecker.NameSpan?

        init(_ h: UnsafePointer<UInt8>, _ n: Int) throws(TesseraError) {
            var members = JSONChecker.Members(p: h, n: n)
            var algValue: Range<Int>? = nil, kidValue: Range<Int>? = nil, typValue: Range<Int>? = nil
            var crit = false, b64False = false
            while let m = members.next() {
                if JSONChecker.nameEquals(m.name, "alg", in: h) {
                    algValue = m.value
                } else if JSONChecker.nameEquals(m.name, "crit", in: h) {
                    crit = true
                } else if JSONChecker.nameEquals(m.name, "kid", in: h) {
                    kidValue = m.value
                } else if JSONChecker.nameEquals(m.name, "typ", in: h) {
                    typValue = m.value
                } else if JSONChecker.nameEquals(m.name, "b64", in: h) {
                    b64False = h[m.value.lowerBound] != UInt8(ascii: "t")
                }
                // jwk, jku, x5u, x5c, x5t: never used to find or trust a key.
            }
            guard let algValue else { throw .malformed("header has no alg") }
            guard let algSpan = Verifier.stringSpan(h, algValue) else { throw .malformed("header alg is not a string") }
            guard let alg = Verifier.algorithm(algSpan, in: h) else {
                if Verifier.isNone(algSpan, in: h) { throw .algorithm("alg \"none\" (unsecured JWS) is never accepted") }
                throw .algorithm("header alg is not an algorithm Tessera knows (names are exact, e.g. \"HS256\")")
            }
            if crit {
                throw .malformed("header has crit: Tessera understands no JWS extension, so it must refuse the token")
            }
            if b64False {
                throw .malformed("header has b64 other than true: unencoded payloads (RFC 7797) are not supported")
            }
            self.alg = alg
            if let kidValue {
                guard let span = Verifier.stringSpan(h, kidValue) else { throw .malformed("header kid is not a string") }
                kid = span
            } else {
                kid = nil
            }
            if let typValue {
                guard let span = Verifier.stringSpan(h, typValue) else { throw .malformed("header typ is not a string") }
                typ = span
            } else {
                typ = nil
            }
        }
    }

    /// The content span of a validated JSON string value, or nil if the
    /// value is not a string.
    static func stringSpan(_ p: UnsafePointer<UInt8>, _ value: Range<Int>) -> JSONChecker.NameSpan? {
        guard value.count >= 2, p[value.lowerBound] == UInt8(ascii: "\"") else { return nil }
        let start = value.lowerBound + 1, end = value.upperBound - 1
        var escaped = false
        for i in start..<end where p[i] == UInt8(ascii: "\\") {
            escaped = true
            break
        }
        return JSONChecker.NameSpan(start: start, length: end - start, escaped: escaped)
    }

    static func algorithm(_ span: JSONChecker.NameSpan, in p: UnsafePointer<UInt8>) -> Algorithm? {
        for alg in Algorithm.allCases where JSONChecker.stringEquals(span, alg.nameBytes, in: p) {
            return alg
        }
        return nil
    }

    /// "none" in any letter case.
    static func isNone(_ span: JSONChecker.NameSpan, in p: UnsafePointer<UInt8>) -> Bool {
        var scalars = JSONChecker.Scalars(span, in: p)
        for c in "none".unicodeScalars {
            guard let u = scalars.next(), u | 0x20 == c.value else { return false }
        }
        return scalars.next() == nil
    }
}

/// Step 4: the registered claims, against the policy.
enum Claims {
    static func check(_ p: UnsafePointer<UInt8>, _ n: Int, header: UnsafePointer<UInt8>, typ: JSONChecker.NameSpan?,
                      config: Policy.Frozen) throws(TesseraError) {
        var exp: Range<Int>? = nil, nbf: Range<Int>? = nil, iat: Range<Int>? = nil
        var iss: Range<Int>? = nil, sub: Range<Int>? = nil, aud: Range<Int>? = nil
        var members = JSONChecker.Members(p: p, n: n)
        while let m = members.next() {
            let name = m.name
            guard name.length == 3 || name.escaped else { continue }
            if JSONChecker.nameEquals(name, "exp", in: p) { exp = m.value }
            else if JSONChecker.nameEquals(name, "nbf", in: p) { nbf = m.value }
            else if JSONChecker.nameEquals(name, "iat", in: p) { iat = m.value }
            else if JSONChecker.nameEquals(name, "iss", in: p) { iss = m.value }
            else if JSONChecker.nameEquals(name, "sub", in: p) { sub = m.value }
            else if JSONChecker.nameEquals(name, "aud", in: p) { aud = m.value }
        }
        let now = config.fixedTime ?? Clock.now()
        let leeway = config.leeway
        let expDate = try date(p, exp, "exp")
        let nbfDate = try date(p, nbf, "nbf")
        let iatDate = try date(p, iat, "iat")
        if let expDate, !(now - leeway < expDate) {
            throw TesseraError(.expired, "exp: the token expired at \(expDate); now is \(now) (leeway \(leeway) s)")
        }
        if let nbfDate, nbfDate > now + leeway {
            throw TesseraError(.notYetValid, "nbf: the token is not valid before \(nbfDate); now is \(now) (leeway \(leeway) s)")
        }
        if let iatDate, iatDate > now + leeway {
            throw TesseraError(.issuedInFuture, "iat: the token was issued at \(iatDate), after now (\(now), leeway \(leeway) s)")
        }
        if config.maxLifetime > 0 {
            guard let expDate, let iatDate else {
                throw TesseraError(.claim, "the policy limits the lifetime, so the token needs both iat and exp")
            }
            guard expDate - iatDate <= config.maxLifetime else {
                throw TesseraError(.lifetime, "lifetime exp - iat = \(expDate - iatDate) s is over the policy's maximum of \(config.maxLifetime) s")
            }
        }
        try exactString(p, iss, "iss", expected: config.issuer)
        try exactString(p, sub, "sub", expected: config.subject)
        try audience(p, aud, expected: config.audience)
        if let expected = config.type {
            guard let typ else { throw TesseraError(.claim, "typ: the header has no typ; the policy expects one") }
            guard typeMatches(typ, expected, in: header) else {
                throw TesseraError(.claim, "typ: the header's typ is not the one the policy expects")
            }
        }
        for name in config.required {
            var scan = JSONChecker.Members(p: p, n: n)
            var found = false
            while let m = scan.next() {
                if JSONChecker.stringEquals(m.name, name, in: p) {
                    found = true
                    break
                }
            }
            if !found {
                throw TesseraError(.claim, "required claim \"\(String(decoding: name, as: UTF8.self))\" is missing")
            }
        }
    }

    /// A NumericDate claim's value, if present; CLAIM when it is not a
    /// number or out of range.
    private static func date(_ p: UnsafePointer<UInt8>, _ value: Range<Int>?, _ name: StaticString) throws(TesseraError) -> Int64? {
        guard let value else { return nil }
        let c = p[value.lowerBound]
        guard c == UInt8(ascii: "-") || (c >= 0x30 && c <= 0x39) else {
            throw TesseraError(.claim, "\(name) is not a number (a NumericDate must be a JSON number)")
        }
        guard let date = JSONChecker.numericDate(UnsafeRawBufferPointer(start: p + value.lowerBound, count: value.count)) else {
            throw TesseraError(.claim, "\(name) is out of range (a NumericDate must lie in [0, 253402300799])")
        }
        return date
    }

    private static func exactString(_ p: UnsafePointer<UInt8>, _ value: Range<Int>?, _ name: StaticString,
                                    expected: UnsafeRawBufferPointer?) throws(TesseraError) {
        var span: JSONChecker.NameSpan? = nil
        if let value {
            guard let s = Verifier.stringSpan(p, value) else { throw TesseraError(.claim, "\(name) is not a string") }
            span = s
        }
        guard let expected else { return }
        guard let span else { throw TesseraError(.claim, "\(name) is missing; the policy requires one") }
        guard JSONChecker.stringEquals(span, expected, in: p) else {
            throw TesseraError(.claim, "\(name) does not match the policy's (exact comparison)")
        }
    }

    private static func audience(_ p: UnsafePointer<UInt8>, _ value: Range<Int>?, expected: UnsafeRawBufferPointer?) throws(TesseraError) {
        guard let value else {
            if expected != nil { throw TesseraError(.claim, "aud is missing; the policy requires an audience") }
            return
        }
        var found = false
        if let s = Verifier.stringSpan(p, value) {
            if let expected { found = JSONChecker.stringEquals(s, expected, in: p) }
        } else if p[value.lowerBound] == UInt8(ascii: "[") {
            var elements = JSONChecker.Members(p: p, n: value.upperBound)
            elements.i = value.lowerBound + 1
            var count = 0
            while let element = elements.nextElement() {
                guard let s = Verifier.stringSpan(p, element) else {
                    throw TesseraError(.claim, "aud holds something other than strings")
                }
                count += 1
                if let expected, !found { found = JSONChecker.stringEquals(s, expected, in: p) }
            }
            guard count > 0 else { throw TesseraError(.claim, "aud is an empty array") }
        } else {
            throw TesseraError(.claim, "aud is neither a string nor an array of strings")
        }
        guard expected != nil else {
            throw TesseraError(.claim, "aud is present but the policy names no audience (RFC 7519 §4.1.3)")
        }
        guard found else { throw TesseraError(.claim, "aud does not contain the policy's audience") }
    }

    /// typ compared as a media type: ASCII case-insensitively, with an
    /// optional "application/" prefix on either side (RFC 7515 §4.1.9).
    private static func typeMatches(_ span: JSONChecker.NameSpan, _ expected: UnsafeRawBufferPointer, in p: UnsafePointer<UInt8>) -> Bool {
        var given: [UInt8] = []
        var scalars = JSONChecker.Scalars(span, in: p)
        while let u = scalars.next() {
            guard u < 0x80, given.count < Policy.maxStringLength + 16 else { return false }
            given.append(UInt8(u))
        }
        func normalized(_ b: [UInt8]) -> [UInt8] {
            var lower = b.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
            let prefix = Array("application/".utf8)
            if lower.starts(with: prefix) { lower.removeFirst(prefix.count) }
            return lower
        }
        return normalized(given) == normalized(Array(expected))
    }
}
