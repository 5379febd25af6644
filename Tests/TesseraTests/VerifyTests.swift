import Foundation
import Testing
@testable import Tessera

func b64(_ s: String) -> String { base64url(Array(s.utf8)) }

/// `header.payload.signature` with the signature made by `key` (or given).
func forge(_ header: String, _ payload: String, key: Key? = nil, signature: [UInt8]? = nil) throws -> String {
    let input = b64(header) + "." + b64(payload)
    if let signature { return input + "." + base64url(signature) }
    guard let key else { return input + "." }
    return input + "." + (try rawSign(key, input))
}

func verifyStatus(_ keys: Verifier.Keys, _ token: String, _ policy: Policy? = nil, mode: Verifier.Mode = .jwt) -> Status {
    let bytes = Array(token.utf8)
    var out = [UInt8](repeating: 0, count: 70000)
    do {
        _ = try bytes.withUnsafeBytes { t in
            try out.withUnsafeMutableBytes { o in try Verifier.verify(keys, token: t, policy: policy, mode: mode, output: o) }
        }
        return .ok
    } catch let e as TesseraError {
        return e.status
    } catch {
        return .crypto
    }
}

func verifyStatus(_ key: Key, _ token: String, _ policy: Policy? = nil, mode: Verifier.Mode = .jwt) -> Status {
    verifyStatus(.one(key), token, policy, mode: mode)
}

func policy(_ configure: (inout Policy.Settings) -> Void) -> Policy {
    var settings = Policy.Settings()
    configure(&settings)
    return Policy(settings)
}

let now: Int64 = 1_700_000_000
/// A fixed clock, exp optional: for tests of the other steps and claims
/// (`RequiredExpTests` checks the default, which requires exp).
let atNow = policy { $0.fixedTime = now; $0.requireExp = false }

@Suite struct HostileTokenTests {
    let hs256 = try! makeKey(.hs256, Array("0123456789abcdef0123456789abcdef".utf8))
    let hs512 = try! makeKey(.hs512, [UInt8](repeating: 0x61, count: 64))
    let es256 = try! Key.generate(algorithm: .es256, kid: nil)
    let rs256 = try! Key.generate(algorithm: .rs256, kid: nil)
    let good = "{\"sub\":\"x\",\"iat\":1700000000,\"exp\":1700000600}"
    let h256 = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

    @Test func validTokensVerify() throws {
        #expect(verifyStatus(hs256, try forge(h256, good, key: hs256), atNow) == .ok)
        #expect(verifyStatus(hs256, try sign(hs256, good), atNow) == .ok)
        #expect(verifyStatus(es256, try sign(es256, good), atNow) == .ok)
        #expect(verifyStatus(rs256, try sign(rs256, good), atNow) == .ok)
        // An escaped alg is the same string.
        #expect(verifyStatus(hs256, try forge("{\"alg\":\"HS\\u0032\\u0035\\u0036\"}", good, key: hs256), atNow) == .ok)
    }

    /// Member names are compared unescaped in the header and the claims
    /// alike: an escaped name is the registered one.
    @Test func escapedNamesAreTheRegisteredOnes() throws {
        #expect(verifyStatus(hs256, try forge("{\"\\u0061lg\":\"HS256\"}", good, key: hs256), atNow) == .ok)
        #expect(verifyStatus(hs256, try forge("{\"alg\":\"HS256\",\"\\u0063rit\":[\"x\"]}", good, key: hs256), atNow) == .malformed)
        #expect(verifyStatus(hs256, try forge("{\"alg\":\"HS256\",\"b\\u0036\\u0034\":false}", good, key: hs256), atNow) == .malformed)
        #expect(verifyStatus(hs256, try forge(h256, "{\"\\u0065xp\":1600000000}", key: hs256), atNow) == .expired)
        #expect(verifyStatus(hs256, try forge(h256, "{\"n\\u0062f\":1800000000}", key: hs256), atNow) == .notYetValid)
        #expect(verifyStatus(hs256, try forge(h256, "{\"ia\\u0074\":1800000000}", key: hs256), atNow) == .issuedInFuture)
        // Only top-level members count.
        #expect(verifyStatus(hs256, try forge(h256, "{\"x\":{\"exp\":1600000000}}", key: hs256), atNow) == .ok)
        #expect(verifyStatus(hs256, try forge("{\"alg\":\"HS256\",\"x\":{\"crit\":[\"y\"]}}", good, key: hs256), atNow) == .ok)
    }

    @Test(arguments: ["none", "None", "NONE", "nOnE"])
    func algNoneInAnyCase(_ alg: String) throws {
        #expect(verifyStatus(hs256, try forge("{\"alg\":\"\(alg)\"}", good), atNow) == .algorithm)
        #expect(verifyStatus(hs256, try forge("{\"alg\":\"\(alg)\"}", good, key: hs256), atNow) == .algorithm)
        let allowAll = policy { $0.fixedTime = now; $0.allowed = ~0 }
        #expect(verifyStatus(hs256, try forge("{\"alg\":\"\(alg)\"}", good), allowAll) == .algorithm)
    }

