/// A strict RFC 8259 checker for one JSON object, as JWT claims and JOSE
/// headers must be:
///
/// - exactly one object, optionally surrounded by JSON whitespace, and
///   nothing after it (no byte order mark, no second value);
/// - valid UTF-8 throughout; no raw control characters (U+0000-U+001F) in
///   strings; only the escapes RFC 8259 defines; no lone surrogate escape;
/// - numbers in RFC 8259 grammar (no leading zeros, `+`, `.5`, `NaN`);
/// - nesting at most `maxDepth` (the top-level object is depth 1);
/// - no two members of one object with the same name, compared after
///   unescaping (`"a"` and `"\u0061"` are the same name).
///
/// It validates without building anything. Member names are tracked as
/// spans into the input, in scratch memory sized from the input length (on
/// the stack for inputs up to about 500 bytes); each object's names are
/// checked for duplicates when it closes: pairwise for small objects, by
/// sorting for large ones, so the check stays O(k log k).
import Glibc

struct JSONChecker {
    /// What the checker learnt about the top-level object.
    struct TopLevel {
        /// Number of top-level members.
        var memberCount = 0
        /// Offset of the top-level object's closing brace.
        var closingBrace = 0
        /// Which of the registered claim names the object has.
        var registered: RegisteredClaims = []
    }

    /// The registered claims `tessera_jwt_issue` adds.
    struct RegisteredClaims: OptionSet, Sendable {
        let rawValue: UInt8
        static let iat = RegisteredClaims(rawValue: 1)
        static let exp = RegisteredClaims(rawValue: 2)
        static let nbf = RegisteredClaims(rawValue: 4)
        static let jti = RegisteredClaims(rawValue: 8)
    }

    /// A member name in the input: 32-bit offset, 31-bit length, and whether
    /// it contains a backslash escape.
    struct NameSpan {
        var bits: UInt64
        init(start: Int, length: Int, escaped: Bool) {
            bits = UInt64(truncatingIfNeeded: start) | UInt64(truncatingIfNeeded: length) << 32 | (escaped ? 1 << 63 : 0)
        }
        var start: Int { Int(truncatingIfNeeded: bits & 0xFFFF_FFFF) }
        var length: Int { Int(truncatingIfNeeded: bits >> 32 & 0x7FFF_FFFF) }
        var escaped: Bool { bits >> 63 != 0 }
    }

    /// "1" for bytes that continue a string's plain run (printable ASCII
    /// other than '"' and '\\'), "0" for the rest. Constant data.
    static let plainStringByte: StaticString =
        "0000000000000000000000000000000011011111111111111111111111111111111111111111111111111111111101111111111111111111111111111111111100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"

    /// Longest number literal accepted anywhere (an attacker-controlled
    /// length, bounded like everything else).
    static let maxNumberLength = 100

    /// Inputs above this size are refused outright (spans hold 31-bit
    /// offsets); every caller applies a far smaller limit first.
    static let maxInput = 1 << 30

