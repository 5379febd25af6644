// Header section "Tencent Cloud TRTC / IM UserSig".
import CTesseraABI

@c @implementation
public func tessera_trtc_usersig(_ sdkAppId: UInt64, _ key: UnsafeRawPointer!, _ keyLen: Int,
                                 _ userId: UnsafePointer<CChar>!, _ expire: UInt32, _ now: Int64,
                                 _ out: UnsafeMutablePointer<CChar>!, _ outCap: Int,
                                 _ outLen: UnsafeMutablePointer<Int>!) -> CInt {
    entry(out: out, cap: outCap, outLen: outLen) { output throws(TesseraError) -> Int in
        let k = try input(key, keyLen, "key")
        let u = try optionalCString(userId, limit: TRTCUserSig.maxUserIdLength, "user_id")
        return try TRTCUserSig.sign(sdkAppId: sdkAppId, key: k, userId: u, expire: expire, now: now, output: output)
    }
}

@c @implementation
public func tessera_trtc_usersig_verify(_ sdkAppId: UInt64, _ key: UnsafeRawPointer!, _ keyLen: Int,
                                        _ userId: UnsafePointer<CChar>!, _ usersig: UnsafePointer<CChar>!,
                                        _ usersigLen: Int, _ now: Int64) -> CInt {
    entry { () throws(TesseraError) in
        let k = try input(key, keyLen, "key")
        let u = try optionalCString(userId, limit: TRTCUserSig.maxUserIdLength, "user_id")
        let s = try input(usersig, usersigLen, "usersig")
        try TRTCUserSig.verify(sdkAppId: sdkAppId, key: k, userId: u, usersig: s, now: now)
    }
}
