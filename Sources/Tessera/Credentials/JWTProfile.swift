/// JWT platform profiles (`tessera_platform_token`): each RTC platform that
/// authenticates clients with a JWT documents its own claims (and, for some,
/// header members). A profile turns `name=value` parameters into exactly
/// those claims, in the member order of the vendor's own server SDK, with
/// strings escaped as Python's `json.dumps` escapes them (the vendors' Python
/// SDKs are the test oracles), then signs through `tessera_jwt_sign_header`'s
/// path. The claim-building lives here, in the library, so that a C server
/// mints any platform's token with one call and no JSON of its own, and the
/// CLI and the auth server share one implementation.
///
/// The profiles themselves, each beside the vendor document it follows, are
/// in JWTProfiles.swift.
struct JWTProfile: Sendable {
    enum Kind: Sendable { case string, integer, boolean, list }

    struct Param: Sendable {
        let name: StaticString
        let kind: Kind
        let required: Bool
        /// For strings: the values allowed (empty: any).
        var choices: [StaticString] = []
        /// For strings: the longest value allowed in bytes (0: the token limit).
        var maxLength = 0
    }

    let name: StaticString
    /// The algorithms the platform accepts for its tokens.
    let algorithms: [Algorithm]
    let params: [Param]
    /// Lifetime when the caller passes ttl 0 (0: no exp at all).
    let defaultTTL: UInt32
    /// Lifetimes the platform accepts (`lifetime` status outside).
    let ttlRange: ClosedRange<UInt32>
    /// Extra protected-header members, as a JSON object, or nil.
    let header: StaticString?
    /// Whether the key must carry a kid (JaaS: "<AppID>/<key id>").
    var needsKid = false
    let claims: @Sendable (Values, Times, inout ClaimsWriter) throws(TesseraError) -> Void

    /// The times a profile writes: now, and exp when the token has one.
    struct Times {
        let now: Int64
        let exp: Int64?
        let key: Key
    }

    /// A call's parameters, checked against the profile.
    struct Values {
        private var entries: [(name: String, value: [UInt8])] = []

        init(profile: JWTProfile, pairs: [UnsafeRawBufferPointer]) throws(TesseraError) {
            for pair in pairs {
                guard let eq = pair.firstIndex(of: UInt8(ascii: "=")), eq > 0 else {
                    throw .argument("a parameter is not name=value")
                }
                let name = String(decoding: pair[0..<eq], as: UTF8.self)
                let value = Array(pair[(eq + 1)...])
                guard let spec = profile.params.first(where: { String(describing: $0.name) == name }) else {
                    throw .argument("\(profile.name) has no parameter \"\(name.prefix(64))\"")
                }
                guard !entries.contains(where: { $0.name == name }) else { throw .argument("parameter \(name) is given twice") }
                try JWTProfile.check(spec, value)
                entries.append((name, value))
            }
            for spec in profile.params where spec.required && !has(String(describing: spec.name)) {
                throw .argument("\(profile.name) needs the parameter \(spec.name)")
            }
        }

        func has(_ name: String) -> Bool { entries.contains { $0.name == name } }

        func string(_ name: String) -> [UInt8]? { entries.first { $0.name == name }?.value }

        func integer(_ name: String) -> Int64? {
            string(name).flatMap { v in v.withUnsafeBytes { JWTProfile.parseInteger($0) } }
        }

        func boolean(_ name: String) -> Bool? { string(name).map { $0 == Array("true".utf8) } }

