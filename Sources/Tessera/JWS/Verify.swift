/// Compact JWS verification (RFC 7515 §5.2) and JWT validation (RFC 7519
/// §7.2), in the order the contract fixes; the first failure is returned:
///
/// 1. shape: size, exactly three strict base64url segments, header (and for
///    a JWT, payload) one strict JSON object (`malformed`);
/// 2. header: `alg` allowed and the key's, never `none`; `crit` refused;
///    `kid` a lookup label only (`algorithm`, `malformed`, `keyNotFound`);
/// 3. signature, exact length, constant time for MACs (`signature`);
/// 4. claims, with the policy's leeway (JWT only).
///
/// Nothing is allocated for typical tokens: the segments decode into stack
/// scratch memory, or the payload straight into the caller's buffer.
enum Verifier {
    enum Keys {
        case one(Key)
        case set(KeySet)
    }

    enum Mode {
        /// A JWT: the payload must be a JSON object and its claims are checked.
        case jwt
        /// Any JWS payload; steps 1-3 only.
        case jws
    }

    /// Verifies `token`; the decoded payload goes to `output` (which may be
    /// nil: no copy wanted). Returns the payload length.
    static func verify(_ keys: Keys, token: UnsafeRawBufferPointer, policy: Policy?, mode: Mode,
                       output: UnsafeMutableRawBufferPointer?) throws(TesseraError) -> Int {
        let config: Policy.Frozen
        if let policy { config = policy.frozen.pointee } else { config = Policy.defaults.frozen.pointee }
        // 1. Shape: the split here, the decoding below.
        let jws = try CompactJWS(token)
        let headerLength = jws.headerLength, payloadLength = jws.payloadLength, sigLength = jws.signatureLength
        // The payload goes straight into the caller's buffer when it fits.
        let direct: UnsafeMutablePointer<UInt8>? = {
            guard let output, let o = output.baseAddress, output.count > payloadLength else { return nil }
            return o.assumingMemoryBound(to: UInt8.self)
        }()
        let scratchSize = headerLength + sigLength + (direct == nil ? payloadLength : 0)
        // Captured as Unmanaged and borrowed inside: the caller's references
        // keep them alive, and a strong capture would retain shared objects
        // on every token.
        var singleKey: Unmanaged<Key>? = nil, keySet: Unmanaged<KeySet>? = nil
        switch keys {
        case .one(let k): singleKey = Unmanaged.passUnretained(k)
        case .set(let s): keySet = Unmanaged.passUnretained(s)
        }
        return try withUnsafeTemporaryAllocation(byteCount: max(scratchSize, 1), alignment: 8) { scratch throws(TesseraError) -> Int in
            guard let s = scratch.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
                throw TesseraError(.noMemory, "no scratch memory")
            }
            let header = s
            let sig = s + headerLength
            let payload = direct ?? (s + headerLength + sigLength)
            do throws(TesseraError) {
                var headerTop = JSONChecker.TopLevel(), claimsTop = JSONChecker.TopLevel()
                try jws.decode(header: header, payload: payload, signature: sig, payloadIsJSON: mode == .jwt,
                               headerTop: &headerTop, claimsTop: &claimsTop)
                // 2. Header.
                let facts = try HeaderFacts(header, headerTop)
                if config.allowed != 0 && !config.allows(facts.alg) {
                    throw .algorithm("alg \(facts.alg.name) is not allowed by the policy")
                }
                // 3. Signature.
                let input = jws.signingInput
                let signature = UnsafeRawBufferPointer(start: sig, count: sigLength)
                if let singleKey {
                    try singleKey.borrow { (key: Key) throws(TesseraError) in
                        guard key.algorithm == facts.alg else {
                            throw .algorithm("the token's alg \(facts.alg.name) is not the key's (\(key.algorithm.name))")
                        }
                        guard try key.verify(input, signature: signature) else { throw signatureError(key, sigLength) }
                    }
                } else if let keySet {
                    try keySet.borrow { (set: KeySet) throws(TesseraError) in
                        try verifyWithSet(set, facts: facts, header: header, input: input, signature: signature)
                    }
                }
                // 4. Claims.
                if mode == .jwt {
                    try Claims.check(payload, payloadLength, claimsTop, header: header, typ: facts.typ, config: config)
                }
            } catch {
                if let direct { direct.update(repeating: 0, count: payloadLength) }
                throw error
            }
            if let output, let o = output.baseAddress?.assumingMemoryBound(to: UInt8.self) {
                guard output.count > payloadLength else {
                    throw TesseraError(.bufferTooSmall, "the verified payload needs \(payloadLength) bytes plus a NUL (the token is valid)",
                                       needed: payloadLength)
                }
                if direct == nil { o.update(from: payload, count: payloadLength) }
                o[payloadLength] = 0
            }
            return payloadLength
        }
    }

    private static func signatureError(_ key: Key, _ length: Int) -> TesseraError {
        if length != key.signatureLength {
            return TesseraError(.signature, "signature is \(length) bytes; \(key.algorithm.name) with this key needs \(key.signatureLength)")
        }
        return TesseraError(.signature, "signature does not verify")
    }

    /// Picks keys by kid (exact) when the token has one, else by alg, and
    /// accepts the token if one of them verifies it. At most
    /// `KeySet.maxTriedPerToken` keys are tried, in the order they were
    /// added, so that one token costs a bounded amount of work. A kid is
    /// looked up in the set's kid index (its hash's bucket, then exact
    /// comparison): the cost does not grow with the set.
    private static func verifyWithSet(_ set: KeySet, facts: HeaderFacts, header: UnsafePointer<UInt8>,
                                      input: UnsafeRawBufferPointer, signature: UnsafeRawBufferPointer) throws(TesseraError) {
        var kidMatches = 0
        var triedCount = 0
        var tried: Unmanaged<Key>? = nil
        // A kid: the keys in its bucket; no kid: every key in turn.
        var position = facts.kid.map { set.kids.first($0.fnv1a(in: header)) } ?? 0
        while position >= 0 && position < set.frozen.count {
            let entry = set.frozen[position]
            position = facts.kid == nil ? position + 1 : set.kids.after(position)
            guard triedCount < KeySet.maxTriedPerToken else {
                throw TesseraError(.signature, "none of the first \(KeySet.maxTriedPerToken) keys of the set for \(facts.alg.name)"
                                   + (facts.kid == nil ? "" : " with the token's kid")
                                   + " verifies the token, and no more are tried (give each key its own kid)")
            }
            let verified = try entry.borrow { (key: Key) throws(TesseraError) -> Bool in
                if let kid = facts.kid {
                    guard let keyKid = key.kid,
                          keyKid.withUnsafeBytes({ kid.equals($0, in: header) }) else { return false }
                    kidMatches += 1
                }
                guard key.algorithm == facts.alg else { return false }
                tried = entry
                triedCount += 1
                return try key.verify(input, signature: signature)
            }
            if verified { return }
        }
        if let tried { throw tried._withUnsafeGuaranteedRef { signatureError($0, signature.count) } }
        if facts.kid != nil {
            throw TesseraError(.keyNotFound, kidMatches == 0 ? "no key in the set has the token's kid"
                               : "the key with the token's kid is not for \(facts.alg.name)")
        }
        throw TesseraError(.keyNotFound, "no key in the set is for \(facts.alg.name)")
    }
}
