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
/// Nothing is copied or allocated: parameters are borrowed from the caller,
/// and the claims are written twice by the profile, once to measure them and
/// once into scratch memory of that size (on the stack for ordinary tokens).
///
/// The profiles themselves, each beside the vendor document it follows, are
/// in JWTProfiles.swift.
struct JWTProfile: Sendable {
    enum Kind: Sendable { case string, integer, boolean, list }

    /// Parameters that together make one nested object (written only when
    /// one of them is given).
    enum Group: Sendable { case none, video, user, features }

    struct Param: Sendable {
        let name: StaticString
        let kind: Kind
        let required: Bool
        /// For strings: the values allowed (empty: any).
        var choices: [StaticString] = []
        /// For strings: the longest value allowed in bytes (0: no limit but the token's).
        var maxLength = 0
        var group: Group = .none
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
    /// Writes the claims' members (run twice: see the type's comment).
    let claims: @Sendable (Values, Times, inout ClaimsWriter) throws(TesseraError) -> Void

    /// The times a profile writes: now, and exp when the token has one.
    struct Times {
        let now: Int64
        let exp: Int64?
        let key: Key
    }

    static func bytes(_ s: StaticString) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)
    }

    /// A call's parameters, checked against the profile: for each of the
    /// profile's parameters, the caller's value (borrowed) or nil.
    struct Values {
        let profile: JWTProfile
        let slots: UnsafeMutableBufferPointer<UnsafeRawBufferPointer?>

        func index(_ name: StaticString) -> Int? {
            let i = profile.params.firstIndex { $0.name.utf8CodeUnitCount == name.utf8CodeUnitCount && bytes($0.name).elementsEqual(bytes(name)) }
            assert(i != nil, "a profile reads a parameter it does not declare")
            return i
        }

        func string(_ name: StaticString) -> UnsafeRawBufferPointer? {
            guard let i = index(name) else { return nil }
            return slots[i]
        }

        func has(_ name: StaticString) -> Bool { string(name) != nil }

        /// Whether any parameter of `group` is given.
        func has(_ group: Group) -> Bool {
            profile.params.indices.contains { profile.params[$0].group == group && slots[$0] != nil }
        }

        func equals(_ name: StaticString, _ literal: StaticString) -> Bool {
            string(name).map { $0.elementsEqual(bytes(literal)) } ?? false
        }

        func integer(_ name: StaticString) -> Int64? { string(name).flatMap { JWTProfile.parseInteger($0) } }

        func boolean(_ name: StaticString) -> Bool? { string(name).map { $0.elementsEqual(bytes("true")) } }
    }

    /// An optional leading '-' then 1-19 digits, within Int64.
    static func parseInteger(_ v: UnsafeRawBufferPointer) -> Int64? {
        if v.first == UInt8(ascii: "-") {
            return Text.parseDecimal(UnsafeRawBufferPointer(rebasing: v[1...])).map { -$0 }
        }
        return Text.parseDecimal(v)
    }

    /// Whether `value` has the form `spec` asks for.
    static func valid(_ spec: Param, _ value: UnsafeRawBufferPointer) -> Bool {
        switch spec.kind {
        case .integer: return parseInteger(value) != nil
        case .boolean: return value.elementsEqual(bytes("true")) || value.elementsEqual(bytes("false"))
        case .string, .list:
            guard UTF8Check.firstInvalid(value) == nil else { return false }
            if spec.kind == .list {
                // Non-empty items: no empty value, no leading, trailing or doubled comma.
                var previous = UInt8(ascii: ",")
                for c in value {
                    if c == UInt8(ascii: ",") && previous == UInt8(ascii: ",") { return false }
                    previous = c
                }
                if previous == UInt8(ascii: ",") { return false }
            }
            if spec.maxLength > 0 && value.count > spec.maxLength { return false }
            return spec.choices.isEmpty || spec.choices.contains { value.elementsEqual(bytes($0)) }
        }
    }

    static func expected(_ spec: Param) -> String {
        switch spec.kind {
        case .integer: return "an integer"
        case .boolean: return "true or false"
        case .list: return "a comma-separated list of non-empty UTF-8 strings"
        case .string:
            return !spec.choices.isEmpty ? "one of " + spec.choices.map { String(describing: $0) }.joined(separator: ", ")
                : spec.maxLength > 0 ? "UTF-8 text of at most \(spec.maxLength) bytes" : "UTF-8 text"
        }
    }

    /// Builds and signs the token. `pair(i)` is the i-th of `count`
    /// "name=value" parameters.
    func sign(key: Key, count: Int, pair: (Int) throws(TesseraError) -> UnsafeRawBufferPointer,
              now: Int64, ttl: UInt32, output: Output) throws(TesseraError) -> Int {
        guard algorithms.contains(key.algorithm) else {
            throw .algorithm("\(name) tokens are \(algorithms.map(\.name).joined(separator: " or ")), not \(key.algorithm.name)")
        }
        if needsKid && key.kid == nil { throw .key("\(name) tokens need the key's kid (see the profile's documentation)") }
        guard now >= 0 else { throw .argument("now is negative") }
        let lifetime = ttl != 0 ? ttl : defaultTTL
        if lifetime != 0 {
            guard ttlRange.contains(lifetime) else {
                throw TesseraError(.lifetime, "\(name) accepts lifetimes of \(ttlRange.lowerBound) to \(ttlRange.upperBound) seconds, not \(lifetime)")
            }
        }
        let (exp, overflow) = now.addingReportingOverflow(Int64(lifetime))
        guard !overflow else { throw .argument("now + ttl overflows") }
        let times = Times(now: now, exp: lifetime != 0 ? exp : nil, key: key)
        return try withUnsafeTemporaryAllocation(of: UnsafeRawBufferPointer?.self, capacity: params.count) { slots throws(TesseraError) -> Int in
            slots.initialize(repeating: nil)
            for i in 0..<count {
                let p = try pair(i)
                guard let eq = p.firstIndex(of: UInt8(ascii: "=")), eq > 0 else {
                    throw .argument("parameter \(i) is not name=value")
                }
                let n = UnsafeRawBufferPointer(rebasing: p[0..<eq])
                guard let s = params.firstIndex(where: { JWTProfile.bytes($0.name).elementsEqual(n) }) else {
                    throw .argument("\(name) has no parameter \"\(String(decoding: n.prefix(64), as: UTF8.self))\"")
                }
                guard slots[s] == nil else { throw .argument("parameter \(params[s].name) is given twice") }
                let value = UnsafeRawBufferPointer(rebasing: p[(eq + 1)...])
                guard JWTProfile.valid(params[s], value) else {
                    throw .argument("parameter \(params[s].name) must be \(JWTProfile.expected(params[s]))")
                }
                slots[s] = value
            }
            for (i, spec) in params.enumerated() where spec.required && slots[i] == nil {
                throw .argument("\(name) needs the parameter \(spec.name)")
            }
            let values = Values(profile: self, slots: slots)
            var measure = ClaimsWriter(into: nil)
            try claims(values, times, &measure)
            let length = try measure.finish()
            guard length <= CompactJWS.maxLength else {
                throw .malformed("the claims would be \(length) bytes; a token is limited to \(CompactJWS.maxLength)")
            }
            return try withUnsafeTemporaryAllocation(byteCount: length, alignment: 1) { buffer throws(TesseraError) -> Int in
                guard let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
                    throw TesseraError(.noMemory, "no scratch memory")
                }
                var w = ClaimsWriter(into: base, capacity: length)
                try claims(values, times, &w)
                guard try w.finish() == length else { throw TesseraError(.crypto, "internal error: claims length mismatch") }
                let c = UnsafeRawBufferPointer(start: base, count: length)
                guard let header else { return try JWT.sign(key: key, claims: c, output: output) }
                return try JWT.sign(key: key, header: JWTProfile.bytes(header), claims: c, output: output)
            }
        }
    }
}

