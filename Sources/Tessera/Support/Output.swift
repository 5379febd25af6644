/// Where a function writes its text: a caller buffer, or none for a size
/// query. Enforces the contract's NUL termination and size reporting.
struct Output {
    /// The caller's buffer (nil for a size query: out = NULL, out_cap = 0).
    let buffer: UnsafeMutableRawBufferPointer?
    /// Set when the caller's output arguments themselves are unusable (a NULL
    /// out_len, out = NULL with out_cap > 0). Reported when the function
    /// first reserves room, so that checks the contract orders first (for
    /// example the credential's) still come first.
    var argumentProblem: StaticString? = nil

    /// Throws if the output arguments themselves are unusable. Functions
    /// with no contract-ordered checks call this first.
    func checkArguments() throws(TesseraError) {
        if let argumentProblem { throw .argument("\(argumentProblem)") }
    }

    /// Writes `text` and a NUL; returns its length.
    func write(_ text: String) throws(TesseraError) -> Int {
        var text = text
        let n = text.utf8.count
        let out = try reserve(n)
        text.withUTF8 { t in
            if let base = t.baseAddress { out.update(from: base, count: n) }
        }
        out[n] = 0
        return n
    }

    /// Returns the start of room for `length` bytes plus a NUL, or throws
    /// `bufferTooSmall` carrying `length`.
    func reserve(_ length: Int) throws(TesseraError) -> UnsafeMutablePointer<UInt8> {
        try checkArguments()
        guard let buffer, let base = buffer.baseAddress, length < buffer.count else {
            throw TesseraError(.bufferTooSmall, "output needs \(length) bytes plus a NUL", needed: length)
        }
        return base.assumingMemoryBound(to: UInt8.self)
    }
}

/// A static string literal that carries its own NUL, as a C string.
func cString(_ s: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(s.utf8Start).assumingMemoryBound(to: CChar.self)
}
