// Header section "Status codes": the sentences, the per-thread detail and
// the clock.
import CTesseraABI
import CTesseraSupport

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
