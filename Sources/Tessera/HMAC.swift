import COpenSSL
import Glibc

/// The SHA-2 functions behind HS256/384/512 and the credential.
enum HashKind: Sendable {
    /// SHA-1 serves only TURN REST passwords (coturn's use-auth-secret),
    /// never a JWS algorithm.
    case sha1, sha256, sha384, sha512

    var digestLength: Int {
        switch self {
        case .sha1: return 20
        case .sha256: return 32
        case .sha384: return 48
        case .sha512: return 64
        }
    }

    var blockSize: Int {
        switch self {
        case .sha1, .sha256: return 64
        case .sha384, .sha512: return 128
        }
    }
}

/// An HMAC key reduced to its two precomputed hash states (RFC 2104): the
/// state after absorbing `K ^ ipad` and the one after `K ^ opad`. Keying
/// costs two compressions once; each MAC then copies the states by value and
/// never touches shared mutable memory, nor any OpenSSL fetch or lock.
///
/// The states live in memory this value allocates with `malloc` so that they
/// can be wiped (`OPENSSL_cleanse`) before being freed by `destroy()`. The
/// value itself is a plain pointer: copying it does not copy the states.
struct HMACKey {
    let hash: HashKind
    /// inner state, then outer state, each a SHA256_CTX or a SHA512_CTX.
    private let states: UnsafeMutableRawPointer

    private static var stateSize1: Int { MemoryLayout<SHA_CTX>.stride }
    private static var stateSize256: Int { MemoryLayout<SHA256_CTX>.stride }
    private static var stateSize512: Int { MemoryLayout<SHA512_CTX>.stride }

    /// Bytes of one hash state (a SHA256_CTX or a SHA512_CTX).
    var stateSize: Int { HMACKey.stateSize(hash) }

    private static func stateSize(_ hash: HashKind) -> Int {
        switch hash {
        case .sha1: return stateSize1
        case .sha256: return stateSize256
        case .sha384, .sha512: return stateSize512
        }
    }

    /// Keys `hash` with `secret`. Returns nil only when memory runs out or
    /// OpenSSL's hash functions fail.
    init?(hash: HashKind, secret: UnsafeRawBufferPointer) {
        let size = HMACKey.stateSize(hash)
        guard let mem = malloc(2 * size) else { return nil }
        self.hash = hash
        self.states = mem
        guard HMACKey.computeStates(hash: hash, secret: secret, into: mem, stateSize: size) else {
            OPENSSL_cleanse(mem, 2 * size)
            free(mem)
            return nil
        }
    }

    private init(hash: HashKind, states: UnsafeMutableRawPointer) {
        self.hash = hash
        self.states = states
    }

    /// Keys `hash` with `secret` in stack memory for the duration of `body`
    /// (one-off MACs such as the credential's: no heap allocation), then
    /// wipes the states. Returns nil if OpenSSL's hash functions fail.
    static func withEphemeral<R>(hash: HashKind, secret: UnsafeRawBufferPointer, _ body: (HMACKey) -> R) -> R? {
        let size = stateSize(hash)
        return withUnsafeTemporaryAllocation(byteCount: 2 * size, alignment: 16) { mem -> R? in
            guard let base = mem.baseAddress else { return nil }
            defer { OPENSSL_cleanse(base, 2 * size) }
            guard computeStates(hash: hash, secret: secret, into: base, stateSize: size) else { return nil }
            return body(HMACKey(hash: hash, states: base))
        }
    }

    /// Writes base64 (standard alphabet, padded) of HMAC(secret, a ‖ b) at
    /// `out`, for one-off secrets (the credential, TURN passwords): keyed in
    /// stack memory, the MAC's scratch wiped afterwards. Returns false if
    /// OpenSSL's hash functions fail.
    static func encodeStandardMAC(hash: HashKind, secret: UnsafeRawBufferPointer, _ a: UnsafeRawBufferPointer,
                                  _ b: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
                                  to out: UnsafeMutablePointer<UInt8>) -> Bool {
        var mac: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        defer { wipe(&mac) }
        return withUnsafeMutableBytes(of: &mac) { m -> Bool in
            guard let mp = m.baseAddress,
                  withEphemeral(hash: hash, secret: secret, { $0.authenticate(a, b, into: mp) }) == true else { return false }
            _ = Base64.encodeStandard(UnsafeRawBufferPointer(start: mp, count: hash.digestLength), to: out)
            return true
        }
    }

