// Header section "TURN REST API credentials".
import CTesseraABI

@c @implementation
public func tessera_turn_password(_ secret: UnsafeRawPointer!, _ secretLen: Int,
                                  _ username: UnsafePointer<CChar>!, _ usernameLen: Int,
                                  _ out: UnsafeMutablePointer<CChar>!, _ outCap: Int,
                                  _ outLen: UnsafeMutablePointer<Int>!) -> CInt {
    entry(out: out, cap: outCap, outLen: outLen) { output throws(TesseraError) -> Int in
        let s = try input(secret, secretLen, "secret")
        let u = try input(username, usernameLen, "username")
        try output.checkArguments()
        return try TURNCredential.password(secret: s, username: u, output: output)
    }
}

@c @implementation
public func tessera_turn_password_len() -> Int {
    TURNCredential.passwordLength
}
