import COpenSSL

/// `tessera_agora_token_verify`: unpacks an AccessToken2 as Agora's
/// `AccessToken.from_string` does (every service type its builders define),
/// checks the signature against the certificate, then the expiry, and
/// describes the token as JSON.
extension AgoraToken {
    /// Bounds-checked little-endian reading; every read past the end fails.
    struct Reader {
        let bytes: UnsafeRawBufferPointer
        var i = 0

        init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        mutating func u16() throws(TesseraError) -> UInt16 {
            guard bytes.count - i >= 2 else { throw .malformed("token ends inside a 16-bit integer") }
            defer { i += 2 }
            return UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8
        }

        mutating func u32() throws(TesseraError) -> UInt32 {
            guard bytes.count - i >= 4 else { throw .malformed("token ends inside a 32-bit integer") }
            defer { i += 4 }
            return UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
        }

        mutating func string() throws(TesseraError) -> UnsafeRawBufferPointer {
            let n = Int(try u16())
            guard bytes.count - i >= n else { throw .malformed("token ends inside a string") }
            defer { i += n }
            return UnsafeRawBufferPointer(rebasing: bytes[i..<(i + n)])
        }

        /// A string that the description shows: UTF-8 required.
        mutating func text(_ what: StaticString) throws(TesseraError) -> UnsafeRawBufferPointer {
            let s = try string()
            if UTF8Check.firstInvalid(s) != nil { throw .malformed("token's \(what) is not UTF-8") }
            return s
        }
    }

    /// What the description says of one service.
    struct ServiceFacts {
        let type: UInt16
        var privileges: [(UInt16, UInt32)] = []
        /// The service's named strings, in packing order.
        var strings: [(StaticString, UnsafeRawBufferPointer)] = []
        /// Further members, as JSON text after a comma (APaaS's role,
        /// RTM2's resource permissions).
        var extra = ""
    }

    /// Returns the description's length, written to `output` if given.
    static func verify(certificate: UnsafeRawBufferPointer, token: UnsafeRawBufferPointer, now: Int64,
                       describe output: Output?) throws(TesseraError) -> Int {
        guard token.count <= maxToken else { throw .malformed("token is longer than \(maxToken) bytes") }
        let v = version.utf8CodeUnitCount
        guard token.count > v, token[0] == UInt8(ascii: "0"), token[1] == UInt8(ascii: "0"), token[2] == UInt8(ascii: "7") else {
            throw .malformed("not an AccessToken2: it does not start with \"007\"")
        }
        let encoded = UnsafeRawBufferPointer(rebasing: token[v...])
        return try Zlib.withInflatedBase64(encoded, .standard, limit: maxContent, what: "token",
                                           notBase64: "token is not standard base64 after \"007\"") { content throws(TesseraError) -> Int in
            try check(content, certificate: certificate, now: now, describe: output)
        }
    }

    private static func check(_ content: UnsafeRawBufferPointer, certificate: UnsafeRawBufferPointer, now: Int64,
                              describe output: Output?) throws(TesseraError) -> Int {
        var r = Reader(content)
        let signature = try r.string()
        let infoStart = r.i
        let appId = try r.text("app id")
        let issuedAt = try r.u32(), expire = try r.u32(), salt = try r.u32()
        let count = try r.u16()
        var services: [ServiceFacts] = []
        for _ in 0..<count {
            var s = ServiceFacts(type: try r.u16())
            let privilegeCount = try r.u16()
            for _ in 0..<privilegeCount { s.privileges.append((try r.u16(), try r.u32())) }
            switch s.type {
            case rtc, streaming, fcdn: s.strings = [("channel", try r.text("channel")), ("account", try r.text("account"))]
            case rtm, chat: s.strings = [("userId", try r.text("user id"))]
            case fpa: break
            case apaas:
                s.strings = [("roomUuid", try r.text("room uuid")), ("userUuid", try r.text("user uuid"))]
                s.extra = ",\"role\":\(Int16(bitPattern: try r.u16()))"
            case rtm2:
                s.strings = [("userId", try r.text("user id"))]
                s.extra = ",\"permissions\":" + (try rtm2Permissions(&r))
            default: throw .malformed("token has a service of unknown type \(s.type)")
            }
            services.append(s)
        }
        guard r.i == content.count else { throw .malformed("token has bytes after its last service") }
        let info = UnsafeRawBufferPointer(rebasing: content[infoStart...])
        // The valid signature for content the caller chose: wiped once compared.
        var expected: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        defer { wipe(&expected) }
        let matches = try withUnsafeMutableBytes(of: &expected) { e throws(TesseraError) -> Bool in
            guard let ep = e.baseAddress else { throw TesseraError(.crypto, "internal error: scratch") }
            try sign(certificate: certificate, issuedAt: issuedAt, salt: salt, info: info, into: ep)
            guard signature.count == 32, let g = signature.baseAddress else { return false }
            return CRYPTO_memcmp(ep, g, 32) == 0
        }
        guard matches else { throw TesseraError(.signature, "token's signature does not match the certificate") }
        guard now < Int64(issuedAt) + Int64(expire) else {
            throw TesseraError(.expired, "token expired at \(Int64(issuedAt) + Int64(expire)); now is \(now)")
        }
        let description = describe(appId: appId, issuedAt: issuedAt, expire: expire, salt: salt, services: services)
        guard let output else { return description.utf8.count }
        return try output.write(description)
    }