    /// Wipes and frees the states. The value must not be used afterwards.
    func destroy() {
        OPENSSL_cleanse(states, 2 * stateSize)
        free(states)
    }

    private static func computeStates(hash: HashKind, secret: UnsafeRawBufferPointer,
                                      into mem: UnsafeMutableRawPointer, stateSize: Int) -> Bool {
        // K0: the secret, or its digest when longer than a block, zero-padded
        // to the block size (at most 128 bytes), then XORed with the pads.
        return withUnsafeTemporaryAllocation(byteCount: 128, alignment: 8) { block -> Bool in
            guard let raw = block.baseAddress else { return false }
            defer { OPENSSL_cleanse(raw, block.count) }
            let blockSize = hash.blockSize
            block.initializeMemory(as: UInt8.self, repeating: 0)
            if secret.count > blockSize {
                guard digest(hash: hash, secret, into: raw) else { return false }
            } else if let base = secret.baseAddress, secret.count > 0 {
                raw.copyMemory(from: base, byteCount: secret.count)
            }
            let k = raw.assumingMemoryBound(to: UInt8.self)
            for i in 0..<blockSize { k[i] ^= 0x36 }
            guard absorb(hash: hash, UnsafeRawBufferPointer(start: k, count: blockSize), into: mem) else { return false }
            for i in 0..<blockSize { k[i] ^= 0x36 ^ 0x5c }
            return absorb(hash: hash, UnsafeRawBufferPointer(start: k, count: blockSize), into: mem + stateSize)
        }
    }

    /// Initialises a hash state at `ctx` and feeds it `bytes`.
    private static func absorb(hash: HashKind, _ bytes: UnsafeRawBufferPointer, into ctx: UnsafeMutableRawPointer) -> Bool {
        switch hash {
        case .sha1:
            let c = ctx.bindMemory(to: SHA_CTX.self, capacity: 1)
            return tessera_sha1_init(c) == 1 && tessera_sha1_update(c, bytes.baseAddress, bytes.count) == 1
        case .sha256:
            let c = ctx.bindMemory(to: SHA256_CTX.self, capacity: 1)
            return tessera_sha256_init(c) == 1 && tessera_sha256_update(c, bytes.baseAddress, bytes.count) == 1
        case .sha384:
            let c = ctx.bindMemory(to: SHA512_CTX.self, capacity: 1)
            return tessera_sha384_init(c) == 1 && tessera_sha512_update(c, bytes.baseAddress, bytes.count) == 1
        case .sha512:
            let c = ctx.bindMemory(to: SHA512_CTX.self, capacity: 1)
            return tessera_sha512_init(c) == 1 && tessera_sha512_update(c, bytes.baseAddress, bytes.count) == 1
        }
    }

    /// A plain digest of `bytes` (for secrets longer than a block).
    private static func digest(hash: HashKind, _ bytes: UnsafeRawBufferPointer, into out: UnsafeMutableRawPointer) -> Bool {
        switch hash {
        case .sha1:
            var c = SHA_CTX()
            defer { wipe(&c) }
            return tessera_sha1_init(&c) == 1 && tessera_sha1_update(&c, bytes.baseAddress, bytes.count) == 1
                && tessera_sha1_final(out.assumingMemoryBound(to: UInt8.self), &c) == 1
        case .sha256:
            var c = SHA256_CTX()
            defer { wipe(&c) }
            return tessera_sha256_init(&c) == 1 && tessera_sha256_update(&c, bytes.baseAddress, bytes.count) == 1
                && tessera_sha256_final(out.assumingMemoryBound(to: UInt8.self), &c) == 1
        case .sha384:
            var c = SHA512_CTX()
            defer { wipe(&c) }
            return tessera_sha384_init(&c) == 1 && tessera_sha512_update(&c, bytes.baseAddress, bytes.count) == 1
                && tessera_sha384_final(out.assumingMemoryBound(to: UInt8.self), &c) == 1
        case .sha512:
            var c = SHA512_CTX()
            defer { wipe(&c) }
            return tessera_sha512_init(&c) == 1 && tessera_sha512_update(&c, bytes.baseAddress, bytes.count) == 1
                && tessera_sha512_final(out.assumingMemoryBound(to: UInt8.self), &c) == 1
        }
    }

