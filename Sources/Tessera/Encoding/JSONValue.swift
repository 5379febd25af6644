/// A parsed JSON value, for documents read once at setup (JWK, JWKS), never
/// on a token's path. Built only from input that `JSONChecker` accepted, so
/// it inherits its strictness (UTF-8, no duplicates, depth, grammar), by
/// walking it with the shared `JSONScanner`.
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
        var scan = JSONScanner(p: base.assumingMemoryBound(to: UInt8.self), n: input.count)
        scan.skipWhitespace()
        return build(&scan)
    }

    subscript(member: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == member }?.1
    }

    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The value at the cursor of checked text, in one pass: the cursor
    /// ends just past it. (Depth is bounded by the checker, so the
    /// recursion is too.)
    private static func build(_ scan: inout JSONScanner) -> JSONValue {
        let p = scan.p
        guard scan.i < scan.n else { return .null }
        let start = scan.i
        switch p[start] {
        case UInt8(ascii: "{"):
            scan.i &+= 1
            var members: [(String, JSONValue)] = []
            while let name = scan.enterMember() {
                members.append((String(decoding: name.unescaped(in: p), as: UTF8.self), build(&scan)))
            }
            scan.i &+= 1 // '}'
            return .object(members)
        case UInt8(ascii: "["):
            scan.i &+= 1
            var items: [JSONValue] = []
            while scan.enterElement() { items.append(build(&scan)) }
            scan.i &+= 1 // ']'
            return .array(items)
        case UInt8(ascii: "\""):
            return .string(String(decoding: scan.skipString().unescaped(in: p), as: UTF8.self))
        default:
            scan.skipValue()
            switch p[start] {
            case UInt8(ascii: "t"): return .bool(true)
            case UInt8(ascii: "f"): return .bool(false)
            case UInt8(ascii: "n"): return .null
            default: return .number(String(decoding: UnsafeBufferPointer(start: p + start, count: scan.i - start), as: UTF8.self))
            }
        }
    }
}