    @Test func algorithmRefusals() throws {
        // Unknown, lowercase, or not a string / missing.
        #expect(verifyStatus(hs256, try forge("{\"alg\":\"hs256\"}", good, key: hs256), atNow) == .algorithm)
        #expect(verifyStatus(hs256, try forge("{\"alg\":\"HS257\"}", good, key: hs256), atNow) == .algorithm)
        #expect(verifyStatus(hs256, try forge("{\"alg\":256}", good, key: hs256), atNow) == .malformed)
        #expect(verifyStatus(hs256, try forge("{\"typ\":\"JWT\"}", good, key: hs256), atNow) == .malformed)
        // Not allowed by the policy.
        let only512 = policy { $0.fixedTime = now; $0.allowed = 1 << Algorithm.hs512.rawValue }
        #expect(verifyStatus(hs256, try forge(h256, good, key: hs256), only512) == .algorithm)
        // Same-family downgrade: an HS256 token against an HS512 key.
        let downgrade = try forge(h256, good, key: try makeKey(.hs256, [UInt8](repeating: 0x61, count: 64)))
        #expect(verifyStatus(hs512, downgrade, atNow) == .algorithm)
        // RS/HS confusion: HS256 keyed with the RSA public key's JWK, checked with the RSA key.
        let publicJWK = try rs256.publicJWK()
        let confused = try makeKey(.hs256, Array(publicJWK.utf8.filter { $0 != UInt8(ascii: "{") }))
        #expect(verifyStatus(rs256, try forge(h256, good, key: confused), atNow) == .algorithm)
        // ES token header on an RSA key.
        #expect(verifyStatus(rs256, try forge("{\"alg\":\"ES256\"}", good, key: es256), atNow) == .algorithm)
    }

