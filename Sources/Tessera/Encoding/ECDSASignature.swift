/// ECDSA signatures between the two forms Tessera meets: JWS's fixed-size
/// big-endian r‖s (RFC 7518 §3.4) and the DER `ECDSA-Sig-Value` OpenSSL
/// signs and verifies (RFC 3279 §2.2.3: a SEQUENCE of two INTEGERs, X.690
/// DER: minimal lengths, minimal two's-complement contents).
///
/// OpenSSL's own route (`BN_bin2bn`, `ECDSA_SIG_set0`, `i2d_ECDSA_SIG` to
/// verify; `d2i_ECDSA_SIG`, `BN_bn2binpad` after signing) cost an ES256
/// verification 14 allocations and about 9,600 instructions, a signature 5
/// and 3,400; the encoding is a few byte moves. The test suite checks both
/// directions against OpenSSL's route.
enum ECDSASignature {
    /// Bytes `derFromRaw` may write for components of `half` bytes: each
    /// INTEGER is a tag, a length and at most `half` + 1 bytes; the SEQUENCE
    /// adds a tag and a length of at most two bytes.
    static func derCapacity(half: Int) -> Int { 2 * (half + 3) + 3 }

    /// Writes the DER of r‖s (`raw`, 2 × `half` bytes; `half` at most 66,
    /// P-521's) at `der`, which holds `derCapacity(half:)` bytes. Returns the
    /// length written; nil when `half` is out of range. Any bytes are
    /// encoded (a zero component as the INTEGER 0), as `i2d_ECDSA_SIG`
    /// does; whether they verify is OpenSSL's to say.
    static func derFromRaw(_ raw: UnsafePointer<UInt8>, half: Int, into der: UnsafeMutablePointer<UInt8>) -> Int? {
        guard half >= 1, half <= 66 else { return nil }
        // Contents of each INTEGER: the component without its leading zero
        // bytes (one zero byte for 0), a zero byte before a set top bit.
        func span(_ p: UnsafePointer<UInt8>) -> (start: Int, pad: Int, length: Int) {
            var start = 0
            while start < half - 1, p[start] == 0 { start += 1 }
            let pad = p[start] & 0x80 != 0 ? 1 : 0
            return (start, pad, half - start + pad)
        }
        let r = span(raw)
        let s = span(raw + half)
        let body = 2 + r.length + 2 + s.length  // at most 138
        var at = 0
        der[at] = 0x30
        at += 1
        if body >= 0x80 {
            der[at] = 0x81
            at += 1
        }
        der[at] = UInt8(truncatingIfNeeded: body)
        at += 1
        func put(_ p: UnsafePointer<UInt8>, _ c: (start: Int, pad: Int, length: Int)) {
            der[at] = 0x02
            der[at + 1] = UInt8(truncatingIfNeeded: c.length)
            at += 2
            if c.pad == 1 {
                der[at] = 0
                at += 1
            }
            (der + at).update(from: p + c.start, count: half - c.start)
            at += half - c.start
        }
        put(raw, r)
        put(raw + half, s)
        return at
    }

    /// Reads a DER `ECDSA-Sig-Value` into r‖s (`out`, 2 × `half` bytes, each
    /// component right-aligned). False, with `out` unspecified, unless `der`
    /// is exactly one strict DER SEQUENCE of two non-negative INTEGERs that
    /// each fit in `half` bytes, or when `half` is out of range.
    static func rawFromDER(_ der: UnsafeRawBufferPointer, half: Int, into out: UnsafeMutablePointer<UInt8>) -> Bool {
        guard half >= 1, half <= 66, der.count >= 8 else { return false }
        let n = der.count
        guard der[0] == 0x30 else { return false }
        var at = 2
        var body = Int(der[1])
        if body == 0x81 {
            body = Int(der[2])
            at = 3
            guard body >= 0x80 else { return false }  // not minimal
        } else if body >= 0x80 {
            return false  // indefinite, more length bytes than minimal, or too long
        }
        guard body == n - at else { return false }
        for component in 0..<2 {
            guard n - at >= 3, der[at] == 0x02 else { return false }
            var length = Int(der[at + 1])
            at += 2
            guard length >= 1, length < 0x80, length <= n - at else { return false }
            if der[at] & 0x80 != 0 { return false }  // negative
            if der[at] == 0, length > 1 {
                guard der[at + 1] & 0x80 != 0 else { return false }  // not minimal
                at += 1
                length -= 1
            }
            guard length <= half else { return false }
            let target = out + component * half
            target.update(repeating: 0, count: half - length)
            for i in 0..<length { target[half - length + i] = der[at + i] }
            at += length
        }
        return at == n
    }
}
