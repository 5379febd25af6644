import Testing
@testable import Tessera

func templateSign(_ signer: Signer, now: Int64, extra: String?) throws -> String {
    var out = [UInt8](repeating: 0xAA, count: 70000)
    let n = try out.withUnsafeMutableBytes { o in
        if let extra {
            return try Array(extra.utf8).withUnsafeBytes { e in try signer.sign(now: now, extra: e, output: Output(buffer: o)) }
        }
        return try signer.sign(now: now, extra: nil, output: Output(buffer: o))
    }
    #expect(out[n] == 0)
    return String(decoding: out[0..<n], as: UTF8.self)
}

func makeSigner(_ key: Key, _ claims: String, ttl: UInt32 = 600, flags: UInt32 = 0) throws -> Signer {
    try Array(claims.utf8).withUnsafeBytes { try Signer(key: key, claims: $0, ttl: ttl, flags: flags) }
}

@Suite struct SignerTests {
    /// Every constant-claims length from 2 to 300 bytes, so that the base64
    /// carry (0, 1, 2 bytes) and the saved hash state (0 to 4 whole blocks of
    /// 64 or 128 bytes, any remainder) take every combination.
    @Test(arguments: [Algorithm.hs256, .hs384, .hs512])
    func sameTokenAsIssueForEveryLength(_ alg: Algorithm) throws {
        let key = try makeKey(alg, [UInt8](repeating: 0x5A, count: 64), kid: alg == .hs384 ? "k-384" : nil)
        for length in 2...300 {
            let claims = length == 2 ? "{}" : "{\"a\":\"" + String(repeating: "x", count: max(0, length - 8)) + "\"}"
            let signer = try makeSigner(key, claims)
            let fromTemplate = try templateSign(signer, now: 1_700_000_000, extra: nil)
            let fromIssue = try issue(key, claims, now: 1_700_000_000, ttl: 600, flags: 0)
            #expect(fromTemplate == fromIssue, "\(alg.name), constant claims of \(claims.utf8.count) bytes")
        }
    }

    @Test func extraClaimsMergeAndOptions() throws {
        let key = try makeKey(.hs256, Array("0123456789abcdef0123456789abcdef".utf8))
        let signer = try makeSigner(key, "{\"sub\":\"819abef1\",\"aud\":\"apiRTC\"}", ttl: 3600, flags: JWT.issueNBF)
        let token = try templateSign(signer, now: 1_700_000_000, extra: " {\"grants\":{\"apiRTC_UserAgent_Id\":\"u-1\"}} ")
        let merged = "{\"sub\":\"819abef1\",\"aud\":\"apiRTC\",\"grants\":{\"apiRTC_UserAgent_Id\":\"u-1\"}}"
        #expect(token == (try issue(key, merged, now: 1_700_000_000, ttl: 3600, flags: JWT.issueNBF)))
        // An empty extra object, or none, adds nothing.
        #expect(try templateSign(signer, now: 5, extra: "{}") == (try templateSign(signer, now: 5, extra: nil)))
        // Empty constant claims with extra claims.
        let bare = try makeSigner(key, "{ }")
        #expect(try templateSign(bare, now: 5, extra: "{\"x\":1}") == (try issue(key, "{ \"x\":1}", now: 5, ttl: 600, flags: 0)))
        // The tokens verify.
        let p = policy { $0.fixedTime = 1_700_000_001; $0.audience = Array("apiRTC".utf8) }
        #expect(verifyStatus(key, token, p) == .ok)
        // jti: a fresh UUID per token.
        let withJti = try makeSigner(key, "{\"iss\":\"a\"}", flags: JWT.issueJTI)
        let t1 = try templateSign(withJti, now: 5, extra: nil), t2 = try templateSign(withJti, now: 5, extra: nil)
        #expect(t1 != t2 && t1.utf8.count == t2.utf8.count)
        #expect(b64urlDecode(String(t1.split(separator: ".")[1])).map { String(decoding: $0, as: UTF8.self) }?.contains("\"jti\":\"") == true)
    }

    @Test func refusals() throws {
        let key = try makeKey(.hs256, Array("0123456789abcdef0123456789abcdef".utf8))
        #expect(status { _ = try makeSigner(key, "{\"iat\":1}") } == .argument)
        #expect(status { _ = try makeSigner(key, "{\"jti\":\"x\"}", flags: JWT.issueJTI) } == .argument)
        #expect(status { _ = try makeSigner(key, "{\"a\":1,\"a\":2}") } == .malformed)
        #expect(status { _ = try makeSigner(key, "{}", ttl: 0) } == .argument)
        #expect(status { _ = try makeSigner(key, "{}", flags: 8) } == .argument)
        let signer = try makeSigner(key, "{\"sub\":\"x\"}")
        #expect(status { _ = try templateSign(signer, now: 5, extra: "{\"sub\":\"y\"}") } == .malformed)      // repeats a constant
        #expect(status { _ = try templateSign(signer, now: 5, extra: "{\"s\\u0075b\":\"y\"}") } == .malformed)
        #expect(status { _ = try templateSign(signer, now: 5, extra: "{\"exp\":1}") } == .argument)
        #expect(status { _ = try templateSign(signer, now: 5, extra: "[1]") } == .malformed)
        #expect(status { _ = try templateSign(signer, now: -1, extra: nil) } == .argument)
        #expect(status { _ = try templateSign(signer, now: Int64.max, extra: nil) } == .argument)
        // A public key cannot make a template.
        let pub = try Array(try Key.generate(algorithm: .es256, kid: nil).publicJWK().utf8).withUnsafeBytes {
            try Key.jwk(requested: nil, document: $0)
        }
        #expect(status { _ = try makeSigner(pub, "{}") } == .key)
    }

    @Test(arguments: [Algorithm.rs256, .ps256, .es256, .edDSA])
    func asymmetricTemplatesVerify(_ alg: Algorithm) throws {
        let key = try Key.generate(algorithm: alg, kid: nil)
        let signer = try makeSigner(key, "{\"iss\":\"ops@example.com\"}", ttl: 3600)
        let token = try templateSign(signer, now: 1_700_000_000, extra: nil)
        let p = policy { $0.fixedTime = 1_700_000_001; $0.maxLifetime = 3600; $0.issuer = Array("ops@example.com".utf8) }
        #expect(verifyStatus(key, token, p) == .ok)
        if alg == .rs256 || alg == .edDSA { // deterministic: identical to issue
            #expect(token == (try issue(key, "{\"iss\":\"ops@example.com\"}", now: 1_700_000_000, ttl: 3600, flags: 0)))
        }
    }
}
