/// What step 2 of verification needs from the protected header.
struct HeaderFacts {
    let alg: Algorithm
    let kid: JSONSpan?
    let typ: JSONSpan?

    /// From the header `h` and what the JSON checker recorded of its
    /// top-level members (`top`). jwk, jku, x5u, x5c, x5t: never used to
    /// find or trust a key.
    init(_ h: UnsafePointer<UInt8>, _ top: JSONChecker.TopLevel) throws(TesseraError) {
        let algValue = top[.alg], kidValue = top[.kid], typValue = top[.typ]
        let crit = top[.crit] != nil
        let b64False = top[.b64].map { h[$0.lowerBound] != UInt8(ascii: "t") } ?? false
        guard let algValue else { throw .malformed("header has no alg") }
        guard let algSpan = JSONScanner.stringSpan(h, algValue) else { throw .malformed("header alg is not a string") }
        guard let alg = HeaderFacts.algorithm(algSpan, in: h) else {
            if HeaderFacts.isNone(algSpan, in: h) { throw .algorithm("alg \"none\" (unsecured JWS) is never accepted") }
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
            guard let span = JSONScanner.stringSpan(h, kidValue) else { throw .malformed("header kid is not a string") }
            kid = span
        } else {
            kid = nil
        }
        if let typValue {
            guard let span = JSONScanner.stringSpan(h, typValue) else { throw .malformed("header typ is not a string") }
            typ = span
        } else {
            typ = nil
        }
    }
}

extension HeaderFacts {
    /// The algorithm whose name the span holds exactly, if any.
    static func algorithm(_ span: JSONSpan, in p: UnsafePointer<UInt8>) -> Algorithm? {
        for alg in Algorithm.allCases where span.equals(alg.nameBytes, in: p) {
            return alg
        }
        return nil
    }

    /// "none" in any letter case.
    static func isNone(_ span: JSONSpan, in p: UnsafePointer<UInt8>) -> Bool {
        var scalars = JSONSpan.Scalars(span, in: p)
        for c in "none".unicodeScalars {
            guard let u = scalars.next(), u | 0x20 == c.value else { return false }
        }
        return scalars.next() == nil
    }
}
