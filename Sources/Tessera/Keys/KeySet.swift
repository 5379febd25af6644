/// A set of keys (a JWKS), for verification and publication. It holds its
/// own references: a key added to it may be freed by the caller at once.
/// Built and configured first, then shared read-only by any number of
/// threads.
final class KeySet: @unchecked Sendable {
    /// The strong references, for add/remove/export.
    private(set) var keys: [Key] = []
    /// The same keys as unretained references in memory the set owns,
    /// rebuilt by add/remove: verification walks this, so that threads
    /// sharing a set write no reference count per token.
    private(set) var frozen = UnsafeMutableBufferPointer<Unmanaged<Key>>(start: nil, count: 0)
    /// The kid index, rebuilt with `frozen`: a hash of each kid picks a
    /// bucket, whose keys are chained in the order they were added, so a
    /// token's kid finds its keys in time independent of the set's size.
    private(set) var kids = KidIndex()

    deinit {
        frozen.deallocate()
        kids.release()
    }

    /// Rebuilds `frozen` and the kid index from `keys`. When the index's
    /// memory cannot be had, nothing changes and `noMemory` is thrown (the
    /// caller restores `keys`).
    private func freeze() throws(TesseraError) {
        guard let index = KidIndex(keys) else { throw TesseraError(.noMemory, "no memory for the key set's kid index") }
        frozen.deallocate()
        let list = UnsafeMutableBufferPointer<Unmanaged<Key>>.allocate(capacity: keys.count)
        for (i, key) in keys.enumerated() { list[i] = Unmanaged.passUnretained(key) }
        frozen = list
        kids.release()
        kids = index
    }

    /// Buckets of key positions by the FNV-1a hash of their kid (keys
    /// without a kid are not indexed): `heads[hash & mask]` is the first
    /// position in the bucket, `next[position]` the following one, -1 ends
    /// a chain. Empty (every lookup -1) when no key has a kid.
    struct KidIndex {
        private var heads: UnsafeMutablePointer<Int32>? = nil
        private var next: UnsafeMutablePointer<Int32>? = nil
        private var mask: UInt64 = 0

        init() {}

        /// Nil when some key has a kid and the index's memory could not be had.
        init?(_ keys: [Key]) {
            guard keys.contains(where: { $0.kid != nil }) else { return }
            var buckets = 1
            while buckets < 2 * keys.count { buckets *= 2 }
            let h = Memory.allocate(buckets * MemoryLayout<Int32>.stride)
            let n = Memory.allocate(keys.count * MemoryLayout<Int32>.stride)
            guard let h, let n else {
                Memory.release(h)
                Memory.release(n)
                return nil
            }
            let heads = h.bindMemory(to: Int32.self, capacity: buckets)
            let next = n.bindMemory(to: Int32.self, capacity: keys.count)
            heads.initialize(repeating: -1, count: buckets)
            next.initialize(repeating: -1, count: keys.count)
            mask = UInt64(buckets - 1)
            // Backwards, each pushed at its chain's head: chains ascend.
            for position in keys.indices.reversed() {
                guard let kid = keys[position].kid else { continue }
                let bucket = Int(kid.withUnsafeBytes { KidIndex.hash($0) } & mask)
                next[position] = heads[bucket]
                heads[bucket] = Int32(position)
            }
            self.heads = heads
            self.next = next
        }

        /// The first position whose kid hashes like `hash`, or -1 (also
        /// when no key has a kid).
        func first(_ hash: UInt64) -> Int {
            guard let heads else { return -1 }
            return Int(heads[Int(hash & mask)])
        }

        /// The position after `position` in its bucket, or -1.
        func after(_ position: Int) -> Int {
            guard let next else { return -1 }
            return Int(next[position])
        }

        mutating func release() {
            Memory.release(heads)
            Memory.release(next)
            heads = nil
            next = nil
        }

        static let offset: UInt64 = 0xcbf2_9ce4_8422_2325
        static let prime: UInt64 = 0x100_0000_01b3

