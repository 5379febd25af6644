// tessera token …: one subcommand per platform, each printing the
// credential, and verify-agora / verify-trtc / verify-janus printing what a
// credential holds. Everything is the library's: the JWT platforms go
// through tessera_platform_token, whose documentation (tessera.h) lists
// each platform's parameters.
import ArgumentParser
import CTesseraABI
import Glibc

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Mint and check RTC platforms' credentials.",
        discussion: """
            Secrets and certificates are files, used as their raw bytes except where a platform \
            says otherwise (Agora's app certificate is its 32 hex characters; a trailing newline \
            there is ignored). JWT platforms take their parameters as name=value arguments.
            """,
        subcommands: [AgoraRTC.self, AgoraRTM.self, TRTC.self, Janus.self,
                      PlatformToken<LiveKitName>.self, PlatformToken<TwilioName>.self, PlatformToken<VonageName>.self,
                      PlatformToken<ZoomName>.self, PlatformToken<JaaSName>.self, PlatformToken<StreamName>.self,
                      PlatformToken<HMSName>.self, PlatformToken<DailyName>.self,
                      VerifyAgora.self, VerifyTRTC.self, VerifyJanus.self]
    )
}

/// An Agora app certificate file: 32 hex characters, a final newline
/// allowed. Kept in wiped memory (Secret) as a C string, never copied into
/// a Swift String.
final class Certificate {
    private let file: Secret
    private let text: Secret

    init(_ path: String) throws {
        file = try readFile(path, what: "certificate file", limit: 4096)
        var n = file.count
        while n > 0 && (file.contents[n - 1] == 0x0A || file.contents[n - 1] == 0x0D) { n -= 1 }
        text = Secret(copying: UnsafeRawBufferPointer(rebasing: file.contents[0..<n]))
        var nul: UInt8 = 0
        withUnsafeBytes(of: &nul) { text.append($0) }
    }

    /// The certificate as a NUL-terminated C string, for the call's duration.
    func withCString<R>(_ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        try body(text.contents.baseAddress!.assumingMemoryBound(to: CChar.self))
    }
}

struct AgoraRTC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agora-rtc",
        abstract: "Print an Agora RTC AccessToken2 (007…), as RtcTokenBuilder2 builds it.")

    @Option(name: .customLong("app-id"), help: "The app id (32 hex characters).") var appId: String
    @Option(name: .customLong("certificate-file"), help: ArgumentHelp("The app certificate.", valueName: "file")) var certificateFile: String
    @Option(help: "The channel name.") var channel: String
    @Option(help: "The user account, or a numeric uid; empty (the default) is uid 0, any user.") var account: String = ""
    @Option(help: "publisher (join and publish) or subscriber (join only).") var role: String = "publisher"
    @Option(help: ArgumentHelp("Token lifetime in seconds.", valueName: "seconds")) var expire: UInt32 = 3600
    @Option(name: .customLong("privilege-expire"), help: ArgumentHelp("Privileges' lifetime (0: the token's).", valueName: "seconds"))
    var privilegeExpire: UInt32 = 0
    @Option(name: .customLong("issued-at"), help: ArgumentHelp("Unix time of issue (default: now).", valueName: "seconds")) var issuedAt: Int64?
    @Option(help: "The salt (default: random).") var salt: UInt32 = 0

    func run() throws {
        guard role == "publisher" || role == "subscriber" else { throw ValidationError("--role is publisher or subscriber") }
        let certificate = try Certificate(certificateFile)
        let r = role == "publisher" ? TESSERA_AGORA_ROLE_PUBLISHER : TESSERA_AGORA_ROLE_SUBSCRIBER
        let at = issuedAt ?? tessera_now()
        print(try certificate.withCString { cert in
            try output("agora-rtc") { out, cap, len in
                tessera_agora_rtc_token(appId, cert, channel, account, r, expire, privilegeExpire, at, salt, out, cap, len)
            }
        })
    }
}

struct AgoraRTM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agora-rtm",
        abstract: "Print an Agora RTM AccessToken2 (007…), as RtmTokenBuilder2 builds it.")

    @Option(name: .customLong("app-id"), help: "The app id (32 hex characters).") var appId: String
    @Option(name: .customLong("certificate-file"), help: ArgumentHelp("The app certificate.", valueName: "file")) var certificateFile: String
    @Option(help: "The RTM user id.") var user: String
    @Option(help: ArgumentHelp("Lifetime of the token and its login privilege.", valueName: "seconds")) var expire: UInt32 = 3600
    @Option(name: .customLong("issued-at"), help: ArgumentHelp("Unix time of issue (default: now).", valueName: "seconds")) var issuedAt: Int64?
    @Option(help: "The salt (default: random).") var salt: UInt32 = 0

    func run() throws {
        let certificate = try Certificate(certificateFile)
        let at = issuedAt ?? tessera_now()
        print(try certificate.withCString { cert in
            try output("agora-rtm") { out, cap, len in
                tessera_agora_rtm_token(appId, cert, user, expire, at, salt, out, cap, len)
            }
        })
    }
}

