import Testing
@testable import Tessera

func b64urlDecode(_ s: String) -> [UInt8]? {
    let text = Array(s.utf8)
    var out = [UInt8](repeating: 0, count: Base64.urlDecodedLength(text.count))
    let n = text.withUnsafeBytes { t in
        out.withUnsafeMutableBufferPointer { o in o.baseAddress.flatMap { Base64.decodeURL(t, to: $0, capacity: o.count) } }
    }
    return n.map { Array(out[0..<$0]) }
}

func makeKey(_ alg: Algorithm, _ secret: [UInt8], kid: String? = nil) throws -> Key {
    let kidBytes = kid.map { Array($0.utf8) }
    return try secret.withUnsafeBytes { s throws in
        if let kidBytes {
            return try kidBytes.withUnsafeBytes { k throws in try Key.hmac(algorithm: alg, secret: s, kid: k) }
        }
        return try Key.hmac(algorithm: alg, secret: s, kid: nil)
    }
}

/// Signs through the core into a fresh buffer, returning the token.
func sign(_ key: Key, _ claims: String) throws -> String {
    var out = [UInt8](repeating: 0xAA, count: 70000)
    let c = Array(claims.utf8)
    let n = try c.withUnsafeBytes { cb throws in
        try out.withUnsafeMutableBytes { o throws in try JWT.sign(key: key, claims: cb, output: Output(buffer: o)) }
    }
    #expect(out[n] == 0)
    return String(decoding: out[0..<n], as: UTF8.self)
}

func issue(_ key: Key, _ claims: String, now: Int64, ttl: UInt32, flags: UInt32) throws -> String {
    var out = [UInt8](repeating: 0, count: 70000)
    let c = Array(claims.utf8)
    let n = try c.withUnsafeBytes { cb throws in
        try out.withUnsafeMutableBytes { o throws in
            try JWT.issue(key: key, claims: cb, now: now, ttl: ttl, flags: flags, output: Output(buffer: o))
        }
    }
    return String(decoding: out[0..<n], as: UTF8.self)
}