    /// Checks that `input` is one strict JSON object; `label` names the input
    /// in error details ("claims", "header"). Details give byte offsets, never
    /// the input's content.
    static func checkObject(_ input: UnsafeRawBufferPointer, label: StaticString,
                            maxDepth: Int = 64) throws(TesseraError) -> TopLevel {
        guard input.count <= maxInput else {
            throw .malformed("\(label): over \(maxInput) bytes")
        }
        guard let base = input.baseAddress, input.count > 0 else {
            throw .malformed("\(label): empty, expected a JSON object")
        }
        // Every member needs at least 4 bytes (`"":0`) and a separator, so
        // this bounds the names alive at once.
        let capacity = input.count / 4 + 1
        let result = withUnsafeTemporaryAllocation(of: NameSpan.self, capacity: capacity) { spans -> Result<TopLevel, TesseraError> in
            guard let spanBase = spans.baseAddress else {
                return .failure(TesseraError(.noMemory, "\(label): no scratch memory"))
            }
            var parser = Parser(p: base.assumingMemoryBound(to: UInt8.self), n: input.count,
                                spans: spanBase, spanCapacity: capacity, maxDepth: maxDepth, label: label)
            do throws(TesseraError) {
                return .success(try parser.document())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private struct Parser {
        let p: UnsafePointer<UInt8>
        let n: Int
        let spans: UnsafeMutablePointer<NameSpan>
        let spanCapacity: Int
        let maxDepth: Int
        let label: StaticString
        var i = 0
        var spanCount = 0
        var top = TopLevel()
        /// Offset of a number literal over `maxNumberLength`, if one was seen.
        var numberTooLong: Int? = nil

        init(p: UnsafePointer<UInt8>, n: Int, spans: UnsafeMutablePointer<NameSpan>, spanCapacity: Int,
             maxDepth: Int, label: StaticString) {
            self.p = p
            self.n = n
            self.spans = spans
            self.spanCapacity = spanCapacity
            self.maxDepth = maxDepth
            self.label = label
        }

        func fail(_ what: StaticString, at offset: Int? = nil) -> TesseraError {
            .malformed("\(label): \(what) at byte \(offset ?? i)")
        }

        @inline(__always)
        mutating func skipWhitespace() {
            while i < n {
                let c = p[i]
                guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
                i &+= 1
            }
        }

        mutating func document() throws(TesseraError) -> TopLevel {
            skipWhitespace()
            guard i < n, p[i] == UInt8(ascii: "{") else {
                throw fail("not a JSON object: expected '{'")
            }
            try object(depth: 1)
            skipWhitespace()
            guard i == n else { throw fail("unexpected bytes after the JSON object") }
            if let at = numberTooLong { throw fail("number longer than 100 characters", at: at) }
            return top
        }

        mutating func value(depth: Int) throws(TesseraError) {
            guard i < n else { throw fail("unexpected end of input, expected a value") }
            switch p[i] {
            case UInt8(ascii: "{"): try object(depth: depth + 1)
            case UInt8(ascii: "["): try array(depth: depth + 1)
            case UInt8(ascii: "\""): _ = try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            default: throw fail("expected a JSON value")
            }
        }

        mutating func object(depth: Int) throws(TesseraError) {
            guard depth <= maxDepth else { throw fail("JSON nested deeper than the limit of 64") }
            let isTop = depth == 1
            i &+= 1 // '{'
            let first = spanCount
            skipWhitespace()
            if i < n && p[i] == UInt8(ascii: "}") {
                if isTop { top.closingBrace = i }
                i &+= 1
                return
            }
            while true {
                skipWhitespace()
                guard i < n, p[i] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
                let name = try string()
                guard spanCount < spanCapacity else { throw fail("too many member names") }
                spans[spanCount] = name
                spanCount &+= 1
                skipWhitespace()
                guard i < n, p[i] == UInt8(ascii: ":") else { throw fail("expected ':' after a member name") }
                i &+= 1
                skipWhitespace()
                try value(depth: depth)
                skipWhitespace()
                guard i < n else { throw fail("unexpected end of input in an object") }
                if p[i] == UInt8(ascii: ",") {
                    i &+= 1
                    continue
                }
                guard p[i] == UInt8(ascii: "}") else { throw fail("expected ',' or '}' in an object") }
                if isTop { top.closingBrace = i }
                i &+= 1
                break
            }
            let names = UnsafeMutableBufferPointer(start: spans + first, count: spanCount &- first)
            if isTop {
                top.memberCount = names.count
                for s in names { top.registered.formUnion(registeredClaim(s)) }
            }
            if let dup = JSONChecker.firstDuplicate(names, in: p) {
                throw fail("duplicate member name", at: dup)
            }
            spanCount = first
        }

        mutating func array(depth: Int) throws(TesseraError) {
            guard depth <= maxDepth else { throw fail("JSON nested deeper than the limit of 64") }
            i &+= 1 // '['
            skipWhitespace()
            if i < n && p[i] == UInt8(ascii: "]") {
                i &+= 1
                return
            }
            while true {
                skipWhitespace()
                try value(depth: depth)
                skipWhitespace()
                guard i < n else { throw fail("unexpected end of input in an array") }
                if p[i] == UInt8(ascii: ",") {
                    i &+= 1
                    continue
                }
                guard p[i] == UInt8(ascii: "]") else { throw fail("expected ',' or ']' in an array") }
                i &+= 1
                return
            }
        }

        /// A string starting at the quote at `p[i]`; returns the span of its
        /// content (between the quotes).
        mutating func string() throws(TesseraError) -> NameSpan {
            i &+= 1 // opening quote
            let start = i
            var escaped = false
            while true {
                // Fast path: plain printable ASCII, one table load per byte.
                let plain = JSONChecker.plainStringByte.utf8Start
                while i < n && plain[Int(p[i])] == UInt8(ascii: "1") { i &+= 1 }
                guard i < n else { throw fail("unterminated string", at: start &- 1) }
                let c = p[i]
                if c == UInt8(ascii: "\"") {
                    let span = NameSpan(start: start, length: i &- start, escaped: escaped)
                    i &+= 1
                    return span
                }
                if c == UInt8(ascii: "\\") {
                    escaped = true
                    try escape()
                } else if c < 0x20 {
                    throw fail("control character in a string")
                } else {
                    let len = UTF8Check.sequenceLength(p, i, n)
                    guard len > 0 else { throw fail("invalid UTF-8") }
                    i &+= len
                }
            }
        }

        /// An escape sequence starting at the backslash at `p[i]`.
        mutating func escape() throws(TesseraError) {
            let at = i
            i &+= 1
            guard i < n else { throw fail("unterminated escape", at: at) }
            switch p[i] {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                 UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                i &+= 1
            case UInt8(ascii: "u"):
                guard let unit = JSONChecker.hex4(p, i &+ 1, n) else { throw fail("invalid \\u escape", at: at) }
                i &+= 5
                if unit >= 0xDC00 && unit <= 0xDFFF {
                    throw fail("lone low surrogate escape", at: at)
                }
                if unit >= 0xD800 && unit <= 0xDBFF {
                    guard i &+ 1 < n, p[i] == UInt8(ascii: "\\"), p[i &+ 1] == UInt8(ascii: "u"),
                          let low = JSONChecker.hex4(p, i &+ 2, n), low >= 0xDC00, low <= 0xDFFF else {
                        throw fail("lone high surrogate escape", at: at)
                    }
                    i &+= 6
                }
            default:
                throw fail("invalid escape", at: at)
            }
        }

        mutating func number() throws(TesseraError) {
            let at = i
            defer {
                if i &- at > JSONChecker.maxNumberLength { numberTooLong = at }
            }
            if p[i] == UInt8(ascii: "-") { i &+= 1 }
            guard i < n else { throw fail("invalid number", at: at) }
            if p[i] == UInt8(ascii: "0") {
                i &+= 1
            } else if p[i] >= UInt8(ascii: "1") && p[i] <= UInt8(ascii: "9") {
                skipDigits()
            } else {
                throw fail("invalid number", at: at)
            }
            if i < n && p[i] == UInt8(ascii: ".") {
                i &+= 1
                guard i < n, isDigit(p[i]) else { throw fail("invalid number: no digit after '.'", at: at) }
                skipDigits()
            }
            if i < n && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
                i &+= 1
                if i < n && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) { i &+= 1 }
                guard i < n, isDigit(p[i]) else { throw fail("invalid number: no digit in the exponent", at: at) }
                skipDigits()
            }
        }

        @inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

        @inline(__always) mutating func skipDigits() {
            while i < n && isDigit(p[i]) { i &+= 1 }
        }

        mutating func literal(_ word: StaticString) throws(TesseraError) {
            let w = word.utf8Start
            let len = word.utf8CodeUnitCount
            guard n &- i >= len else { throw fail("invalid literal") }
            for k in 0..<len where p[i &+ k] != w[k] {
                throw fail("invalid literal")
            }
            i &+= len
        }

        func registeredClaim(_ s: NameSpan) -> RegisteredClaims {
            if JSONChecker.nameEquals(s, "iat", in: p) { return .iat }
            if JSONChecker.nameEquals(s, "exp", in: p) { return .exp }
            if JSONChecker.nameEquals(s, "nbf", in: p) { return .nbf }
            if JSONChecker.nameEquals(s, "jti", in: p) { return .jti }
            return []
        }
    }

    // MARK: - Names

    /// The value of four hex digits at `p[i..<i+4]`, or nil.
    static func hex4(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> UInt32? {
        guard i >= 0, n &- i >= 4 else { return nil }
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = p[i &+ k]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c &- UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c &- UInt8(ascii: "a") &+ 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c &- UInt8(ascii: "A") &+ 10)
            default: return nil
            }
            v = v << 4 | d
        }
        return v
    }

    /// The Unicode scalars of an already-validated string's content.
    struct Scalars {
        let p: UnsafePointer<UInt8>
        var i: Int
        let end: Int

        init(_ span: NameSpan, in p: UnsafePointer<UInt8>) {
            self.p = p
            i = span.start
            end = span.start &+ span.length
        }

        mutating func next() -> UInt32? {
            guard i < end else { return nil }
            let c = p[i]
            if c == UInt8(ascii: "\\") {
                let e = p[i &+ 1]
                i &+= 2
                switch e {
                case UInt8(ascii: "b"): return 0x08
                case UInt8(ascii: "f"): return 0x0C
                case UInt8(ascii: "n"): return 0x0A
                case UInt8(ascii: "r"): return 0x0D
                case UInt8(ascii: "t"): return 0x09
                case UInt8(ascii: "u"):
                    let unit = JSONChecker.hex4(p, i, end) ?? 0xFFFD
                    i &+= 4
                    if unit >= 0xD800 && unit <= 0xDBFF, let low = JSONChecker.hex4(p, i &+ 2, end) {
                        i &+= 6
                        return 0x10000 &+ ((unit &- 0xD800) << 10 | (low &- 0xDC00))
                    }
                    return unit
                default: return UInt32(e) // '"', '\\', '/'
                }
            }
            if c < 0x80 {
                i &+= 1
                return UInt32(c)
            }
            // A validated multi-byte sequence.
            if c < 0xE0 {
                defer { i &+= 2 }
                return UInt32(c & 0x1F) << 6 | UInt32(p[i &+ 1] & 0x3F)
            }
            if c < 0xF0 {
                defer { i &+= 3 }
                return UInt32(c & 0x0F) << 12 | UInt32(p[i &+ 1] & 0x3F) << 6 | UInt32(p[i &+ 2] & 0x3F)
            }
            defer { i &+= 4 }
            return UInt32(c & 0x07) << 18 | UInt32(p[i &+ 1] & 0x3F) << 12 | UInt32(p[i &+ 2] & 0x3F) << 6
                | UInt32(p[i &+ 3] & 0x3F)
        }
    }

    /// Orders two names by their unescaped scalars.
    static func compareNames(_ a: NameSpan, _ b: NameSpan, in p: UnsafePointer<UInt8>) -> Int {
        if !a.escaped && !b.escaped {
            // UTF-8 byte order is scalar order.
            let n = min(a.length, b.length)
            for k in 0..<n {
                let x = p[a.start &+ k], y = p[b.start &+ k]
                if x != y { return x < y ? -1 : 1 }
            }
            return a.length == b.length ? 0 : (a.length < b.length ? -1 : 1)
        }
        var x = Scalars(a, in: p), y = Scalars(b, in: p)
        while true {
            switch (x.next(), y.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case let (u?, v?): if u != v { return u < v ? -1 : 1 }
            }
        }
    }

    static func nameEquals(_ s: NameSpan, _ literal: StaticString, in p: UnsafePointer<UInt8>) -> Bool {
        let w = literal.utf8Start
        let len = literal.utf8CodeUnitCount
        if !s.escaped {
            guard s.length == len else { return false }
            for k in 0..<len where p[s.start &+ k] != w[k] { return false }
            return true
        }
        var x = Scalars(s, in: p)
        for k in 0..<len {
            guard let u = x.next(), u == UInt32(w[k]) else { return false }
        }
        return x.next() == nil
    }

    /// The offset of a name that repeats an earlier one, if any.
    static func firstDuplicate(_ names: UnsafeMutableBufferPointer<NameSpan>, in p: UnsafePointer<UInt8>) -> Int? {
        var names = names
        let k = names.count
        if k < 2 { return nil }
        if k <= 32 {
            for a in 1..<k {
                for b in 0..<a where names[a].length == names[b].length || names[a].escaped || names[b].escaped {
                    if compareNames(names[a], names[b], in: p) == 0 { return names[a].start }
                }
            }
            return nil
        }
        names.sort { compareNames($0, $1, in: p) < 0 }
        for a in 1..<k where compareNames(names[a - 1], names[a], in: p) == 0 {
            return max(names[a - 1].start, names[a].start)
        }
        return nil
    }
}