    /// Writes to `mid` (room for `stateSize` bytes) the inner hash state
    /// after absorbing `prefix`, whose length must be a whole number of
    /// blocks: a signer template resumes from it for every token.
    func innerState(after prefix: UnsafeRawBufferPointer, into mid: UnsafeMutableRawPointer) -> Bool {
        guard prefix.count % hash.blockSize == 0 else { return false }
        mid.copyMemory(from: states, byteCount: stateSize)
        switch hash {
        case .sha1:
            let c = mid.assumingMemoryBound(to: SHA_CTX.self)
            return prefix.count == 0 || tessera_sha1_update(c, prefix.baseAddress, prefix.count) == 1
        case .sha256:
            let c = mid.assumingMemoryBound(to: SHA256_CTX.self)
            return prefix.count == 0 || tessera_sha256_update(c, prefix.baseAddress, prefix.count) == 1
        case .sha384, .sha512:
            let c = mid.assumingMemoryBound(to: SHA512_CTX.self)
            return prefix.count == 0 || tessera_sha512_update(c, prefix.baseAddress, prefix.count) == 1
        }
    }

    /// Computes HMAC(K, a ‖ b) into `mac`, which must have room for
    /// `hash.digestLength` bytes. The copies of the key states on the stack
    /// are wiped before returning. Returns false if OpenSSL fails.
    @inline(__always)
    func authenticate(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
                      into mac: UnsafeMutableRawPointer) -> Bool {
        authenticate(resuming: UnsafeRawPointer(states), a, b, into: mac)
    }

    /// HMAC(K, prefix ‖ a ‖ b), where `inner` is the inner state after
    /// `prefix` (from `innerState(after:into:)`, or the key's own initial
    /// state for an empty prefix).
    func authenticate(resuming start: UnsafeRawPointer, _ a: UnsafeRawBufferPointer,
                      _ b: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
                      into mac: UnsafeMutableRawPointer) -> Bool {
        let out = mac.assumingMemoryBound(to: UInt8.self)
        switch hash {
        case .sha1:
            var inner = start.load(as: SHA_CTX.self)
            var outer = states.load(fromByteOffset: HMACKey.stateSize1, as: SHA_CTX.self)
            defer { HMACKey.wipe(&inner); HMACKey.wipe(&outer) }
            guard tessera_sha1_update(&inner, a.baseAddress, a.count) == 1,
                  b.count == 0 || tessera_sha1_update(&inner, b.baseAddress, b.count) == 1,
                  tessera_sha1_final(out, &inner) == 1,
                  tessera_sha1_update(&outer, out, 20) == 1,
                  tessera_sha1_final(out, &outer) == 1 else { return false }
            return true
        case .sha256:
            var inner = start.load(as: SHA256_CTX.self)
            var outer = states.load(fromByteOffset: HMACKey.stateSize256, as: SHA256_CTX.self)
            defer { HMACKey.wipe(&inner); HMACKey.wipe(&outer) }
            guard tessera_sha256_update(&inner, a.baseAddress, a.count) == 1,
                  b.count == 0 || tessera_sha256_update(&inner, b.baseAddress, b.count) == 1,
                  tessera_sha256_final(out, &inner) == 1,
                  tessera_sha256_update(&outer, out, 32) == 1,
                  tessera_sha256_final(out, &outer) == 1 else { return false }
            return true
        case .sha384, .sha512:
            var inner = start.load(as: SHA512_CTX.self)
            var outer = states.load(fromByteOffset: HMACKey.stateSize512, as: SHA512_CTX.self)
            defer { HMACKey.wipe(&inner); HMACKey.wipe(&outer) }
            let n = hash.digestLength
            // SHA-384 and SHA-512 share SHA512_CTX; the context records its
            // output length, so SHA512_Final truncates correctly for SHA-384.
            guard tessera_sha512_update(&inner, a.baseAddress, a.count) == 1,
                  b.count == 0 || tessera_sha512_update(&inner, b.baseAddress, b.count) == 1,
                  tessera_sha512_final(out, &inner) == 1,
                  tessera_sha512_update(&outer, out, n) == 1,
                  tessera_sha512_final(out, &outer) == 1 else { return false }
            return true
        }
    }

    @inline(__always)
    private static func wipe<T>(_ value: inout T) {
        withUnsafeMutableBytes(of: &value) { OPENSSL_cleanse($0.baseAddress, $0.count) }
    }
}
