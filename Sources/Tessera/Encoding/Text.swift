/// Writing small decimal and hex pieces without allocating.
enum Text {
    /// Lowercase hex digits, indexed by a nibble.
    static let hexDigits: StaticString = "0123456789abcdef"

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

    /// Writes `v` in decimal at `p`; returns the end. Two digits per step
    /// from the right, each pair one two-byte store; below 2^32 (every
    /// NumericDate of this century) in 32-bit arithmetic, in two halves of
    /// at most five digits whose divisions do not wait on each other.
    static func writeDecimal(_ v: Int64, to p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var q = p
        if v < 0 {
            q[0] = UInt8(ascii: "-")
            q += 1
        }
        let m = v.magnitude
        if m <= UInt64(UInt32.max) {
            let w = UInt32(truncatingIfNeeded: m)
            let len = digitCount32(w)
            if w >= 100_000 {
                // The low five digits, then the rest, written independently.
                writeDigits(w % 100_000, to: q + len, count: 5)
                writeDigits(w / 100_000, to: q + len - 5, count: len &- 5)
            } else {
                writeDigits(w, to: q + len, count: len)
            }
            return q + len
        }
        let len = digitCount(m)
        var rest = m
        var k = len
        while rest >= 100 {
            let r = UInt32(truncatingIfNeeded: rest % 100)
            rest /= 100
            k &-= 2
            storePair(r, at: q + k)
        }
        writeDigits(UInt32(truncatingIfNeeded: rest), to: q + k, count: k)
        return q + len
    }

    /// Number of decimal digits of `w`, by comparisons.
    @inline(__always)
    private static func digitCount32(_ w: UInt32) -> Int {
        if w < 100_000 {
            if w < 100 { return w < 10 ? 1 : 2 }
            return w < 1000 ? 3 : w < 10_000 ? 4 : 5
        }
        if w < 10_000_000 { return w < 1_000_000 ? 6 : 7 }
        return w < 100_000_000 ? 8 : w < 1_000_000_000 ? 9 : 10
    }

    /// Writes the `count` (at least 1) lowest digits of `w`, which has no
    /// more, so that they end just before `end`, zero-padded on the left.
    @inline(__always)
    private static func writeDigits(_ w: UInt32, to end: UnsafeMutablePointer<UInt8>, count: Int) {
        var w = w
        var k = 0
        while count &- k >= 2 {
            k &+= 2
            storePair(w % 100, at: end - k)
            w /= 100
        }
        if count &- k == 1 { (end - count)[0] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: w) }
    }

    /// Stores the two digits of `r` (below 100) at `p`.
    @inline(__always)
    private static func storePair(_ r: UInt32, at p: UnsafeMutablePointer<UInt8>) {
        let pair = UnsafeRawPointer(digitPairs.utf8Start).loadUnaligned(fromByteOffset: Int(r) &* 2, as: UInt16.self)
        UnsafeMutableRawPointer(p).storeBytes(of: pair, as: UInt16.self)
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

    /// The value of 1-19 decimal digits (no sign, no other character) if it
    /// is within Int64; nil otherwise.
    static func parseDecimal(_ digits: UnsafeRawBufferPointer) -> Int64? {
        guard digits.count > 0, digits.count <= 19 else { return nil }
        var v: Int64 = 0
        for c in digits {
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(c &- UInt8(ascii: "0")))
            guard !o1, !o2 else { return nil }
            v = s
        }
        return v
    }
}
