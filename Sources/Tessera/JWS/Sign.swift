import COpenSSL

/// Compact JWS signing (RFC 7515 §7.1) of JWT claims (RFC 7519).
enum JWT {
    /// Checks a caller's claims: within the token size limit, one strict
    /// JSON object, and naming none of the registered claims in `adding`
    /// (`argument`: "<clash> "iat" and "exp", which <addedBy>").
    static func checkClaims(_ claims: UnsafeRawBufferPointer, adding: JSONChecker.RegisteredClaims = [],
                            clash: StaticString = "claims already contain",
                            addedBy: StaticString = "") throws(TesseraError) -> JSONChecker.TopLevel {
        guard claims.count <= CompactJWS.maxLength else {
            throw .malformed("claims are \(claims.count) bytes; a token is limited to \(CompactJWS.maxLength) bytes")
        }
        let top = try JSONChecker.checkObject(claims, label: "claims")
        let named = top.registered.intersection(adding)
        if !named.isEmpty {
            throw .argument("\(clash) \(describe(named)), which \(addedBy)")
        }
        return top
    }

    /// `tessera_jwt_sign`: the caller's claims, checked, then signed.
    static func sign(key: Key, claims: UnsafeRawBufferPointer, output: Output) throws(TesseraError) -> Int {
        _ = try checkClaims(claims)
        return try assemble(key: key, payloadLength: claims.count, output: output) { stream in
            stream.append(claims)
        }
    }

