// Header section "Key sets (JWKS)".
import CTesseraABI

@c @implementation
public func tessera_keyset_new(_ out: UnsafeMutablePointer<OpaquePointer?>!) -> CInt {
    construct(out) { () throws(TesseraError) in KeySet() }
}

@c @implementation
public func tessera_keyset_add(_ set: OpaquePointer!, _ key: OpaquePointer!) -> CInt {
    entry { () throws(TesseraError) in
        try Handle.keySet(set) { (s: KeySet) throws(TesseraError) in
            try Handle.key(key) { (k: Key) throws(TesseraError) in try s.add(k) }
        }
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
    (try? Handle.keySet(set) { (s: KeySet) throws(TesseraError) in s.keys.count }) ?? 0
}

@c @implementation
public func tessera_keyset_export_jwks(_ set: OpaquePointer!, _ out: UnsafeMutablePointer<CChar>!, _ outCap: Int,
                                       _ outLen: UnsafeMutablePointer<Int>!) -> CInt {
    entry(out: out, cap: outCap, outLen: outLen) { output throws(TesseraError) -> Int in
        try Handle.keySet(set) { (s: KeySet) throws(TesseraError) -> Int in
            try output.checkArguments()
            return try output.write(s.jwks())
        }
    }
}

@c @implementation
public func tessera_keyset_remove(_ set: OpaquePointer!, _ kid: UnsafePointer<CChar>!) -> CInt {
    entry { () throws(TesseraError) in
        try Handle.keySet(set) { (s: KeySet) throws(TesseraError) in
            guard let k = try optionalCString(kid, limit: Key.maxKidLength, "kid") else { throw .argument("kid is NULL") }
            try s.remove(kid: Array(k))
        }
    }
}

@c @implementation
public func tessera_keyset_free(_ set: OpaquePointer!) {
    guard let set else { return }
    Handle.release(set)
}
