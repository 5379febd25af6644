import COpenSSL

/// OpenSSL parameter names, as C strings (each literal carries its NUL).
enum ParamName {
    static let rsaN: StaticString = "n\0"
    static let rsaE: StaticString = "e\0"
    static let rsaD: StaticString = "d\0"
    static let rsaP: StaticString = "rsa-factor1\0"
    static let rsaQ: StaticString = "rsa-factor2\0"
    static let rsaDP: StaticString = "rsa-exponent1\0"
    static let rsaDQ: StaticString = "rsa-exponent2\0"
    static let rsaQI: StaticString = "rsa-coefficient1\0"
    static let group: StaticString = "group\0"
    static let pub: StaticString = "pub\0"
    static let priv: StaticString = "priv\0"
    static let ecX: StaticString = "qx\0"
    static let ecY: StaticString = "qy\0"
}

/// The OpenSSL error queue of the calling thread, drained into a detail.
enum OpenSSLError {
    /// The reason of the most recent queued error ("" if none); clears the
    /// queue so that nothing leaks into the caller's later OpenSSL use.
    static func drain() -> String {
        var last: UInt = 0
        while true {
            let e = ERR_get_error()
            if e == 0 { break }
            last = e
        }
        guard last != 0 else { return "" }
        var buf = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(last, &buf, buf.count)
        let text = buf.withUnsafeBufferPointer { b -> String in
            let bytes = UnsafeRawBufferPointer(b).prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
        return text
    }

    /// A detail with OpenSSL's reason appended when there is one.
    static func detail(_ what: String) -> String {
        let reason = drain()
        return reason.isEmpty ? what : "\(what) (OpenSSL: \(reason))"
    }
}
