// Version, status text, the clock and algorithm names.
import CTesseraABI
import CTesseraSupport
import Glibc

@c @implementation
public func tessera_version_string() -> UnsafePointer<CChar>! {
    cString("0.1.0\0")
}

@c @implementation
public func tessera_version_number() -> UInt32 {
    0x00_01_00
}

@c @implementation
public func tessera_strerror(_ status: CInt) -> UnsafePointer<CChar>! {
    guard let s = Status(rawValue: status) else { return cString("unknown status code\0") }
    return cString(s.sentence)
}

@c @implementation
public func tessera_last_error() -> UnsafePointer<CChar>! {
    tessera__detail_get()
}

@c @implementation
public func tessera_now() -> Int64 {
    Clock.now()
}

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