    /// `tessera_jwt_sign_header`: the caller's claims under a protected
    /// header of alg, typ (the caller's, or "JWT"), the key's kid, then the
    /// caller's other header members as written.
    static func sign(key: Key, header: UnsafeRawBufferPointer?, claims: UnsafeRawBufferPointer,
                     output: Output) throws(TesseraError) -> Int {
        guard let header else { return try sign(key: key, claims: claims, output: output) }
        _ = try checkClaims(claims)
        guard header.count <= CompactJWS.maxLength else {
            throw .malformed("header is \(header.count) bytes; a token is limited to \(CompactJWS.maxLength) bytes")
        }
        _ = try JSONChecker.checkObject(header, label: "header")
        guard let h = header.baseAddress?.assumingMemoryBound(to: UInt8.self) else { throw .malformed("header is empty") }
        // First pass: refuse what Tessera will not write, find typ, size the JSON.
        var typ: Range<Int>? = nil
        var othersLength = 0
        var members = JSONScanner.members(h, header.count)
        while let m = members.nextMember() {
            for forbidden in forbiddenHeaderNames where m.name.equals(forbidden, in: h) {
                throw .argument("header member \"\(forbidden)\" is not the caller's to set")
            }
            if m.name.equals("typ", in: h) {
                guard JSONScanner.stringSpan(h, m.value) != nil else { throw .argument("header typ is not a string") }
                typ = m.value
            } else {
                othersLength += 1 + (m.name.length + 2) + 1 + m.value.count
            }
        }
        let jsonLength = ProtectedHeader.length(algorithm: key.algorithm, typ: typ?.count, kid: key.kid, extra: othersLength)
        guard let encodedLength = Base64.urlEncodedLength(jsonLength) else { throw .malformed("header too large") }
        return try withUnsafeTemporaryAllocation(byteCount: jsonLength + encodedLength, alignment: 8) { scratch throws(TesseraError) -> Int in
            guard let json = scratch.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
                throw TesseraError(.noMemory, "no scratch memory")
            }
            let q = ProtectedHeader.write(algorithm: key.algorithm,
                                          typ: typ.map { UnsafeRawBufferPointer(start: h + $0.lowerBound, count: $0.count) },
                                          kid: key.kid, to: json) { q in
                var q = q
                var again = JSONScanner.members(h, header.count)
                while let m = again.nextMember() {
                    if m.name.equals("typ", in: h) { continue }
                    q = Text.write(",", to: q)
                    q = Text.write(UnsafeRawBufferPointer(start: h + m.name.start - 1, count: m.name.length + 2), to: q)
                    q = Text.write(":", to: q)
                    q = Text.write(UnsafeRawBufferPointer(start: h + m.value.lowerBound, count: m.value.count), to: q)
                }
                return q
            }
            guard q - json == jsonLength else { throw TesseraError(.crypto, "internal error: header length mismatch") }
            let encoded = json + jsonLength
            let end = Base64.encodeURL(UnsafeRawBufferPointer(start: json, count: jsonLength), to: encoded)
            return try assemble(key: key, payloadLength: claims.count,
                                encodedHeader: UnsafeRawBufferPointer(start: encoded, count: end - encoded),
                                output: output) { stream in
                stream.append(claims)
            }
        }
    }

    /// Header members `tessera_jwt_sign_header` refuses: alg and kid come
    /// from the key; the others would ask a verifier to understand an
    /// extension or to fetch or trust a key.
    static let forbiddenHeaderNames: [StaticString] = ["alg", "kid", "crit", "b64", "jwk", "jku", "x5u", "x5c", "x5t"]

    /// `tessera_jwt_issue`: the caller's claims with iat, exp and the flagged
    /// nbf and jti appended.
    static func issue(key: Key, claims: UnsafeRawBufferPointer, now: Int64, ttl: UInt32,
                      flags: UInt32, output: Output) throws(TesseraError) -> Int {
        let (exp, adding) = try checkIssue(now: now, ttl: ttl, flags: flags)
        let top = try checkClaims(claims, adding: adding, addedBy: "tessera_jwt_issue adds")
        // The claims up to (not including) their closing brace, then the
        // added members and a new closing brace.
        let head = UnsafeRawBufferPointer(rebasing: claims[0..<top.closingBrace])
        return try withUnsafeTemporaryAllocation(byteCount: registeredTailCapacity, alignment: 1) { scratch throws(TesseraError) -> Int in
            guard let s = scratch.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
                throw TesseraError(.noMemory, "no scratch memory")
            }
            let tail = registeredTail(now: now, exp: exp, flags: flags, comma: top.memberCount > 0, to: s)
            return try assemble(key: key, payloadLength: head.count + tail.bytes.count, output: output) { stream throws(TesseraError) in
                try tail.fillJTI()
                stream.append(head)
                stream.append(tail.bytes)
            }
        }
    }

    /// Room `registeredTail` needs: `,"iat":` and 19 digits, the same for
    /// exp and nbf, `,"jti":"` and 36 characters and `"`, then `}`.
    static let registeredTailCapacity = 160

    /// The end of a payload that `issue` and signer templates append:
    /// `[,]"iat":N,"exp":N[,"nbf":N][,"jti":"<uuid>"]}`.
    struct RegisteredTail {
        let bytes: UnsafeRawBufferPointer
        /// Where the UUID goes, when jti was asked for.
        let jti: UnsafeMutablePointer<UInt8>?

        /// Writes the random UUID: once the output is known to fit, so a
        /// size query consumes no randomness.
        func fillJTI() throws(TesseraError) {
            if let jti { try UUID.writeRandomV4(to: jti) }
        }
    }

    /// Writes the registered tail at `s` (`registeredTailCapacity` bytes).
    static func registeredTail(now: Int64, exp: Int64, flags: UInt32, comma: Bool,
                               to s: UnsafeMutablePointer<UInt8>) -> RegisteredTail {
        var q = s
        if comma { q = Text.write(",", to: q) }
        q = Text.write("\"iat\":", to: q)
        q = Text.writeDecimal(now, to: q)
        q = Text.write(",\"exp\":", to: q)
        q = Text.writeDecimal(exp, to: q)
        if flags & issueNBF != 0 {
            q = Text.write(",\"nbf\":", to: q)
            q = Text.writeDecimal(now, to: q)
        }
        var jti: UnsafeMutablePointer<UInt8>? = nil
        if flags & issueJTI != 0 {
            q = Text.write(",\"jti\":\"", to: q)
            jti = q
            q += 36
            q = Text.write("\"", to: q)
        }
        q = Text.write("}", to: q)
        return RegisteredTail(bytes: UnsafeRawBufferPointer(start: s, count: q - s), jti: jti)
    }

    /// Checks `now`, `ttl` and `flags` for issue and signer templates;
    /// returns exp and the registered claims that will be added.
    static func checkIssue(now: Int64, ttl: UInt32, flags: UInt32) throws(TesseraError) -> (exp: Int64, adding: JSONChecker.RegisteredClaims) {
        guard flags & ~(issueNBF | issueJTI) == 0 else {
            throw .argument("flags has unknown bits 0x\(String(flags & ~(issueNBF | issueJTI), radix: 16))")
        }
        guard now >= 0 else { throw .argument("now is negative") }
        guard ttl > 0 else { throw .argument("ttl is 0") }
        let (exp, overflow) = now.addingReportingOverflow(Int64(ttl))
        guard !overflow else { throw .argument("now + ttl overflows a 64-bit NumericDate") }
        var adding: JSONChecker.RegisteredClaims = [.iat, .exp]
        if flags & issueNBF != 0 { adding.insert(.nbf) }
        if flags & issueJTI != 0 { adding.insert(.jti) }
        return (exp, adding)
    }

    static let issueNBF: UInt32 = 1
    static let issueJTI: UInt32 = 2

    static func describe(_ c: JSONChecker.RegisteredClaims) -> String {
        var names: [String] = []
        if c.contains(.iat) { names.append("\"iat\"") }
        if c.contains(.exp) { names.append("\"exp\"") }
        if c.contains(.nbf) { names.append("\"nbf\"") }
        if c.contains(.jti) { names.append("\"jti\"") }
        return names.joined(separator: " and ")
    }

    /// What a signer template has prepared: the header segment, ".", and the
    /// base64url of the payload's first bytes (a whole number of 3-byte
    /// groups); for HMAC keys, the inner hash state after every whole block
    /// of those bytes.
    struct Prefix {
        let bytes: UnsafeRawBufferPointer
        let resume: Key.Resume?
    }

    /// Writes `header.payload.signature` into `output`: the key's encoded
    /// header (or a template's `prefix`), the payload that `writePayload`
    /// streams (the rest of the `payloadLength` bytes), and the signature
    /// over both.
    static func assemble(key: Key, payloadLength: Int, prefix: Prefix? = nil, encodedHeader: UnsafeRawBufferPointer? = nil,
                         output: Output,
                         writePayload: (inout Base64.URLStream) throws(TesseraError) -> Void) throws(TesseraError) -> Int {
        let header = encodedHeader ?? key.encodedHeader
        let sigLength = key.signatureLength
        try key.checkCanSign()
        guard let payloadB64 = Base64.urlEncodedLength(payloadLength),
              let sigB64 = Base64.urlEncodedLength(sigLength) else {
            throw .malformed("payload too large")
        }
        let signingInputLength = header.count + 1 + payloadB64
        let total = signingInputLength + 1 + sigB64
        guard total <= CompactJWS.maxLength else {
            throw .malformed("the token would be \(total) bytes, over the limit of \(CompactJWS.maxLength)")
        }
        let out = try output.reserve(total)
        var p: UnsafeMutablePointer<UInt8>
        if let prefix {
            p = Text.write(prefix.bytes, to: out)
        } else {
            p = Text.write(header, to: out)
            p = Text.write(".", to: p)
        }
        var stream = Base64.URLStream(to: p)
        try writePayload(&stream)
        p = stream.finish()
        guard p - out == signingInputLength else {
            throw TesseraError(.crypto, "internal error: payload length mismatch")
        }
        // On the stack for HMAC, ECDSA and EdDSA; RSA's up to 2 KiB. The key
        // is borrowed inside (see Unmanaged.borrow): capturing it would
        // retain the shared key on every token.
        let signer = Unmanaged.passUnretained(key)
        let resume = prefix?.resume
        try withUnsafeTemporaryAllocation(byteCount: max(sigLength, 1), alignment: 8) { s throws(TesseraError) in
            guard let sp = s.baseAddress else { throw TesseraError(.noMemory, "no scratch memory for the signature") }
            try signer.borrow { (k: Key) throws(TesseraError) in
                try k.sign(UnsafeRawBufferPointer(start: out, count: signingInputLength), into: sp, resuming: resume)
            }
            p = Text.write(".", to: p)
            p = Base64.encodeURL(UnsafeRawBufferPointer(start: sp, count: sigLength), to: p)
        }
        p[0] = 0
        return total
    }
}

