import COpenSSL

/// Randomness, from OpenSSL's CSPRNG only.
enum Random {
    /// Fills `bytes` with random bytes.
    static func fill(_ bytes: UnsafeMutableRawBufferPointer) throws(TesseraError) {
        guard bytes.count > 0 else { return }
        guard bytes.count <= Int(Int32.max), let base = bytes.baseAddress,
              RAND_bytes(base.assumingMemoryBound(to: UInt8.self), Int32(bytes.count)) == 1 else {
            throw TesseraError(.crypto, OpenSSLError.detail("RAND_bytes failed"))
        }
    }
}

/// Random (version 4) UUIDs for `jti`.
enum UUID {
    /// Writes a random version 4 UUID (RFC 9562 §5.4), lowercase, 36
    /// characters, from OpenSSL's RNG.
    static func writeRandomV4(to p: UnsafeMutablePointer<UInt8>) throws(TesseraError) {
        var bytes: (UInt64, UInt64) = (0, 0)
        try withUnsafeMutableBytes(of: &bytes) { b throws(TesseraError) in
            try Random.fill(b)
            b[6] = b[6] & 0x0F | 0x40
            b[8] = b[8] & 0x3F | 0x80
            let h = Text.hexDigits.utf8Start
            var q = p
            for i in 0..<16 {
                if i == 4 || i == 6 || i == 8 || i == 10 {
                    q[0] = UInt8(ascii: "-")
                    q += 1
                }
                q[0] = h[Int(b[i] >> 4)]
                q[1] = h[Int(b[i] & 15)]
                q += 2
            }
        }
    }
}