    @Test func signatureLengthsAndForms() throws {
        let input = b64(h256) + "." + b64(good)
        let mac = try #require(b64urlDecode(try rawSign(hs256, input)))
        #expect(verifyStatus(hs256, input + "." + base64url(Array(mac.dropLast())), atNow) == .signature)
        #expect(verifyStatus(hs256, input + "." + base64url(Array(mac.prefix(16))), atNow) == .signature)
        #expect(verifyStatus(hs256, input + "." + base64url(mac + [0]), atNow) == .signature)
        #expect(verifyStatus(hs256, input + ".", atNow) == .signature)
        // RSA one byte short or long.
        let rsInput = b64("{\"alg\":\"RS256\"}") + "." + b64(good)
        let rsSig = try #require(b64urlDecode(try rawSign(rs256, rsInput)))
        #expect(verifyStatus(rs256, rsInput + "." + base64url(rsSig), atNow) == .ok)
        #expect(verifyStatus(rs256, rsInput + "." + base64url(Array(rsSig.dropLast())), atNow) == .signature)
        #expect(verifyStatus(rs256, rsInput + "." + base64url(rsSig + [0]), atNow) == .signature)
        #expect(verifyStatus(rs256, rsInput + "." + base64url([0] + rsSig), atNow) == .signature)
        // ECDSA: DER, zero-padded, r or s = 0, r or s >= n.
        let esInput = b64("{\"alg\":\"ES256\"}") + "." + b64(good)
        let raw = try #require(b64urlDecode(try rawSign(es256, esInput)))
        #expect(verifyStatus(es256, esInput + "." + base64url(raw), atNow) == .ok)
        func derInt(_ b: ArraySlice<UInt8>) -> [UInt8] {
            var v = Array(b.drop { $0 == 0 })
            if let f = v.first, f >= 0x80 { v.insert(0, at: 0) }
            return [0x02, UInt8(v.count)] + v
        }
        let body = derInt(raw[0..<32]) + derInt(raw[32..<64])
        #expect(verifyStatus(es256, esInput + "." + base64url([0x30, UInt8(body.count)] + body), atNow) == .signature)
        #expect(verifyStatus(es256, esInput + "." + base64url([0] + raw[0..<32] + [0] + raw[32..<64]), atNow) == .signature)
        let zero = [UInt8](repeating: 0, count: 32)
        #expect(verifyStatus(es256, esInput + "." + base64url(zero + raw[32..<64]), atNow) == .signature)
        #expect(verifyStatus(es256, esInput + "." + base64url(Array(raw[0..<32]) + zero), atNow) == .signature)
        // P-256's group order n, and n + r (r ≥ n is refused, not reduced).
        let order = hexBytes("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
        #expect(verifyStatus(es256, esInput + "." + base64url(order + raw[32..<64]), atNow) == .signature)
        #expect(verifyStatus(es256, esInput + "." + base64url(Array(raw[0..<32]) + order), atNow) == .signature)
        #expect(verifyStatus(es256, esInput + "." + base64url([UInt8](repeating: 0xFF, count: 64)), atNow) == .signature)
        // Expired and badly signed: the signature is reported.
        let expired = "{\"exp\":1}"
        #expect(verifyStatus(hs256, try forge(h256, expired, key: hs256), atNow) == .expired)
        #expect(verifyStatus(hs256, try forge(h256, expired, key: hs512), atNow) == .signature)
    }

    @Test func base64urlAndSegments() throws {
        let token = try forge(h256, good, key: hs256)
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        #expect(verifyStatus(hs256, token, atNow) == .ok)
        for i in 0..<3 {
            func with(_ seg: String) -> String {
                var p = parts
                p[i] = seg
                return p.joined(separator: ".")
            }
            let s = parts[i]
            #expect(verifyStatus(hs256, with(s + "="), atNow) == .malformed, "padding in segment \(i)")
            #expect(verifyStatus(hs256, with(s + "=="), atNow) == .malformed)
            #expect(verifyStatus(hs256, with(" " + s), atNow) == .malformed, "whitespace in segment \(i)")
            #expect(verifyStatus(hs256, with(s + "\n"), atNow) == .malformed)
            #expect(verifyStatus(hs256, with(String(s.prefix(4)) + " " + s.dropFirst(4)), atNow) == .malformed)
            #expect(verifyStatus(hs256, with(s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + "+/"), atNow) == .malformed)
            #expect(verifyStatus(hs256, with(s + "A"), atNow) == .malformed || s.count % 4 != 0, "length ≡ 1 mod 4")
        }
        // Non-zero unused bits: the last character of a 2-or-3-remainder segment, altered in its low bits.
        let sig = parts[2] // 43 characters: 2 unused bits
        #expect(sig.count % 4 == 3)
        let last = sig.last!
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let v = alphabet.firstIndex(of: last)!
        let bumped = String(sig.dropLast()) + String(alphabet[v | 1])
        #expect(verifyStatus(hs256, parts[0] + "." + parts[1] + "." + bumped, atNow) == (v & 3 == 0 ? .malformed : .ok))
        #expect(verifyStatus(hs256, parts[0] + "." + parts[1] + "." + String(sig.dropLast()) + String(alphabet[v | 3]), atNow) == .malformed)
        // Segment counts: 1, 2, 4, 5 (a JWE), empty.
        #expect(verifyStatus(hs256, parts[0], atNow) == .malformed)
        #expect(verifyStatus(hs256, parts[0] + "." + parts[1], atNow) == .malformed)
        #expect(verifyStatus(hs256, token + ".", atNow) == .malformed)
        #expect(verifyStatus(hs256, token + "." + parts[2], atNow) == .malformed)
        #expect(verifyStatus(hs256, "a.b.c.d.e", atNow) == .malformed)
        #expect(verifyStatus(hs256, "", atNow) == .malformed)
        #expect(verifyStatus(hs256, "..", atNow) == .malformed)
        // Over 64 KiB.
        let big = try forge(h256, "{\"a\":\"" + String(repeating: "x", count: 50000) + "\"}", key: hs256)
        #expect(big.utf8.count > 65536)
        #expect(verifyStatus(hs256, big, atNow) == .malformed)
    }

    @Test func headerAndPayloadMustBeStrictJSONObjects() throws {
        let cases: [(String, String)] = [
            ("[\"HS256\"]", good), ("\"HS256\"", good), (h256, "[]"), (h256, "\"x\""), (h256, "42"), (h256, ""),
            ("{\"alg\":\"HS256\",\"alg\":\"HS256\"}", good), (h256, "{\"sub\":\"a\",\"sub\":\"b\"}"),
            (h256, "{\"sub\":\"\\ud800\"}"), ("{\"alg\":\"HS256\",\"x\":\"\\udc00\"}", good),
            (h256, "{\"sub\":\"x\"} "), (h256, "{\"n\":" + String(repeating: "1", count: 101) + "}"),
            (h256, String(repeating: "[", count: 70)),
        ]
        for (h, p) in cases {
            #expect(verifyStatus(hs256, try forge(h, p, key: hs256), atNow) == (p == "{\"sub\":\"x\"} " ? .ok : .malformed), "\(h) \(p)")
        }
        // Invalid UTF-8 in the header or payload.
        let input = base64url(Array(h256.utf8)) + "." + base64url(Array("{\"sub\":\"".utf8) + [0xC0, 0xAF] + Array("\"}".utf8))
        #expect(verifyStatus(hs256, input + "." + (try rawSign(hs256, input)), atNow) == .malformed)
        // A JWS payload need not be JSON.
        #expect(verifyStatus(hs256, try forge(h256, "not json", key: hs256), atNow, mode: .jws) == .ok)
        #expect(verifyStatus(hs256, try forge(h256, "not json", key: hs256), atNow, mode: .jwt) == .malformed)
    }

    @Test func critAndKeySupplyingHeaders() throws {
        for crit in ["[\"exp\"]", "[]", "\"b64\"", "[\"b64\"]", "null", "{}"] {
            #expect(verifyStatus(hs256, try forge("{\"alg\":\"HS256\",\"crit\":\(crit)}", good, key: hs256), atNow) == .malformed, "\(crit)")
        }
        #expect(verifyStatus(hs256, try forge("{\"alg\":\"HS256\",\"b64\":false,\"crit\":[\"b64\"]}", good, key: hs256), atNow) == .malformed)
        #expect(verifyStatus(hs256, try forge("{\"alg\":\"HS256\",\"b64\":false}", good, key: hs256), atNow) == .malformed)
        // An attacker's key in jwk/jku/x5u/x5c is never used.
        let attacker = try Key.generate(algorithm: .es256, kid: nil)
        let jwk = try attacker.publicJWK()
        for extra in ["\"jwk\":\(jwk)", "\"jku\":\"https://attacker.example/jwks\"", "\"x5u\":\"https://attacker.example/c\"",
                      "\"x5c\":[\"MIIB\"]", "\"kid\":\"../../../dev/null\""] {
            let header = "{\"alg\":\"ES256\",\(extra)}"
            #expect(verifyStatus(es256, try forge(header, good, key: attacker), atNow) == .signature, "\(extra)")
            // Signed by the right key, the header's extras change nothing.
            #expect(verifyStatus(es256, try forge(header, good, key: es256), atNow) == .ok, "\(extra)")
        }
        #expect(verifyStatus(hs256, try forge("{\"alg\":\"HS256\",\"kid\":7}", good, key: hs256), atNow) == .malformed)
    }
}

@Suite struct ClaimTests {
    let key = try! makeKey(.hs256, Array("0123456789abcdef0123456789abcdef".utf8))
    let h = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

