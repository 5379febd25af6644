import COpenSSL

/// A signer template (`tessera_signer`): a key, constant claims and issue
/// options (ttl, nbf, jti), prepared once so that each token costs only its
/// dynamic part.
///
/// A token's payload is the constant claims' members, then the caller's
/// per-token claims (if any), then `"iat":now,"exp":now+ttl` and the flagged
/// `nbf`, `jti` — exactly what `tessera_jwt_issue` would produce for the
/// merged object. At creation the template
///
/// - checks the constant claims once (strict JSON, no clash with what it adds);
/// - encodes the protected header and as much of the constant claims as fills
///   whole base64 groups (3 bytes → 4 characters); the 0-2 bytes left over are
///   carried into each token's encoding;
/// - for HMAC keys, absorbs every whole hash block of that constant prefix of
///   the signing input into a copy of the key's inner state.
///
/// A token then copies the prefix, encodes only the dynamic bytes, and
/// resumes the inner hash from the saved state: for the VideoSDK payload two
/// of the five inner SHA-256 blocks are never hashed again. Immutable after
/// creation; any number of threads may sign with one template.
final class Signer: @unchecked Sendable {
    let key: Key
    let ttl: UInt32
    let flags: UInt32
    /// Header segment, ".", and the base64url of the constant claims' whole
    /// groups.
    private let prefix: UnsafeMutableRawBufferPointer
    /// Constant payload bytes not yet encoded (fewer than 3).
    private let carryStorage: UnsafeMutableRawPointer
    private let carryCount: Int
    /// Length of the constant payload (`{` and the constant members).
    private let constantLength: Int
    private let constantMembers: Int
    /// Unescaped top-level names of the constant claims, to refuse a
    /// per-token claim that repeats one.
    private let constantNames: [[UInt8]]
    private let adding: JSONChecker.RegisteredClaims
    /// HMAC keys: the inner state after `prefix[0..<absorbed]`.
    private let midState: UnsafeMutableRawPointer?
    private let absorbed: Int

    init(key: Key, claims: UnsafeRawBufferPointer, ttl: UInt32, flags: UInt32) throws(TesseraError) {
        let (_, adding) = try JWT.checkIssue(now: 0, ttl: ttl, flags: flags)
        guard claims.count <= CompactJWS.maxLength else {
            throw .malformed("claims are \(claims.count) bytes; a token is limited to \(CompactJWS.maxLength) bytes")
        }
        try key.checkCanSign()
        let top = try JWT.checkClaims(claims, adding: adding, addedBy: "the template adds to every token")
        guard let base = claims.baseAddress else { throw .malformed("claims are empty") }
        let p = base.assumingMemoryBound(to: UInt8.self)
        var names: [[UInt8]] = []
        var members = JSONScanner.members(p, claims.count)
        while let m = members.nextMember() { names.append(m.name.unescaped(in: p)) }

        let head = UnsafeRawBufferPointer(rebasing: claims[0..<top.closingBrace])
        let whole = head.count - head.count % 3
        let headerCount = key.encodedHeader.count
        guard let encodedWhole = Base64.urlEncodedLength(whole) else { throw .malformed("claims too large") }
        // The template's buffers: the prefix, the 0-2 carried bytes, and for
        // HMAC keys the saved inner state (as secret as the key's own).
        let prefixCount = headerCount + 1 + encodedWhole
        let stateSize = key.hmac?.stateSize ?? 0
        guard let prefixBase = Memory.allocate(prefixCount) else { throw TesseraError(.noMemory, "no memory for the template") }
        guard let carry = Memory.allocate(2) else {
            Memory.release(prefixBase)
            throw TesseraError(.noMemory, "no memory for the template")
        }
        var mid: UnsafeMutableRawPointer? = nil
        if stateSize > 0 {
            guard let state = Memory.allocate(stateSize) else {
                Memory.release(carry)
                Memory.release(prefixBase)
                throw TesseraError(.noMemory, "no memory for the template's hash state")
            }
            mid = state
        }
        let prefix = UnsafeMutableRawBufferPointer(start: prefixBase, count: prefixCount)
        var q = Text.write(key.encodedHeader, to: prefixBase.assumingMemoryBound(to: UInt8.self))
        q = Text.write(".", to: q)
        _ = Base64.encodeURL(UnsafeRawBufferPointer(rebasing: head[0..<whole]), to: q)
        if let rest = UnsafeRawBufferPointer(rebasing: head[whole...]).baseAddress, head.count > whole {
            carry.copyMemory(from: rest, byteCount: head.count - whole)
        }

        var absorbed = 0
        if let hmac = key.hmac, let state = mid {
            absorbed = prefix.count - prefix.count % hmac.hash.blockSize
            guard hmac.innerState(after: UnsafeRawBufferPointer(rebasing: prefix[0..<absorbed]), into: state) else {
                wipe(state, stateSize)
                Memory.release(state)
                Memory.release(prefixBase)
                Memory.release(carry)
                throw TesseraError(.crypto, "SHA-2 computation failed in OpenSSL")
            }
        }
        self.key = key
        self.ttl = ttl
        self.flags = flags
        self.prefix = prefix
        self.carryStorage = carry
        self.carryCount = head.count - whole
        self.constantLength = head.count
        self.constantMembers = top.memberCount
        self.constantNames = names
        self.adding = adding
        self.midState = mid
        self.absorbed = absorbed
    }

