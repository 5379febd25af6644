import Glibc

/// A compact JWS (RFC 7515 §7.1) split at its two dots, and step 1 of
/// verification over it: the shape. `Verifier` and `Peek` share this, so a
/// token `tessera_jwt_peek` refuses is exactly one that verification
/// refuses in step 1, with the same status and detail.
struct CompactJWS {
    /// Tokens longer than this are refused by signers and verifiers alike
    /// (`TESSERA_TOKEN_MAX`).
    static let maxLength = 65536

    /// The three segments, still base64url.
    let headerSegment: UnsafeRawBufferPointer
    let payloadSegment: UnsafeRawBufferPointer
    let signatureSegment: UnsafeRawBufferPointer
    /// `header "." payload`: what the signature covers.
    let signingInput: UnsafeRawBufferPointer
    /// The segments' decoded lengths, for sizing the memory they decode into.
    let headerLength: Int
    let payloadLength: Int
    let signatureLength: Int

    /// Splits `token`: not empty, within the size limit, exactly two dots
    /// (`malformed` otherwise).
    init(_ token: UnsafeRawBufferPointer) throws(TesseraError) {
        let n = token.count
        guard n > 0, let base = token.baseAddress else { throw .malformed("token is empty") }
        guard n <= CompactJWS.maxLength else {
            throw .malformed("token is \(n) bytes, over the limit of \(CompactJWS.maxLength)")
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
        headerSegment = UnsafeRawBufferPointer(start: t, count: first)
        payloadSegment = UnsafeRawBufferPointer(start: t + first + 1, count: second - first - 1)
        signatureSegment = UnsafeRawBufferPointer(start: t + second + 1, count: n - second - 1)
        signingInput = UnsafeRawBufferPointer(start: t, count: second)
        headerLength = Base64.urlDecodedLength(headerSegment.count)
        payloadLength = Base64.urlDecodedLength(payloadSegment.count)
        signatureLength = Base64.urlDecodedLength(signatureSegment.count)
    }

    /// The rest of step 1: decodes each segment as strict base64url into
    /// memory with room for its decoded length, then checks that the
    /// header, and with `payloadIsJSON` the payload, is one strict JSON
    /// object (`malformed` otherwise). Writes what the checker recorded of
    /// the header's and the claims' top-level members into `headerTop` and
    /// `claimsTop` (the claims' is empty without `payloadIsJSON`).
    func decode(header: UnsafeMutablePointer<UInt8>, payload: UnsafeMutablePointer<UInt8>,
                signature: UnsafeMutablePointer<UInt8>, payloadIsJSON: Bool,
                headerTop: inout JSONChecker.TopLevel, claimsTop: inout JSONChecker.TopLevel) throws(TesseraError) {
        guard Base64.decodeURL(headerSegment, to: header, capacity: headerLength) == headerLength else {
            throw .malformed("header segment is not strict base64url (no padding, '+', '/', whitespace; unused bits zero)")
        }
        guard Base64.decodeURL(payloadSegment, to: payload, capacity: payloadLength) == payloadLength else {
            throw .malformed("payload segment is not strict base64url (no padding, '+', '/', whitespace; unused bits zero)")
        }
        guard Base64.decodeURL(signatureSegment, to: signature, capacity: signatureLength) == signatureLength else {
            throw .malformed("signature segment is not strict base64url (no padding, '+', '/', whitespace; unused bits zero)")
        }
        try JSONChecker.checkObject(UnsafeRawBufferPointer(start: header, count: headerLength), label: "header",
                                    into: &headerTop)
        claimsTop = JSONChecker.TopLevel()
        if payloadIsJSON {
            try JSONChecker.checkObject(UnsafeRawBufferPointer(start: payload, count: payloadLength), label: "claims",
                                        into: &claimsTop)
        }
    }
}