    func status(_ claims: String, _ configure: (inout Policy.Settings) -> Void = { _ in }) throws -> Status {
        let p = policy { $0.fixedTime = now; $0.requireExp = false; configure(&$0) }
        return verifyStatus(key, try forge(h, claims, key: key), p)
    }

    @Test func numericDateTypesAndRanges() throws {
        for bad in ["\"1700000600\"", "true", "null", "[1700000600]", "{}", "1e400", "9223372036854775808", "-1",
                    "253402300800", "1e13", "-1e2", "18446744073709551616"] {
            #expect(try status("{\"exp\":\(bad)}") == .claim, "exp \(bad)")
            #expect(try status("{\"nbf\":\(bad)}") == .claim, "nbf \(bad)")
            #expect(try status("{\"iat\":\(bad)}") == .claim, "iat \(bad)")
        }
        #expect(try status("{\"exp\":253402300799}") == .ok)
        #expect(try status("{\"exp\":1.7000006e9}") == .ok)
        #expect(try status("{\"exp\":17000006000E-1}") == .ok)
        #expect(try status("{\"exp\":17000006E-1}") == .expired)  // 1700000.6
        #expect(try status("{\"exp\":-0}") == .expired)           // 0: long expired
        #expect(try status("{\"iat\":-0.0}") == .ok)
        #expect(try status("{\"exp\":1700000000.5}") == .ok)    // now < 1700000000.5
        #expect(try status("{\"exp\":1700000000.0}") == .expired)
        #expect(try status("{\"nbf\":1700000000.5}") == .notYetValid)
        #expect(try status("{\"iat\":1e-400}") == .ok)
        #expect(try status("{\"exp\":\(String(repeating: "0", count: 90))1}") == .malformed) // leading zero: not JSON
    }

    @Test func leewayBoundariesToTheSecond() throws {
        #expect(try status("{\"exp\":1700000001}") == .ok)
        #expect(try status("{\"exp\":1700000000}") == .expired)
        #expect(try status("{\"nbf\":1700000000}") == .ok)
        #expect(try status("{\"nbf\":1700000001}") == .notYetValid)
        #expect(try status("{\"iat\":1700000000}") == .ok)
        #expect(try status("{\"iat\":1700000001}") == .issuedInFuture)
        let l: (inout Policy.Settings) -> Void = { $0.leeway = 30 }
        #expect(try status("{\"exp\":1699999971}", l) == .ok)
        #expect(try status("{\"exp\":1699999970}", l) == .expired)
        #expect(try status("{\"nbf\":1700000030}", l) == .ok)
        #expect(try status("{\"nbf\":1700000031}", l) == .notYetValid)
        #expect(try status("{\"iat\":1700000030}", l) == .ok)
        #expect(try status("{\"iat\":1700000031}", l) == .issuedInFuture)
    }

    @Test func lifetime() throws {
        let hour: (inout Policy.Settings) -> Void = { $0.maxLifetime = 3600 }
        #expect(try status("{\"iat\":1700000000,\"exp\":1700003600}", hour) == .ok)
        #expect(try status("{\"iat\":1700000000,\"exp\":1700003601}", hour) == .lifetime)
        #expect(try status("{\"exp\":1700003600}", hour) == .claim)
        #expect(try status("{\"iat\":1700000000}", hour) == .claim)
        // Order: expiry before lifetime.
        #expect(try status("{\"iat\":1600000000,\"exp\":1600003601}", hour) == .expired)
    }

    @Test func issuerSubjectType() throws {
        let iss: (inout Policy.Settings) -> Void = { $0.issuer = Array("ops@example.com".utf8) }
        #expect(try status("{\"iss\":\"ops@example.com\"}", iss) == .ok)
        #expect(try status("{\"iss\":\"ops@example.co\"}", iss) == .claim)       // partial
        #expect(try status("{\"iss\":\"ops@example.com.evil\"}", iss) == .claim) // prefix
        #expect(try status("{\"iss\":\"OPS@example.com\"}", iss) == .claim)      // case
        #expect(try status("{\"iss\":[\"ops@example.com\"]}", iss) == .claim)    // type
        #expect(try status("{}", iss) == .claim)                                 // missing
        #expect(try status("{\"iss\":\"ops\\u0040example.com\"}", iss) == .ok)  // escaped, same string
        #expect(try status("{\"iss\":5}") == .claim)                            // wrong type, even unchecked
        let sub: (inout Policy.Settings) -> Void = { $0.subject = Array("alice".utf8) }
        #expect(try status("{\"sub\":\"alice\"}", sub) == .ok)
        #expect(try status("{\"sub\":\"alice2\"}", sub) == .claim)
        #expect(try status("{\"sub\":null}", sub) == .claim)
        let typ: (inout Policy.Settings) -> Void = { $0.type = Array("JWT".utf8) }
        #expect(try status("{}", typ) == .ok)
        let exp = "{\"exp\":1700000600}"
        let p = policy { $0.fixedTime = now; $0.type = Array("JWT".utf8) }
        #expect(verifyStatus(key, try forge("{\"alg\":\"HS256\",\"typ\":\"jwt\"}", exp, key: key), p) == .ok)
        #expect(verifyStatus(key, try forge("{\"alg\":\"HS256\",\"typ\":\"application/JWT\"}", exp, key: key), p) == .ok)
        #expect(verifyStatus(key, try forge("{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}", exp, key: key), p) == .claim)
        #expect(verifyStatus(key, try forge("{\"alg\":\"HS256\"}", exp, key: key), p) == .claim)
    }