/// The one writer of the protected header Tessera signs under:
/// `{"alg":"<alg>","typ":<typ>[,"kid":"<kid>"]<extra>}`, where typ is "JWT"
/// unless the caller's own JSON string replaces it and `extra` is further
/// members' text, each with its leading comma. A key's header
/// (`Key.encodedHeader`) and `tessera_jwt_sign_header`'s are both written here.
enum ProtectedHeader {
    static let defaultTyp: StaticString = "\"JWT\""

    /// The header's length: `typ` and `extra` are the lengths of the
    /// caller's typ value (nil: the default) and further members.
    static func length(algorithm: Algorithm, typ: Int?, kid: [UInt8]?, extra: Int) -> Int {
        let kidLength = kid.map { k in k.withUnsafeBytes { 8 + JSONWriter.escapedLength($0) + 1 } } ?? 0
        return 8 + algorithm.nameBytes.count + 8 + (typ ?? defaultTyp.utf8CodeUnitCount) + kidLength + extra + 1
    }

    /// Writes the header at `p` (room for `length(…)` bytes), `extra`
    /// writing the further members; returns the end.
    static func write(algorithm: Algorithm, typ: UnsafeRawBufferPointer?, kid: [UInt8]?, to p: UnsafeMutablePointer<UInt8>,
                      extra: (UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> = { $0 }) -> UnsafeMutablePointer<UInt8> {
        var q = Text.write("{\"alg\":\"", to: p)
        q = Text.write(algorithm.nameBytes, to: q)
        q = Text.write("\",\"typ\":", to: q)
        q = typ.map { Text.write($0, to: q) } ?? Text.write(defaultTyp, to: q)
        if let kid {
            q = Text.write(",\"kid\":\"", to: q)
            q = kid.withUnsafeBytes { JSONWriter.writeEscaped($0, to: q) }
            q = Text.write("\"", to: q)
        }
        q = extra(q)
        return Text.write("}", to: q)
    }
}
