/// A parsed JSON value, for documents read once at setup (JWK, JWKS), never
/// on a token's path. Built only from input that `JSONChecker` accepted, so
/// it inherits its strictness (UTF-8, no duplicates, depth, grammar).
indirect enum JSONValue {
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(String)
    /// The number's literal text, exactly as written.
    case number(String)
    case bool(Bool)
    case null

    /// Parses one strict JSON object; `label` names it in error details.
    static func parseObject(_ input: UnsafeRawBufferPointer, label: StaticString) throws(TesseraError) -> JSONValue {
        _ = try JSONChecker.checkObject(input, label: label)
        guard let base = input.baseAddress else { throw .malformed("\(label): empty") }
        var builder = Builder(p: base.assumingMemoryBound(to: UInt8.self), n: input.count)
        return builder.value()
    }

    subscript(member: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == member }?.1
    }

    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The builder trusts its input: it runs only after the checker.
    private struct Builder {
        let p: UnsafePointer<UInt8>
        let n: Int
        var i = 0

        mutating func skipWhitespace() {
            while i < n, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i += 1 }
        }

        mutating func value() -> JSONValue {
            skipWhitespace()
            guard i < n else { return .null }
            switch p[i] {
            case UInt8(ascii: "{"):
                i += 1
                var members: [(String, JSONValue)] = []
                skipWhitespace()
                while i < n && p[i] != UInt8(ascii: "}") {
                    if p[i] == UInt8(ascii: ",") { i += 1; skipWhitespace() }
                    let name = string()
                    skipWhitespace()
                    i += 1 // ':'
                    members.append((name, value()))
                    skipWhitespace()
                }
                i += 1
                return .object(members)
            case UInt8(ascii: "["):
                i += 1
                var items: [JSONValue] = []
                skipWhitespace()
                while i < n && p[i] != UInt8(ascii: "]") {
                    if p[i] == UInt8(ascii: ",") { i += 1 }
                    items.append(value())
                    skipWhitespace()
                }
                i += 1
                return .array(items)
            case UInt8(ascii: "\""):
                return .string(string())
            case UInt8(ascii: "t"):
                i += 4
                return .bool(true)
            case UInt8(ascii: "f"):
                i += 5
                return .bool(false)
            case UInt8(ascii: "n"):
                i += 4
                return .null
            default:
                let start = i
                while i < n, p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: ".")
                        || p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E") || (p[i] >= 0x30 && p[i] <= 0x39) {
                    i += 1
                }
                return .number(String(decoding: UnsafeBufferPointer(start: p + start, count: i - start), as: UTF8.self))
            }
        }

        /// A string at the quote at `p[i]`, unescaped.
        mutating func string() -> String {
            let span = JSONChecker.scanString(p, n, &i)
            return String(decoding: JSONChecker.unescaped(span, in: p), as: UTF8.self)
        }
    }
}
