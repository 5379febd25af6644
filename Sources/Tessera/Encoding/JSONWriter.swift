/// The one JSON string writer: escaping (RFC 8259 §7) of valid UTF-8 text
/// for the few JSON documents Tessera writes itself (the credential object,
/// JWKs, protected headers). Quotes, backslashes and control characters are
/// escaped (the short forms where RFC 8259 has one, `\u00XX` otherwise);
/// everything else, non-ASCII included, is copied as is.
enum JSONWriter {
    /// Length of `s` (valid UTF-8) as the content of a JSON string.
    static func escapedLength(_ s: UnsafeRawBufferPointer) -> Int {
        var len = 0
        for c in s {
            switch c {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x08, 0x0C, 0x0A, 0x0D, 0x09: len &+= 2
            case 0..<0x20: len &+= 6
            default: len &+= 1
            }
        }
        return len
    }

    /// Writes `s` (valid UTF-8) escaped for a JSON string at `p`, which has
    /// room for `escapedLength(s)` bytes; returns the end.
    static func writeEscaped(_ s: UnsafeRawBufferPointer, to p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        let hex = Text.hexDigits.utf8Start
        var q = p
        for c in s {
            var e: UInt8 = 0
            switch c {
            case UInt8(ascii: "\""): e = UInt8(ascii: "\"")
            case UInt8(ascii: "\\"): e = UInt8(ascii: "\\")
            case 0x08: e = UInt8(ascii: "b")
            case 0x0C: e = UInt8(ascii: "f")
            case 0x0A: e = UInt8(ascii: "n")
            case 0x0D: e = UInt8(ascii: "r")
            case 0x09: e = UInt8(ascii: "t")
            case 0..<0x20:
                q = Text.write("\\u00", to: q)
                q[0] = hex[Int(c >> 4)]
                q[1] = hex[Int(c & 15)]
                q += 2
                continue
            default:
                q[0] = c
                q += 1
                continue
            }
            q[0] = UInt8(ascii: "\\")
            q[1] = e
            q += 2
        }
        return q
    }

    /// Length of `s` (valid UTF-8) escaped as Python's `json.dumps` does by
    /// default (`ensure_ascii`): as `escapedLength`, and every non-ASCII
    /// character (and DEL) as `\uXXXX`, two of them (a surrogate pair)
    /// above U+FFFF. Tencent's UserSig builder writes its JSON this way.
    static func asciiEscapedLength(_ s: UnsafeRawBufferPointer) -> Int {
        var len = escapedLength(s)
        for c in s {
            switch c {
            case 0x7F: len &+= 5
            case 0x80..<0xC0: len &-= 1        // continuation bytes: folded into their lead's count
            case 0xC0..<0xE0: len &+= 5        // 2 bytes -> 6
            case 0xE0..<0xF0: len &+= 5        // 3 bytes -> 6
            case 0xF0...0xFF: len &+= 11       // 4 bytes -> 12
            default: break
            }
        }
        return len
    }

    /// Writes `s` (valid UTF-8) escaped as `asciiEscapedLength` counts.
    static func writeASCIIEscaped(_ s: UnsafeRawBufferPointer, to p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        writeASCIIEscaped(s, to: p, end: nil) ?? p
    }

    /// The same, writing nothing at or past `end` when one is given: nil if
    /// the text does not fit (memory sized for text that has since changed).
    static func writeASCIIEscaped(_ s: UnsafeRawBufferPointer, to p: UnsafeMutablePointer<UInt8>,
                                  end: UnsafeMutablePointer<UInt8>?) -> UnsafeMutablePointer<UInt8>? {
        var q = p
        var i = 0
        let n = s.count
        while i < n {
            let c = s[i]
            if c < 0x7F {
                let one = UnsafeRawBufferPointer(rebasing: s[i..<(i + 1)])
                if let end, end - q < escapedLength(one) { return nil }
                q = writeEscaped(one, to: q)
                i += 1
                continue
            }
            // DEL, or a valid sequence: its lead byte gives its length.
            let length = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4
            var scalar = UInt32(c < 0xC0 ? c : c & (c < 0xE0 ? 0x1F : c < 0xF0 ? 0x0F : 0x07))
            var k = 1
            while k < length && i + k < n {
                scalar = scalar << 6 | UInt32(s[i + k] & 0x3F)
                k += 1
            }
            if let end, end - q < (scalar >= 0x10000 ? 12 : 6) { return nil }
            if scalar >= 0x10000 {
                let v = scalar &- 0x10000
                q = writeUnit(0xD800 | v >> 10, to: q)
                q = writeUnit(0xDC00 | v & 0x3FF, to: q)
            } else {
                q = writeUnit(scalar, to: q)
            }
            i += length
        }
        return q
    }

    private static func writeUnit(_ u: UInt32, to q: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        let hex = Text.hexDigits.utf8Start
        let r = Text.write("\\u", to: q)
        r[0] = hex[Int(u >> 12 & 15)]
        r[1] = hex[Int(u >> 8 & 15)]
        r[2] = hex[Int(u >> 4 & 15)]
        r[3] = hex[Int(u & 15)]
        return r + 4
    }

    /// `bytes` (valid UTF-8) as a quoted, escaped JSON string, for documents
    /// built once (a key's header and JWK), never on a token's path.
    static func quoted(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { b -> String in
            let n = escapedLength(b)
            var out = [UInt8](repeating: 0, count: n + 2)
            out.withUnsafeMutableBufferPointer { o in
                guard let base = o.baseAddress else { return }
                base[0] = UInt8(ascii: "\"")
                _ = writeEscaped(b, to: base + 1)
                base[n + 1] = UInt8(ascii: "\"")
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// `text` as a quoted, escaped JSON string.
    static func quoted(_ text: String) -> String {
        quoted(Array(text.utf8))
    }
}