    @Test func audience() throws {
        let aud: (inout Policy.Settings) -> Void = { $0.audience = Array("apiRTC".utf8) }
        #expect(try status("{\"aud\":\"apiRTC\"}", aud) == .ok)
        #expect(try status("{\"aud\":[\"other\",\"apiRTC\"]}", aud) == .ok)
        #expect(try status("{\"aud\":[\"apiRTC\"]}", aud) == .ok)
        #expect(try status("{\"aud\":[\"other\"]}", aud) == .claim)
        #expect(try status("{\"aud\":[]}", aud) == .claim)
        #expect(try status("{\"aud\":\"\"}", aud) == .claim)
        #expect(try status("{\"aud\":\"apirtc\"}", aud) == .claim)
        #expect(try status("{\"aud\":\"apiRTC2\"}", aud) == .claim)
        #expect(try status("{\"aud\":[\"apiRTC\",5]}", aud) == .claim)
        #expect(try status("{\"aud\":{\"x\":\"apiRTC\"}}", aud) == .claim)
        #expect(try status("{}", aud) == .claim)
        // Present when the policy names none.
        #expect(try status("{\"aud\":\"apiRTC\"}") == .claim)
        #expect(try status("{\"aud\":[]}") == .claim)
    }

    @Test func requiredClaims() throws {
        let req: (inout Policy.Settings) -> Void = { $0.required = [Array("jti".utf8), Array("grants".utf8)] }
        #expect(try status("{\"jti\":\"a\",\"grants\":{}}", req) == .ok)
        #expect(try status("{\"jti\":\"a\"}", req) == .claim)
        #expect(try status("{\"grants\":null}", req) == .claim)
        #expect(try status("{\"x\":{\"jti\":1,\"grants\":1}}", req) == .claim) // nested does not count
    }

    @Test func claimsOutput() throws {
        let claims = "{\"sub\":\"x\",\"n\":1}"
        let token = Array(try forge(h, claims, key: key).utf8)
        // Exact room, one short, none wanted.
        for (cap, expected) in [(claims.utf8.count + 1, Status.ok), (claims.utf8.count, .bufferTooSmall), (0, .ok)] {
            var out = [UInt8](repeating: 0xEE, count: max(cap, 1))
            let result: Status = token.withUnsafeBytes { t in
                out.withUnsafeMutableBytes { o in
                    do {
                        let n = try Verifier.verify(.one(key), token: t, policy: atNow, mode: .jwt,
                                                    output: cap == 0 ? nil : UnsafeMutableRawBufferPointer(rebasing: o[0..<cap]))
                        #expect(n == claims.utf8.count)
                        return .ok
                    } catch let e as TesseraError {
                        #expect(e.needed == claims.utf8.count)
                        return e.status
                    } catch { return .crypto }
                }
            }
            #expect(result == expected)
            if cap > claims.utf8.count { #expect(String(decoding: out.prefix(while: { $0 != 0 }), as: UTF8.self) == claims) }
        }
    }
}

@Suite struct RequiredExpTests {
    let key = try! makeKey(.hs256, Array("0123456789abcdef0123456789abcdef".utf8))
    let h = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

    func status(_ claims: String, _ p: Policy?) throws -> Status {
        verifyStatus(key, try forge(h, claims, key: key), p)
    }

    func detail(_ claims: String, _ p: Policy?) throws -> String {
        let token = Array(try forge(h, claims, key: key).utf8)
        do {
            _ = try token.withUnsafeBytes { t in try Verifier.verify(.one(key), token: t, policy: p, mode: .jwt, output: nil) }
            return ""
        } catch let e as TesseraError {
            return e.detail
        }
    }

    @Test func aTokenWithoutExpIsRefusedByDefault() throws {
        // The defaults (a NULL policy: the system clock) and a fresh policy.
        #expect(try status("{\"sub\":\"admin\"}", nil) == .claim)
        #expect(try status("{}", nil) == .claim)
        #expect(try status("{\"sub\":\"admin\",\"exp\":253402300799}", nil) == .ok)
        let fixed = policy { $0.fixedTime = now }
        #expect(try status("{\"sub\":\"admin\",\"iat\":1700000000}", fixed) == .claim)
        #expect(try detail("{\"sub\":\"admin\"}", fixed).contains("exp is missing"))
        #expect(try status("{\"exp\":1700000001}", fixed) == .ok)
        #expect(try status("{\"exp\":1700000000}", fixed) == .expired)
        // A missing exp is found before a future nbf or iat.
        #expect(try status("{\"nbf\":1800000000}", fixed) == .claim)
        #expect(try status("{\"iat\":1800000000}", fixed) == .claim)
    }

