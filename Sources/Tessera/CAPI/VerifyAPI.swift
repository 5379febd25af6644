// Policies and verification.
import CTesseraABI
import CTesseraSupport

extension Handle {
    static func policy(_ p: OpaquePointer?) throws(TesseraError) -> Policy {
        guard let p else { throw .argument("policy is NULL") }
        return Unmanaged<Policy>.fromOpaque(UnsafeRawPointer(p)).takeUnretainedValue()
    }

    static func optionalPolicy(_ p: OpaquePointer?) -> Policy? {
        guard let p else { return nil }
        return Unmanaged<Policy>.fromOpaque(UnsafeRawPointer(p)).takeUnretainedValue()
    }
}

@c @implementation
public func tessera_policy_new(_ out: UnsafeMutablePointer<OpaquePointer?>!) -> CInt {
    construct(out) { () throws(TesseraError) in Policy() }
}

@c @implementation
public func tessera_policy_free(_ p: OpaquePointer!) {
    guard let p else { return }
    Unmanaged<Policy>.fromOpaque(UnsafeRawPointer(p)).release()
}

@c @implementation
public func tessera_policy_allow_alg(_ p: OpaquePointer!, _ alg: tessera_alg) -> CInt {
    entry { () throws(TesseraError) in
        let policy = try Handle.policy(p)
        let a = try algorithm(alg)
        policy.config.allowed |= 1 << a.rawValue
    }
}

/// A policy string setter: checks the policy and the string, then stores it.
private func setString(_ p: OpaquePointer?, _ s: UnsafePointer<CChar>?, _ what: StaticString,
                       _ store: (Policy, [UInt8]) -> Void) -> CInt {
    entry { () throws(TesseraError) in
        let policy = try Handle.policy(p)
        let bytes = try Policy.checkString(try optionalCString(s, limit: Policy.maxStringLength, what), what)
        store(policy, bytes)
    }
}

@c @implementation
public func tessera_policy_set_issuer(_ p: OpaquePointer!, _ iss: UnsafePointer<CChar>!) -> CInt {
    setString(p, iss, "iss") { $0.config.issuer = $1 }
}

@c @implementation
public func tessera_policy_set_audience(_ p: OpaquePointer!, _ aud: UnsafePointer<CChar>!) -> CInt {
    setString(p, aud, "aud") { $0.config.audience = $1 }
}

@c @implementation
public func tessera_policy_set_subject(_ p: OpaquePointer!, _ sub: UnsafePointer<CChar>!) -> CInt {
    setString(p, sub, "sub") { $0.config.subject = $1 }
}

@c @implementation
public func tessera_policy_set_type(_ p: OpaquePointer!, _ typ: UnsafePointer<CChar>!) -> CInt {
    setString(p, typ, "typ") { $0.config.type = $1 }
}

@c @implementation
public func tessera_policy_require_claim(_ p: OpaquePointer!, _ name: UnsafePointer<CChar>!) -> CInt {
    entry { () throws(TesseraError) in
        let policy = try Handle.policy(p)
        let bytes = try Policy.checkString(try optionalCString(name, limit: Policy.maxStringLength, "name"), "claim name")
        if policy.config.required.contains(bytes) { return }
        guard policy.config.required.count < Policy.maxRequiredClaims else {
            throw .argument("the policy already requires \(Policy.maxRequiredClaims) claims")
        }
        policy.config.required.append(bytes)
    }
}

@c @implementation
public func tessera_policy_set_leeway(_ p: OpaquePointer!, _ seconds: UInt32) -> CInt {
    entry { () throws(TesseraError) in
        let policy = try Handle.policy(p)
        guard seconds <= Policy.maxLeeway else { throw .argument("leeway \(seconds) s is over the maximum of \(Policy.maxLeeway) s") }
        policy.config.leeway = Int64(seconds)
    }
}

@c @implementation
public func tessera_policy_set_max_lifetime(_ p: OpaquePointer!, _ seconds: UInt32) -> CInt {
    entry { () throws(TesseraError) in
        let policy = try Handle.policy(p)
        guard seconds > 0 else { throw .argument("max lifetime is 0; a token must live at least a second") }
        policy.config.maxLifetime = Int64(seconds)
    }
}

