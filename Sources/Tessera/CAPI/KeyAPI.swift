// Key constructors, accessors and the destructor.
import CTesseraABI

@c @implementation
public func tessera_key_new_hmac(_ alg: tessera_alg, _ secret: UnsafeRawPointer!, _ secretLen: Int,
                                 _ kid: UnsafePointer<CChar>!, _ out: UnsafeMutablePointer<OpaquePointer?>!) -> CInt {
    entry { () throws(TesseraError) in
        guard let out else { throw .argument("out is NULL") }
        out.pointee = nil
        let secretBytes = try input(secret, secretLen, "secret")
        guard let algorithm = Algorithm(rawValue: alg.rawValue) else {
            throw .argument("alg \(alg.rawValue) is not a tessera_alg value")
        }
        let kidBytes = try optionalCString(kid, limit: Key.maxKidLength, "kid")
        let key = try Key.hmac(algorithm: algorithm, secret: secretBytes, kid: kidBytes)
        out.pointee = Handle.make(key)
    }
}

@c @implementation
public func tessera_key_alg(_ key: OpaquePointer!) -> tessera_alg {
    guard let key, let k = try? Handle.key(key) else { return tessera_alg(rawValue: 0) }
    return tessera_alg(rawValue: k.algorithm.rawValue)
}

@c @implementation
public func tessera_key_export_jwk(_ key: OpaquePointer!, _ out: UnsafeMutablePointer<CChar>!, _ outCap: Int,
                                   _ outLen: UnsafeMutablePointer<Int>!) -> CInt {
    entry(out: out, cap: outCap, outLen: outLen) { output throws(TesseraError) -> Int in
        let k = try Handle.key(key)
        try output.checkArguments()
        return try k.exportJWK(to: output)
    }
}

@c @implementation
public func tessera_key_free(_ key: OpaquePointer!) {
    guard let key else { return }
    Handle.release(key)
}
