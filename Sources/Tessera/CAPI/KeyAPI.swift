// Header section "Keys": constructors, accessors, export and the destructor.
import CTesseraABI

@c @implementation
public func tessera_key_new_hmac(_ alg: tessera_alg, _ secret: UnsafeRawPointer!, _ secretLen: Int,
                                 _ kid: UnsafePointer<CChar>!, _ out: UnsafeMutablePointer<OpaquePointer?>!) -> CInt {
    construct(out) { () throws(TesseraError) in
        let secretBytes = try input(secret, secretLen, "secret")
        let a = try algorithm(alg)
        let kidBytes = try optionalCString(kid, limit: Key.maxKidLength, "kid")
        return try Key.hmac(algorithm: a, secret: secretBytes, kid: kidBytes)
    }
}

@c @implementation
public func tessera_key_new_pem(_ alg: tessera_alg, _ pem: UnsafePointer<CChar>!, _ pemLen: Int,
                                _ kid: UnsafePointer<CChar>!, _ out: UnsafeMutablePointer<OpaquePointer?>!) -> CInt {
    construct(out) { () throws(TesseraError) in
        let document = try input(pem, pemLen, "pem")
        let a = try algorithm(alg)
        let kidBytes = try optionalCString(kid, limit: Key.maxKidLength, "kid")
        return try Key.pem(algorithm: a, document: document, kid: kidBytes)
    }
}

@c @implementation
public func tessera_key_new_jwk(_ alg: tessera_alg, _ jwk: UnsafePointer<CChar>!, _ jwkLen: Int,
                                _ out: UnsafeMutablePointer<OpaquePointer?>!) -> CInt {
    construct(out) { () throws(TesseraError) in
        let document = try input(jwk, jwkLen, "jwk")
        let requested: Algorithm? = alg.rawValue == 0 ? nil : try algorithm(alg)
        guard document.count <= CompactJWS.maxLength else { throw .malformed("the JWK is over \(CompactJWS.maxLength) bytes") }
        return try Key.jwk(requested: requested, document: document)
    }
}

@c @implementation
public func tessera_key_generate(_ alg: tessera_alg, _ kid: UnsafePointer<CChar>!,
                                 _ out: UnsafeMutablePointer<OpaquePointer?>!) -> CInt {
    construct(out) { () throws(TesseraError) in
        let a = try algorithm(alg)
        let kidBytes = try optionalCString(kid, limit: Key.maxKidLength, "kid")
        return try Key.generate(algorithm: a, kid: kidBytes)
    }
}

@c @implementation
public func tessera_key_alg(_ key: OpaquePointer!) -> tessera_alg {
    let raw = try? Handle.key(key) { (k: Key) throws(TesseraError) in k.algorithm.rawValue }
    return tessera_alg(rawValue: raw ?? 0)
}

@c @implementation
public func tessera_key_export_jwk(_ key: OpaquePointer!, _ out: UnsafeMutablePointer<CChar>!, _ outCap: Int,
                                   _ outLen: UnsafeMutablePointer<Int>!) -> CInt {
    entry(out: out, cap: outCap, outLen: outLen) { output throws(TesseraError) -> Int in
        try Handle.key(key) { (k: Key) throws(TesseraError) -> Int in
            try output.checkArguments()
            return try k.exportJWK(to: output)
        }
    }
}

@c @implementation
public func tessera_key_thumbprint(_ key: OpaquePointer!, _ out: UnsafeMutablePointer<CChar>!, _ outCap: Int,
                                   _ outLen: UnsafeMutablePointer<Int>!) -> CInt {
    entry(out: out, cap: outCap, outLen: outLen) { output throws(TesseraError) -> Int in
        try Handle.key(key) { (k: Key) throws(TesseraError) -> Int in
            try output.checkArguments()
            return try output.write(k.thumbprint())
        }
    }
}

@c @implementation
public func tessera_key_free(_ key: OpaquePointer!) {
    guard let key else { return }
    Handle.release(key)
}