struct TRTC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trtc",
        abstract: "Print a Tencent Cloud TRTC / IM UserSig (version 2.0).",
        discussion: "The key file holds the secret key as the console shows it (its bytes are the HMAC key).")

    @Option(name: .customLong("sdk-app-id"), help: "The SDKAppID.") var sdkAppId: UInt64
    @Option(name: .customLong("key-file"), help: ArgumentHelp("The secret key.", valueName: "file")) var keyFile: String
    @Option(help: "The user id.") var user: String
    @Option(help: ArgumentHelp("Lifetime in seconds.", valueName: "seconds")) var expire: UInt32 = 180 * 86400
    @Option(help: ArgumentHelp("Unix time of issue (default: now).", valueName: "seconds")) var time: Int64?

    func run() throws {
        let key = try readFile(keyFile, what: "key file")
        let k = key.contents
        print(try output("trtc") { out, cap, len in
            tessera_trtc_usersig(sdkAppId, k.baseAddress, k.count, user, expire, time ?? tessera_now(), out, cap, len)
        })
    }
}

struct Janus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "janus",
        abstract: "Print a Janus signed token (token_auth_secret).")

    @Option(name: .customLong("secret-file"), help: ArgumentHelp("Janus's token_auth_secret.", valueName: "file")) var secretFile: String
    @Option(help: ArgumentHelp("Unix time the token expires.", valueName: "seconds")) var expiry: Int64?
    @Option(help: ArgumentHelp("Lifetime from now, instead of --expiry.", valueName: "seconds")) var ttl: UInt32?
    @Option(help: ArgumentHelp("A plugin the token grants (repeatable), e.g. janus.plugin.videoroom.", valueName: "name"))
    var plugin: [String] = []

    func validate() throws {
        if (expiry == nil) == (ttl == nil) { throw ValidationError("give one of --expiry and --ttl") }
    }

    func run() throws {
        let secret = try readFile(secretFile, what: "secret file")
        let s = secret.contents
        let until = expiry ?? tessera_now() + Int64(ttl ?? 0)
        print(try withCStrings(plugin) { p in
            try output("janus") { out, cap, len in
                tessera_janus_token(s.baseAddress, s.count, until, p.baseAddress, p.count, out, cap, len)
            }
        })
    }
}

/// A JWT platform of tessera_platform_token.
protocol PlatformName {
    static var name: String { get }
    static var alg: String { get }
    static var about: String { get }
}
enum LiveKitName: PlatformName {
    static let name = "livekit", alg = "HS256"
    static let about = "api_key=… identity=… [room=… roomJoin=true canPublish=… name=… metadata=…]; the key is the API secret."
}
enum TwilioName: PlatformName {
    static let name = "twilio", alg = "HS256"
    static let about = "account_sid=AC… api_key_sid=SK… identity=… [room=…]; the key is the API key secret."
}
enum VonageName: PlatformName {
    static let name = "vonage", alg = "RS256"
    static let about = "application_id=… session_id=… [role=publisher|subscriber|moderator|publisheronly connection_data=…]; the key is the application's private key."
}
enum ZoomName: PlatformName {
    static let name = "zoom", alg = "HS256"
    static let about = "app_key=… tpc=<session> role_type=0|1 [user_key=… session_key=…]; the key is the Video SDK secret; --ttl 1800-172800."
}
enum JaaSName: PlatformName {
    static let name = "jaas", alg = "RS256"
    static let about = "[room=… user.name=… user.moderator=true features.recording=true …]; --kid vpaas-magic-cookie-<hex>/<key id>."
}
enum StreamName: PlatformName {
    static let name = "stream", alg = "HS256"
    static let about = "user_id=… [role=… call_cids=a,b iat=true]; without --ttl the token never expires."
}
enum HMSName: PlatformName {
    static let name = "100ms", alg = "HS256"
    static let about = "access_key=… room_id=… user_id=… role=…, or access_key=… type=management; the key is the app secret."
}
enum DailyName: PlatformName {
    static let name = "daily", alg = "HS256"
    static let about = "room=… domain_id=… [user_name=… is_owner=true …]; the key is the domain's API key."
}

