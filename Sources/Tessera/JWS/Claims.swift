/// Step 4: the registered claims, against the policy.
enum Claims {
    /// Checks the claims `p[0..<n]`, whose registered members the JSON
    /// checker recorded in `top`.
    static func check(_ p: UnsafePointer<UInt8>, _ n: Int, _ top: JSONChecker.TopLevel, header: UnsafePointer<UInt8>,
                      typ: JSONSpan?, config: Policy.Frozen) throws(TesseraError) {
        let exp = top[.exp], nbf = top[.nbf], iat = top[.iat], iss = top[.iss], sub = top[.sub], aud = top[.aud]
        // Clamped into the NumericDate range (a policy's fixed time already
        // is), so that no comparison with a leeway can overflow.
        let now = Swift.max(0, Swift.min(config.fixedTime ?? Clock.now(), NumericDate.max))
        let leeway = config.leeway
        let expDate = try date(p, exp, "exp")
        if expDate == nil && config.requireExp {
            throw TesseraError(.claim, "exp is missing; the policy requires it (tessera_policy_set_require_exp(p, 0) accepts tokens without exp)")
        }
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
            var scan = JSONScanner.members(p, n)
            var found = false
            while let m = scan.nextMember() {
                if m.name.equals(name, in: p) {
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
        guard let date = NumericDate.parse(UnsafeRawBufferPointer(start: p + value.lowerBound, count: value.count)) else {
            throw TesseraError(.claim, "\(name) is out of range (a NumericDate must lie in [0, 253402300799])")
        }
        return date
    }

    private static func exactString(_ p: UnsafePointer<UInt8>, _ value: Range<Int>?, _ name: StaticString,
                                    expected: UnsafeRawBufferPointer?) throws(TesseraError) {
        var span: JSONSpan? = nil
        if let value {
            guard let s = JSONScanner.stringSpan(p, value) else { throw TesseraError(.claim, "\(name) is not a string") }
            span = s
        }
        guard let expected else { return }
        guard let span else { throw TesseraError(.claim, "\(name) is missing; the policy requires one") }
        guard span.equals(expected, in: p) else {
            throw TesseraError(.claim, "\(name) does not match the policy's (exact comparison)")
        }
    }

    private static func audience(_ p: UnsafePointer<UInt8>, _ value: Range<Int>?, expected: UnsafeRawBufferPointer?) throws(TesseraError) {
        guard let value else {
            if expected != nil { throw TesseraError(.claim, "aud is missing; the policy requires an audience") }
            return
        }
        var found = false
        if let s = JSONScanner.stringSpan(p, value) {
            if let expected { found = s.equals(expected, in: p) }
        } else if p[value.lowerBound] == UInt8(ascii: "[") {
            var elements = JSONScanner(p: p, n: value.upperBound, at: value.lowerBound + 1)
            var count = 0
            while let element = elements.nextElement() {
                guard let s = JSONScanner.stringSpan(p, element) else {
                    throw TesseraError(.claim, "aud holds something other than strings")
                }
                count += 1
                if let expected, !found { found = s.equals(expected, in: p) }
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
    private static func typeMatches(_ span: JSONSpan, _ expected: UnsafeRawBufferPointer, in p: UnsafePointer<UInt8>) -> Bool {
        var given: [UInt8] = []
        var scalars = JSONSpan.Scalars(span, in: p)
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

/// JWT NumericDates (RFC 7519 §2).
enum NumericDate {
    /// The largest NumericDate accepted: 9999-12-31T23:59:59Z. Every time
    /// Tessera compares (claims, a policy's fixed time, the clock) lies in
    /// [0, max] and every leeway in [0, 86400], so `now ± leeway` and
    /// `exp - iat` never overflow.
    static let max: Int64 = 253_402_300_799

    /// A JWT NumericDate (RFC 7519 §2) from a validated number literal, as
    /// the smallest whole second not before it (the instant a comparison
    /// with whole seconds needs). Nil when outside [0, 253402300799]
    /// (year 9999): exponents, fractions, -0 and huge values are handled
    /// exactly, without floating point and without overflow.
    static func parse(_ literal: UnsafeRawBufferPointer) -> Int64? {
        let maxDate = max
        let n = literal.count
        // The common case, plain digits (a validated literal has no leading
        // zero): at most 12 of them cannot overflow.
        if n > 0 && n <= 12, let base = literal.baseAddress?.assumingMemoryBound(to: UInt8.self) {
            var value: Int64 = 0
            var k = 0
            while k < n {
                let d = base[k] &- 0x30
                if d > 9 { break }
                value = value &* 10 &+ Int64(d)
                k &+= 1
            }
            if k == n { return value <= maxDate ? value : nil }
        }
        @inline(__always) func isDigit(_ k: Int) -> Bool { k < n && literal[k] >= 0x30 && literal[k] <= 0x39 }
        var i = 0
        let negative = n > 0 && literal[0] == UInt8(ascii: "-")
        if negative { i = 1 }
        let intStart = i
        while isDigit(i) { i += 1 }
        let intLength = i - intStart
        var fracStart = i, fracLength = 0
        if i < n && literal[i] == UInt8(ascii: ".") {
            i += 1
            fracStart = i
            while isDigit(i) { i += 1 }
            fracLength = i - fracStart
        }
        var exponent = 0
        if i < n && (literal[i] == UInt8(ascii: "e") || literal[i] == UInt8(ascii: "E")) {
            i += 1
            var expNegative = false
            if i < n && (literal[i] == UInt8(ascii: "+") || literal[i] == UInt8(ascii: "-")) {
                expNegative = literal[i] == UInt8(ascii: "-")
                i += 1
            }
            while isDigit(i) {
                if exponent < 100_000 { exponent = exponent * 10 + Int(literal[i] - 0x30) }
                i += 1
            }
            if expNegative { exponent = -exponent }
        }
        // The digits, integer part then fraction, as one sequence S; the
        // value is S × 10^(exponent - fracLength).
        let total = intLength + fracLength
        @inline(__always) func digit(_ j: Int) -> Int64 {
            Int64(j < intLength ? literal[intStart + j] - 0x30 : literal[fracStart + j - intLength] - 0x30)
        }
        var lead = 0
        while lead < total && digit(lead) == 0 { lead += 1 }
        let significant = total - lead
        guard significant > 0 else { return 0 } // 0, -0, 0.000, 0e5
        if negative { return nil }
        let scale = exponent - fracLength
        let wholeDigits = significant + scale // digits before the decimal point
        if wholeDigits > 12 { return nil }
        var whole: Int64 = 0
        var fractionNonZero = false
        for k in 0..<significant {
            let d = digit(lead + k)
            if k < wholeDigits { whole = whole * 10 + d } else if d != 0 { fractionNonZero = true }
        }
        if scale > 0 {
            for _ in 0..<scale { whole *= 10 }
        }
        if fractionNonZero { whole += 1 }
        return whole <= maxDate ? whole : nil
    }
}
