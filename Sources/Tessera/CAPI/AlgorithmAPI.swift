// Header section "Algorithms".
import CTesseraABI
import Glibc

@c @implementation
public func tessera_alg_name(_ alg: tessera_alg) -> UnsafePointer<CChar>! {
    guard let a = Algorithm(rawValue: alg.rawValue) else { return nil }
    return cString(a.cName)
}

@c @implementation
public func tessera_alg_from_name(_ name: UnsafePointer<CChar>!, _ out: UnsafeMutablePointer<tessera_alg>!) -> CInt {
    entry { () throws(TesseraError) in
        guard let name else { throw .argument("name is NULL") }
        guard let out else { throw .argument("out is NULL") }
        // No algorithm name is longer than 5 bytes: read no further than 6.
        let length = strnlen(name, 6)
        guard length <= 5, let alg = Algorithm(name: UnsafeRawBufferPointer(start: name, count: length)) else {
            throw .algorithm("unknown algorithm name (names are exact and case-sensitive, e.g. \"HS256\")")
        }
        out.pointee = tessera_alg(rawValue: alg.rawValue)
    }
}
