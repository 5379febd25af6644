import COpenSSL
import Glibc

/// Bytes that may be secret (a JWK member decoded, an unescaped copy of its
/// text), in memory this object allocates (`Memory`) and wipes
/// (`wipe`, explicit_bzero) before freeing. Nothing is copied out of it into
/// memory the library frees unwiped: readers borrow `bytes`.
final class SecretBytes {
    private let base: UnsafeMutableRawPointer
    private let capacity: Int
    /// Bytes in use, at most the capacity.
    private(set) var count = 0

    /// Room for `capacity` bytes; nil when memory runs out.
    init?(capacity: Int) {
        guard capacity >= 0, let mem = Memory.allocate(capacity) else { return nil }
        base = mem
        self.capacity = capacity
    }

    deinit {
        wipe(base, Swift.max(capacity, 1))
        Memory.release(base)
    }

    /// Runs `body` with the bytes, keeping this object (and so its memory)
    /// alive until `body` returns.
    func withBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        defer { withExtendedLifetime(self) {} }
        return try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Fills the memory with `fill`, which writes at most the capacity and
    /// returns how many bytes it wrote (nil: failure, nothing kept).
    func fill(_ fill: (UnsafeMutablePointer<UInt8>, Int) -> Int?) -> Bool {
        guard let n = fill(base.assumingMemoryBound(to: UInt8.self), capacity), n >= 0, n <= capacity else {
            count = 0
            return false
        }
        count = n
        return true
    }

    /// Whether the bytes equal `other`'s (not in constant time: for
    /// comparing a key's public half).
    func equals(_ other: UnsafeRawBufferPointer) -> Bool {
        guard count == other.count else { return false }
        if count == 0 { return true }
        guard let o = other.baseAddress else { return false }
        return memcmp(base, o, count) == 0
    }
}
