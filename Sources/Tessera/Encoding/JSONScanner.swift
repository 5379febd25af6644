import CTesseraSupport
import Glibc

/// The one JSON scanner: a cursor over JSON text and the lexical pieces
/// every reader of JSON in Tessera shares. `JSONChecker` drives it to
/// validate a document strictly; everything else (claims and header
/// members during verification, signer templates, `JSONValue` for JWKs)
/// reads documents the checker accepted, through the methods in "Reading
/// checked input", which trust that input and never allocate.
struct JSONScanner {
    let p: UnsafePointer<UInt8>
    /// The end of the text (exclusive).
    let n: Int
    /// The cursor.
    var i: Int

    init(p: UnsafePointer<UInt8>, n: Int, at i: Int = 0) {
        self.p = p
        self.n = n
        self.i = i
    }

    /// A scanner inside the top-level object of `p[0..<n]` (an object the
    /// checker accepted), just past its '{', ready for `nextMember()`.
    static func members(_ p: UnsafePointer<UInt8>, _ n: Int) -> JSONScanner {
        var s = JSONScanner(p: p, n: n)
        s.skipWhitespace()
        if s.i < n { s.i &+= 1 } // '{'
        return s
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while i < n {
            let c = p[i]
            // One comparison for the usual case, a byte above the space.
            guard c <= 0x20, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            i &+= 1
        }
    }

