import Testing
@testable import Tessera

/// RFC 4231 test cases 1-7 through the precomputed-state HMAC.
@Suite struct HMACTests {
    struct Case: CustomTestStringConvertible {
        let number: Int
        let key: [UInt8]
        let data: [UInt8]
        let expected: [HashKind: String]
        var testDescription: String { "RFC 4231 case \(number)" }
    }

    static let cases: [Case] = {
        guard let file = try? Vectors.json("rfc4231_hmac_sha2.json"), let list = file["cases"] as? [[String: Any]] else {
            return []
        }
        return list.compactMap { c in
            guard let n = c["testCase"] as? Int, let k = c["keyHex"] as? String, let d = c["dataHex"] as? String,
                  let h256 = c["hmacSha256"] as? String, let h384 = c["hmacSha384"] as? String,
                  let h512 = c["hmacSha512"] as? String else { return nil }
            return Case(number: n, key: hexBytes(k), data: hexBytes(d),
                        expected: [.sha256: h256, .sha384: h384, .sha512: h512])
        }
    }()

    @Test func allSevenCasesLoaded() {
        #expect(HMACTests.cases.map(\.number) == [1, 2, 3, 4, 5, 6, 7])
    }

    @Test(arguments: cases, [HashKind.sha256, .sha384, .sha512])
    func rfc4231(_ c: Case, _ hash: HashKind) throws {
        let expected = try #require(c.expected[hash])
        let key = try #require(c.key.withUnsafeBytes { HMACKey(hash: hash, secret: $0) })
        defer { key.destroy() }
        var mac = [UInt8](repeating: 0, count: hash.digestLength)
        let ok = c.data.withUnsafeBytes { d in mac.withUnsafeMutableBytes { key.authenticate(d, into: $0.baseAddress!) } }
        #expect(ok)
        // Case 5's published output is truncated to 128 bits.
        #expect(hexString(mac).hasPrefix(expected))
        #expect(expected.count == (c.number == 5 ? 32 : hash.digestLength * 2))
    }

    @Test func twoPartMessageEqualsOnePart() throws {
        let secret = [UInt8](repeating: 7, count: 200) // longer than any block: hashed first
        let message = Array("1700000000:3600:peer-1".utf8)
        for hash in [HashKind.sha256, .sha384, .sha512] {
            let key = try #require(secret.withUnsafeBytes { HMACKey(hash: hash, secret: $0) })
            defer { key.destroy() }
            var one = [UInt8](repeating: 0, count: 64), two = [UInt8](repeating: 0, count: 64)
            message.withUnsafeBytes { m in
                _ = one.withUnsafeMutableBytes { key.authenticate(m, into: $0.baseAddress!) }
                let a = UnsafeRawBufferPointer(rebasing: m[0..<10]), b = UnsafeRawBufferPointer(rebasing: m[10...])
                _ = two.withUnsafeMutableBytes { key.authenticate(a, b, into: $0.baseAddress!) }
            }
            #expect(one == two)
        }
    }
}

/// HMAC-SHA1 for TURN passwords: RFC 2202 test cases 1 and 2, and a coturn
/// style password computed with `printf '%s' 1700003600:alice | openssl dgst
/// -sha1 -hmac turn-shared-secret -binary | base64` (OpenSSL 3.0.19).
@Suite struct TurnTests {
    func mac(_ key: [UInt8], _ data: [UInt8]) -> String {
        var out = [UInt8](repeating: 0, count: 20)
        let ok = key.withUnsafeBytes { k in
            data.withUnsafeBytes { d in
                out.withUnsafeMutableBytes { o in HMACKey.withEphemeral(hash: .sha1, secret: k) { $0.authenticate(d, into: o.baseAddress!) } }
            }
        }
        #expect(ok == true)
        return hexString(out)
    }

    @Test func rfc2202() {
        #expect(mac([UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8)) == "b617318655057264e28bc0b6fb378c8ef146be00")
        #expect(mac(Array("Jefe".utf8), Array("what do ya want for nothing?".utf8)) == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
        // Case 6: a key longer than the block is hashed first.
        #expect(mac([UInt8](repeating: 0xaa, count: 80), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))
                == "aa4ae5e15272d00e95705637ce8a3b55ed402112")
    }

    @Test func coturnPassword() throws {
        var out = [UInt8](repeating: 0, count: 64)
        let n = try Array("turn-shared-secret".utf8).withUnsafeBytes { s in
            try Array("1700003600:alice".utf8).withUnsafeBytes { u in
                try out.withUnsafeMutableBytes { o in try TURNCredential.password(secret: s, username: u, output: Output(buffer: o)) }
            }
        }
        #expect(n == 28)
        #expect(String(decoding: out[0..<n], as: UTF8.self) == "NT6MdRpcXYd2/BSFDz9lHArmh+Y=")
    }
}