    deinit {
        if let midState, let hmac = key.hmac {
            // The saved state is as sensitive as the key's own.
            wipe(midState, hmac.stateSize)
            Memory.release(midState)
        }
        Memory.release(prefix.baseAddress)
        Memory.release(carryStorage)
    }

    /// One token at `now`, with `extra` (a JSON object, or nil) merged in.
    func sign(now: Int64, extra: UnsafeRawBufferPointer?, output: Output) throws(TesseraError) -> Int {
        let (exp, _) = try JWT.checkIssue(now: now, ttl: ttl, flags: flags)
        // The per-token claims' members, between their braces.
        var extraInner = UnsafeRawBufferPointer(start: nil, count: 0)
        if let extra, extra.count > 0 {
            let top = try JWT.checkClaims(extra, adding: adding, clash: "claims contain", addedBy: "the template adds")
            if top.memberCount > 0, let base = extra.baseAddress {
                let p = base.assumingMemoryBound(to: UInt8.self)
                var members = JSONScanner.members(p, extra.count)
                while let m = members.nextMember() {
                    for name in constantNames where name.withUnsafeBytes({ m.name.equals($0, in: p) }) {
                        throw .malformed("claims: a member repeats one of the template's constant claims")
                    }
                }
                // From just after '{' to the closing brace.
                var start = 0
                while extra[start] != UInt8(ascii: "{") { start += 1 }
                extraInner = UnsafeRawBufferPointer(rebasing: extra[(start + 1)..<top.closingBrace])
            }
        }
        let needsComma = constantMembers > 0
        let separator: StaticString = ","
        let separatorBytes = UnsafeRawBufferPointer(start: separator.utf8Start, count: 1)
        let hasExtra = extraInner.count > 0
        let prefix = JWT.Prefix(bytes: UnsafeRawBufferPointer(self.prefix),
                                resume: midState.map { Key.Resume(state: UnsafeRawPointer($0), absorbed: absorbed) })
        let carry = UnsafeRawBufferPointer(start: carryStorage, count: carryCount)
        // The carried bytes (at most 2), then the tail. Without extra claims
        // they are one piece: the carry copied just before the tail, so the
        // encoder takes them in one call.
        return try withUnsafeTemporaryAllocation(byteCount: 2 + JWT.registeredTailCapacity, alignment: 1) { scratch throws(TesseraError) -> Int in
            guard let base = scratch.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
                throw TesseraError(.noMemory, "no scratch memory")
            }
            let s = base + 2
            let tail = JWT.registeredTail(now: now, exp: exp, flags: flags, comma: needsComma || hasExtra, to: s)
            let dynamicLength = (hasExtra ? (needsComma ? 1 : 0) + extraInner.count : 0) + tail.bytes.count
            return try JWT.assemble(key: key, payloadLength: constantLength + dynamicLength, prefix: prefix,
                                    output: output) { stream throws(TesseraError) in
                try tail.fillJTI()
                if hasExtra {
                    stream.append(carry)
                    if needsComma { stream.append(separatorBytes) }
                    stream.append(extraInner)
                    stream.append(tail.bytes)
                } else {
                    let start = s - carry.count
                    if let c = carry.baseAddress { UnsafeMutableRawPointer(start).copyMemory(from: c, byteCount: carry.count) }
                    stream.append(UnsafeRawBufferPointer(start: start, count: carry.count + tail.bytes.count))
                }
            }
        }
    }
}
