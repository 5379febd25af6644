import CTesseraABI
import Foundation

/// Claims from the seed platforms' documents, as their auth servers send
/// them (fixed times, so that every token is identical and verifiable).
enum Claims {
    /// VideoSDK: apikey, permissions, version 2, roles, iat, exp = iat + 600.
    static let videoSDK = #"{"apikey":"4f3c2a1b-9d8e-4c7b-a6f5-e4d3c2b1a098","permissions":["allow_join","allow_mod"],"version":2,"roles":["CRAWLER"],"iat":1700000000,"exp":1700000600}"#
    /// ApiRTC: grants.apiRTC_UserAgent_Id, sub = apiKey, aud "apiRTC", a
    /// UUID v4 jti, exp = iat + 3600.
    static let apiRTC = #"{"grants":{"apiRTC_UserAgent_Id":"user-7f3a9c"},"sub":"819abef1fde1c833e0601ec6dd4a8226","aud":"apiRTC","jti":"0b7c9f4e-2a51-4d8e-9c3b-6f1e2d4a5b70","iat":1700000000,"exp":1700003600}"#
    /// Skykit: iss (the registered e-mail), iat, exp = iat + 3600.
    static let skykit = #"{"iss":"ops@example.com","iat":1700000000,"exp":1700003600}"#

    /// The claims of a token that verification accepts at the real time:
    /// the same bytes with an exp in 2096.
    static func live(_ claims: String) -> String {
        claims.replacingOccurrences(of: #""exp":17"#, with: #""exp":40"#)
    }
}

/// The real time, as a verifying server reads it for every token.
@inline(__always)
func wallClock() -> Int64 { Int64(time(nil)) }

/// One benchmarked operation: a name (exactly as in the issue: "HS256
/// sign", "ES256 verify", "credential sign" ...), the claims it uses, and
/// what to call. `Work` is plain data (raw pointers into fixtures that
/// outlive the run), so workers on different cores share no reference
/// count: a closure here would have its context retained on every call by
/// every thread, and the bench would measure its own contention.
struct Operation: @unchecked Sendable {
    let name: String
    let claims: String
    let work: Work

    enum Work: @unchecked Sendable {
        case credentialSign
        case credentialVerify(token: UnsafePointer<CChar>, length: Int)
        case sign(key: OpaquePointer, claims: UnsafePointer<CChar>, length: Int)
        case verify(key: OpaquePointer, token: UnsafePointer<CChar>, length: Int, policy: OpaquePointer)
        case verifyKeySet(set: OpaquePointer, token: UnsafePointer<CChar>, length: Int, policy: OpaquePointer)
        case template(signer: OpaquePointer)
        case batch(key: OpaquePointer, claims: UnsafePointer<UnsafePointer<CChar>?>, lengths: UnsafePointer<Int>, count: Int)
        case agoraRTC
        case agoraVerify(token: UnsafePointer<CChar>, length: Int)
        case trtcUserSig
        case janusToken
        case platform(key: OpaquePointer, name: UnsafePointer<CChar>, params: UnsafePointer<UnsafePointer<CChar>?>, count: Int)
    }

    /// Tokens per `batch` operation.
    static let batchSize = 1024
    static let batchStride = 512

