/// A parsed JSON value, for documents read once at setup (JWK, JWKS), never
/// on a token's path. Built only from input that `JSONChecker` accepted, so
/// it inherits its strictness (UTF-8, no duplicates, depth, grammar), by
/// walking it with the shared `JSONScanner`.
///
/// String values are not copied: each is a `JSONText`, a span of the
/// document, so a JWK's secret members (`d`, `p`, `q`, `dp`, `dq`, `qi`,
/// `k`) go from the caller's bytes straight into wiped memory. The tree is
/// valid only while the document it was parsed from is.
indirect enum JSONValue {
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(JSONText)
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

    /// The string's text, for values that are not secret (kty, alg, kid...).
    var stringValue: String? {
        if case .string(let t) = self { return t.string }
        return nil
    }

    /// The string value where it lies in the document.
    var text: JSONText? {
        if case .string(let t) = self { return t }
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
            return .string(JSONText(p: p, span: scan.skipString()))
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

/// A string value of a parsed document, where it lies: unescaped only when
/// asked, into a String for ordinary text or into wiped memory for secrets.
struct JSONText {
    let p: UnsafePointer<UInt8>
    let span: JSONSpan

    var string: String { String(decoding: span.unescaped(in: p), as: UTF8.self) }

    /// The unescaped bytes in memory that is wiped when freed, or nil when
    /// memory runs out.
    func secretBytes() -> SecretBytes? {
        guard let bytes = SecretBytes(capacity: span.length),
              bytes.fill({ out, _ in span.unescape(in: p, into: out) }) else { return nil }
        return bytes
    }

    /// Runs `body` with the unescaped bytes: the document's own when the
    /// text has no escape, else a copy in wiped memory.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R? {
        if !span.escaped { return body(UnsafeRawBufferPointer(start: p + span.start, count: span.length)) }
        guard let copy = secretBytes() else { return nil }
        return copy.withBytes { body($0) }
    }
}
