/// Janus signed tokens (`token_auth_secret` in janus.jcfg; Janus's
/// auth.c): `<expiry>,janus[,<plugin>…]:<base64(HMAC-SHA1(secret, data))>`,
/// where `data` is the text before the colon and the base64 is the standard
/// alphabet with padding. Janus accepts a token through its expiry second
/// (it refuses when the expiry is before now), and a plugin only when the
/// token names it.
enum JanusToken {
    /// Length of the base64 of an HMAC-SHA1.
    static let macLength = 28
    /// Longest token made or read: the JWT limit (`tessera_token_max`).
    static let maxLength = CompactJWS.maxLength
    static let realm: StaticString = "janus"

    /// Checks a plugin name: not empty, no ',' or ':' (the token's
    /// separators), no control characters.
    static func checkPlugin(_ name: UnsafeRawBufferPointer, _ label: StaticString) throws(TesseraError) {
        guard name.count > 0 else { throw .argument("\(label) is empty") }
        for c in name where c == UInt8(ascii: ",") || c == UInt8(ascii: ":") || c < 0x20 || c == 0x7F {
            throw .argument("\(label) holds ',', ':' or a control character")
        }
    }

    /// `tessera_janus_token`.
    /// `plugin(i)` is the i-th of `pluginCount` names (read twice: once to
    /// size the token, once to write it; nothing is copied or allocated).
    static func sign(secret: UnsafeRawBufferPointer, expiry: Int64, pluginCount: Int,
                     plugin: (Int) throws(TesseraError) -> UnsafeRawBufferPointer,
                     output: Output) throws(TesseraError) -> Int {
        guard secret.count > 0 else { throw .argument("secret is empty") }
        guard expiry >= 0 else { throw .argument("expiry is negative") }
        guard pluginCount >= 0, pluginCount <= maxLength / 2 else { throw .argument("plugin_count is too large") }
        var dataLength = Text.decimalLength(expiry) + 1 + realm.utf8CodeUnitCount
        for i in 0..<pluginCount {
            let name = try plugin(i)
            try checkPlugin(name, "a plugin name")
            dataLength += 1 + name.count
            guard dataLength <= maxLength else { throw .argument("the token would be longer than \(maxLength) bytes") }
        }
        let length = dataLength + 1 + macLength
        guard length <= maxLength else { throw .argument("the token would be \(length) bytes, over \(maxLength)") }
        let out = try output.reserve(length)
        var q = Text.writeDecimal(expiry, to: out)
        q = Text.write(",", to: q)
        q = Text.write(realm, to: q)
        for i in 0..<pluginCount {
            // Read again: a name that changed since it was measured (the
            // caller's own data race) must not write past the token.
            let name = try plugin(i)
            guard (q - out) + 1 + name.count <= dataLength else { throw .argument("a plugin name changed while in use") }
            q = Text.write(",", to: q)
            q = Text.write(name, to: q)
        }
        guard q - out == dataLength else { throw .argument("a plugin name changed while in use") }
        let data = UnsafeRawBufferPointer(start: out, count: q - out)
        q = Text.write(":", to: q)
        guard HMACKey.encodeStandardMAC(hash: .sha1, secret: secret, data, to: q) else {
            throw TesseraError(.crypto, "HMAC-SHA1 computation failed in OpenSSL")
        }
        out[length] = 0
        return length
    }

    /// `tessera_janus_token_verify`: structure (`malformed`), the MAC
    /// (`signature`, constant time), `now <= expiry` (`expired`), then the
    /// plugin (`claim`).
    static func verify(secret: UnsafeRawBufferPointer, token: UnsafeRawBufferPointer,
                       plugin: UnsafeRawBufferPointer?, now: Int64) throws(TesseraError) {
        guard secret.count > 0 else { throw .argument("secret is empty") }
        if let plugin { try checkPlugin(plugin, "plugin") }
        guard token.count <= maxLength else { throw .malformed("token is longer than \(maxLength) bytes") }
        guard let colon = token.firstIndex(of: UInt8(ascii: ":")) else {
            throw .malformed("token has no ':' before its signature")
        }
        let data = UnsafeRawBufferPointer(rebasing: token[0..<colon])
        let mac = UnsafeRawBufferPointer(rebasing: token[(colon + 1)...])
        // <expiry>,janus[,<plugin>…]
        var fields = Fields(data)
        guard let expiryField = fields.next(), let expiry = Text.parseDecimal(expiryField) else {
            throw .malformed("token does not start with an expiry in decimal seconds")
        }
        guard let realmField = fields.next(),
              realmField.elementsEqual(UnsafeRawBufferPointer(start: realm.utf8Start, count: realm.utf8CodeUnitCount)) else {
            throw .malformed("token's second field is not \"janus\"")
        }
        var named = false
        while let field = fields.next() {
            guard !field.isEmpty else { throw .malformed("token names an empty plugin") }
            if let plugin, field.elementsEqual(plugin) { named = true }
        }
        guard try HMACKey.matchesStandardMAC(hash: .sha1, secret: secret, data, given: mac) else {
            throw TesseraError(.signature, "token's HMAC-SHA1 does not match the secret")
        }
        guard now <= expiry else { throw TesseraError(.expired, "token expired at \(expiry); now is \(now)") }
        if plugin != nil && !named { throw TesseraError(.claim, "token does not name the plugin") }
    }

    /// The comma-separated fields of a token's data.
    struct Fields {
        let data: UnsafeRawBufferPointer
        var start = 0
        var done = false

        init(_ data: UnsafeRawBufferPointer) { self.data = data }

        mutating func next() -> UnsafeRawBufferPointer? {
            guard !done else { return nil }
            var end = start
            while end < data.count && data[end] != UInt8(ascii: ",") { end += 1 }
            let field = UnsafeRawBufferPointer(rebasing: data[start..<end])
            if end == data.count { done = true } else { start = end + 1 }
            return field
        }
    }
}