    @inline(__always)
    static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    /// The end of the run of bytes starting at `p[i]`, within `n`, that
    /// `flags` leaves unflagged: eight bytes per step while eight can be
    /// read (`flags` sets the high bit of each flagged byte of a
    /// little-endian word, and must be exact for the lowest one: the run
    /// ends there), then byte by byte through `keeps` for the last seven.
    /// Reads nothing at or past `n`.
    @inline(__always)
    static func run(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int, flags: (UInt64) -> UInt64,
                    keeps: (UInt8) -> Bool) -> Int {
        var i = i
        while i &+ 8 <= n {
            let flagged = flags(UInt64(littleEndian: UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)))
            if flagged != 0 { return i &+ flagged.trailingZeroBitCount &>> 3 }
            i &+= 8
        }
        while i < n && keeps(p[i]) { i &+= 1 }
        return i
    }

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let high: UInt64 = 0x8080_8080_8080_8080

    /// The end of the run of plain string bytes (printable ASCII other than
    /// '"' and '\\') starting at `p[i]`, within `n` (`run`). A byte is
    /// flagged when it is below 0x20, '"', '\\' or 0x80 and above; the
    /// lowest flagged byte of a word is exact, since a borrow only runs
    /// upward from a flagged byte. The last seven go through
    /// `JSONChecker.plainStringByte`. On x86-64, inputs of 16 bytes and more
    /// go instead through `tessera__json_run16` (SSE2, sixteen per step).
    @inline(__always)
    static func plainRun(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int {
        #if arch(x86_64)
        if n >= 16 { return tessera__json_run16(p, i, n, 0) }
        #endif
        let plain = JSONChecker.plainStringByte.utf8Start
        return run(p, i, n, flags: { x in
            let quote = x ^ (ones &* 0x22), backslash = x ^ (ones &* 0x5C)
            return (((x &- ones &* 0x20) & ~x) | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | x) & high
        }, keeps: { plain[Int($0)] == UInt8(ascii: "1") })
    }

    /// The end of the run of ASCII digits starting at `p[i]`, within `n`
    /// (`run`). Below '0', the subtraction of 0x30 borrows into the high bit
    /// (and x's own high bit marks 0x80 and above); above '9', adding 0x46
    /// carries into it. Bytes below 0x80 never carry out of their own lane
    /// when 0x46 is added, and a borrow starts only at a flagged byte, so the
    /// lowest non-digit of a word is exact. On x86-64, inputs of 16 bytes
    /// and more go through `tessera__json_run16` as in `plainRun`.
    @inline(__always)
    static func digitRun(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int {
        #if arch(x86_64)
        if n >= 16 { return tessera__json_run16(p, i, n, 1) }
        #endif
        return run(p, i, n, flags: { x in ((x &- ones &* 0x30) | ((x & ~high) &+ ones &* 0x46) | x) & high },
            keeps: isDigit)
    }

    /// The value of four hex digits at `p[i..<i+4]` (within `n`), or nil.
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
}

// MARK: - Reading checked input

extension JSONScanner {
    /// Skips a string whose opening quote is at `p[i]`: returns the span of
    /// its content and leaves `i` just past the closing quote. The closing
    /// quote is found with memchr when no backslash precedes it.
    mutating func skipString() -> JSONSpan {
        i &+= 1
        let start = i
        if i < n, let hit = memchr(p + i, Int32(UInt8(ascii: "\"")), n &- i) {
            let end = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self)) - p
            if memchr(p + i, Int32(UInt8(ascii: "\\")), end &- i) == nil {
                i = end &+ 1
                return JSONSpan(start: start, length: end &- start, escaped: false)
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
        let span = JSONSpan(start: start, length: i &- start, escaped: escaped)
        i &+= 1
        return span
    }

    /// Skips the value starting at `p[i]`.
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

    /// Moves to the next member of an object whose '{' is behind the
    /// cursor: returns its name, leaving the cursor at the first byte of
    /// its value, which the caller then reads or skips; nil at the closing
    /// brace (not consumed).
    mutating func enterMember() -> JSONSpan? {
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
        return name
    }

    /// Moves to the next element of an array whose '[' is behind the
    /// cursor, leaving the cursor at its first byte; false at the closing
    /// bracket (not consumed).
    mutating func enterElement() -> Bool {
        skipWhitespace()
        guard i < n, p[i] != UInt8(ascii: "]") else { return false }
        if p[i] == UInt8(ascii: ",") {
            i &+= 1
            skipWhitespace()
        }
        return i < n
    }

    /// The next member: its name's span and its value's byte range.
    mutating func nextMember() -> (name: JSONSpan, value: Range<Int>)? {
        guard let name = enterMember() else { return nil }
        let start = i
        skipValue()
        return (name, start..<i)
    }

    /// The next element's byte range.
    mutating func nextElement() -> Range<Int>? {
        guard enterElement() else { return nil }
        let start = i
        skipValue()
        return start..<i
    }

    /// The content span of a checked value, or nil if it is not a string.
    static func stringSpan(_ p: UnsafePointer<UInt8>, _ value: Range<Int>) -> JSONSpan? {
        guard value.count >= 2, p[value.lowerBound] == UInt8(ascii: "\"") else { return nil }
        let start = value.lowerBound + 1, end = value.upperBound - 1
        var escaped = false
        for i in start..<end where p[i] == UInt8(ascii: "\\") {
            escaped = true
            break
        }
        return JSONSpan(start: start, length: end - start, escaped: escaped)
    }
}

/// The content of a JSON string in the text it was scanned from (between
/// the quotes): 32-bit offset, 31-bit length, and whether it holds a
/// backslash escape. Comparisons work on the unescaped scalars, so `"a"`
/// and `"\u0061"` are the same name.
struct JSONSpan {
    var bits: UInt64

    init(start: Int, length: Int, escaped: Bool) {
        bits = UInt64(truncatingIfNeeded: start) | UInt64(truncatingIfNeeded: length) << 32 | (escaped ? 1 << 63 : 0)
    }

    var start: Int { Int(truncatingIfNeeded: bits & 0xFFFF_FFFF) }
    var length: Int { Int(truncatingIfNeeded: bits >> 32 & 0x7FFF_FFFF) }
    var escaped: Bool { bits >> 63 != 0 }

    /// FNV-1a (as `KeySet.KidIndex.hash`) of the unescaped content's UTF-8:
    /// the bytes themselves when nothing is escaped, else each scalar
    /// encoded (a value that is not a scalar as U+FFFD, which no kid the
    /// index holds can equal, since kids are valid UTF-8).
    func fnv1a(in p: UnsafePointer<UInt8>) -> UInt64 {
        if !escaped { return KeySet.KidIndex.hash(UnsafeRawBufferPointer(start: p + start, count: length)) }
        var h = KeySet.KidIndex.offset
        var scalars = Scalars(self, in: p)
        while let u = scalars.next() {
            UTF8.encode(Unicode.Scalar(u) ?? "\u{FFFD}") { h = (h ^ UInt64($0)) &* KeySet.KidIndex.prime }
        }
        return h
    }

    /// The Unicode scalars of a checked string's content.
    struct Scalars {
        let p: UnsafePointer<UInt8>
        var i: Int
        let end: Int

        init(_ span: JSONSpan, in p: UnsafePointer<UInt8>) {
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
                    let unit = JSONScanner.hex4(p, i, end) ?? 0xFFFD
                    i &+= 4
                    if unit >= 0xD800 && unit <= 0xDBFF, let low = JSONScanner.hex4(p, i &+ 2, end) {
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
            // A checked multi-byte sequence.
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

    /// Orders two spans by their unescaped scalars.
    static func compare(_ a: JSONSpan, _ b: JSONSpan, in p: UnsafePointer<UInt8>) -> Int {
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

    /// Whether the unescaped content equals an ASCII literal.
    func equals(_ literal: StaticString, in p: UnsafePointer<UInt8>) -> Bool {
        let w = literal.utf8Start
        let len = literal.utf8CodeUnitCount
        if !escaped {
            guard length == len else { return false }
            for k in 0..<len where p[start &+ k] != w[k] { return false }
            return true
        }
        var x = Scalars(self, in: p)
        for k in 0..<len {
            guard let u = x.next(), u == UInt32(w[k]) else { return false }
        }
        return x.next() == nil
    }

    /// Whether the unescaped content equals `bytes` (UTF-8).
    func equals(_ bytes: UnsafeRawBufferPointer, in p: UnsafePointer<UInt8>) -> Bool {
        if !escaped {
            guard length == bytes.count else { return false }
            for k in 0..<length where p[start &+ k] != bytes[k] { return false }
            return true
        }
        var scalars = Scalars(self, in: p)
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

    /// The UTF-8 bytes of the content, escapes resolved, written at `out`
    /// (room for `length` bytes: unescaping never lengthens); returns how
    /// many.
    func unescape(in p: UnsafePointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Int {
        if !escaped {
            out.update(from: p + start, count: length)
            return length
        }
        var o = 0
        var scalars = Scalars(self, in: p)
        while let u = scalars.next() {
            guard let scalar = Unicode.Scalar(u), let units = UTF8.encode(scalar) else { continue }
            for unit in units where o < length {
                out[o] = unit
                o &+= 1
            }
        }
        return o
    }

    /// The UTF-8 bytes of the content, escapes resolved (for names and other
    /// text that is not secret).
    func unescaped(in p: UnsafePointer<UInt8>) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            initialized = buffer.baseAddress.map { unescape(in: p, into: $0) } ?? 0
        }
    }
}