        func list(_ name: String) -> [[UInt8]]? {
            string(name).map { $0.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).map(Array.init) }
        }
    }

    /// An optional leading '-' then 1-19 digits, within Int64.
    static func parseInteger(_ v: UnsafeRawBufferPointer) -> Int64? {
        if v.first == UInt8(ascii: "-") {
            return Text.parseDecimal(UnsafeRawBufferPointer(rebasing: v[1...])).map { -$0 }
        }
        return Text.parseDecimal(v)
    }

    static func check(_ spec: Param, _ value: [UInt8]) throws(TesseraError) {
        let ok: Bool = value.withUnsafeBytes { v in
            switch spec.kind {
            case .integer: return parseInteger(v) != nil
            case .boolean: return value == Array("true".utf8) || value == Array("false".utf8)
            case .string, .list:
                guard UTF8Check.firstInvalid(v) == nil else { return false }
                if spec.kind == .list && value.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).contains(where: \.isEmpty) {
                    return false
                }
                if spec.maxLength > 0 && value.count > spec.maxLength { return false }
                return spec.choices.isEmpty || spec.choices.contains { c in
                    value.elementsEqual(UnsafeRawBufferPointer(start: c.utf8Start, count: c.utf8CodeUnitCount))
                }
            }
        }
        guard ok else {
            let expected: String
            switch spec.kind {
            case .integer: expected = "an integer"
            case .boolean: expected = "true or false"
            case .list: expected = "a comma-separated list of non-empty UTF-8 strings"
            case .string:
                expected = !spec.choices.isEmpty ? "one of " + spec.choices.map { String(describing: $0) }.joined(separator: ", ")
                    : spec.maxLength > 0 ? "UTF-8 text of at most \(spec.maxLength) bytes" : "UTF-8 text"
            }
            throw .argument("parameter \(spec.name) must be \(expected)")
        }
    }

    /// Builds and signs the token.
    func sign(key: Key, pairs: [UnsafeRawBufferPointer], now: Int64, ttl: UInt32, output: Output) throws(TesseraError) -> Int {
        guard algorithms.contains(key.algorithm) else {
            throw .algorithm("\(name) tokens are \(algorithms.map(\.name).joined(separator: " or ")), not \(key.algorithm.name)")
        }
        if needsKid && key.kid == nil { throw .key("\(name) tokens need the key's kid (see the profile's documentation)") }
        guard now >= 0 else { throw .argument("now is negative") }
        let lifetime = ttl != 0 ? ttl : defaultTTL
        if lifetime != 0 || ttl != 0 {
            guard ttlRange.contains(lifetime) else {
                throw TesseraError(.lifetime, "\(name) accepts lifetimes of \(ttlRange.lowerBound) to \(ttlRange.upperBound) seconds, not \(lifetime)")
            }
        }
        let values = try Values(profile: self, pairs: pairs)
        var w = ClaimsWriter()
        let (exp, overflow) = now.addingReportingOverflow(Int64(lifetime))
        guard !overflow else { throw .argument("now + ttl overflows") }
        try claims(values, Times(now: now, exp: lifetime != 0 ? exp : nil, key: key), &w)
        let payload = w.finish()
        return try withBytes(payload) { c throws(TesseraError) -> Int in
            guard let header else { return try JWT.sign(key: key, claims: c, output: output) }
            return try JWT.sign(key: key, header: UnsafeRawBufferPointer(start: header.utf8Start, count: header.utf8CodeUnitCount),
                                claims: c, output: output)
        }
    }
}

/// Writes one JSON object, members in call order, strings escaped as
/// Python's `json.dumps` does (`JSONWriter.writeASCIIEscaped`), compact.
struct ClaimsWriter {
    private(set) var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var first: [Bool] = [true]

    private mutating func name(_ n: StaticString) {
        if first[first.count - 1] { first[first.count - 1] = false } else { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeRawBufferPointer(start: n.utf8Start, count: n.utf8CodeUnitCount))
        bytes.append(contentsOf: Array("\":".utf8))
    }

    private mutating func quoted(_ v: [UInt8]) {
        v.withUnsafeBytes { b in
            let n = JSONWriter.asciiEscapedLength(b)
            let start = bytes.count
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: repeatElement(0, count: n))
            bytes.withUnsafeMutableBufferPointer { o in
                if let base = o.baseAddress { _ = JSONWriter.writeASCIIEscaped(b, to: base + start + 1) }
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }

    mutating func string(_ n: StaticString, _ v: [UInt8]) { name(n); quoted(v) }
    mutating func string(_ n: StaticString, _ v: StaticString) {
        string(n, Array(UnsafeRawBufferPointer(start: v.utf8Start, count: v.utf8CodeUnitCount)))
    }
    mutating func integer(_ n: StaticString, _ v: Int64) { name(n); bytes.append(contentsOf: Array(String(v).utf8)) }
    mutating func boolean(_ n: StaticString, _ v: Bool) { name(n); bytes.append(contentsOf: Array((v ? "true" : "false").utf8)) }
    mutating func list(_ n: StaticString, _ items: [[UInt8]]) {
        name(n)
        bytes.append(UInt8(ascii: "["))
        for (i, item) in items.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            quoted(item)
        }
        bytes.append(UInt8(ascii: "]"))
    }
    /// A member whose value is constant JSON text.
    mutating func raw(_ n: StaticString, _ json: StaticString) {
        name(n)
        bytes.append(contentsOf: UnsafeRawBufferPointer(start: json.utf8Start, count: json.utf8CodeUnitCount))
    }
    mutating func open(_ n: StaticString) {
        name(n)
        bytes.append(UInt8(ascii: "{"))
        first.append(true)
    }
    mutating func close() {
        bytes.append(UInt8(ascii: "}"))
        first.removeLast()
    }

    // The optional forms: written only when the parameter was given.
    mutating func string(_ n: StaticString, from v: JWTProfile.Values, _ p: String) { if let s = v.string(p) { string(n, s) } }
    mutating func integer(_ n: StaticString, from v: JWTProfile.Values, _ p: String) { if let i = v.integer(p) { integer(n, i) } }
    mutating func boolean(_ n: StaticString, from v: JWTProfile.Values, _ p: String) { if let b = v.boolean(p) { boolean(n, b) } }
    mutating func list(_ n: StaticString, from v: JWTProfile.Values, _ p: String) { if let l = v.list(p) { list(n, l) } }

    mutating func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }
}
