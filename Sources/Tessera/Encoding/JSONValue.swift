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
        let top = try JSONChecker.checkObject(input, label: label)
        guard let base = input.baseAddress else { throw .malformed("\(label): empty") }
        let p = base.assumingMemoryBound(to: UInt8.self)
        var start = 0
        while p[start] != UInt8(ascii: "{") { start += 1 }
        return build(p, start..<(top.closingBrace + 1))
    }

    subscript(member: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == member }?.1
    }

    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The value at `range` of checked text (depth is bounded by the
    /// checker, so the recursion is too).
    private static func build(_ p: UnsafePointer<UInt8>, _ range: Range<Int>) -> JSONValue {
        switch p[range.lowerBound] {
        case UInt8(ascii: "{"):
            var scan = JSONScanner(p: p, n: range.upperBound, at: range.lowerBound + 1)
            var members: [(String, JSONValue)] = []
            while let m = scan.nextMember() {
                members.append((String(decoding: m.name.unescaped(in: p), as: UTF8.self), build(p, m.value)))
            }
            return .object(members)
        case UInt8(ascii: "["):
            var scan = JSONScanner(p: p, n: range.upperBound, at: range.lowerBound + 1)
            var items: [JSONValue] = []
            while let element = scan.nextElement() { items.append(build(p, element)) }
            return .array(items)
        case UInt8(ascii: "\""):
            guard let span = JSONScanner.stringSpan(p, range) else { return .null }
            return .string(String(decoding: span.unescaped(in: p), as: UTF8.self))
        case UInt8(ascii: "t"): return .bool(true)
        case UInt8(ascii: "f"): return .bool(false)
        case UInt8(ascii: "n"): return .null
        default:
            return .number(String(decoding: UnsafeBufferPointer(start: p + range.lowerBound, count: range.count), as: UTF8.self))
        }
    }
}
