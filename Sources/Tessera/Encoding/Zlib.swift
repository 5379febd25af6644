import CTesseraSupport

/// zlib (RFC 1950) for the formats that compress: Agora's AccessToken2 and
/// Tencent's UserSig. The streams are per thread and reused
/// (CTesseraSupport/zlib.c), so after a thread's first token compressing
/// allocates nothing.
enum Zlib {
    /// Upper bound of compressing `n` bytes, or nil if zlib cannot take `n`.
    static func bound(_ n: Int) -> Int? {
        let b = tessera__deflate_bound(n)
        return b == 0 ? nil : b
    }

    /// Compresses `src` at zlib's default level into `dst` (at least
    /// `bound(src.count)` bytes); returns the length.
    static func compress(_ src: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer) throws(TesseraError) -> Int {
        let r = tessera__deflate(src.baseAddress, src.count, dst.baseAddress, dst.count)
        if r >= 0 { return r }
        if r == TESSERA__Z_NOMEM { throw TesseraError(.noMemory, "no memory for zlib's deflate stream") }
        throw TesseraError(.crypto, "zlib's deflate failed (\(r))")
    }

    /// Inflates `src`, exactly one complete zlib stream, into `dst`, never
    /// writing more than `dst.count` bytes (a stream that would inflate to
    /// more, such as a zlib bomb, is refused). Returns the length.
    static func inflate(_ src: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer,
                        what: StaticString) throws(TesseraError) -> Int {
        let r = tessera__inflate(src.baseAddress, src.count, dst.baseAddress, dst.count)
        if r >= 0 { return r }
        switch r {
        case Int(TESSERA__Z_SPACE): throw .malformed("\(what) inflates to more than \(dst.count) bytes")
        case Int(TESSERA__Z_NOMEM): throw TesseraError(.noMemory, "no memory for zlib's inflate stream")
        case Int(TESSERA__Z_DATA): throw .malformed("\(what) is not one complete zlib stream")
        default: throw .malformed("\(what) could not be inflated")
        }
    }

    /// Decodes `encoded` (padded base64 in `alphabet`), inflates it, at most
    /// `limit` bytes (and never more than deflate's 1032:1 ratio allows for
    /// the input's size), into scratch memory, and runs `body` with the
    /// result: the one path by which the compressed formats are read.
    static func withInflatedBase64<R>(_ encoded: UnsafeRawBufferPointer, _ alphabet: Base64.Padded, limit: Int,
                                      what: StaticString, notBase64: StaticString,
                                      _ body: (UnsafeRawBufferPointer) throws(TesseraError) -> R) throws(TesseraError) -> R {
        let zippedCapacity = encoded.count / 4 * 3 + 3
        let capacity = zippedCapacity > (limit - 64) / 1032 ? limit : zippedCapacity * 1032 + 64
        return try withUnsafeTemporaryAllocation(byteCount: zippedCapacity + capacity, alignment: 8) { scratch throws(TesseraError) -> R in
            guard let base = scratch.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
                throw TesseraError(.noMemory, "no scratch memory")
            }
            guard let zn = Base64.decode(encoded, alphabet, to: base, capacity: zippedCapacity) else {
                throw .malformed("\(notBase64)")
            }
            let content = base + zippedCapacity
            let n = try inflate(UnsafeRawBufferPointer(start: base, count: zn),
                                into: UnsafeMutableRawBufferPointer(start: content, count: capacity), what: what)
            return try body(UnsafeRawBufferPointer(start: content, count: n))
        }
    }

    /// Compresses `content` into `zipped` (at least `bound(content.count)`
    /// bytes) and writes `prefix`, the padded base64 of the result in
    /// `alphabet` and a NUL to `output`: the one path by which the
    /// compressed formats are written. `variable`: each call compresses
    /// different content of the same size (a random salt), so a buffer too
    /// small is told the most any such output can take, not this call's
    /// length, and a size query followed by that size always succeeds.
    static func writeDeflatedBase64(_ content: UnsafeRawBufferPointer, scratch zipped: UnsafeMutableRawBufferPointer,
                                    prefix: StaticString = "", _ alphabet: Base64.Padded, variable: Bool = false,
                                    output: Output) throws(TesseraError) -> Int {
        let n = try compress(content, into: zipped)
        guard let encoded = Base64.paddedEncodedLength(n) else { throw .argument("the output would be too large") }
        let length = prefix.utf8CodeUnitCount + encoded
        let out: UnsafeMutablePointer<UInt8>
        do throws(TesseraError) {
            out = try output.reserve(length)
        } catch {
            guard error.status == .bufferTooSmall && variable else { throw error }
            let most = prefix.utf8CodeUnitCount + (Base64.paddedEncodedLength(zipped.count) ?? encoded)
            throw TesseraError(.bufferTooSmall, "output needs up to \(most) bytes plus a NUL (its content varies)",
                               needed: max(most, length))
        }
        let end = Base64.encode(UnsafeRawBufferPointer(rebasing: zipped[0..<n]), alphabet, to: Text.write(prefix, to: out))
        end[0] = 0
        return length
    }
}