func status(_ body: () throws -> Void) -> Status? {
    do {
        try body()
        return .ok
    } catch let error as TesseraError {
        return error.status
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}

@Suite struct JWSVectorTests {
    /// RFC 7515 A.1: HMAC over the example's own signing input (its header
    /// is not Tessera's, so the token as a whole cannot be reproduced).
    @Test func rfc7515A1ReproducedOverItsSigningInput() throws {
        let file = try Vectors.json("rfc7515_appendixA_jws.json")
        let examples = try #require(file["examples"] as? [[String: Any]])
        let a1 = try #require(examples.first { ($0["name"] as? String) == "A.1 HS256" })
        let jwk = try #require(a1["jwk"] as? [String: Any])
        let k = try #require(jwk["k"] as? String)
        let secret = try #require(b64urlDecode(k))
        let protected = try #require(a1["protectedB64u"] as? String)
        let payload = try #require(a1["payloadB64u"] as? String)
        let expected = try #require(a1["signatureB64u"] as? String)
        let key = try makeKey(.hs256, secret)
        var mac = [UInt8](repeating: 0, count: 32)
        let input = Array((protected + "." + payload).utf8)
        try input.withUnsafeBytes { i in try mac.withUnsafeMutableBytes { try key.sign(i, into: $0.baseAddress!) } }
        var b64 = [UInt8](repeating: 0, count: 43)
        mac.withUnsafeBytes { m in b64.withUnsafeMutableBufferPointer { _ = Base64.encodeURL(m, to: $0.baseAddress!) } }
        #expect(String(decoding: b64, as: UTF8.self) == expected)
        // And the decoded segments are the RFC's bytes.
        #expect(b64urlDecode(protected).map { String(decoding: $0, as: UTF8.self) } == a1["protectedHeaderUtf8"] as? String)
        // Tessera signing the A.1 claims gives its own header and the same payload segment.
        let claims = try #require(a1["payloadUtf8"] as? String)
        let token = try sign(key, claims)
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        #expect(parts.count == 3)
        #expect(String(parts[1]) == payload)
    }
}

@Suite struct JWTSignTests {
    let secret32 = Array("0123456789abcdef0123456789abcdef".utf8)

    @Test func headerIsExactlyAlgAndTyp() throws {
        for (alg, name, size) in [(Algorithm.hs256, "HS256", 32), (.hs384, "HS384", 48), (.hs512, "HS512", 64)] {
            let key = try makeKey(alg, [UInt8](repeating: 0x42, count: size))
            let parts = try sign(key, "{}").split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            #expect(parts.count == 3)
            #expect(b64urlDecode(parts[0]).map { String(decoding: $0, as: UTF8.self) } == "{\"alg\":\"\(name)\",\"typ\":\"JWT\"}")
            #expect(b64urlDecode(parts[2])?.count == size)
        }
        let withKid = try makeKey(.hs256, secret32, kid: "k\"1é")
        let h = try sign(withKid, "{}").split(separator: ".")[0]
        #expect(b64urlDecode(String(h)).map { String(decoding: $0, as: UTF8.self) } == "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k\\\"1é\"}")
    }

    @Test func claimsAreCarriedUnchanged() throws {
        let key = try makeKey(.hs256, secret32)
        let claims = " {\"b\" : [1, 2.5e3],\n \"a\":\"\\u00e9\"}\t"
        let payload = try sign(key, claims).split(separator: ".")[1]
        #expect(b64urlDecode(String(payload)) == Array(claims.utf8))
    }

    @Test func badClaimsAreMalformed() throws {
        let key = try makeKey(.hs256, secret32)
        for bad in ["", "[]", "{\"a\":1,\"a\":1}", "{\"a\":1} {}", "{\"s\":\"\\ud800\"}"] {
            #expect(status { _ = try sign(key, bad) } == .malformed, "\(bad)")
        }
        let huge = "{\"a\":\"" + String(repeating: "x", count: 60000) + "\"}"
        #expect(status { _ = try sign(key, huge) } == .malformed) // the token would pass 64 KiB
    }

    @Test func keyRules() {
        #expect(status { _ = try makeKey(.hs256, [UInt8](repeating: 1, count: 31)) } == .key)
        #expect(status { _ = try makeKey(.hs384, [UInt8](repeating: 1, count: 47)) } == .key)
        #expect(status { _ = try makeKey(.hs512, [UInt8](repeating: 1, count: 63)) } == .key)
        #expect(status { _ = try makeKey(.hs512, [UInt8](repeating: 1, count: 64)) } == .ok)
        #expect(status { _ = try makeKey(.rs256, secret32) } == .algorithm)
        let pem = Array("-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n".utf8)
        #expect(status { _ = try makeKey(.hs256, pem) } == .key)
        let jwk = Array(" {\"kty\":\"RSA\",\"n\":\"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd\",\"e\":\"AQAB\"}".utf8)
        #expect(status { _ = try makeKey(.hs256, jwk) } == .key)
        let jwks = Array("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"a\",\"y\":\"b\"}]}".utf8)
        #expect(status { _ = try makeKey(.hs256, jwks) } == .key)
        #expect(status { _ = try makeKey(.hs256, secret32, kid: "") } == .argument)
        #expect(status { _ = try makeKey(.hs256, secret32, kid: String(repeating: "k", count: 257)) } == .argument)
        #expect(status { _ = try makeKey(.hs256, secret32, kid: String(repeating: "k", count: 256)) } == .ok)
    }

    @Test func sizeQueryAndShortBuffers() throws {
        let key = try makeKey(.hs256, secret32)
        let claims = Array("{\"sub\":\"x\"}".utf8)
        let full = try sign(key, "{\"sub\":\"x\"}")
        var needed = -1
        do {
            _ = try claims.withUnsafeBytes { c throws in try JWT.sign(key: key, claims: c, output: Output(buffer: nil)) }
        } catch let error as TesseraError {
            #expect(error.status == .bufferTooSmall)
            needed = error.needed
        }
        #expect(needed == full.utf8.count)
        var exact = [UInt8](repeating: 0, count: needed) // no room for the NUL
        #expect(status {
            _ = try claims.withUnsafeBytes { c throws in
                try exact.withUnsafeMutableBytes { o throws in try JWT.sign(key: key, claims: c, output: Output(buffer: o)) }
            }
        } == .bufferTooSmall)
    }

    @Test func issueAppendsRegisteredClaims() throws {
        let key = try makeKey(.hs256, secret32)
        let t = try issue(key, "{\"sub\":\"x\"}", now: 1_700_000_000, ttl: 600, flags: 0)
        let payload = b64urlDecode(String(t.split(separator: ".")[1])).map { String(decoding: $0, as: UTF8.self) }
        #expect(payload == "{\"sub\":\"x\",\"iat\":1700000000,\"exp\":1700000600}")
        let empty = try issue(key, " { } ", now: 5, ttl: 1, flags: JWT.issueNBF)
        #expect(b64urlDecode(String(empty.split(separator: ".")[1])).map { String(decoding: $0, as: UTF8.self) }
                == " { \"iat\":5,\"exp\":6,\"nbf\":5}")
        let withJti = try issue(key, "{}", now: 5, ttl: 1, flags: JWT.issueJTI | JWT.issueNBF)
        let p = try #require(b64urlDecode(String(withJti.split(separator: ".")[1])).map { String(decoding: $0, as: UTF8.self) })
        #expect(p.hasPrefix("{\"iat\":5,\"exp\":6,\"nbf\":5,\"jti\":\""))
        let uuid = String(p.dropFirst("{\"iat\":5,\"exp\":6,\"nbf\":5,\"jti\":\"".count).dropLast(2))
        #expect(uuid.count == 36)
        let chars = Array(uuid)
        #expect(chars[8] == "-" && chars[13] == "-" && chars[18] == "-" && chars[23] == "-")
        #expect(chars[14] == "4")                       // version 4
        #expect("89ab".contains(chars[19]))             // RFC 9562 variant
        #expect(uuid.allSatisfy { "0123456789abcdef-".contains($0) })
        // Two tokens get different jti values.
        let other = try issue(key, "{}", now: 5, ttl: 1, flags: JWT.issueJTI)
        #expect(other.split(separator: ".")[1] != withJti.split(separator: ".")[1])
    }

    @Test func issueRefusals() throws {
        let key = try makeKey(.hs256, secret32)
        #expect(status { _ = try issue(key, "{\"iat\":1}", now: 5, ttl: 1, flags: 0) } == .argument)
        #expect(status { _ = try issue(key, "{\"e\\u0078p\":1}", now: 5, ttl: 1, flags: 0) } == .argument)
        #expect(status { _ = try issue(key, "{\"nbf\":1}", now: 5, ttl: 1, flags: 0) } == .ok)
        #expect(status { _ = try issue(key, "{\"nbf\":1}", now: 5, ttl: 1, flags: JWT.issueNBF) } == .argument)
        #expect(status { _ = try issue(key, "{\"jti\":\"a\"}", now: 5, ttl: 1, flags: JWT.issueJTI) } == .argument)
        #expect(status { _ = try issue(key, "{\"x\":{\"iat\":1}}", now: 5, ttl: 1, flags: 0) } == .ok) // nested: not a claim
        #expect(status { _ = try issue(key, "{}", now: -1, ttl: 1, flags: 0) } == .argument)
        #expect(status { _ = try issue(key, "{}", now: 5, ttl: 0, flags: 0) } == .argument)
        #expect(status { _ = try issue(key, "{}", now: Int64.max - 10, ttl: 11, flags: 0) } == .argument)
        #expect(status { _ = try issue(key, "{}", now: 5, ttl: 1, flags: 4) } == .argument)
        #expect(status { _ = try issue(key, "[]", now: 5, ttl: 1, flags: 0) } == .malformed)
    }
}