    /// Found by review: a fixed time near Int64.max plus a leeway overflowed
    /// `now + leeway` and trapped. The time is clamped into the NumericDate
    /// range (and the C setter refuses a time past the year 9999).
    @Test func extremeTimesNeverTrap() throws {
        for fixed in [Int64.max, Int64.max - 1, Int64.min, NumericDate.max + 1] {
            let p = policy { $0.fixedTime = fixed; $0.leeway = 86_400; $0.requireExp = false }
            #expect(try status("{\"nbf\":1700000000}", p) == (fixed < 0 ? .notYetValid : .ok), "\(fixed)")
            #expect(try status("{\"iat\":253402300799}", p) == (fixed < 0 ? .issuedInFuture : .ok), "\(fixed)")
            #expect(try status("{\"exp\":253402300799,\"iat\":0}", p) == .ok, "\(fixed)") // within the leeway
        }
    }

    @Test func theCallerMayMakeExpOptional() throws {
        let optional = policy { $0.fixedTime = now; $0.requireExp = false }
        #expect(try status("{\"sub\":\"admin\"}", optional) == .ok)
        #expect(try status("{\"exp\":1700000000}", optional) == .expired)
        #expect(try status("{\"exp\":\"1700000600\"}", optional) == .claim) // still a NumericDate when present
    }
}

@Suite struct KeySetVerifyTests {
    /// One token costs at most KeySet.maxTriedPerToken verifications.
    @Test func keysTriedPerTokenAreBounded() throws {
        let set = KeySet()
        var keys: [Key] = []
        for i in 0..<9 { keys.append(try makeKey(.hs256, [UInt8](repeating: UInt8(i + 1), count: 32))) }
        for k in keys { try set.add(k) }
        let claims = "{\"exp\":1700000600}"
        #expect(verifyStatus(.set(set), try sign(keys[0], claims), atNow) == .ok)
        #expect(verifyStatus(.set(set), try sign(keys[7], claims), atNow) == .ok)   // the 8th key: tried
        #expect(verifyStatus(.set(set), try sign(keys[8], claims), atNow) == .signature) // the 9th: never tried
        // With a kid, the key is found wherever it stands.
        let named = KeySet()
        for k in keys { try named.add(k) }
        let tagged = try makeKey(.hs256, [UInt8](repeating: 42, count: 32), kid: "late")
        try named.add(tagged)
        #expect(verifyStatus(.set(named), try sign(tagged, claims), atNow) == .ok)
    }

    /// The kid index: in a full set every kid finds its own key, escaped
    /// kids find the same key, keys sharing a kid are tried in the order
    /// they were added, removal and kid-less keys are handled, and kids that
    /// share a bucket (1,024 keys in 2,048 buckets) stay apart.
    @Test func kidIndexFindsEveryKey() throws {
        let set = KeySet()
        var keys: [Key] = []
        for i in 0..<KeySet.maxKeys - 2 {
            let k = try makeKey(.hs256, Array(String(format: "%032d", i).utf8), kid: "k\(i)")
            keys.append(k)
            try set.add(k)
        }
        let claims = "{\"exp\":1700000600}"
        for i in stride(from: 0, to: keys.count, by: 37) {
            #expect(verifyStatus(.set(set), try sign(keys[i], claims), atNow) == .ok)
        }
        #expect(verifyStatus(.set(set), try sign(keys[keys.count - 1], claims), atNow) == .ok)
        // "\u006b5" is "k5"; "k\u00355" is "k55".
        let escaped = try forge("{\"alg\":\"HS256\",\"kid\":\"\\u006b5\"}", claims, key: keys[5])
        #expect(verifyStatus(.set(set), escaped, atNow) == .ok)
        let escaped2 = try forge("{\"alg\":\"HS256\",\"kid\":\"k\\u00355\"}", claims, key: keys[55])
        #expect(verifyStatus(.set(set), escaped2, atNow) == .ok)
        #expect(verifyStatus(.set(set), try forge("{\"alg\":\"HS256\",\"kid\":\"k5x\"}", claims, key: keys[5]), atNow) == .keyNotFound)
        // Two keys share a kid: the later one is found after the first fails.
        let twin = try makeKey(.hs256, [UInt8](repeating: 3, count: 32), kid: "k7")
        try set.add(twin)
        #expect(verifyStatus(.set(set), try sign(twin, claims), atNow) == .ok)
        #expect(verifyStatus(.set(set), try sign(keys[7], claims), atNow) == .ok)
        // A key without a kid is not found by a kid, and is by its algorithm.
        let bare = try makeKey(.hs256, [UInt8](repeating: 4, count: 32))
        try set.add(bare)
        #expect(verifyStatus(.set(set), try forge("{\"alg\":\"HS256\",\"kid\":\"none\"}", claims, key: bare), atNow) == .keyNotFound)
        // Removal rebuilds the index.
        try set.remove(kid: Array("k7".utf8))
        #expect(verifyStatus(.set(set), try sign(twin, claims), atNow) == .keyNotFound)
        #expect(verifyStatus(.set(set), try sign(keys[8], claims), atNow) == .ok)
    }