    /// Performs the operation once into `out`; returns its status.
    @inline(__always)
    static func perform(_ work: Work, _ out: UnsafeMutablePointer<CChar>, _ cap: Int) -> Int32 {
        var n = 0
        switch work {
        case .credentialSign:
            return tessera_credential_sign(Fixtures.secretC, Fixtures.secretLength, Fixtures.peerC, Fixtures.peerLength,
                                           Fixtures.timestamp, 3600, out, cap, &n)
        case .credentialVerify(let token, let length):
            return tessera_credential_verify(Fixtures.secretC, Fixtures.secretLength, Fixtures.peerC, Fixtures.peerLength,
                                             Fixtures.live, 3600, token, length, wallClock())
        case .sign(let key, let claims, let length):
            return tessera_jwt_sign(key, claims, length, out, cap, &n)
        case .verify(let key, let token, let length, let policy):
            return tessera_jwt_verify(key, token, length, policy, out, cap, &n)
        case .verifyKeySet(let set, let token, let length, let policy):
            return tessera_jwt_verify_keyset(set, token, length, policy, out, cap, &n)
        case .template(let signer):
            return tessera_signer_sign(signer, nil, 0, Fixtures.timestamp, out, cap, &n)
        case .batch(let key, let claims, let lengths, let count):
            // The output buffer (1 MiB) holds count × batchStride bytes;
            // the lengths and statuses go to scratch past the tokens.
            let lens = UnsafeMutableRawPointer(out + count * batchStride).bindMemory(to: Int.self, capacity: count)
            let statuses = UnsafeMutableRawPointer(lens + count).bindMemory(to: Int32.self, capacity: count)
            return tessera_jwt_sign_batch(key, count, claims, lengths, out, batchStride, lens, statuses)
        case .agoraRTC:
            return tessera_agora_rtc_token(Fixtures.agoraApp, Fixtures.agoraCert, Fixtures.agoraChannel, Fixtures.agoraUid,
                                           TESSERA_AGORA_ROLE_PUBLISHER, 3600, 3600, Fixtures.timestamp, 12345, out, cap, &n)
        case .agoraVerify(let token, let length):
            return tessera_agora_token_verify(Fixtures.agoraCert, token, length, wallClock(), nil, 0, nil)
        case .trtcUserSig:
            return tessera_trtc_usersig(1_400_000_000, Fixtures.trtcKey, 64, Fixtures.peerC, 86400, Fixtures.timestamp,
                                        out, cap, &n)
        case .janusToken:
            return tessera_janus_token(Fixtures.secretC, Fixtures.secretLength, Fixtures.timestamp + 3600,
                                       Fixtures.janusPlugins, 1, out, cap, &n)
        case .platform(let key, let name, let params, let count):
            return tessera_platform_token(key, name, params, count, Fixtures.timestamp, 3600, out, cap, &n)
        }
    }
}

/// A C string copy of `text` that lives until the process ends (fixtures only).
func permanentCopy(_ text: String) -> UnsafePointer<CChar> {
    permanentCopy(Array(text.utf8).map { CChar(bitPattern: $0) })
}

/// A C string copy that lives until the process ends (fixtures only).
func permanentCopy(_ bytes: [CChar]) -> UnsafePointer<CChar> {
    let p = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
    p.initialize(from: bytes, count: bytes.count)
    p[bytes.count] = 0
    return UnsafePointer(p)
}

/// Keys, policies and tokens are made once; the bodies only read them.
final class Fixtures: @unchecked Sendable {
    var keys: [tessera_alg: OpaquePointer] = [:]
    var tokens: [tessera_alg: [CChar]] = [:]
    var signers: [OpaquePointer] = []
    /// The real clock (no tessera_policy_set_time), as a server verifies;
    /// `audiencePolicy` also expects the ApiRTC audience.
    let policy: OpaquePointer
    let audiencePolicy: OpaquePointer
    static let secret = Array("sky-way-secret-key-0123456789".utf8)
    static let peer = Array("TestPeerID".utf8)
    nonisolated(unsafe) static let secretC = permanentCopy(secret.map { CChar(bitPattern: $0) })
    static let secretLength = secret.count
    nonisolated(unsafe) static let peerC = permanentCopy(peer.map { CChar(bitPattern: $0) })
    static let peerLength = peer.count
    static let timestamp: Int64 = 1_700_000_000
    /// When the fixtures that verification checks against the real clock
    /// were issued: the start of the run.
    static let live: Int64 = Int64(time(nil))
    // Agora's published test app (AgoraIO/Tools AccessToken2 tests), Tencent's
    // example key, one Janus plugin.
    nonisolated(unsafe) static let agoraApp = permanentCopy("970CA35de60c44645bbae8a215061b33")
    nonisolated(unsafe) static let agoraCert = permanentCopy("5CFd2fd1755d40ecb72977518be15d3b")
    nonisolated(unsafe) static let agoraChannel = permanentCopy("7d72365eb983485397e3e3f9d460bdda")
    nonisolated(unsafe) static let agoraUid = permanentCopy("2882341273")
    nonisolated(unsafe) static let trtcKey = permanentCopy("5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e")
    nonisolated(unsafe) static let janusPlugins: UnsafePointer<UnsafePointer<CChar>?> = {
        let p = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: 1)
        p.initialize(to: permanentCopy("janus.plugin.videoroom"))
        return UnsafePointer(p)
    }()
    var credential: [CChar] = []

    init() throws {
        var p: OpaquePointer? = nil, a: OpaquePointer? = nil
        guard tessera_policy_new(&p) == TESSERA_OK, let p, tessera_policy_new(&a) == TESSERA_OK, let a else {
            throw BenchError("tessera_policy_new failed")
        }
        policy = p
        audiencePolicy = a
        _ = tessera_policy_set_audience(audiencePolicy, "apiRTC")
    }

