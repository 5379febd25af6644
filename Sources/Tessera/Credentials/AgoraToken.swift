import COpenSSL

/// Agora AccessToken2 (version "007"), as Agora's RtcTokenBuilder2 and
/// RtmTokenBuilder2 build it (AgoraIO/Tools, DynamicKey/AgoraDynamicKey,
/// AccessToken2 in each language):
///
///     "007" base64(zlib(pack_string(signature) signing_info))
///     signing_info = pack_string(app_id) u32(issued_at) u32(expire) u32(salt)
///                    u16(service count) services, in ascending type order
///     service      = u16(type) u16(n) n × (u16 privilege, u32 expire) …
///                    then per type: RTC channel and uid strings, RTM user id
///     signing key  = HMAC-SHA256(u32(salt), HMAC-SHA256(u32(issued_at), certificate))
///     signature    = HMAC-SHA256(signing key, signing_info)
///
/// Integers are little-endian, strings a u16 length then the bytes; the
/// app id and certificate are used as their 32 ASCII hex characters.
enum AgoraToken {
    static let version: StaticString = "007"
    static let maxString = 65535
    /// Longest token verify reads, and the most it inflates to.
    static let maxToken = 262_144
    static let maxContent = 262_144

    enum Role: Int32 {
        case publisher = 1
        case subscriber = 2
    }

    // Service types and privileges (AccessToken2: kServiceType, kPrivilege…).
    static let rtc: UInt16 = 1, rtm: UInt16 = 2, streaming: UInt16 = 3, fpa: UInt16 = 4, chat: UInt16 = 5, fcdn: UInt16 = 6,
               apaas: UInt16 = 7, rtm2: UInt16 = 8
    static let joinChannel: UInt16 = 1, publishAudio: UInt16 = 2, publishVideo: UInt16 = 3, publishData: UInt16 = 4
    static let login: UInt16 = 1

    /// A service to pack: its type, its privileges (ids 1 to
    /// `privilegeCount`, as the builders grant them, all expiring at
    /// `privilegeExpire`) and its strings.
    struct Service {
        let type: UInt16
        let privilegeCount: UInt16
        let privilegeExpire: UInt32
        let first: UnsafeRawBufferPointer
        let second: UnsafeRawBufferPointer?

        var packedLength: Int { 2 + 2 + 6 * Int(privilegeCount) + 2 + first.count + (second.map { 2 + $0.count } ?? 0) }
    }

    /// Checks an app id or certificate: 32 hex characters.
    static func checkHex32(_ s: UnsafeRawBufferPointer?, _ name: StaticString) throws(TesseraError) -> UnsafeRawBufferPointer {
        guard let s else { throw .argument("\(name) is NULL") }
        guard s.count == 32, s.allSatisfy({ isHex($0) }) else { throw .argument("\(name) is not 32 hex characters") }
        return s
    }