/// Writes one JSON object, members in call order, strings escaped as
/// Python's `json.dumps` does (`JSONWriter.writeASCIIEscaped`), compact.
/// With no memory it only counts (the measuring pass).
struct ClaimsWriter {
    private let base: UnsafeMutablePointer<UInt8>?
    /// Bytes at `base` (the measured length); writing never goes past it.
    private let capacity: Int
    private(set) var count = 0
    /// Set when a piece did not fit: the text changed since it was measured.
    private var overflowed = false
    /// Bit d set: the object at depth d has a member already.
    private var started: UInt64 = 0
    private var depth = 0

    /// A writer into `capacity` bytes at `base`, or (nil) one that counts.
    init(into base: UnsafeMutablePointer<UInt8>?, capacity: Int = 0) {
        self.base = base
        self.capacity = capacity
        put("{")
    }

    /// Whether `n` more bytes may be written (always, when counting).
    private mutating func room(_ n: Int) -> Bool {
        guard base != nil else { return true }
        if overflowed || capacity - count < n { overflowed = true }
        return !overflowed
    }

    private mutating func put(_ b: UnsafeRawBufferPointer) {
        if let base, room(b.count) { _ = Text.write(b, to: base + count) }
        count += b.count
    }

    private mutating func put(_ s: StaticString) { put(JWTProfile.bytes(s)) }

