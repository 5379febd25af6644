// Header section "Verification": policies, verification and the unverified
// look at a token (tessera_jwt_peek).
import CTesseraABI
import CTesseraSupport

@c @implementation
public func tessera_policy_new(_ out: UnsafeMutablePointer<OpaquePointer?>!) -> CInt {
    construct(out) { () throws(TesseraError) in Policy() }
}

@c @implementation
public func tessera_policy_free(_ p: OpaquePointer!) {
    guard let p else { return }
    Handle.release(p)
}

@c @implementation
public func tessera_policy_allow_alg(_ p: OpaquePointer!, _ alg: tessera_alg) -> CInt {
    entry { () throws(TesseraError) in
        try Handle.policy(p) { (policy: Policy) throws(TesseraError) in
            let a = try algorithm(alg)
            policy.update { $0.allowed |= 1 << a.rawValue }
        }
    }
}

/// A policy string setter: checks the policy and the string, then stores it.
private func setString(_ p: OpaquePointer?, _ s: UnsafePointer<CChar>?, _ what: StaticString,
                       _ store: @escaping (inout Policy.Settings, [UInt8]) -> Void) -> CInt {
    entry { () throws(TesseraError) in
        try Handle.policy(p) { (policy: Policy) throws(TesseraError) in
            let bytes = try Policy.checkString(try optionalCString(s, limit: Policy.maxStringLength, what), what)
            policy.update { store(&$0, bytes) }
        }
    }
}

@c @implementation
public func tessera_policy_set_issuer(_ p: OpaquePointer!, _ iss: UnsafePointer<CChar>!) -> CInt {
    setString(p, iss, "iss") { $0.issuer = $1 }
}

@c @implementation
public func tessera_policy_set_audience(_ p: OpaquePointer!, _ aud: UnsafePointer<CChar>!) -> CInt {
    setString(p, aud, "aud") { $0.audience = $1 }
}

@c @implementation
public func tessera_policy_set_subject(_ p: OpaquePointer!, _ sub: UnsafePointer<CChar>!) -> CInt {
    setString(p, sub, "sub") { $0.subject = $1 }
}

@c @implementation
public func tessera_policy_set_type(_ p: OpaquePointer!, _ typ: UnsafePointer<CChar>!) -> CInt {
    setString(p, typ, "typ") { $0.type = $1 }
}

@c @implementation
public func tessera_policy_require_claim(_ p: OpaquePointer!, _ name: UnsafePointer<CChar>!) -> CInt {
    entry { () throws(TesseraError) in
        try Handle.policy(p) { (policy: Policy) throws(TesseraError) in
            let bytes = try Policy.checkString(try optionalCString(name, limit: Policy.maxStringLength, "name"), "claim name")
            if policy.settings.required.contains(bytes) { return }
            guard policy.settings.required.count < Policy.maxRequiredClaims else {
                throw .argument("the policy already requires \(Policy.maxRequiredClaims) claims")
            }
            policy.update { $0.required.append(bytes) }
        }
    }
}

@c @implementation
public func tessera_policy_set_leeway(_ p: OpaquePointer!, _ seconds: UInt32) -> CInt {
    entry { () throws(TesseraError) in
        try Handle.policy(p) { (policy: Policy) throws(TesseraError) in
            guard seconds <= Policy.maxLeeway else { throw .argument("leeway \(seconds) s is over the maximum of \(Policy.maxLeeway) s") }
            policy.update { $0.leeway = Int64(seconds) }
        }
    }
}

@c @implementation
public func tessera_policy_set_max_lifetime(_ p: OpaquePointer!, _ seconds: UInt32) -> CInt {
    entry { () throws(TesseraError) in
        try Handle.policy(p) { (policy: Policy) throws(TesseraError) in
            guard seconds > 0 else { throw .argument("max lifetime is 0; a token must live at least a second") }
            policy.update { $0.maxLifetime = Int64(seconds) }
        }
    }
}