    static func isHex(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f"))
            || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "F"))
    }

    /// Checks a string to pack: present, valid UTF-8 (the length limit is
    /// the caller's read limit).
    static func checkString(_ s: UnsafeRawBufferPointer?, _ name: StaticString, allowEmpty: Bool) throws(TesseraError) -> UnsafeRawBufferPointer {
        guard let s else { throw .argument("\(name) is NULL") }
        guard allowEmpty || s.count > 0 else { throw .argument("\(name) is empty") }
        if let bad = UTF8Check.firstInvalid(s) { throw .argument("\(name) is not valid UTF-8 (byte \(bad))") }
        return s
    }

    static func checkIssue(_ issuedAt: Int64, _ salt: UInt32) throws(TesseraError) -> (UInt32, UInt32) {
        guard issuedAt >= 0, issuedAt <= Int64(UInt32.max) else { throw .argument("issued_at is outside [0, 2^32)") }
        return (UInt32(issuedAt), salt != 0 ? salt : try randomSalt())
    }

    /// A uniform salt in [1, 99999999], as Agora's builders pick.
    static func randomSalt() throws(TesseraError) -> UInt32 {
        let range: UInt32 = 99_999_999
        let limit = UInt32.max - UInt32.max % range
        while true {
            var v: UInt32 = 0
            try withUnsafeMutableBytes(of: &v) { b throws(TesseraError) in try Random.fill(b) }
            if v < limit { return v % range + 1 }
        }
    }

    /// `tessera_agora_rtc_token`.
    static func rtcToken(appId: UnsafeRawBufferPointer?, certificate: UnsafeRawBufferPointer?, channel: UnsafeRawBufferPointer?,
                         account: UnsafeRawBufferPointer?, role: Int32, tokenExpire: UInt32, privilegeExpire: UInt32,
                         issuedAt: Int64, salt: UInt32, output: Output) throws(TesseraError) -> Int {
        let app = try checkHex32(appId, "app_id")
        let cert = try checkHex32(certificate, "app_certificate")
        let ch = try checkString(channel, "channel", allowEmpty: false)
        let acct = try checkString(account, "account", allowEmpty: true)
        guard let r = Role(rawValue: role) else { throw .argument("role \(role) is not a TESSERA_AGORA_ROLE_* value") }
        let (ts, s) = try checkIssue(issuedAt, salt)
        try output.checkArguments()
        // Publisher: join, publish audio, video and data (ids 1-4); subscriber: join.
        let count: UInt16 = r == .publisher ? publishData : joinChannel
        return try build(appId: app, certificate: cert, issuedAt: ts, expire: tokenExpire, salt: s, randomSalt: salt == 0,
                         service: Service(type: rtc, privilegeCount: count, privilegeExpire: privilegeExpire, first: ch, second: acct),
                         output: output)
    }

    /// `tessera_agora_rtm_token`.
    static func rtmToken(appId: UnsafeRawBufferPointer?, certificate: UnsafeRawBufferPointer?, userId: UnsafeRawBufferPointer?,
                         expire: UInt32, issuedAt: Int64, salt: UInt32, output: Output) throws(TesseraError) -> Int {
        let app = try checkHex32(appId, "app_id")
        let cert = try checkHex32(certificate, "app_certificate")
        let user = try checkString(userId, "user_id", allowEmpty: false)
        let (ts, s) = try checkIssue(issuedAt, salt)
        try output.checkArguments()
        return try build(appId: app, certificate: cert, issuedAt: ts, expire: expire, salt: s, randomSalt: salt == 0,
                         service: Service(type: rtm, privilegeCount: login, privilegeExpire: expire, first: user, second: nil),
                         output: output)
    }

    /// Packs, signs, compresses and encodes one token with one service.
    ///
    /// With a salt drawn here, each call signs differently and the
    /// compressed length varies by a few bytes, so a buffer too small is
    /// told the most any such token can take (`Zlib.writeDeflatedBase64`'s
    /// `variable`): a size query followed by a buffer of that size always
    /// succeeds.
    static func build(appId: UnsafeRawBufferPointer, certificate: UnsafeRawBufferPointer, issuedAt: UInt32, expire: UInt32,
                      salt: UInt32, randomSalt: Bool, service: Service, output: Output) throws(TesseraError) -> Int {
        let infoLength = 2 + appId.count + 12 + 2 + service.packedLength
        let contentLength = 2 + 32 + infoLength
        guard let bound = Zlib.bound(contentLength) else { throw .argument("token content too large") }
        return try withUnsafeTemporaryAllocation(byteCount: contentLength + bound, alignment: 8) { scratch throws(TesseraError) -> Int in
            guard let base = scratch.baseAddress?.assumingMemoryBound(to: UInt8.self) else { throw TesseraError(.noMemory, "no scratch memory") }
            // The content: u16(32), the signature (filled last), then signing_info.
            var w = Packer(base)
            w.u16(32)
            let signature = w.p
            w.p += 32
            let info = w.p
            w.string(appId)
            w.u32(issuedAt)
            w.u32(expire)
            w.u32(salt)
            w.u16(1)
            w.u16(service.type)
            w.u16(service.privilegeCount)
            for id in 0..<service.privilegeCount {
                w.u16(id + 1)
                w.u32(service.privilegeExpire)
            }
            w.string(service.first)
            if let second = service.second { w.string(second) }
            guard w.p - info == infoLength else { throw TesseraError(.crypto, "internal error: packed length mismatch") }
            try sign(certificate: certificate, issuedAt: issuedAt, salt: salt,
                     info: UnsafeRawBufferPointer(start: info, count: infoLength), into: signature)
            return try Zlib.writeDeflatedBase64(UnsafeRawBufferPointer(start: base, count: contentLength),
                                                scratch: UnsafeMutableRawBufferPointer(start: base + contentLength, count: bound),
                                                prefix: version, .standard, variable: randomSalt, output: output)
        }
    }

    /// The signature over `info` (32 bytes at `into`). The intermediate keys
    /// live on the stack and are wiped.
    static func sign(certificate: UnsafeRawBufferPointer, issuedAt: UInt32, salt: UInt32, info: UnsafeRawBufferPointer,
                     into signature: UnsafeMutableRawPointer) throws(TesseraError) {
        var keys: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        defer { wipe(&keys) }
        var ts = issuedAt.littleEndian, sa = salt.littleEndian
        let ok = withUnsafeMutableBytes(of: &keys) { k -> Bool in
            guard let kb = k.baseAddress else { return false }
            let first = UnsafeMutableRawBufferPointer(start: kb, count: 32)
            let second = UnsafeMutableRawBufferPointer(start: kb + 32, count: 32)
            guard withUnsafeBytes(of: &ts, { t in mac(key: t, certificate, into: first) }),
                  withUnsafeBytes(of: &sa, { s in mac(key: s, UnsafeRawBufferPointer(first), into: second) }) else { return false }
            return mac(key: UnsafeRawBufferPointer(second), info,
                       into: UnsafeMutableRawBufferPointer(start: signature, count: 32))
        }
        guard ok else { throw TesseraError(.crypto, "HMAC-SHA256 computation failed in OpenSSL") }
    }

    private static func mac(key: UnsafeRawBufferPointer, _ message: UnsafeRawBufferPointer,
                            into out: UnsafeMutableRawBufferPointer) -> Bool {
        guard let o = out.baseAddress else { return false }
        return HMACKey.withEphemeral(hash: .sha256, secret: key) { $0.authenticate(message, into: o) } == true
    }

    /// Little-endian packing into memory sized beforehand.
    struct Packer {
        var p: UnsafeMutablePointer<UInt8>
        init(_ p: UnsafeMutablePointer<UInt8>) { self.p = p }

        mutating func u16(_ v: UInt16) {
            p[0] = UInt8(truncatingIfNeeded: v)
            p[1] = UInt8(truncatingIfNeeded: v >> 8)
            p += 2
        }

        mutating func u32(_ v: UInt32) {
            for k in 0..<4 { p[k] = UInt8(truncatingIfNeeded: v >> (8 * k)) }
            p += 4
        }

        /// u16 length then the bytes; the length was checked to fit.
        mutating func string(_ s: UnsafeRawBufferPointer) {
            u16(UInt16(truncatingIfNeeded: s.count))
            p = Text.write(s, to: p)
        }
    }
}
