// Header section "Agora AccessToken2".
import CTesseraABI

@c @implementation
public func tessera_agora_rtc_token(_ appId: UnsafePointer<CChar>!, _ appCertificate: UnsafePointer<CChar>!,
                                    _ channel: UnsafePointer<CChar>!, _ account: UnsafePointer<CChar>!, _ role: CInt,
                                    _ tokenExpire: UInt32, _ privilegeExpire: UInt32, _ issuedAt: Int64, _ salt: UInt32,
                                    _ out: UnsafeMutablePointer<CChar>!, _ outCap: Int,
                                    _ outLen: UnsafeMutablePointer<Int>!) -> CInt {
    entry(out: out, cap: outCap, outLen: outLen) { output throws(TesseraError) -> Int in
        try AgoraToken.rtcToken(appId: try optionalCString(appId, limit: 32, "app_id"),
                                certificate: try optionalCString(appCertificate, limit: 32, "app_certificate"),
                                channel: try optionalCString(channel, limit: AgoraToken.maxString, "channel"),
                                account: try optionalCString(account, limit: AgoraToken.maxString, "account"),
                                role: role, tokenExpire: tokenExpire, privilegeExpire: privilegeExpire,
                                issuedAt: issuedAt, salt: salt, output: output)
    }
}

@c @implementation
public func tessera_agora_rtm_token(_ appId: UnsafePointer<CChar>!, _ appCertificate: UnsafePointer<CChar>!,
                                    _ userId: UnsafePointer<CChar>!, _ expire: UInt32, _ issuedAt: Int64, _ salt: UInt32,
                                    _ out: UnsafeMutablePointer<CChar>!, _ outCap: Int,
                                    _ outLen: UnsafeMutablePointer<Int>!) -> CInt {
    entry(out: out, cap: outCap, outLen: outLen) { output throws(TesseraError) -> Int in
        try AgoraToken.rtmToken(appId: try optionalCString(appId, limit: 32, "app_id"),
                                certificate: try optionalCString(appCertificate, limit: 32, "app_certificate"),
                                userId: try optionalCString(userId, limit: AgoraToken.maxString, "user_id"),
                                expire: expire, issuedAt: issuedAt, salt: salt, output: output)
    }
}

@c @implementation
public func tessera_agora_token_verify(_ appCertificate: UnsafePointer<CChar>!, _ token: UnsafePointer<CChar>!,
                                       _ tokenLen: Int, _ now: Int64, _ jsonOut: UnsafeMutablePointer<CChar>!,
                                       _ jsonCap: Int, _ jsonLen: UnsafeMutablePointer<Int>!) -> CInt {
    func arguments() throws(TesseraError) -> (UnsafeRawBufferPointer, UnsafeRawBufferPointer) {
        (try AgoraToken.checkHex32(try optionalCString(appCertificate, limit: 32, "app_certificate"), "app_certificate"),
         try input(token, tokenLen, "token"))
    }
    // json_out NULL with json_cap 0: the token is only checked; a json_len
    // that is not NULL receives the description's length (0 on failure).
    guard jsonOut != nil || jsonCap != 0 else {
        jsonLen?.pointee = 0
        return entry { () throws(TesseraError) in
            let (cert, t) = try arguments()
            let n = try AgoraToken.verify(certificate: cert, token: t, now: now, describe: nil)
            jsonLen?.pointee = n
        }
    }
    return entry(out: jsonOut, cap: jsonCap, outLen: jsonLen) { output throws(TesseraError) -> Int in
        let (cert, t) = try arguments()
        try output.checkArguments()
        return try AgoraToken.verify(certificate: cert, token: t, now: now, describe: output)
    }
}
