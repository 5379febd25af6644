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