struct PlatformToken<P: PlatformName>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: P.name, abstract: "Print a \(P.name) token (\(P.alg)).",
                             discussion: "Parameters: \(P.about) tessera.h (tessera_platform_token) lists them all.")
    }

    @Option(help: ArgumentHelp("The signing key: the HMAC secret, or the private key (PEM, DER or JWK).", valueName: "file"))
    var key: String
    @Option(help: "The kid to put in the header.") var kid: String?
    @Option(help: ArgumentHelp("Lifetime in seconds (default: the platform's).", valueName: "seconds")) var ttl: UInt32 = 0
    @Option(help: ArgumentHelp("Unix time of issue (default: now).", valueName: "seconds")) var now: Int64?
    @Argument(help: ArgumentHelp("The platform's parameters.", valueName: "name=value")) var params: [String] = []

    func run() throws {
        guard let alg = Algorithm(argument: P.alg) else { throw CLIError("internal: \(P.alg)") }
        let loaded = try loadKey(alg, path: key, kid: kid)
        print(try withCStrings(params) { p in
            try output(P.name) { out, cap, len in
                tessera_platform_token(loaded.handle, P.name, p.baseAddress, p.count, now ?? tessera_now(), ttl, out, cap, len)
            }
        })
    }
}

struct VerifyAgora: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-agora",
        abstract: "Check an Agora AccessToken2 against the app certificate; print what it holds (JSON).")

    @Option(name: .customLong("certificate-file"), help: ArgumentHelp("The app certificate.", valueName: "file")) var certificateFile: String
    @Option(help: ArgumentHelp("Check expiry at this Unix time (default: now).", valueName: "seconds")) var now: Int64?
    @Argument(help: "The token.") var token: String

    func run() throws {
        let certificate = try Certificate(certificateFile)
        let at = now ?? tessera_now()
        var buffer: [CChar] = []
        var length = 0
        try certificate.withCString { cert in
            // json_out NULL with json_cap 0 checks the token and reports the
            // description's length (not TESSERA_E_BUFFER_TOO_SMALL).
            var needed = 0
            try require(tessera_agora_token_verify(cert, token, token.utf8.count, at, nil, 0, &needed), "verify-agora")
            buffer = [CChar](repeating: 0, count: needed + 1)
            try buffer.withUnsafeMutableBufferPointer { out in
                try require(tessera_agora_token_verify(cert, token, token.utf8.count, at, out.baseAddress, out.count, &length),
                            "verify-agora")
            }
        }
        print(String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}

struct VerifyTRTC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-trtc",
        abstract: "Check a Tencent UserSig for a user and app; print them (JSON) when it verifies.")

    @Option(name: .customLong("sdk-app-id"), help: "The SDKAppID.") var sdkAppId: UInt64
    @Option(name: .customLong("key-file"), help: ArgumentHelp("The secret key.", valueName: "file")) var keyFile: String
    @Option(help: "The user id.") var user: String
    @Option(help: ArgumentHelp("Check expiry at this Unix time (default: now).", valueName: "seconds")) var now: Int64?
    @Argument(help: "The UserSig.") var usersig: String

    func run() throws {
        let key = try readFile(keyFile, what: "key file")
        let k = key.contents
        try require(tessera_trtc_usersig_verify(sdkAppId, k.baseAddress, k.count, user, usersig, usersig.utf8.count,
                                                now ?? tessera_now()), "verify-trtc")
        print("{\"sdkappid\":\(sdkAppId),\"identifier\":\(jsonString(user)),\"valid\":true}")
    }
}

struct VerifyJanus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-janus",
        abstract: "Check a Janus signed token; print what it holds (JSON).")

    @Option(name: .customLong("secret-file"), help: ArgumentHelp("Janus's token_auth_secret.", valueName: "file")) var secretFile: String
    @Option(help: ArgumentHelp("Require that the token grants this plugin.", valueName: "name")) var plugin: String?
    @Option(help: ArgumentHelp("Check expiry at this Unix time (default: now).", valueName: "seconds")) var now: Int64?
    @Argument(help: "The token.") var token: String

    func run() throws {
        let secret = try readFile(secretFile, what: "secret file")
        let s = secret.contents
        try require(tessera_janus_token_verify(s.baseAddress, s.count, token, token.utf8.count, plugin, now ?? tessera_now()),
                    "verify-janus")
        // Verified: "<expiry>,janus[,<plugin>…]:<mac>".
        let fields = token.split(separator: ":", maxSplits: 1)[0].split(separator: ",", omittingEmptySubsequences: false)
        let plugins = fields.dropFirst(2).map { jsonString(String($0)) }.joined(separator: ",")
        print("{\"expiry\":\(Int64(fields[0]) ?? 0),\"plugins\":[\(plugins)]}")
    }
}

/// `strings` as a C array of NUL-terminated strings (`const char *const *`)
/// for the length of `body`.
func withCStrings<R>(_ strings: [String], _ body: (UnsafeBufferPointer<UnsafePointer<CChar>?>) throws -> R) rethrows -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) }
    return try pointers.withUnsafeBufferPointer(body)
}

/// A JSON string literal for text the tool prints.
func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 { out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16) }
            else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}