    /// A JWKS of more than KeySet.maxKeys keys is refused before any key is read.
    @Test func jwksKeyCountIsBounded() throws {
        func jwks(_ n: Int) -> [UInt8] {
            let key = "{\"kty\":\"oct\",\"alg\":\"HS256\",\"k\":\"" + base64url([UInt8](repeating: 7, count: 32)) + "\"}"
            return Array(("{\"keys\":[" + Array(repeating: key, count: n).joined(separator: ",") + "]}").utf8)
        }
        func status(_ doc: [UInt8]) -> Status {
            do {
                _ = try doc.withUnsafeBytes { try KeySet.parse($0) }
                return .ok
            } catch let e as TesseraError { return e.status } catch { return .crypto }
        }
        #expect(status(jwks(1024)) == .ok)
        #expect(status(jwks(1025)) == .malformed)
    }

    /// RSA moduli are capped at 8192 bits: one verification's cost is bounded.
    @Test func rsaModulusIsCapped() throws {
        func publicJWK(bits: Int) -> [UInt8] {
            // Any odd modulus of exactly `bits` bits (a public key is not checked for primality).
            var n = [UInt8](repeating: 0xFF, count: bits / 8)
            n[0] = 0xC1
            return Array("{\"kty\":\"RSA\",\"alg\":\"RS256\",\"e\":\"AQAB\",\"n\":\"\(base64url(n))\"}".utf8)
        }
        func status(_ doc: [UInt8]) -> Status {
            do {
                _ = try doc.withUnsafeBytes { try Key.jwk(requested: nil, document: $0) }
                return .ok
            } catch let e as TesseraError { return e.status } catch { return .crypto }
        }
        #expect(status(publicJWK(bits: 8192)) == .ok)
        #expect(status(publicJWK(bits: 8200)) == .key)
        #expect(status(publicJWK(bits: 16384)) == .key)
    }

    @Test func selectionAndRotation() throws {
        let old = try Array("2023".utf8).withUnsafeBytes { try Key.generate(algorithm: .es256, kid: $0) }
        let new = try Array("2024".utf8).withUnsafeBytes { try Key.generate(algorithm: .es256, kid: $0) }
        let hmac = try makeKey(.hs256, [UInt8](repeating: 9, count: 32), kid: "2024")
        let set = KeySet()
        try set.add(old)
        try set.add(new)
        let claims = "{\"iat\":1700000000}"
        let fromOld = try sign(old, claims), fromNew = try sign(new, claims)
        #expect(verifyStatus(.set(set), fromOld, atNow) == .ok)
        #expect(verifyStatus(.set(set), fromNew, atNow) == .ok)
        // No kid: keys of the token's algorithm are tried.
        let noKid = try forge("{\"alg\":\"ES256\"}", claims, key: new)
        #expect(verifyStatus(.set(set), noKid, atNow) == .ok)
        // Unknown kid, kid of another algorithm, algorithm with no key.
        #expect(verifyStatus(.set(set), try forge("{\"alg\":\"ES256\",\"kid\":\"2025\"}", claims, key: new), atNow) == .keyNotFound)
        #expect(verifyStatus(.set(set), try forge("{\"alg\":\"ES256\",\"kid\":\"202\"}", claims, key: new), atNow) == .keyNotFound)
        #expect(verifyStatus(.set(set), try forge("{\"alg\":\"HS256\",\"kid\":\"2024\"}", claims, key: hmac), atNow) == .keyNotFound)
        #expect(verifyStatus(.set(set), try forge("{\"alg\":\"HS256\"}", claims, key: hmac), atNow) == .keyNotFound)
        // A kid that names one key but is signed by the other: the signature fails.
        #expect(verifyStatus(.set(set), try forge("{\"alg\":\"ES256\",\"kid\":\"2023\"}", claims, key: new), atNow) == .signature)
        // Rotation: the removed key verifies nothing.
        try set.remove(kid: Array("2023".utf8))
        #expect(verifyStatus(.set(set), fromOld, atNow) == .keyNotFound)
        #expect(verifyStatus(.set(set), fromNew, atNow) == .ok)
        #expect(verifyStatus(.set(set), try forge("{\"alg\":\"ES256\"}", claims, key: old), atNow) == .signature)
        #expect(status { try set.remove(kid: Array("2023".utf8)) } == .keyNotFound)
        // Policy allow-list applies to sets too.
        let onlyRS = policy { $0.fixedTime = now; $0.allowed = 1 << Algorithm.rs256.rawValue }
        #expect(verifyStatus(.set(set), fromNew, onlyRS) == .algorithm)
    }
}

@Suite struct VerifyVectorTests {
    @Test func rfc7515AppendixTokens() throws {
        let file = try Vectors.json("rfc7515_appendixA_jws.json")
        let examples = try #require(file["examples"] as? [[String: Any]])
        let before = policy { $0.fixedTime = 1_300_819_379 }
        let after = policy { $0.fixedTime = 1_300_819_380 }
        var seen = 0
        for ex in examples {
            guard let name = ex["name"] as? String, let alg = (ex["alg"] as? String).flatMap({ a in Array(a.utf8).withUnsafeBytes { Algorithm(name: $0) } }),
                  let compact = ex["compact"] as? String, let jwk = ex["jwk"] else { continue }
            let key = try jwkKey(jwk, alg)
            if name.hasPrefix("A.4") {
                // A.4's payload is the text "Payload": a JWS, not a JWT.
                #expect(verifyStatus(key, compact, before) == .malformed, "\(name)")
            } else {
                #expect(verifyStatus(key, compact, before) == .ok, "\(name)")
                #expect(verifyStatus(key, compact, after) == .expired, "\(name) at exp")
            }
            #expect(verifyStatus(key, compact, before, mode: .jws) == .ok, "\(name) as JWS")
            seen += 1
        }
        #expect(seen == 4)
        // A.5: an unsecured JWS.
        if let a5 = examples.first(where: { ($0["name"] as? String)?.hasPrefix("A.5") == true }), let compact = a5["compact"] as? String {
            #expect(verifyStatus(try makeKey(.hs256, [UInt8](repeating: 1, count: 32)), compact, before) == .algorithm)
        }
    }

