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