        /// FNV-1a over `bytes`.
        static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
            var h = offset
            for b in bytes { h = (h ^ UInt64(b)) &* prime }
            return h
        }
    }

    /// Most keys a set holds, added one by one or read from a JWKS.
    static let maxKeys = 1024
    /// Most keys verification tries for one token (of the token's algorithm,
    /// and with its kid when it has one), in the order they were added:
    /// bounds the work an attacker's token can cause (8 RSA-8192
    /// verifications at most).
    static let maxTriedPerToken = 8
    /// Largest JWKS document read, in bytes.
    static let maxDocument = 1 << 20

    func add(_ key: Key) throws(TesseraError) {
        guard keys.count < KeySet.maxKeys else { throw .argument("the key set already holds \(KeySet.maxKeys) keys") }
        keys.append(key)
        do throws(TesseraError) { try freeze() } catch {
            keys.removeLast()
            throw error
        }
    }

    /// Removes every key whose kid is exactly `kid`.
    func remove(kid: [UInt8]) throws(TesseraError) {
        let old = keys
        keys.removeAll { $0.kid == kid }
        guard keys.count < old.count else { throw TesseraError(.keyNotFound, "no key in the set has that kid") }
        do throws(TesseraError) { try freeze() } catch {
            keys = old
            throw error
        }
    }

    /// Reads `{"keys":[…]}` (RFC 7517 §5). Keys whose `use` is not "sig",
    /// and keys for algorithms Tessera does not sign with (encryption keys,
    /// other curves), are skipped, as a verifier's key set should; a JWK
    /// Tessera could use but that is broken fails the whole set. A set left
    /// with no key is refused.
    static func parse(_ document: UnsafeRawBufferPointer) throws(TesseraError) -> KeySet {
        let parsed = try JSONValue.parseObject(document, label: "JWKS")
        guard let keysValue = parsed["keys"] else { throw .key("the JWKS has no \"keys\" member") }
        guard case .array(let items) = keysValue else { throw .key("the JWKS \"keys\" member is not an array") }
        guard items.count <= maxKeys else {
            throw .malformed("the JWKS holds \(items.count) keys, over the limit of \(maxKeys)")
        }
        let set = KeySet()
        var skipped = 0
        for (index, item) in items.enumerated() {
            guard case .object = item else { throw .key("JWKS key #\(index) is not an object") }
            if let use = item["use"]?.stringValue, use != "sig" {
                skipped += 1
                continue
            }
            if let alg = item["alg"]?.stringValue, Array(alg.utf8).withUnsafeBytes({ Algorithm(name: $0) }) == nil {
                skipped += 1
                continue
            }
            if item["alg"] == nil, !usableWithoutAlg(item) {
                skipped += 1
                continue
            }
            do throws(TesseraError) {
                try set.add(try Key.jwk(requested: nil, parsed: item, inferAlgorithm: true))
            } catch {
                throw TesseraError(error.status, "JWKS key #\(index): \(error.detail)")
            }
        }
        guard !set.keys.isEmpty else {
            throw .key(items.isEmpty ? "the JWKS holds no keys" : "the JWKS holds no signing key Tessera can use (\(skipped) skipped)")
        }
        return set
    }

    /// Key types whose algorithm can be inferred when `alg` is absent.
    private static func usableWithoutAlg(_ jwk: JSONValue) -> Bool {
        switch (jwk["kty"]?.stringValue, jwk["crv"]?.stringValue) {
        case ("RSA", _), ("EC", "P-256"), ("EC", "P-384"), ("EC", "P-521"), ("OKP", "Ed25519"): return true
        default: return false
        }
    }

    /// `{"keys":[…]}` with each asymmetric key's public JWK. HMAC keys are
    /// left out: they have no public form.
    func jwks() throws(TesseraError) -> String {
        var parts: [String] = []
        for key in keys where key.asymmetric != nil {
            parts.append(try key.publicJWK())
        }
        return "{\"keys\":[" + parts.joined(separator: ",") + "]}"
    }
}
