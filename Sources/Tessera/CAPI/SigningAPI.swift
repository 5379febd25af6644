// Header section "Signing".
import CTesseraABI

@c @implementation
public func tessera_jwt_sign(_ key: OpaquePointer!, _ claims: UnsafePointer<CChar>!, _ claimsLen: Int,
                             _ out: UnsafeMutablePointer<CChar>!, _ outCap: Int, _ outLen: UnsafeMutablePointer<Int>!) -> CInt {
    entry(out: out, cap: outCap, outLen: outLen) { output throws(TesseraError) -> Int in
        try Handle.key(key) { (k: Key) throws(TesseraError) -> Int in
            let c = try input(claims, claimsLen, "claims")
            try output.checkArguments()
            return try JWT.sign(key: k, claims: c, output: output)
        }
    }
}

@c @implementation
public func tessera_jwt_issue(_ key: OpaquePointer!, _ claims: UnsafePointer<CChar>!, _ claimsLen: Int,
                              _ now: Int64, _ ttl: UInt32, _ flags: CUnsignedInt,
                              _ out: UnsafeMutablePointer<CChar>!, _ outCap: Int, _ outLen: UnsafeMutablePointer<Int>!) -> CInt {
    entry(out: out, cap: outCap, outLen: outLen) { output throws(TesseraError) -> Int in
        try Handle.key(key) { (k: Key) throws(TesseraError) -> Int in
            let c = try input(claims, claimsLen, "claims")
            try output.checkArguments()
            return try JWT.issue(key: k, claims: c, now: now, ttl: ttl, flags: flags, output: output)
        }
    }
}

@c @implementation
public func tessera_token_max() -> Int {
    CompactJWS.maxLength
}

@c @implementation
public func tessera_json_depth_max() -> Int {
    JSONChecker.maxDepth
}

@c @implementation
public func tessera_jwt_sign_header(_ key: OpaquePointer!, _ header: UnsafePointer<CChar>!, _ headerLen: Int,
                                    _ claims: UnsafePointer<CChar>!, _ claimsLen: Int,
                                    _ out: UnsafeMutablePointer<CChar>!, _ outCap: Int,
                                    _ outLen: UnsafeMutablePointer<Int>!) -> CInt {
    entry(out: out, cap: outCap, outLen: outLen) { output throws(TesseraError) -> Int in
        try Handle.key(key) { (k: Key) throws(TesseraError) -> Int in
            guard header != nil || headerLen == 0 else { throw .argument("header is NULL but header_len is not 0") }
            let h = try optionalInput(header, headerLen, "header")
            let c = try input(claims, claimsLen, "claims")
            try output.checkArguments()
            return try JWT.sign(key: k, header: h, claims: c, output: output)
        }
    }
}