    private mutating func decimal(_ v: Int64) {
        let n = Text.decimalLength(v)
        if let base, room(n) { _ = Text.writeDecimal(v, to: base + count) }
        count += n
    }

    /// `v` escaped, bounded by the capacity while writing.
    private mutating func escaped(_ v: UnsafeRawBufferPointer) {
        guard let base else {
            count += JSONWriter.asciiEscapedLength(v)
            return
        }
        guard !overflowed, count <= capacity,
              let end = JSONWriter.writeASCIIEscaped(v, to: base + count, end: base + capacity) else {
            overflowed = true
            return
        }
        count = end - base
    }

    private mutating func quoted(_ v: UnsafeRawBufferPointer) {
        put("\"")
        escaped(v)
        put("\"")
    }

    private mutating func name(_ n: StaticString) {
        if started & (1 << depth) != 0 { put(",") }
        started |= 1 << depth
        quoted(JWTProfile.bytes(n))
        put(":")
    }

    mutating func string(_ n: StaticString, _ v: UnsafeRawBufferPointer) { name(n); quoted(v) }
    mutating func string(_ n: StaticString, _ v: StaticString) { string(n, JWTProfile.bytes(v)) }
    /// `"<v>-<suffix>"` (Twilio's jti).
    mutating func string(_ n: StaticString, _ v: UnsafeRawBufferPointer, dash suffix: Int64) {
        name(n)
        put("\"")
        escaped(v)
        put("-")
        decimal(suffix)
        put("\"")
    }
    mutating func integer(_ n: StaticString, _ v: Int64) { name(n); decimal(v) }
    mutating func boolean(_ n: StaticString, _ v: Bool) { name(n); put(v ? "true" : "false") }
    /// A member whose value is constant JSON text.
    mutating func raw(_ n: StaticString, _ json: StaticString) { name(n); put(json) }
    /// A random version 4 UUID; the measuring pass draws none.
    mutating func uuid(_ n: StaticString) throws(TesseraError) {
        name(n)
        put("\"")
        if let base, room(36) { try UUID.writeRandomV4(to: base + count) }
        count += 36
        put("\"")
    }
    /// A JSON array of the comma-separated items of `v`.
    mutating func list(_ n: StaticString, _ v: UnsafeRawBufferPointer) {
        name(n)
        put("[")
        var start = 0
        for i in 0...v.count where i == v.count || v[i] == UInt8(ascii: ",") {
            if start > 0 { put(",") }
            quoted(UnsafeRawBufferPointer(rebasing: v[start..<i]))
            start = i + 1
        }
        put("]")
    }
    mutating func open(_ n: StaticString) {
        name(n)
        put("{")
        depth += 1
        started &= ~(1 << depth)
    }
    mutating func close() {
        put("}")
        depth -= 1
    }

    // The optional forms: written only when the parameter was given.
    mutating func string(_ n: StaticString, from v: JWTProfile.Values, _ p: StaticString) { if let s = v.string(p) { string(n, s) } }
    mutating func integer(_ n: StaticString, from v: JWTProfile.Values, _ p: StaticString) { if let i = v.integer(p) { integer(n, i) } }
    mutating func boolean(_ n: StaticString, from v: JWTProfile.Values, _ p: StaticString) { if let b = v.boolean(p) { boolean(n, b) } }
    mutating func list(_ n: StaticString, from v: JWTProfile.Values, _ p: StaticString) { if let l = v.string(p) { list(n, l) } }

    /// Closes the object; returns its length.
    mutating func finish() throws(TesseraError) -> Int {
        guard depth == 0 else { throw TesseraError(.crypto, "internal error: unbalanced claims") }
        put("}")
        guard !overflowed else { throw .argument("a parameter changed while in use") }
        return count
    }
}