// MARK: - Reading validated objects

extension JSONChecker {
    /// The top-level members of an object that `checkObject` accepted:
    /// each name's span and its value's byte range.
    struct Members {
        let p: UnsafePointer<UInt8>
        let n: Int
        var i: Int

        /// `p[0..<n]` must be an object `checkObject` accepted.
        init(p: UnsafePointer<UInt8>, n: Int) {
            self.p = p
            self.n = n
            i = 0
            skipWhitespace()
            if i < n { i &+= 1 } // '{'
        }

        mutating func skipWhitespace() {
            while i < n, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i &+= 1 }
        }

        /// Skips a string whose opening quote is at `p[i]`; returns its content span.
        mutating func skipString() -> NameSpan {
            JSONChecker.scanString(p, n, &i)
        }

        mutating func skipValue() {
            guard i < n else { return }
            switch p[i] {
            case UInt8(ascii: "\""):
                _ = skipString()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                while i < n {
                    let c = p[i]
                    if c == UInt8(ascii: "\"") {
                        _ = skipString()
                        continue
                    }
                    if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") { depth &+= 1 }
                    if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                        depth &-= 1
                        if depth == 0 {
                            i &+= 1
                            return
                        }
                    }
                    i &+= 1
                }
            default:
                while i < n {
                    let c = p[i]
                    if c == UInt8(ascii: ",") || c == UInt8(ascii: "}") || c == UInt8(ascii: "]") || c == 0x20
                        || c == 0x0A || c == 0x0D || c == 0x09 { return }
                    i &+= 1
                }
            }
        }

        /// The next element of an array whose '[' is just before `i`.
        mutating func nextElement() -> Range<Int>? {
            skipWhitespace()
            guard i < n, p[i] != UInt8(ascii: "]") else { return nil }
            if p[i] == UInt8(ascii: ",") {
                i &+= 1
                skipWhitespace()
            }
            let start = i
            skipValue()
            return start..<i
        }

        mutating func next() -> (name: NameSpan, value: Range<Int>)? {
            skipWhitespace()
            guard i < n, p[i] != UInt8(ascii: "}") else { return nil }
            if p[i] == UInt8(ascii: ",") {
                i &+= 1
                skipWhitespace()
            }
            guard i < n, p[i] == UInt8(ascii: "\"") else { return nil }
            let name = skipString()
            skipWhitespace()
            i &+= 1 // ':'
            skipWhitespace()
            let start = i
            skipValue()
            return (name, start..<i)
        }
    }

    /// Scans a validated string whose opening quote is at `p[i]`: returns
    /// the span of its content and leaves `i` just past the closing quote.
    /// The closing quote is found with memchr when no backslash precedes it.
    static func scanString(_ p: UnsafePointer<UInt8>, _ n: Int, _ i: inout Int) -> NameSpan {
        i &+= 1
        let start = i
        if i < n, let hit = memchr(p + i, Int32(UInt8(ascii: "\"")), n &- i) {
            let end = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self)) - p
            if memchr(p + i, Int32(UInt8(ascii: "\\")), end &- i) == nil {
                i = end &+ 1
                return NameSpan(start: start, length: end &- start, escaped: false)
            }
        }
        var escaped = false
        while i < n && p[i] != UInt8(ascii: "\"") {
            if p[i] == UInt8(ascii: "\\") {
                escaped = true
                i &+= 2
            } else {
                i &+= 1
            }
        }
        let span = NameSpan(start: start, length: i &- start, escaped: escaped)
        i &+= 1
        return span
    }

    /// The UTF-8 bytes of a validated string's content, escapes resolved.
    static func unescaped(_ span: NameSpan, in p: UnsafePointer<UInt8>) -> [UInt8] {
        if !span.escaped { return Array(UnsafeBufferPointer(start: p + span.start, count: span.length)) }
        var out: [UInt8] = []
        out.reserveCapacity(span.length)
        var scalars = Scalars(span, in: p)
        while let u = scalars.next() {
            if let scalar = Unicode.Scalar(u), let units = UTF8.encode(scalar) { out.append(contentsOf: units) }
        }
        return out
    }

    /// Whether the unescaped content of a validated string equals `bytes`.
    static func stringEquals(_ s: NameSpan, _ bytes: UnsafeRawBufferPointer, in p: UnsafePointer<UInt8>) -> Bool {
        if !s.escaped {
            guard s.length == bytes.count else { return false }
            for k in 0..<s.length where p[s.start &+ k] != bytes[k] { return false }
            return true
        }
        var scalars = Scalars(s, in: p)
        var j = 0
        while let u = scalars.next() {
            guard let scalar = Unicode.Scalar(u) else { return false }
            for unit in UTF8.encode(scalar).map({ Array($0) }) ?? [] {
                guard j < bytes.count, bytes[j] == unit else { return false }
                j &+= 1
            }
        }
        return j == bytes.count
    }

    /// A JWT NumericDate (RFC 7519 §2) from a validated number literal, as
    /// the smallest whole second not before it (the instant a comparison
    /// with whole seconds needs). Nil when outside [0, 253402300799]
    /// (year 9999): exponents, fractions, -0 and huge values are handled
    /// exactly, without floating point and without overflow.
    static func numericDate(_ literal: UnsafeRawBufferPointer) -> Int64? {
        let maxDate: Int64 = 253_402_300_799
        let n = literal.count
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