@c @implementation
public func tessera_policy_set_time(_ p: OpaquePointer!, _ now: Int64) -> CInt {
    entry { () throws(TesseraError) in
        try Handle.policy(p) { (policy: Policy) throws(TesseraError) in
            guard now >= 0 else { throw .argument("the fixed time is negative") }
            guard now <= Policy.maxFixedTime else {
                throw .argument("the fixed time \(now) is beyond the year 9999 (\(Policy.maxFixedTime))")
            }
            policy.update { $0.fixedTime = now }
        }
    }
}

@c @implementation
public func tessera_policy_set_require_exp(_ p: OpaquePointer!, _ required: CInt) -> CInt {
    entry { () throws(TesseraError) in
        try Handle.policy(p) { (policy: Policy) throws(TesseraError) in
            policy.update { $0.requireExp = required != 0 }
        }
    }
}

/// The verify functions' output: claims_out may be NULL with cap 0 (no copy
/// wanted), and claims_len may be NULL.
private func verifyEntry(_ out: UnsafeMutablePointer<CChar>?, _ cap: Int, _ outLen: UnsafeMutablePointer<Int>?,
                         _ body: (UnsafeMutableRawBufferPointer?) throws(TesseraError) -> Int) -> CInt {
    // claims_len may be NULL here, so only the buffer's own arguments are checked.
    let caller = CallerOutput(out, cap, outLen)
    do throws(TesseraError) {
        guard cap >= 0 else { throw .argument("claims_cap is larger than SIZE_MAX / 2") }
        guard caller.bufferValid else { throw .argument("the output buffer is NULL but its capacity is not 0") }
        let length = try body(caller.output.buffer)
        outLen?.pointee = length
        tessera__detail_clear()
        return Status.ok.rawValue
    } catch {
        caller.fail(after: error)
        return fail(error)
    }
}

/// The body the three verify entry points share.
private func verifyToken(_ token: UnsafePointer<CChar>?, _ length: Int, _ name: StaticString, _ keys: Verifier.Keys,
                         _ policy: OpaquePointer?, _ mode: Verifier.Mode,
                         _ output: UnsafeMutableRawBufferPointer?) throws(TesseraError) -> Int {
    let t = try input(token, length, name)
    return try Handle.optionalPolicy(policy) { (p: Policy?) throws(TesseraError) -> Int in
        try Verifier.verify(keys, token: t, policy: p, mode: mode, output: output)
    }
}

@c @implementation
public func tessera_jwt_verify(_ key: OpaquePointer!, _ token: UnsafePointer<CChar>!, _ tokenLen: Int,
                               _ policy: OpaquePointer!, _ claimsOut: UnsafeMutablePointer<CChar>!, _ claimsCap: Int,
                               _ claimsLen: UnsafeMutablePointer<Int>!) -> CInt {
    verifyEntry(claimsOut, claimsCap, claimsLen) { output throws(TesseraError) -> Int in
        try Handle.key(key) { (k: Key) throws(TesseraError) -> Int in
            try verifyToken(token, tokenLen, "token", .one(k), policy, .jwt, output)
        }
    }
}

@c @implementation
public func tessera_jwt_verify_keyset(_ keys: OpaquePointer!, _ token: UnsafePointer<CChar>!, _ tokenLen: Int,
                                      _ policy: OpaquePointer!, _ claimsOut: UnsafeMutablePointer<CChar>!, _ claimsCap: Int,
                                      _ claimsLen: UnsafeMutablePointer<Int>!) -> CInt {
    verifyEntry(claimsOut, claimsCap, claimsLen) { output throws(TesseraError) -> Int in
        try Handle.keySet(keys) { (set: KeySet) throws(TesseraError) -> Int in
            try verifyToken(token, tokenLen, "token", .set(set), policy, .jwt, output)
        }
    }
}

