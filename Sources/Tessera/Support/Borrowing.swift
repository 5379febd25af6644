// Running code over borrowed bytes and objects while keeping typed errors.

/// Runs `body` over an array's bytes, keeping its typed error (the
/// standard library's `withUnsafeBytes` rethrows untyped errors).
func withBytes<R>(_ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(TesseraError) -> R) throws(TesseraError) -> R {
    let result: Result<R, TesseraError> = array.withUnsafeBytes { b in
        do throws(TesseraError) {
            return .success(try body(b))
        } catch {
            return .failure(error)
        }
    }
    return try result.get()
}

extension Unmanaged {
    /// Runs `body` with the instance borrowed: no retain, no release. The
    /// caller must keep the instance alive (Tessera's handles do). Used where
    /// a closure would otherwise capture, and retain, an object that every
    /// thread shares, bouncing its reference count between cores.
    @inline(__always)
    func borrow<R>(_ body: (Instance) throws(TesseraError) -> R) throws(TesseraError) -> R {
        let result: Result<R, TesseraError> = _withUnsafeGuaranteedRef { instance in
            do throws(TesseraError) {
                return .success(try body(instance))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

extension Optional where Wrapped == [UInt8] {
    /// Runs `body` with the bytes, or with nil.
    func withOptionalBytes<R>(_ body: (UnsafeRawBufferPointer?) throws(TesseraError) -> R) throws(TesseraError) -> R {
        switch self {
        case .none: return try body(nil)
        case .some(let bytes): return try withBytes(bytes) { b throws(TesseraError) in try body(b) }
        }
    }
}
