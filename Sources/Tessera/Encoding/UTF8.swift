/// Strict UTF-8 (Unicode 15, Table 3-7): no overlong forms, no surrogates
/// (U+D800-DFFF), nothing above U+10FFFF.
enum UTF8Check {
    /// The length of the well-formed sequence starting at `p[i]` (1-4), or 0
    /// if the bytes there (within `n`) are not one. `p[i]` must exist.
    @inline(__always)
    static func sequenceLength(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int {
        let b0 = p[i]
        if b0 < 0x80 { return 1 }
        @inline(__always) func cont(_ k: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
            i &+ k < n && p[i &+ k] >= lo && p[i &+ k] <= hi
        }
        switch b0 {
        case 0xC2...0xDF:
            return cont(1) ? 2 : 0
        case 0xE0:
            return cont(1, 0xA0) && cont(2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF:
            return cont(1) && cont(2) ? 3 : 0
        case 0xED:
            return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0
        case 0xF0:
            return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0
        case 0xF1...0xF3:
            return cont(1) && cont(2) && cont(3) ? 4 : 0
        case 0xF4:
            return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0
        default:
            return 0
        }
    }

    /// The offset of the first byte that does not start a well-formed
    /// sequence, or nil if all of `bytes` is UTF-8.
    static func firstInvalid(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let p = base.assumingMemoryBound(to: UInt8.self)
        let n = bytes.count
        var i = 0
        while i < n {
            let len = sequenceLength(p, i, n)
            if len == 0 { return i }
            i &+= len
        }
        return nil
    }
}