@c @implementation
public func tessera_jws_verify(_ key: OpaquePointer!, _ jws: UnsafePointer<CChar>!, _ jwsLen: Int,
                               _ policy: OpaquePointer!, _ payloadOut: UnsafeMutablePointer<CChar>!, _ payloadCap: Int,
                               _ payloadLen: UnsafeMutablePointer<Int>!) -> CInt {
    verifyEntry(payloadOut, payloadCap, payloadLen) { output throws(TesseraError) -> Int in
        try Handle.key(key) { (k: Key) throws(TesseraError) -> Int in
            try verifyToken(jws, jwsLen, "jws", .one(k), policy, .jws, output)
        }
    }
}

extension CallerOutput.Names {
    static let header = Self(len: "header_len is NULL (pass NULL, 0, NULL to skip the header)",
                             capTooLarge: "header_cap is larger than SIZE_MAX / 2",
                             outNull: "header_out is NULL but header_cap is not 0")
    static let claims = Self(len: "claims_len is NULL (pass NULL, 0, NULL to skip the claims)",
                             capTooLarge: "claims_cap is larger than SIZE_MAX / 2",
                             outNull: "claims_out is NULL but claims_cap is not 0")
}

/// One part of tessera_jwt_peek's output: the usual (out, cap, len), or
/// skipped when all three are NULL, 0, NULL.
private struct PeekPart {
    let caller: CallerOutput
    let skipped: Bool

    init(_ out: UnsafeMutablePointer<CChar>?, _ cap: Int, _ len: UnsafeMutablePointer<Int>?, names: CallerOutput.Names) {
        caller = CallerOutput(out, cap, len, names: names)
        skipped = out == nil && cap == 0 && len == nil
    }

    func checkArguments() throws(TesseraError) {
        if !skipped { try caller.output.checkArguments() }
    }

    func fits(_ length: Int) -> Bool { skipped || caller.fits(length) }

    /// Writes the part (it fits), its NUL and its length.
    func write(_ bytes: UnsafeRawBufferPointer) {
        guard !skipped, let out = caller.output.buffer?.baseAddress else { return }
        if let base = bytes.baseAddress, bytes.count > 0 { out.copyMemory(from: base, byteCount: bytes.count) }
        out.storeBytes(of: 0, toByteOffset: bytes.count, as: UInt8.self)
        caller.len?.pointee = bytes.count
    }
}

@c @implementation
public func tessera_jwt_peek(_ token: UnsafePointer<CChar>!, _ tokenLen: Int,
                             _ headerOut: UnsafeMutablePointer<CChar>!, _ headerCap: Int, _ headerLen: UnsafeMutablePointer<Int>!,
                             _ claimsOut: UnsafeMutablePointer<CChar>!, _ claimsCap: Int,
                             _ claimsLen: UnsafeMutablePointer<Int>!) -> CInt {
    let header = PeekPart(headerOut, headerCap, headerLen, names: .header)
    let claims = PeekPart(claimsOut, claimsCap, claimsLen, names: .claims)
    var needed = (header: 0, claims: 0)
    do throws(TesseraError) {
        let t = try input(token, tokenLen, "token")
        try header.checkArguments()
        try claims.checkArguments()
        let fits = try Peek.peek(t) { h, c -> Bool in
            needed = (h.count, c.count)
            guard header.fits(h.count) && claims.fits(c.count) else { return false }
            header.write(h)
            claims.write(c)
            return true
        }
        guard fits else {
            throw TesseraError(.bufferTooSmall, "the header needs \(needed.header) bytes and the claims \(needed.claims), each plus a NUL")
        }
        tessera__detail_clear()
        return Status.ok.rawValue
    } catch {
        let tooSmall = error.status == .bufferTooSmall
        header.caller.fail(needed: tooSmall ? needed.header : 0)
        claims.caller.fail(needed: tooSmall ? needed.claims : 0)
        return fail(error)
    }
}
