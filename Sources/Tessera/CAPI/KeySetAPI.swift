// Key sets (JWKS).
import CTesseraABI

@c @implementation
public func tessera_keyset_new(_ out: UnsafeMutablePointer<OpaquePointer?>!) -> CInt {
    construct(out) { () throws(TesseraError) in KeySet() }
}

@c @implementation
public func tessera_keyset_add(_ set: OpaquePointer!, _ key: OpaquePointer!) -> CInt {
    entry { () throws(TesseraError) in
        let s = try Handle.keySet(set)
        try s.add(try Handle.key(key))
    }
}

@c @implementation
public func tessera_keyset_new_jwks(_ jwks: UnsafePointer<CChar>!, _ jwksLen: Int,
                                    _ out: UnsafeMutablePointer<OpaquePointer?>!) -> CInt {
    construct(out) { () throws(TesseraError) in
        let document = try input(jwks, jwksLen, "jwks")
        guard document.count <= KeySet.maxDocument else {
            throw .malformed("the JWKS is over \(KeySet.maxDocument) bytes")
        }
        return try KeySet.parse(document)
    }
}

@c @implementation
public func tessera_keyset_size(_ set: OpaquePointer!) -> Int {
    guard let set, let s = try? Handle.keySet(set) else { return 0 }
    return s.keys.count
}

@c @implementation
public func tessera_keyset_export_jwks(_ set: OpaquePointer!, _ out: UnsafeMutablePointer<CChar>!, _ outCap: Int,
                                       _ outLen: UnsafeMutablePointer<Int>!) -> CInt {
    entry(out: out, cap: outCap, outLen: outLen) { output throws(TesseraError) -> Int in
        let s = try Handle.keySet(set)
        try output.checkArguments()
        return try output.write(s.jwks())
    }
}

@c @implementation
public func tessera_keyset_free(_ set: OpaquePointer!) {
    guard let set else { return }
    Handle.releaseKeySet(set)
}