    /// RTM2's resource permissions: {"<resource type>":{"<permission
    /// type>":["resource",…],…},…}.
    static func rtm2Permissions(_ r: inout Reader) throws(TesseraError) -> String {
        var json = "{"
        let types = try r.u16()
        for t in 0..<types {
            json += (t > 0 ? "," : "") + "\"\(try r.u16())\":{"
            let permissions = try r.u16()
            for k in 0..<permissions {
                json += (k > 0 ? "," : "") + "\"\(try r.u16())\":["
                let resources = try r.u16()
                for i in 0..<resources { json += (i > 0 ? "," : "") + JSONWriter.quoted(Array(try r.text("resource"))) }
                json += "]"
            }
            json += "}"
        }
        return json + "}"
    }

    static func serviceName(_ type: UInt16) -> String {
        switch type {
        case rtc: return "rtc"
        case rtm: return "rtm"
        case streaming: return "streaming"
        case fpa: return "fpa"
        case chat: return "chat"
        case fcdn: return "fcdn"
        case apaas: return "apaas"
        case rtm2: return "rtm2"
        default: return "\(type)"
        }
    }

    /// The builders' names for each service's privileges; others by number.
    static func privilegeName(_ type: UInt16, _ id: UInt16) -> String {
        switch (type, id) {
        case (rtc, 1): return "joinChannel"
        case (rtc, 2): return "publishAudioStream"
        case (rtc, 3): return "publishVideoStream"
        case (rtc, 4): return "publishDataStream"
        case (rtm, 1), (fpa, 1), (rtm2, 1): return "login"
        case (streaming, 1): return "publishMixStream"
        case (streaming, 2): return "publishRawStream"
        case (fcdn, 1): return "publish"
        case (fcdn, 2): return "play"
        case (chat, 1): return "user"
        case (chat, 2): return "app"
        case (apaas, 1): return "roomUser"
        case (apaas, 2): return "user"
        case (apaas, 3): return "app"
        default: return "\(id)"
        }
    }

    private static func describe(appId: UnsafeRawBufferPointer, issuedAt: UInt32, expire: UInt32, salt: UInt32,
                                 services: [ServiceFacts]) -> String {
        var json = "{\"appId\":\(JSONWriter.quoted(Array(appId))),\"issuedAt\":\(issuedAt),\"expire\":\(expire),\"salt\":\(salt),\"services\":["
        for (k, s) in services.enumerated() {
            if k > 0 { json += "," }
            json += "{\"type\":\(s.type),\"name\":\"\(serviceName(s.type))\""
            for (name, value) in s.strings { json += ",\"\(name)\":\(JSONWriter.quoted(Array(value)))" }
            json += s.extra
            json += ",\"privileges\":{"
            for (i, p) in s.privileges.enumerated() {
                json += (i > 0 ? "," : "") + "\"\(privilegeName(s.type, p.0))\":\(p.1)"
            }
            json += "}}"
        }
        return json + "]}"
    }
}
