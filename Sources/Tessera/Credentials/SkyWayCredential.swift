import COpenSSL

/// SkyWay-style peer credentials:
/// `authToken = base64(HMAC-SHA256(secret, "<timestamp>:<ttl>:<peerId>"))`.
enum SkyWayCredential {
    static let ttlRange: ClosedRange<UInt32> = 600...90000
    static let tokenLength = 44
    static let maxPeerIdLength = 65536

    /// The checks every credential function makes first, in the contract's
    /// order: empty secret or peer id, then the ttl range, then the rest.
    static func check(secret: UnsafeRawBufferPointer?, peerId: UnsafeRawBufferPointer?,
                      timestamp: Int64, ttl: UInt32) throws(TesseraError) -> (UnsafeRawBufferPointer, UnsafeRawBufferPointer) {
        guard let secret, secret.count > 0 else { throw .argument("secret is NULL or empty") }
        guard let peerId, peerId.count > 0 else { throw .argument("peer id is NULL or empty") }
        guard ttlRange.contains(ttl) else {
            throw TesseraError(.lifetime, "ttl \(ttl) is outside [\(ttlRange.lowerBound), \(ttlRange.upperBound)]")
        }
        guard timestamp >= 0 else { throw .argument("timestamp is negative") }
        guard timestamp <= Int64.max - Int64(ttlRange.upperBound) else {
            throw .argument("timestamp + ttl overflows")
        }
        guard peerId.count <= maxPeerIdLength else {
            throw .argument("peer id is longer than \(maxPeerIdLength) bytes")
        }
        if let bad = UTF8Check.firstInvalid(peerId) {
            throw .malformed("peer id is not valid UTF-8 (byte \(bad))")
        }
        return (secret, peerId)
    }

    /// Writes "<timestamp>:<ttl>:" (at most 26 bytes) at `p`; returns the end.
    static func writeSignedPrefix(timestamp: Int64, ttl: UInt32, to p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var q = Text.writeDecimal(timestamp, to: p)
        q = Text.write(":", to: q)
        q = Text.writeDecimal(Int64(ttl), to: q)
        return Text.write(":", to: q)
    }

    /// Writes the 44-character authToken at `out`.
    static func writeAuthToken(secret: UnsafeRawBufferPointer, peerId: UnsafeRawBufferPointer,
                               timestamp: Int64, ttl: UInt32, to out: UnsafeMutablePointer<UInt8>) throws(TesseraError) {
        // "<timestamp>:<ttl>:" is at most 19 + 1 + 5 + 1 bytes.
        var prefix: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        let ok = withUnsafeMutableBytes(of: &prefix) { pre -> Bool in
            guard let pp = pre.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
            let q = writeSignedPrefix(timestamp: timestamp, ttl: ttl, to: pp)
            return HMACKey.encodeStandardMAC(hash: .sha256, secret: secret, UnsafeRawBufferPointer(start: pp, count: q - pp),
                                             peerId, to: out)
        }
        guard ok else { throw TesseraError(.crypto, "HMAC-SHA256 computation failed in OpenSSL") }
    }

    static func sign(secret: UnsafeRawBufferPointer?, peerId: UnsafeRawBufferPointer?, timestamp: Int64,
                     ttl: UInt32, output: Output) throws(TesseraError) -> Int {
        let (secret, peerId) = try check(secret: secret, peerId: peerId, timestamp: timestamp, ttl: ttl)
        let out = try output.reserve(tokenLength)
        try writeAuthToken(secret: secret, peerId: peerId, timestamp: timestamp, ttl: ttl, to: out)
        out[tokenLength] = 0
        return tokenLength
    }

    /// `{"peerId":"…","timestamp":N,"ttl":N,"authToken":"…"}`
    static func json(secret: UnsafeRawBufferPointer?, peerId: UnsafeRawBufferPointer?, timestamp: Int64,
                     ttl: UInt32, output: Output) throws(TesseraError) -> Int {
        let (secret, peerId) = try check(secret: secret, peerId: peerId, timestamp: timestamp, ttl: ttl)
        let p1: StaticString = "{\"peerId\":\""
        let p2: StaticString = "\",\"timestamp\":"
        let p3: StaticString = ",\"ttl\":"
        let p4: StaticString = ",\"authToken\":\""
        let p5: StaticString = "\"}"
        let length = p1.utf8CodeUnitCount + JSONWriter.escapedLength(peerId) + p2.utf8CodeUnitCount
            + Text.decimalLength(timestamp) + p3.utf8CodeUnitCount + Text.decimalLength(Int64(ttl))
            + p4.utf8CodeUnitCount + tokenLength + p5.utf8CodeUnitCount
        let out = try output.reserve(length)
        var q = Text.write(p1, to: out)
        q = JSONWriter.writeEscaped(peerId, to: q)
        q = Text.write(p2, to: q)
        q = Text.writeDecimal(timestamp, to: q)
        q = Text.write(p3, to: q)
        q = Text.writeDecimal(Int64(ttl), to: q)
        q = Text.write(p4, to: q)
        try writeAuthToken(secret: secret, peerId: peerId, timestamp: timestamp, ttl: ttl, to: q)
        q += tokenLength
        q = Text.write(p5, to: q)
        q[0] = 0
        return length
    }

    static func verify(secret: UnsafeRawBufferPointer?, peerId: UnsafeRawBufferPointer?, timestamp: Int64,
                       ttl: UInt32, authToken: UnsafeRawBufferPointer?, now: Int64) throws(TesseraError) {
        let (secret, peerId) = try check(secret: secret, peerId: peerId, timestamp: timestamp, ttl: ttl)
        guard let authToken else { throw .argument("auth token is NULL") }
        // `make ct` measures the comparison (HMACKey.matchesStandardMAC).
        var prefix: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        let matches = try withUnsafeMutableBytes(of: &prefix) { pre throws(TesseraError) -> Bool in
            guard let pp = pre.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
                throw TesseraError(.crypto, "internal error: scratch")
            }
            let end = writeSignedPrefix(timestamp: timestamp, ttl: ttl, to: pp)
            return try HMACKey.matchesStandardMAC(hash: .sha256, secret: secret, UnsafeRawBufferPointer(start: pp, count: end - pp),
                                                  peerId, given: authToken)
        }
        guard matches else { throw TesseraError(.signature, "authToken does not match the peer id, timestamp and ttl") }
        guard timestamp <= now else {
            throw TesseraError(.issuedInFuture, "timestamp \(timestamp) is after now (\(now))")
        }
        guard now < timestamp + Int64(ttl) else {
            throw TesseraError(.expired, "credential expired at \(timestamp + Int64(ttl)); now is \(now)")
        }
    }
}