@c @implementation
public func tessera_policy_set_time(_ p: OpaquePointer!, _ now: Int64) -> CInt {
    entry { () throws(TesseraError) in
        let policy = try Handle.policy(p)
        guard now >= 0 else { throw .argument("the fixed time is negative") }
        policy.config.fixedTime = now
    }
}

/// The verify functions' output: claims_out may be NULL with cap 0 (no copy
/// wanted), and claims_len may be NULL.
private func verifyEntry(_ out: UnsafeMutablePointer<CChar>?, _ cap: Int, _ outLen: UnsafeMutablePointer<Int>?,
                         _ body: (UnsafeMutableRawBufferPointer?) throws(TesseraError) -> Int) -> CInt {
    do throws(TesseraError) {
        guard cap >= 0 else { throw .argument("claims_cap is larger than SIZE_MAX / 2") }
        guard out != nil || cap == 0 else { throw .argument("the output buffer is NULL but its capacity is not 0") }
        let buffer = cap > 0 ? UnsafeMutableRawBufferPointer(start: out, count: cap) : nil
        let length = try body(buffer)
        outLen?.pointee = length
        tessera__detail_clear()
        return Status.ok.rawValue
    } catch {
        outLen?.pointee = error.status == .bufferTooSmall ? error.needed : 0
        if let out, cap > 0 { out.pointee = 0 }
        return fail(error)
    }
}

@c @implementation
public func tessera_jwt_verify(_ key: OpaquePointer!, _ token: UnsafePointer<CChar>!, _ tokenLen: Int,
                               _ policy: OpaquePointer!, _ claimsOut: UnsafeMutablePointer<CChar>!, _ claimsCap: Int,
                               _ claimsLen: UnsafeMutablePointer<Int>!) -> CInt {
    verifyEntry(claimsOut, claimsCap, claimsLen) { output throws(TesseraError) -> Int in
        let k = try Handle.key(key)
        let t = try input(token, tokenLen, "token")
        return try Verifier.verify(.one(k), token: t, policy: Handle.optionalPolicy(policy), mode: .jwt, output: output)
    }
}

@c @implementation
public func tessera_jwt_verify_keyset(_ keys: OpaquePointer!, _ token: UnsafePointer<CChar>!, _ tokenLen: Int,
                                      _ policy: OpaquePointer!, _ claimsOut: UnsafeMutablePointer<CChar>!, _ claimsCap: Int,
                                      _ claimsLen: UnsafeMutablePointer<Int>!) -> CInt {
    verifyEntry(claimsOut, claimsCap, claimsLen) { output throws(TesseraError) -> Int in
        let set = try Handle.keySet(keys)
        let t = try input(token, tokenLen, "token")
        return try Verifier.verify(.set(set), token: t, policy: Handle.optionalPolicy(policy), mode: .jwt, output: output)
    }
}

@c @implementation
public func tessera_jws_verify(_ key: OpaquePointer!, _ jws: UnsafePointer<CChar>!, _ jwsLen: Int,
                               _ policy: OpaquePointer!, _ payloadOut: UnsafeMutablePointer<CChar>!, _ payloadCap: Int,
                               _ payloadLen: UnsafeMutablePointer<Int>!) -> CInt {
    verifyEntry(payloadOut, payloadCap, payloadLen) { output throws(TesseraError) -> Int in
        let k = try Handle.key(key)
        let t = try input(jws, jwsLen, "jws")
        return try Verifier.verify(.one(k), token: t, policy: Handle.optionalPolicy(policy), mode: .jws, output: output)
    }
}

@c @implementation
public func tessera_keyset_remove(_ set: OpaquePointer!, _ kid: UnsafePointer<CChar>!) -> CInt {
    entry { () throws(TesseraError) in
        let s = try Handle.keySet(set)
        guard let k = try optionalCString(kid, limit: Key.maxKidLength, "kid") else { throw .argument("kid is NULL") }
        try s.remove(kid: Array(k))
    }
}
