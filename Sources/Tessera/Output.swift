/// Where a function writes its text: a caller buffer, or none for a size
/// query. Enforces the contract's NUL termination and size reporting.
struct Output {
    /// The caller's buffer (nil for a size query: out = NULL, out_cap = 0).
    let buffer: UnsafeMutableRawBufferPointer?
    /// Set when the caller's output arguments themselves are unusable (a NULL
    /// out_len, out = NULL with out_cap > 0). Reported when the function
    /// first reserves room, so that checks the contract orders first (for
    /// example the credential's) still come first.
    var argumentProblem: StaticString? = nil

    /// Throws if the output arguments themselves are unusable. Functions
    /// with no contract-ordered checks call this first.
    func checkArguments() throws(TesseraError) {
        if let argumentProblem { throw .argument("\(argumentProblem)") }
    }

    /// Writes `text` and a NUL; returns its length.
    func write(_ text: String) throws(TesseraError) -> Int {
        var text = text
        let n = text.utf8.count
        let out = try reserve(n)
        text.withUTF8 { t in
            if let base = t.baseAddress { out.update(from: base, count: n) }
        }
        out[n] = 0
        return n
    }

    /// Returns the start of room for `length` bytes plus a NUL, or throws
    /// `bufferTooSmall` carrying `length`.
    func reserve(_ length: Int) throws(TesseraError) -> UnsafeMutablePointer<UInt8> {
        try checkArguments()
        guard let buffer, let base = buffer.baseAddress, length < buffer.count else {
            throw TesseraError(.bufferTooSmall, "output needs \(length) bytes plus a NUL", needed: length)
        }
        return base.assumingMemoryBound(to: UInt8.self)
    }
}

extension TesseraError {
    init(_ status: Status, _ detail: String, needed: Int) {
        self.init(status, detail)
        self.needed = needed
    }
}

/// Writing small decimal and hex pieces without allocating.
enum Text {
    /// "00" "01" … "99": two decimal digits per lookup.
    static let digitPairs: StaticString = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

    /// Number of decimal digits of `m`.
    static func digitCount(_ m: UInt64) -> Int {
        var n = 1
        var v = m
        while v >= 10_000 {
            v /= 10_000
            n &+= 4
        }
        if v >= 1000 { return n &+ 3 }
        if v >= 100 { return n &+ 2 }
        if v >= 10 { return n &+ 1 }
        return n
    }

    /// Number of characters in the decimal form of `v`.
    static func decimalLength(_ v: Int64) -> Int {
        digitCount(v.magnitude) + (v < 0 ? 1 : 0)
    }

    /// Writes `v` in decimal at `p`; returns the end. Two digits per step,
    /// from the right.
    static func writeDecimal(_ v: Int64, to p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var q = p
        if v < 0 {
            q[0] = UInt8(ascii: "-")
            q += 1
        }
        var m = v.magnitude
        let len = digitCount(m)
        let pairs = digitPairs.utf8Start
        var k = len
        while m >= 100 {
            let r = Int(truncatingIfNeeded: m % 100)
            m /= 100
            k &-= 2
            q[k] = pairs[r &* 2]
            q[k &+ 1] = pairs[r &* 2 &+ 1]
        }
        if m >= 10 {
            let r = Int(truncatingIfNeeded: m)
            q[0] = pairs[r &* 2]
            q[1] = pairs[r &* 2 &+ 1]
        } else {
            q[0] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: m)
        }
        return q + len
    }

    /// Copies a static string's bytes to `p`; returns the end.
    @inline(__always)
    static func write(_ s: StaticString, to p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        p.update(from: s.utf8Start, count: s.utf8CodeUnitCount)
        return p + s.utf8CodeUnitCount
    }

    /// Copies raw bytes to `p`; returns the end.
    @inline(__always)
    static func write(_ b: UnsafeRawBufferPointer, to p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        if let base = b.baseAddress, b.count > 0 {
            UnsafeMutableRawPointer(p).copyMemory(from: base, byteCount: b.count)
        }
        return p + b.count
    }

    /// Length of `s` (valid UTF-8) as the content of a JSON string.
    static func jsonEscapedLength(_ s: UnsafeRawBufferPointer) -> Int {
        var len = 0
        for c in s {
            switch c {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x08, 0x0C, 0x0A, 0x0D, 0x09: len += 2
            case 0..<0x20: len += 6
            default: len += 1
            }
        }
        return len
    }

    /// Writes `s` (valid UTF-8) escaped for a JSON string; returns the end.
    static func writeJSONEscaped(_ s: UnsafeRawBufferPointer, to p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        let hex: StaticString = "0123456789abcdef"
        var q = p
        for c in s {
            var e: UInt8 = 0
            switch c {
            case UInt8(ascii: "\""): e = UInt8(ascii: "\"")
            case UInt8(ascii: "\\"): e = UInt8(ascii: "\\")
            case 0x08: e = UInt8(ascii: "b")
            case 0x0C: e = UInt8(ascii: "f")
            case 0x0A: e = UInt8(ascii: "n")
            case 0x0D: e = UInt8(ascii: "r")
            case 0x09: e = UInt8(ascii: "t")
            case 0..<0x20:
                q = write("\\u00", to: q)
                q[0] = hex.utf8Start[Int(c >> 4)]
                q[1] = hex.utf8Start[Int(c & 15)]
                q += 2
                continue
            default:
                q[0] = c
                q += 1
                continue
            }
            q[0] = UInt8(ascii: "\\")
            q[1] = e
            q += 2
        }
        return q
    }
}

/// A static string literal that carries its own NUL, as a C string.
func cString(_ s: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(s.utf8Start).assumingMemoryBound(to: CChar.self)
}

/// Runs `body` over an array's bytes, keeping its typed error (the
/// standard library's `withUnsafeBytes` rethrows untyped errors).
func withBytes<R>(_ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(TesseraError) -> R) throws(TesseraError) -> R {
    let result: Result<R, TesseraError> = array.withUnsafeBytes { b in
        do throws(TesseraError) {
            return .success(try body(b))
        } catch {
            return .failure(error)
        }
    }
    return try result.get()
}

extension Unmanaged {
    /// Runs `body` with the instance borrowed: no retain, no release. The
    /// caller must keep the instance alive (Tessera's handles do). Used where
    /// a closure would otherwise capture, and retain, an object that every
    /// thread shares, bouncing its reference count between cores.
    @inline(__always)
    func borrow<R>(_ body: (Instance) throws(TesseraError) -> R) throws(TesseraError) -> R {
        let result: Result<R, TesseraError> = _withUnsafeGuaranteedRef { instance in
            do throws(TesseraError) {
                return .success(try body(instance))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
