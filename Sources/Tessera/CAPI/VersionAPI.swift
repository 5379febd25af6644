// Header section "Version".
import CTesseraABI

@c @implementation
public func tessera_version_string() -> UnsafePointer<CChar>! {
    cString("0.1.0\0")
}

@c @implementation
public func tessera_version_number() -> UInt32 {
    0x00_01_00
}