    @Test func rfc7520CookbookTokens() throws {
        let file = try Vectors.json("rfc7520_section4_jws.json")
        let examples = try #require(file["examples"] as? [[String: Any]])
        var seen = 0
        for ex in examples {
            guard let compact = ex["compact"] as? String, !compact.isEmpty, let jwk = ex["key"],
                  let alg = (ex["alg"] as? String).flatMap({ a in Array(a.utf8).withUnsafeBytes { Algorithm(name: $0) } }) else { continue }
            let key = try jwkKey(jwk, alg)
            let section = ex["section"] as? String ?? ""
            // 4.5 is detached content: the compact form has an empty payload.
            let expected: Status = section.hasPrefix("4.5") ? .signature : .ok
            #expect(verifyStatus(key, compact, nil, mode: .jws) == expected, "\(section)")
            // The payload is text, not a JSON object: not a JWT.
            #expect(verifyStatus(key, compact, nil, mode: .jwt) == .malformed, "\(section) as JWT")
            seen += 1
        }
        #expect(seen >= 4)
    }
}

/// Wycheproof's json_web_signature_test.json through the JWS verifier.
@Suite struct WycheproofJWSTests {
    /// Labelled valid, but they insert a '?' into a segment: a strict
    /// base64url decoder refuses them (see Tests/Vectors/README.md).
    static let strictDecoderRefuses: Set<Int> = [372, 373]
    /// RFC 7520 keys whose JWK alg (PS256, or the non-existent ES521) does
    /// not name the token's algorithm: refused as given (keys are bound to
    /// their JWK alg); without that member, bound to the token's algorithm,
    /// they verify.
    static let keyBoundToOtherAlg: Set<Int> = [346, 347, 350, 351]
    /// Labelled invalid for base64 padding, but in this copy the strings
    /// carry no padding: they are canonical tokens whose HMAC verifies
    /// (recomputed independently with Python's hmac; see
    /// Tests/Vectors/README.md). They are checked as stored (valid) and with
    /// the padding their labels describe (refused).
    static let paddingLost: Set<Int> = [367, 370]

    @Test func wholeFile() throws {
        let v = try Vectors.json("wycheproof/json_web_signature_test.json")
        let groups = try #require(v["testGroups"] as? [[String: Any]])
        var ran = 0, accepted = 0, refused = 0
        for group in groups {
            let jwk = try #require((group["public"] ?? group["private"]) as? [String: Any])
            let key: Key? = try? jwkKey(jwk, nil)
            for test in try #require(group["tests"] as? [[String: Any]]) {
                let id = try #require(test["tcId"] as? Int)
                let jws: String
                if let compact = test["jws"] as? String { jws = compact } else { jws = try jsonText(test["jws"] as Any) }
                let valid = test["result"] as? String == "valid"
                ran += 1
                if Self.keyBoundToOtherAlg.contains(id) {
                    #expect(key.map { verifyStatus($0, jws, nil, mode: .jws) != .ok } ?? true, "tcId \(id) as given")
                    let header = try #require(b64urlDecode(String(jws.split(separator: ".")[0])))
                    let alg = try #require((try JSONSerialization.jsonObject(with: Data(header)) as? [String: Any])?["alg"] as? String)
                    var unbound = jwk
                    unbound["alg"] = nil
                    let rebound = try jwkKey(unbound, Array(alg.utf8).withUnsafeBytes { Algorithm(name: $0) })
                    #expect(verifyStatus(rebound, jws, nil, mode: .jws) == .ok, "tcId \(id) bound to \(alg)")
                    accepted += 1
                    continue
                }
                guard let key else {
                    #expect(!valid, "tcId \(id): key refused but the vector is valid")
                    refused += 1
                    continue
                }
                let status = verifyStatus(key, jws, nil, mode: .jws)
                if Self.paddingLost.contains(id) {
                    #expect(status == .ok, "tcId \(id) as stored")
                    let parts = jws.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                    #expect(verifyStatus(key, parts[0] + "==." + parts[1] + "." + parts[2], nil, mode: .jws) == .malformed)
                    #expect(verifyStatus(key, parts[0] + "." + parts[1] + "==." + parts[2], nil, mode: .jws) == .malformed)
                    refused += 1
                } else if Self.strictDecoderRefuses.contains(id) {
                    #expect(status == .malformed, "tcId \(id)")
                    refused += 1
                } else if valid {
                    #expect(status == .ok, "tcId \(id) \(test["comment"] ?? "")")
                    accepted += 1
                } else {
                    #expect(status != .ok, "tcId \(id) \(test["comment"] ?? "")")
                    refused += 1
                }
            }
        }
        #expect(ran == v["numberOfTests"] as? Int)
        #expect(accepted >= 40 && refused >= 350)
    }
}