    deinit {
        for signer in signers { tessera_signer_free(signer) }
        for key in keys.values { tessera_key_free(key) }
        tessera_policy_free(policy)
        tessera_policy_free(audiencePolicy)
    }

    func key(_ alg: tessera_alg) throws -> OpaquePointer {
        if let k = keys[alg] { return k }
        var k: OpaquePointer? = nil
        let rc: Int32
        switch alg {
        case TESSERA_HS256: rc = tessera_key_new_hmac(alg, "0123456789abcdef0123456789abcdef", 32, nil, &k)
        case TESSERA_HS384: rc = tessera_key_new_hmac(alg, String(repeating: "0123456789abcdef", count: 3), 48, nil, &k)
        case TESSERA_HS512: rc = tessera_key_new_hmac(alg, String(repeating: "0123456789abcdef", count: 4), 64, nil, &k)
        default: rc = tessera_key_generate(alg, nil, &k)
        }
        guard rc == TESSERA_OK, let k else {
            throw BenchError("making a \(String(cString: tessera_alg_name(alg))) key failed: \(String(cString: tessera_last_error()))")
        }
        keys[alg] = k
        return k
    }

    func token(_ alg: tessera_alg, claims: String) throws -> [CChar] {
        if let t = tokens[alg] { return t }
        let k = try key(alg)
        var out = [CChar](repeating: 0, count: 70000)
        var n = 0
        guard tessera_jwt_sign(k, claims, claims.utf8.count, &out, out.count, &n) == TESSERA_OK else {
            throw BenchError("signing a fixture token failed: \(String(cString: tessera_last_error()))")
        }
        let t = Array(out[0..<n])
        tokens[alg] = t
        return t
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// The VideoSDK claims padded out to `size` bytes with a "pad" string
/// claim (the curve of cost against token size), or as they are.
func paddedClaims(_ claims: String, size: Int?) -> String {
    guard let size else { return claims }
    let extra = max(0, size - claims.utf8.count - #","pad":"""#.utf8.count)
    return String(claims.dropLast()) + #","pad":""# + String(repeating: "x", count: extra) + #""}"#
}

/// "HS256 verify, kid among N keys": a token whose kid names the last of
/// `count` HS256 keys (kids k0 … k<count-1>) in one key set.
func keySetOperation(_ f: Fixtures, count: Int) throws -> Operation {
    var set: OpaquePointer? = nil
    guard tessera_keyset_new(&set) == TESSERA_OK, let set else { throw BenchError("tessera_keyset_new failed") }
    var last: OpaquePointer? = nil
    for i in 0..<count {
        var k: OpaquePointer? = nil
        let secret = String(repeating: "0", count: 32 - String(i).count) + String(i)
        guard tessera_key_new_hmac(TESSERA_HS256, secret, 32, "k\(i)", &k) == TESSERA_OK, let k,
              tessera_keyset_add(set, k) == TESSERA_OK else {
            throw BenchError("building a key set failed: \(String(cString: tessera_last_error()))")
        }
        if i == count - 1 { last = k } else { tessera_key_free(k) }
    }
    let claims = Claims.live(Claims.videoSDK)
    var out = [CChar](repeating: 0, count: 4096)
    var n = 0
    guard let last, tessera_jwt_sign(last, claims, claims.utf8.count, &out, out.count, &n) == TESSERA_OK else {
        throw BenchError("signing the key-set token failed")
    }
    tessera_key_free(last)
    return Operation(name: "HS256 verify, kid of \(count) keys", claims: "VideoSDK",
                     work: .verifyKeySet(set: set, token: permanentCopy(Array(out[0..<n])), length: n, policy: f.policy))
}

/// Every operation the bench knows, in table order.
func allOperations(_ f: Fixtures, payloadSize: Int? = nil, keys: Int? = nil) throws -> [Operation] {
    var ops: [Operation] = []
    var credential = [CChar](repeating: 0, count: 64)
    var cl = 0
    guard tessera_credential_sign(Fixtures.secretC, Fixtures.secretLength, Fixtures.peerC, Fixtures.peerLength,
                                  Fixtures.live, 3600, &credential, credential.count, &cl) == TESSERA_OK else {
        throw BenchError("credential fixture failed")
    }
    ops.append(Operation(name: "credential sign", claims: "SkyWay", work: .credentialSign))
    ops.append(Operation(name: "credential verify", claims: "SkyWay",
                         work: .credentialVerify(token: permanentCopy(Array(credential[0..<cl])), length: cl)))
    let plan: [(tessera_alg, String, String)] = [
        (TESSERA_HS256, paddedClaims(Claims.videoSDK, size: payloadSize), payloadSize.map { "\($0) B" } ?? "VideoSDK"), (TESSERA_HS384, Claims.apiRTC, "ApiRTC"),
        (TESSERA_HS512, Claims.apiRTC, "ApiRTC"), (TESSERA_RS256, Claims.skykit, "Skykit"),
        (TESSERA_PS256, Claims.skykit, "Skykit"), (TESSERA_ES256, Claims.skykit, "Skykit"),
        (TESSERA_ES384, Claims.skykit, "Skykit"), (TESSERA_EDDSA, Claims.skykit, "Skykit"),
    ]
    // The template and batch paths, on the HS256 row's claims.
    let hs256 = try f.key(TESSERA_HS256)
    let constant = #"{"apikey":"4f3c2a1b-9d8e-4c7b-a6f5-e4d3c2b1a098","permissions":["allow_join","allow_mod"],"version":2,"roles":["CRAWLER"]}"#
    var signer: OpaquePointer? = nil
    guard tessera_signer_new(hs256, constant, constant.utf8.count, 600, 0, &signer) == TESSERA_OK, let signer else {
        throw BenchError("tessera_signer_new failed: \(String(cString: tessera_last_error()))")
    }
    f.signers.append(signer)
    let videoSDK = permanentCopy(Claims.videoSDK)
    let claimsArray = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: Operation.batchSize)
    claimsArray.initialize(repeating: videoSDK, count: Operation.batchSize)
    let lengthArray = UnsafeMutablePointer<Int>.allocate(capacity: Operation.batchSize)
    lengthArray.initialize(repeating: Claims.videoSDK.utf8.count, count: Operation.batchSize)
    let extra: [Operation] = [
        Operation(name: "HS256 template sign", claims: "VideoSDK", work: .template(signer: signer)),
        Operation(name: "HS256 batch sign x1024", claims: "VideoSDK",
                  work: .batch(key: hs256, claims: UnsafePointer(claimsArray), lengths: UnsafePointer(lengthArray),
                               count: Operation.batchSize)),
    ]
    // The RTC platforms' own formats, and one JWT profile.
    var agora = [CChar](repeating: 0, count: 1024)
    var al = 0
    guard tessera_agora_rtc_token(Fixtures.agoraApp, Fixtures.agoraCert, Fixtures.agoraChannel, Fixtures.agoraUid,
                                  TESSERA_AGORA_ROLE_PUBLISHER, 3600, 3600, Fixtures.live, 12345, &agora, agora.count,
                                  &al) == TESSERA_OK else {
        throw BenchError("Agora fixture failed: \(String(cString: tessera_last_error()))")
    }
    let livekitParams = ["api_key=APIxyz", "identity=alice", "room=r1", "roomJoin=true"]
    let paramArray = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: livekitParams.count)
    for (i, p) in livekitParams.enumerated() { paramArray[i] = permanentCopy(p) }
    ops += [
        Operation(name: "Agora RTC token", claims: "AccessToken2", work: .agoraRTC),
        Operation(name: "Agora token verify", claims: "AccessToken2",
                  work: .agoraVerify(token: permanentCopy(Array(agora[0..<al])), length: al)),
        Operation(name: "TRTC UserSig", claims: "UserSig 2.0", work: .trtcUserSig),
        Operation(name: "Janus token", claims: "token_auth", work: .janusToken),
        Operation(name: "LiveKit token", claims: "livekit profile",
                  work: .platform(key: hs256, name: permanentCopy("livekit"),
                                  params: UnsafePointer(paramArray), count: livekitParams.count)),
    ]
    for (alg, claims, claimsName) in plan {
        let policy = claimsName == "ApiRTC" ? f.audiencePolicy : f.policy
        let name = String(cString: tessera_alg_name(alg))
        let key = try f.key(alg)
        let jwt = try f.token(alg, claims: Claims.live(claims))
        let claimsC = Array(claims.utf8).map { CChar(bitPattern: $0) }
        ops.append(Operation(name: "\(name) sign", claims: claimsName,
                             work: .sign(key: key, claims: permanentCopy(claimsC), length: claimsC.count)))
        ops.append(Operation(name: "\(name) verify", claims: claimsName,
                             work: .verify(key: key, token: permanentCopy(jwt), length: jwt.count, policy: policy)))
        if alg == TESSERA_HS256 {
            ops += extra
            if let keys { ops.append(try keySetOperation(f, count: keys)) }
        }
    }
    return ops
}
