// Header section "SkyWay-style HMAC credential".
import CTesseraABI

@c @implementation
public func tessera_credential_sign(_ secret: UnsafeRawPointer!, _ secretLen: Int,
                                    _ peerId: UnsafePointer<CChar>!, _ peerIdLen: Int,
                                    _ timestamp: Int64, _ ttl: UInt32,
                                    _ out: UnsafeMutablePointer<CChar>!, _ outCap: Int,
                                    _ outLen: UnsafeMutablePointer<Int>!) -> CInt {
    entry(out: out, cap: outCap, outLen: outLen) { output throws(TesseraError) -> Int in
        try SkyWayCredential.sign(secret: optionalInput(secret, secretLen, "secret"),
                            peerId: optionalInput(peerId, peerIdLen, "peer id"),
                            timestamp: timestamp, ttl: ttl, output: output)
    }
}

@c @implementation
public func tessera_credential_json(_ secret: UnsafeRawPointer!, _ secretLen: Int,
                                    _ peerId: UnsafePointer<CChar>!, _ peerIdLen: Int,
                                    _ timestamp: Int64, _ ttl: UInt32,
                                    _ out: UnsafeMutablePointer<CChar>!, _ outCap: Int,
                                    _ outLen: UnsafeMutablePointer<Int>!) -> CInt {
    entry(out: out, cap: outCap, outLen: outLen) { output throws(TesseraError) -> Int in
        try SkyWayCredential.json(secret: optionalInput(secret, secretLen, "secret"),
                            peerId: optionalInput(peerId, peerIdLen, "peer id"),
                            timestamp: timestamp, ttl: ttl, output: output)
    }
}

@c @implementation
public func tessera_credential_verify(_ secret: UnsafeRawPointer!, _ secretLen: Int,
                                      _ peerId: UnsafePointer<CChar>!, _ peerIdLen: Int,
                                      _ timestamp: Int64, _ ttl: UInt32,
                                      _ authToken: UnsafePointer<CChar>!, _ authTokenLen: Int,
                                      _ now: Int64) -> CInt {
    entry { () throws(TesseraError) in
        try SkyWayCredential.verify(secret: optionalInput(secret, secretLen, "secret"),
                              peerId: optionalInput(peerId, peerIdLen, "peer id"),
                              timestamp: timestamp, ttl: ttl,
                              authToken: optionalInput(authToken, authTokenLen, "auth token"), now: now)
    }
}

@c @implementation
public func tessera_credential_ttl_min() -> UInt32 {
    SkyWayCredential.ttlRange.lowerBound
}

@c @implementation
public func tessera_credential_ttl_max() -> UInt32 {
    SkyWayCredential.ttlRange.upperBound
}

@c @implementation
public func tessera_credential_token_len() -> Int {
    SkyWayCredential.tokenLength
}
