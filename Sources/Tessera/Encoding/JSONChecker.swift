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
/// checked for duplicates when it closes, when a 64-bit filter of them
/// (length, first and last byte) or an escaped name says two may be equal:
/// pairwise for small objects, by sorting for large ones, so the check
/// stays O(k log k). Plain string content and digits are scanned sixteen
/// bytes per step (SSE2, on x86-64), else eight. The values of the
/// top-level members verification reads (`TopLevel.Name`) are recorded on
/// the way, so a verifier need not scan the header and claims again.
import Glibc

struct JSONChecker {
    /// What the checker learnt about the top-level object.
    struct TopLevel {
        /// Number of top-level members.
        var memberCount = 0
        /// Offset of the top-level object's closing brace.
        var closingBrace = 0
        /// Which of the registered claim names the object has.
        var registered: RegisteredClaims {
            get { RegisteredClaims(rawValue: UInt8(truncatingIfNeeded: registeredBits)) }
            set { registeredBits = UInt64(newValue.rawValue) }
        }
        /// `registered`, stored in a whole word: a one-byte field between
        /// the words made each copy of this struct stall on a partly
        /// forwarded store.
        private var registeredBits: UInt64 = 0
        /// The value (its bytes in the input) of each top-level member
        /// named in `Name`, if present: what verification reads from a
        /// header and from claims, without scanning them again.
        private var values = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0),
                              UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))

        /// The top-level names whose values are recorded.
        enum Name: Int {
            case exp, nbf, iat, jti, iss, sub, aud, alg, kid, typ, b64, crit
        }

        /// The byte range of member `name`'s value, if the object has it.
        subscript(name: Name) -> Range<Int>? {
            let v = withUnsafeBytes(of: values) { $0.load(fromByteOffset: name.rawValue &* 8, as: UInt64.self) }
            guard v != 0 else { return nil }
            let start = Int(truncatingIfNeeded: v & 0xFFFF_FFFF), end = Int(truncatingIfNeeded: v >> 32)
            return start..<end
        }

        /// Records member `name`'s value at `range` (offsets below 2^31,
        /// as every input is; a value is never empty, so 0 means absent).
        mutating func record(_ name: Name, _ range: Range<Int>) {
            let v = UInt64(truncatingIfNeeded: range.lowerBound) | UInt64(truncatingIfNeeded: range.upperBound) << 32
            withUnsafeMutableBytes(of: &values) { $0.storeBytes(of: v, toByteOffset: name.rawValue &* 8, as: UInt64.self) }
            switch name {
            case .iat: registered.insert(.iat)
            case .exp: registered.insert(.exp)
            case .nbf: registered.insert(.nbf)
            case .jti: registered.insert(.jti)
            default: break
            }
        }
    }

    /// The registered claims `tessera_jwt_issue` adds.
    struct RegisteredClaims: OptionSet, Sendable {
        let rawValue: UInt8
        static let iat = RegisteredClaims(rawValue: 1)
        static let exp = RegisteredClaims(rawValue: 2)
        static let nbf = RegisteredClaims(rawValue: 4)
        static let jti = RegisteredClaims(rawValue: 8)
    }

    /// "1" for bytes that continue a string's plain run (printable ASCII
    /// other than '"' and '\\'), "0" for the rest. Constant data.
    static let plainStringByte: StaticString =
        "0000000000000000000000000000000011011111111111111111111111111111111111111111111111111111111101111111111111111111111111111111111100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"

    /// Deepest nesting accepted (`TESSERA_JSON_DEPTH_MAX`).
    static let maxDepth = 64

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
                            maxDepth: Int = JSONChecker.maxDepth) throws(TesseraError) -> TopLevel {
        var top = TopLevel()
        try checkObject(input, label: label, maxDepth: maxDepth, into: &top)
        return top
    }

    /// `checkObject`, writing what it learns into `top` in place (the
    /// parser writes it member by member; a returned copy read back at once
    /// stalls on those stores).
    static func checkObject(_ input: UnsafeRawBufferPointer, label: StaticString,
                            maxDepth: Int = JSONChecker.maxDepth, into top: inout TopLevel) throws(TesseraError) {
        guard input.count <= maxInput else {
            throw .malformed("\(label): over \(maxInput) bytes")
        }
        guard let base = input.baseAddress, input.count > 0 else {
            throw .malformed("\(label): empty, expected a JSON object")
        }
        // Every member needs at least 4 bytes (`"":0`) and a separator, so
        // this bounds the names alive at once.
        let capacity = input.count / 4 + 1
        // The parser writes into `top` in place: returning it through the
        // closure would copy it through a `Result` several times.
        top = TopLevel()
        try withUnsafeMutablePointer(to: &top) { (topPointer) throws(TesseraError) in
            try withUnsafeTemporaryAllocation(of: JSONSpan.self, capacity: capacity) { spans throws(TesseraError) in
                guard let spanBase = spans.baseAddress else {
                    throw TesseraError(.noMemory, "\(label): no scratch memory")
                }
                var parser = Parser(p: base.assumingMemoryBound(to: UInt8.self), n: input.count,
                                    spans: spanBase, spanCapacity: capacity, maxDepth: maxDepth, label: label,
                                    top: topPointer)
                try parser.document()
            }
        }
    }

    /// The validating parser. Its cursor is the shared `JSONScanner`; what
    /// it adds is every check of RFC 8259 and the contract.
    private struct Parser {
        var scan: JSONScanner
        let spans: UnsafeMutablePointer<JSONSpan>
        let spanCapacity: Int
        let maxDepth: Int
        let label: StaticString
        var p: UnsafePointer<UInt8> { scan.p }
        var n: Int { scan.n }
        var i: Int {
            @inline(__always) get { scan.i }
            @inline(__always) set { scan.i = newValue }
        }
        var spanCount = 0
        /// Where the facts about the top-level object go.
        let top: UnsafeMutablePointer<TopLevel>
        /// Offset of a number literal over `maxNumberLength`, if one was seen.
        var numberTooLong: Int? = nil

        init(p: UnsafePointer<UInt8>, n: Int, spans: UnsafeMutablePointer<JSONSpan>, spanCapacity: Int,
             maxDepth: Int, label: StaticString, top: UnsafeMutablePointer<TopLevel>) {
            scan = JSONScanner(p: p, n: n)
            self.top = top
            self.spans = spans
            self.spanCapacity = spanCapacity
            self.maxDepth = maxDepth
            self.label = label
        }

        func fail(_ what: StaticString, at offset: Int? = nil) -> TesseraError {
            .malformed("\(label): \(what) at byte \(offset ?? i)")
        }

        @inline(__always)
        mutating func skipWhitespace() { scan.skipWhitespace() }

        /// Whether the next byte other than whitespace is `c`, skipping the
        /// whitespace only when the byte at `i` is not already `c` (compact
        /// JSON, the usual case, has none). Leaves `i` at that byte.
        @inline(__always)
        mutating func at(_ c: UInt8) -> Bool {
            if i < n && p[i] == c { return true }
            skipWhitespace()
            return i < n && p[i] == c
        }

        mutating func document() throws(TesseraError) {
            skipWhitespace()
            guard i < n, p[i] == UInt8(ascii: "{") else {
                throw fail("not a JSON object: expected '{'")
            }
            try object(depth: 1)
            skipWhitespace()
            guard i == n else { throw fail("unexpected bytes after the JSON object") }
            if let at = numberTooLong { throw fail("number longer than 100 characters", at: at) }
        }

        @inline(__always)
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
            // A 64-bit filter of the names seen (by length, first and last
            // byte): the pairwise comparison runs only when two unescaped
            // names share a bit or a name holds an escape.
            var seen: UInt64 = 0
            var mayRepeat = false
            skipWhitespace()
            if i < n && p[i] == UInt8(ascii: "}") {
                if isTop { top.pointee.closingBrace = i }
                i &+= 1
                return
            }
            while true {
                guard at(UInt8(ascii: "\"")) else { throw fail("expected a member name") }
                let name = try string()
                let watched = isTop ? topName(name) : nil
                guard spanCount < spanCapacity else { throw fail("too many member names") }
                spans[spanCount] = name
                spanCount &+= 1
                if name.escaped {
                    mayRepeat = true
                } else {
                    let bit = JSONChecker.filterBit(name, in: p)
                    if seen & bit != 0 { mayRepeat = true }
                    seen |= bit
                }
                guard at(UInt8(ascii: ":")) else { throw fail("expected ':' after a member name") }
                i &+= 1
                skipWhitespace()
                let valueStart = i
                try value(depth: depth)
                if let watched { top.pointee.record(watched, valueStart..<i) }
                if at(UInt8(ascii: ",")) {
                    i &+= 1
                    continue
                }
                guard i < n else { throw fail("unexpected end of input in an object") }
                guard p[i] == UInt8(ascii: "}") else { throw fail("expected ',' or '}' in an object") }
                if isTop { top.pointee.closingBrace = i }
                i &+= 1
                break
            }
            let names = UnsafeMutableBufferPointer(start: spans + first, count: spanCount &- first)
            if isTop { top.pointee.memberCount = names.count }
            if mayRepeat, let dup = JSONChecker.firstDuplicate(names, in: p) {
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
                if at(UInt8(ascii: ",")) {
                    i &+= 1
                    continue
                }
                guard i < n else { throw fail("unexpected end of input in an array") }
                guard p[i] == UInt8(ascii: "]") else { throw fail("expected ',' or ']' in an array") }
                i &+= 1
                return
            }
        }

        /// A string starting at the quote at `p[i]`; returns the span of its
        /// content (between the quotes). Inline, the usual case: a run of
        /// plain printable ASCII up to the closing quote.
        @inline(__always)
        mutating func string() throws(TesseraError) -> JSONSpan {
            let start = i &+ 1
            let end = JSONScanner.plainRun(p, start, n)
            if end < n && p[end] == UInt8(ascii: "\"") {
                i = end &+ 1
                return JSONSpan(start: start, length: end &- start, escaped: false)
            }
            i = end
            return try stringRest(start: start)
        }

        /// The rest of the string whose content starts at `start`, from the
        /// first byte at `p[i]` that is not plain printable ASCII: an escape,
        /// a multi-byte UTF-8 sequence, a control character, the closing quote
        /// or the end of the input.
        @inline(never)
        mutating func stringRest(start: Int) throws(TesseraError) -> JSONSpan {
            var escaped = false
            while true {
                guard i < n else { throw fail("unterminated string", at: start &- 1) }
                let c = p[i]
                if c == UInt8(ascii: "\"") {
                    let span = JSONSpan(start: start, length: i &- start, escaped: escaped)
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
                i = JSONScanner.plainRun(p, i, n)
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
                guard let unit = JSONScanner.hex4(p, i &+ 1, n) else { throw fail("invalid \\u escape", at: at) }
                i &+= 5
                if unit >= 0xDC00 && unit <= 0xDFFF {
                    throw fail("lone low surrogate escape", at: at)
                }
                if unit >= 0xD800 && unit <= 0xDBFF {
                    guard i &+ 1 < n, p[i] == UInt8(ascii: "\\"), p[i &+ 1] == UInt8(ascii: "u"),
                          let low = JSONScanner.hex4(p, i &+ 2, n), low >= 0xDC00, low <= 0xDFFF else {
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

        @inline(__always) func isDigit(_ c: UInt8) -> Bool { JSONScanner.isDigit(c) }

        @inline(__always) mutating func skipDigits() {
            i = JSONScanner.digitRun(p, i, n)
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

        /// Which recorded name `s` is, if any (compared unescaped).
        @inline(__always)
        func topName(_ s: JSONSpan) -> TopLevel.Name? {
            if !s.escaped {
                // Unescaped: three bytes, or "crit".
                let b = p + s.start
                if s.length == 4 {
                    return b[0] == UInt8(ascii: "c") && b[1] == UInt8(ascii: "r") && b[2] == UInt8(ascii: "i")
                        && b[3] == UInt8(ascii: "t") ? .crit : nil
                }
                guard s.length == 3 else { return nil }
                switch UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 {
                case 0x70_78_65: return .exp // "exp"
                case 0x66_62_6E: return .nbf // "nbf"
                case 0x74_61_69: return .iat // "iat"
                case 0x69_74_6A: return .jti // "jti"
                case 0x73_73_69: return .iss // "iss"
                case 0x62_75_73: return .sub // "sub"
                case 0x64_75_61: return .aud // "aud"
                case 0x67_6C_61: return .alg // "alg"
                case 0x64_69_6B: return .kid // "kid"
                case 0x70_79_74: return .typ // "typ"
                case 0x34_36_62: return .b64 // "b64"
                default: return nil
                }
            }
            // An escaped name (rare): each candidate in turn, no allocation.
            if s.equals("exp", in: p) { return .exp }
            if s.equals("nbf", in: p) { return .nbf }
            if s.equals("iat", in: p) { return .iat }
            if s.equals("jti", in: p) { return .jti }
            if s.equals("iss", in: p) { return .iss }
            if s.equals("sub", in: p) { return .sub }
            if s.equals("aud", in: p) { return .aud }
            if s.equals("alg", in: p) { return .alg }
            if s.equals("kid", in: p) { return .kid }
            if s.equals("typ", in: p) { return .typ }
            if s.equals("b64", in: p) { return .b64 }
            if s.equals("crit", in: p) { return .crit }
            return nil
        }
    }

    /// One bit of 64 for an unescaped name, from its length and its first
    /// and last bytes: equal names get equal bits.
    @inline(__always)
    static func filterBit(_ s: JSONSpan, in p: UnsafePointer<UInt8>) -> UInt64 {
        var key = UInt64(truncatingIfNeeded: s.length)
        if s.length > 0 {
            key |= UInt64(p[s.start]) << 32 | UInt64(p[s.start &+ s.length &- 1]) << 40
        }
        return 1 << ((key &* 0x9E37_79B9_7F4A_7C15) &>> 58)
    }

    /// The offset of a name that repeats an earlier one, if any.
    static func firstDuplicate(_ names: UnsafeMutableBufferPointer<JSONSpan>, in p: UnsafePointer<UInt8>) -> Int? {
        var names = names
        let k = names.count
        if k < 2 { return nil }
        if k <= 32 {
            for a in 1..<k {
                for b in 0..<a where names[a].length == names[b].length || names[a].escaped || names[b].escaped {
                    if JSONSpan.compare(names[a], names[b], in: p) == 0 { return names[a].start }
                }
            }
            return nil
        }
        names.sort { JSONSpan.compare($0, $1, in: p) < 0 }
        for a in 1..<k where JSONSpan.compare(names[a - 1], names[a], in: p) == 0 {
            return max(names[a - 1].start, names[a].start)
        }
        return nil
    }
}
