import COpenSSL
import Glibc

/// An HMAC key reduced to its two precomputed hash states (RFC 2104): the
/// state after absorbing `K ^ ipad` and the one after `K ^ opad`. Keying
/// costs two compressions once; each MAC then copies the states by value and
/// never touches shared mutable memory, nor any OpenSSL fetch or lock.
///
/// Every operation is written once, generic over the hash function
/// (`HashFunction`), and `HashKind.perform` picks the function: SHA-1 (TURN
/// passwords), SHA-256, SHA-384 and SHA-512.
///
/// The states live in memory this value allocates (`Memory`) so that they
/// can be wiped (`wipe`, explicit_bzero) before being freed by `destroy()`. The
/// value itself is a plain pointer: copying it does not copy the states.
struct HMACKey {
    let hash: HashKind
    /// The inner state, then the outer state.
    private let states: UnsafeMutableRawPointer

    /// Bytes of one hash state.
    var stateSize: Int { hash.stateSize }

    /// Keys `hash` with `secret`. Returns nil only when memory runs out or
    /// OpenSSL's hash functions fail.
    init?(hash: HashKind, secret: UnsafeRawBufferPointer) {
        let size = hash.stateSize
        guard let mem = Memory.allocate(2 * size) else { return nil }
        self.hash = hash
        self.states = mem
        guard hash.perform(ComputeStates(secret: secret, into: mem)) else {
            wipe(mem, 2 * size)
            Memory.release(mem)
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
        let size = hash.stateSize
        return withUnsafeTemporaryAllocation(byteCount: 2 * size, alignment: 16) { mem -> R? in
            guard let base = mem.baseAddress else { return nil }
            defer { wipe(base, 2 * size) }
            guard hash.perform(ComputeStates(secret: secret, into: base)) else { return nil }
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

    /// Whether `given` is exactly the base64 (standard, padded) of
    /// HMAC(secret, a ‖ b), compared in constant time: the expected text is
    /// computed in full and compared with CRYPTO_memcmp, the only early exit
    /// being on the length, which is public (a MAC's base64 has one length).
    /// Throws `crypto` if OpenSSL fails; the expected text is wiped.
    static func matchesStandardMAC(hash: HashKind, secret: UnsafeRawBufferPointer, _ a: UnsafeRawBufferPointer,
                                   _ b: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
                                   given: UnsafeRawBufferPointer) throws(TesseraError) -> Bool {
        // base64 of at most 64 bytes: 88 characters.
        var expected: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        defer { wipe(&expected) }
        let length = (hash.digestLength + 2) / 3 * 4
        let result: Bool? = withUnsafeMutableBytes(of: &expected) { e -> Bool? in
            guard let ep = e.baseAddress?.assumingMemoryBound(to: UInt8.self),
                  encodeStandardMAC(hash: hash, secret: secret, a, b, to: ep) else { return nil }
            guard given.count == length, let g = given.baseAddress else { return false }
            return CRYPTO_memcmp(ep, g, length) == 0
        }
        guard let result else { throw TesseraError(.crypto, "HMAC computation failed in OpenSSL") }
        return result
    }

    /// Wipes and frees the states. The value must not be used afterwards.
    func destroy() {
        wipe(states, 2 * stateSize)
        Memory.release(states)
    }

    /// Writes to `mid` (room for `stateSize` bytes) the inner hash state
    /// after absorbing `prefix`, whose length must be a whole number of
    /// blocks: a signer template resumes from it for every token.
    func innerState(after prefix: UnsafeRawBufferPointer, into mid: UnsafeMutableRawPointer) -> Bool {
        guard prefix.count % hash.blockSize == 0 else { return false }
        mid.copyMemory(from: states, byteCount: stateSize)
        return prefix.count == 0 || hash.perform(Absorb(bytes: prefix, into: mid))
    }

    /// Computes HMAC(K, a ‖ b) into `mac`, which must have room for
    /// `hash.digestLength` bytes. The copies of the key states on the stack
    /// are wiped before returning. Returns false if OpenSSL fails.
    @inline(__always)
    func authenticate(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
                      into mac: UnsafeMutableRawPointer) -> Bool {
        authenticate(resuming: UnsafeRawPointer(states), a, b, into: mac)
    }

    /// HMAC(K, prefix ‖ a ‖ b), where `start` is the inner state after
    /// `prefix` (from `innerState(after:into:)`, or the key's own initial
    /// state for an empty prefix).
    func authenticate(resuming start: UnsafeRawPointer, _ a: UnsafeRawBufferPointer,
                      _ b: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
                      into mac: UnsafeMutableRawPointer) -> Bool {
        hash.perform(Authenticate(inner: start, outer: UnsafeRawPointer(states + stateSize), a: a, b: b,
                                  mac: mac.assumingMemoryBound(to: UInt8.self)))
    }
}

// MARK: - The operations, each written once for every hash function

/// K0 (the secret, or its digest when longer than a block, zero-padded to
/// the block size, at most 128 bytes), XORed with ipad and absorbed into
/// the first state, then with opad into the second.
private struct ComputeStates: HashOperation {
    let secret: UnsafeRawBufferPointer
    let into: UnsafeMutableRawPointer

    func run<H: HashFunction>(_: H.Type) -> Bool {
        let size = MemoryLayout<H.State>.stride
        let blockSize = H.blockSize
        return withUnsafeTemporaryAllocation(byteCount: 128, alignment: 8) { block -> Bool in
            guard let raw = block.baseAddress else { return false }
            defer { wipe(raw, block.count) }
            block.initializeMemory(as: UInt8.self, repeating: 0)
            if secret.count > blockSize {
                guard Digest(bytes: secret, out: raw).run(H.self) else { return false }
            } else if let base = secret.baseAddress, secret.count > 0 {
                raw.copyMemory(from: base, byteCount: secret.count)
            }
            let k = raw.assumingMemoryBound(to: UInt8.self)
            let pad = UnsafeRawBufferPointer(start: k, count: blockSize)
            for i in 0..<blockSize { k[i] ^= 0x36 }
            let inner = into.bindMemory(to: H.State.self, capacity: 1)
            guard H.start(inner), H.absorb(inner, pad.baseAddress, pad.count) else { return false }
            for i in 0..<blockSize { k[i] ^= 0x36 ^ 0x5c }
            let outer = (into + size).bindMemory(to: H.State.self, capacity: 1)
            return H.start(outer) && H.absorb(outer, pad.baseAddress, pad.count)
        }
    }
}

/// Feeds `bytes` to the state at `into`.
private struct Absorb: HashOperation {
    let bytes: UnsafeRawBufferPointer
    let into: UnsafeMutableRawPointer

    func run<H: HashFunction>(_: H.Type) -> Bool {
        H.absorb(into.assumingMemoryBound(to: H.State.self), bytes.baseAddress, bytes.count)
    }
}

/// The MAC: copies of the inner and outer states on the stack, the message
/// into the inner one, its digest into the outer one; both copies wiped.
private struct Authenticate: HashOperation {
    let inner: UnsafeRawPointer
    let outer: UnsafeRawPointer
    let a: UnsafeRawBufferPointer
    let b: UnsafeRawBufferPointer
    let mac: UnsafeMutablePointer<UInt8>

    @inline(__always)
    func run<H: HashFunction>(_: H.Type) -> Bool {
        var i = inner.load(as: H.State.self)
        var o = outer.load(as: H.State.self)
        defer { wipe(&i); wipe(&o) }
        return H.absorb(&i, a.baseAddress, a.count)
            && (b.count == 0 || H.absorb(&i, b.baseAddress, b.count))
            && H.finish(&i, into: mac)
            && H.absorb(&o, mac, H.digestLength)
            && H.finish(&o, into: mac)
    }
}
