import Foundation
import Testing
@testable import Tessera
import CTesseraABI

/// Calls an entry point with the output contract; returns (status, text).
func callOut(_ body: (UnsafeMutablePointer<CChar>, Int, UnsafeMutablePointer<Int>) -> CInt) -> (CInt, String) {
    var buf = [CChar](repeating: 0, count: 300_000)
    var len = 0
    let rc = buf.withUnsafeMutableBufferPointer { b in body(b.baseAddress!, b.count, &len) }
    let text = buf.withUnsafeBufferPointer { b in String(decoding: UnsafeRawBufferPointer(start: b.baseAddress, count: len), as: UTF8.self) }
    return (rc, text)
}

/// The blocks of Tests/Vectors/agora_accesstoken2.txt.
func agoraVectors() throws -> [[String: String]] {
    let text = try String(contentsOf: Vectors.directory.appendingPathComponent("agora_accesstoken2.txt"), encoding: .utf8)
    var blocks: [[String: String]] = [], current: [String: String] = [:]
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        if line.hasPrefix("#") { continue }
        if line.trimmingCharacters(in: .whitespaces).isEmpty {
            if !current.isEmpty { blocks.append(current); current = [:] }
            continue
        }
        guard let eq = line.firstIndex(of: "=") else { continue }
        current[line[..<eq].trimmingCharacters(in: .whitespaces)] = String(line[line.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
    }
    if !current.isEmpty { blocks.append(current) }
    return blocks
}

@Suite struct AgoraTests {
    @Test func publishedVectorsByteForByte() throws {
        let vectors = try agoraVectors()
        #expect(vectors.count >= 5)
        var checked = 0
        for v in vectors {
            let kind = v["kind"]!, expected = v["expected"]!
            let ts = Int64(v["issued_at"]!)!, salt = UInt32(v["salt"]!)!
            let (rc, token): (CInt, String)
            switch kind {
            case "rtc":
                let role = v["role"] == "publisher" ? TESSERA_AGORA_ROLE_PUBLISHER : TESSERA_AGORA_ROLE_SUBSCRIBER
                (rc, token) = callOut { tessera_agora_rtc_token(v["app_id"]!, v["app_certificate"]!, v["channel"]!, v["account"]!,
                                                                 role, UInt32(v["token_expire"]!)!, UInt32(v["privilege_expire"]!)!,
                                                                 ts, salt, $0, $1, $2) }
            case "rtm":
                (rc, token) = callOut { tessera_agora_rtm_token(v["app_id"]!, v["app_certificate"]!, v["account"]!,
                                                                 UInt32(v["token_expire"]!)!, ts, salt, $0, $1, $2) }
            default:
                // Several services, or services the builders here do not
                // make: verify only.
                rc = TESSERA_OK; token = expected
            }
            #expect(rc == TESSERA_OK, "\(kind) \(String(cString: tessera_last_error()))")
            #expect(token == expected, "\(kind) vector")
            // Every vector verifies, and describes its services.
            let (vr, json) = callOut { tessera_agora_token_verify(v["app_certificate"]!, expected, expected.utf8.count, ts, $0, $1, $2) }
            #expect(vr == TESSERA_OK)
            let d = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
            #expect(d["appId"] as? String == v["app_id"])
            #expect(d["issuedAt"] as? Int == Int(ts))
            #expect(d["salt"] as? Int == Int(salt))
            if let names = v["services"] {
                let got = (d["services"] as! [[String: Any]]).map { $0["name"] as! String }
                #expect(got.joined(separator: ",") == names, "services of \(expected.prefix(20))")
            }
            // Expired at issued_at + expire; a wrong certificate fails the signature.
            let exp = ts + Int64(v["token_expire"]!)!
            #expect(tessera_agora_token_verify(v["app_certificate"]!, expected, expected.utf8.count, exp - 1, nil, 0, nil) == TESSERA_OK)
            #expect(tessera_agora_token_verify(v["app_certificate"]!, expected, expected.utf8.count, exp, nil, 0, nil) == TESSERA_E_EXPIRED)
            #expect(tessera_agora_token_verify("00000000000000000000000000000000", expected, expected.utf8.count, ts, nil, 0, nil) == TESSERA_E_SIGNATURE)
            checked += 1
        }
        #expect(checked == vectors.count)
    }

    @Test func describesRTCPrivileges() throws {
        let app = "970CA35de60c44645bbae8a215061b33", cert = "5CFd2fd1755d40ecb72977518be15d3b"
        let (rc, token) = callOut { tessera_agora_rtc_token(app, cert, "room \"1\"", "alice", TESSERA_AGORA_ROLE_PUBLISHER, 3600, 1800, 1_700_000_000, 0, $0, $1, $2) }
        #expect(rc == TESSERA_OK)
        let (vr, json) = callOut { tessera_agora_token_verify(cert, token, token.utf8.count, 1_700_000_100, $0, $1, $2) }
        #expect(vr == TESSERA_OK)
        let d = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        let salt = d["salt"] as! Int
        #expect(salt >= 1 && salt <= 99_999_999)
        let s = (d["services"] as! [[String: Any]])[0]
        #expect(s["name"] as? String == "rtc" && s["channel"] as? String == "room \"1\"" && s["account"] as? String == "alice")
        let p = s["privileges"] as! [String: Int]
        #expect(p == ["joinChannel": 1800, "publishAudioStream": 1800, "publishVideoStream": 1800, "publishDataStream": 1800])
        // Check-only, with the description's length reported.
        var len = 0
        #expect(tessera_agora_token_verify(cert, token, token.utf8.count, 1_700_000_100, nil, 0, &len) == TESSERA_OK)
        #expect(len == json.utf8.count)
    }

    @Test func refusesBadInput() {
        let app = "970CA35de60c44645bbae8a215061b33", cert = "5CFd2fd1755d40ecb72977518be15d3b"
        func rtc(_ a: String?, _ c: String?, _ ch: String?, _ acct: String?, role: CInt = 1, ts: Int64 = 1) -> CInt {
            callOut { tessera_agora_rtc_token(a, c, ch, acct, role, 600, 600, ts, 1, $0, $1, $2) }.0
        }
        #expect(rtc(nil, cert, "c", "") == TESSERA_E_ARGUMENT)
        #expect(rtc(app, nil, "c", "") == TESSERA_E_ARGUMENT)
        #expect(rtc(app, cert, nil, "") == TESSERA_E_ARGUMENT)
        #expect(rtc(app, cert, "c", nil) == TESSERA_E_ARGUMENT)
        #expect(rtc("970CA35de60c44645bbae8a215061b3g", cert, "c", "") == TESSERA_E_ARGUMENT)
        #expect(rtc(app + "0", cert, "c", "") == TESSERA_E_ARGUMENT)
        #expect(rtc(app, String(cert.dropLast()), "c", "") == TESSERA_E_ARGUMENT)
        #expect(rtc(app, cert, "", "") == TESSERA_E_ARGUMENT)
        #expect(rtc(app, cert, String(repeating: "x", count: 65536), "") == TESSERA_E_ARGUMENT)
        #expect(rtc(app, cert, String(repeating: "x", count: 65535), "") == TESSERA_OK)
        #expect(rtc(app, cert, "c", "", role: 3) == TESSERA_E_ARGUMENT)
        #expect(rtc(app, cert, "c", "", ts: -1) == TESSERA_E_ARGUMENT)
        #expect(rtc(app, cert, "c", "", ts: 1 << 32) == TESSERA_E_ARGUMENT)
        #expect(rtc(app, cert, "c", "", ts: (1 << 32) - 1) == TESSERA_OK)
        let bad: [UInt8] = [0x63, 0xFF]
        let badChannel = String(decoding: bad, as: UTF8.self) // replaced by U+FFFD: valid
        #expect(rtc(app, cert, badChannel, "") == TESSERA_OK)
        bad.withUnsafeBufferPointer { b in
            var z = Array(b) + [0]
            z.withUnsafeMutableBufferPointer { zb in
                let p = UnsafeRawPointer(zb.baseAddress!).assumingMemoryBound(to: CChar.self)
                #expect(callOut { tessera_agora_rtc_token(app, cert, p, "", 1, 600, 600, 1, 1, $0, $1, $2) }.0 == TESSERA_E_ARGUMENT)
            }
        }
    }

    @Test func saltZeroSizeQueryAlwaysSuffices() {
        let app = "970CA35de60c44645bbae8a215061b33", cert = "5CFd2fd1755d40ecb72977518be15d3b"
        var lengths = Set<Int>()
        for _ in 0..<500 {
            var need = 0
            #expect(tessera_agora_rtc_token(app, cert, "7d72365eb983485397e3e3f9d460bdda", "2882341273", 1, 600, 600, 1111111, 0,
                                            nil, 0, &need) == TESSERA_E_BUFFER_TOO_SMALL)
            var buf = [CChar](repeating: 0, count: need + 1)
            var n = 0
            let rc = tessera_agora_rtc_token(app, cert, "7d72365eb983485397e3e3f9d460bdda", "2882341273", 1, 600, 600, 1111111, 0,
                                             &buf, buf.count, &n)
            #expect(rc == TESSERA_OK && n <= need)
            lengths.insert(n)
        }
        // The random salt does change the length: the bound is needed.
        #expect(lengths.count > 1)
    }

    /// Packs content by hand (as Agora's AccessToken2.py does) and signs it
    /// with the test certificate: what the builders here never make.
    func handMade(_ services: (inout AgoraToken.Packer) -> Void, count: UInt16, trailing: [UInt8] = []) -> String {
        let cert = Array("5CFd2fd1755d40ecb72977518be15d3b".utf8)
        var content = [UInt8](repeating: 0, count: 4096)
        let n = content.withUnsafeMutableBufferPointer { b -> Int in
            var w = AgoraToken.Packer(b.baseAddress!)
            w.u16(32)
            let sig = w.p
            w.p += 32
            let info = w.p
            Array("970CA35de60c44645bbae8a215061b33".utf8).withUnsafeBytes { w.string($0) }
            w.u32(1000); w.u32(600); w.u32(9); w.u16(count)
            services(&w)
            for t in trailing { w.p[0] = t; w.p += 1 }
            cert.withUnsafeBytes { c in
                try! AgoraToken.sign(certificate: c, issuedAt: 1000, salt: 9, info: UnsafeRawBufferPointer(start: info, count: w.p - info),
                                     into: sig)
            }
            return w.p - b.baseAddress!
        }
        var zipped = [UInt8](repeating: 0, count: Zlib.bound(n)!)
        let z = content.withUnsafeBytes { c in zipped.withUnsafeMutableBytes { o in try! Zlib.compress(UnsafeRawBufferPointer(rebasing: c[0..<n]), into: o) } }
        return "007" + Data(zipped[0..<z]).base64EncodedString()
    }

    @Test func describesEveryServiceAndRefusesBadPacking() throws {
        let cert = "5CFd2fd1755d40ecb72977518be15d3b"
        func str(_ w: inout AgoraToken.Packer, _ s: String) { Array(s.utf8).withUnsafeBytes { w.string($0) } }
        func verify(_ t: String) -> (CInt, String) { callOut { tessera_agora_token_verify(cert, t, t.utf8.count, 1000, $0, $1, $2) } }
        // RTM2 with resource permissions, then APaaS with role -1.
        let token = handMade({ w in
            w.u16(7); w.u16(1); w.u16(2); w.u32(600); str(&w, "room-1"); str(&w, "user-1"); w.u16(0xFFFF)
            w.u16(8); w.u16(1); w.u16(1); w.u32(600); str(&w, "u")
            w.u16(1); w.u16(0); w.u16(1); w.u16(1); w.u16(2); str(&w, "message-a"); str(&w, "message-b")
        }, count: 2)
        let (rc, json) = verify(token)
        #expect(rc == TESSERA_OK)
        #expect(json.hasSuffix(#""services":[{"type":7,"name":"apaas","roomUuid":"room-1","userUuid":"user-1","role":-1,"privileges":{"user":600}},{"type":8,"name":"rtm2","userId":"u","permissions":{"0":{"1":["message-a","message-b"]}},"privileges":{"login":600}}]}"#), "\(json)")
        // Each packing error is TESSERA_E_MALFORMED, before any signature check.
        #expect(verify(handMade({ w in w.u16(9); w.u16(0) }, count: 1)).0 == TESSERA_E_MALFORMED)
        #expect(String(cString: tessera_last_error()).contains("unknown type 9"))
        #expect(verify(handMade({ w in w.u16(4); w.u16(0) }, count: 1, trailing: [0])).0 == TESSERA_E_MALFORMED)
        #expect(String(cString: tessera_last_error()).contains("after its last service"))
        #expect(verify(handMade({ w in w.u16(2); w.u16(0); Array([0xC3, 0x28] as [UInt8]).withUnsafeBytes { w.string($0) } }, count: 1)).0 == TESSERA_E_MALFORMED)
        #expect(String(cString: tessera_last_error()).contains("not UTF-8"))
        #expect(verify(handMade({ w in w.u16(2); w.u16(3) }, count: 1)).0 == TESSERA_E_MALFORMED)
        #expect(verify(handMade({ _ in }, count: 1)).0 == TESSERA_E_MALFORMED)
    }

    @Test func refusesCorruptTokens() {
        let cert = "5CFd2fd1755d40ecb72977518be15d3b"
        let (_, token) = callOut { tessera_agora_rtm_token("970CA35de60c44645bbae8a215061b33", cert, "u", 600, 1000, 5, $0, $1, $2) }
        func verify(_ t: String) -> CInt { tessera_agora_token_verify(cert, t, t.utf8.count, 1000, nil, 0, nil) }
        #expect(verify(token) == TESSERA_OK)
        #expect(verify("") == TESSERA_E_MALFORMED)
        #expect(verify("006" + token.dropFirst(3)) == TESSERA_E_MALFORMED)
        #expect(verify(String(token.dropLast(4))) == TESSERA_E_MALFORMED)
        #expect(verify(token + "AAAA") == TESSERA_E_MALFORMED)
        #expect(verify("007" + "!!!!") == TESSERA_E_MALFORMED)
        // Every single-character change is refused without a trap.
        let chars = Array(token.utf8)
        for i in 3..<chars.count {
            var c = chars
            c[i] = c[i] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            let rc = verify(String(decoding: c, as: UTF8.self))
            #expect(rc == TESSERA_E_MALFORMED || rc == TESSERA_E_SIGNATURE, "position \(i)")
        }
        // A zlib bomb: 1 MiB of zeros compresses to about 1 KiB.
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        var zipped = [UInt8](repeating: 0, count: Zlib.bound(zeros.count)!)
        let n = zeros.withUnsafeBytes { z in zipped.withUnsafeMutableBytes { o in try! Zlib.compress(z, into: o) } }
        let bomb = "007" + Data(zipped[0..<n]).base64EncodedString()
        #expect(verify(bomb) == TESSERA_E_MALFORMED)
        #expect(String(cString: tessera_last_error()).contains("inflates to more"))
    }
}

@Suite struct TRTCTests {
    let key = Array("5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e".utf8)

    func usersig(_ id: String, expire: UInt32 = 86400, now: Int64 = 1_700_000_000, app: UInt64 = 1_400_000_000) -> (CInt, String) {
        key.withUnsafeBytes { k in callOut { tessera_trtc_usersig(app, k.baseAddress, k.count, id, expire, now, $0, $1, $2) } }
    }

    func verify(_ sig: String, _ id: String = "alice", now: Int64 = 1_700_000_000, app: UInt64 = 1_400_000_000, key: [UInt8]? = nil) -> CInt {
        (key ?? self.key).withUnsafeBytes { k in tessera_trtc_usersig_verify(app, k.baseAddress, k.count, id, sig, sig.utf8.count, now) }
    }

    @Test func roundTripAndOrder() {
        let (rc, sig) = usersig("alice")
        #expect(rc == TESSERA_OK)
        #expect(!sig.contains("+") && !sig.contains("/") && !sig.contains("="))
        #expect(verify(sig) == TESSERA_OK)
        #expect(verify(sig, now: 1_700_000_000 + 86399) == TESSERA_OK)
        #expect(verify(sig, now: 1_700_000_000 + 86400) == TESSERA_E_EXPIRED)
        #expect(verify(sig, "bob") == TESSERA_E_CLAIM)
        #expect(verify(sig, app: 1_400_000_001) == TESSERA_E_CLAIM)
        #expect(verify(sig, key: Array("other".utf8)) == TESSERA_E_SIGNATURE)
        #expect(verify(sig, now: 1 << 40, key: Array("other".utf8)) == TESSERA_E_SIGNATURE)
        #expect(verify(String(sig.dropLast(3))) == TESSERA_E_MALFORMED)
        #expect(verify("not a usersig") == TESSERA_E_MALFORMED)
        #expect(verify("") == TESSERA_E_MALFORMED)
    }

    @Test func pythonFormattedJSON() {
        // The JSON inside is json.dumps' format, non-ASCII escaped.
        let (rc, sig) = usersig("ü𝄞\"")
        #expect(rc == TESSERA_OK)
        var text = Array(sig.utf8)
        for i in text.indices {
            switch text[i] {
            case UInt8(ascii: "*"): text[i] = UInt8(ascii: "+")
            case UInt8(ascii: "-"): text[i] = UInt8(ascii: "/")
            case UInt8(ascii: "_"): text[i] = UInt8(ascii: "=")
            default: break
            }
        }
        let zipped = Data(base64Encoded: Data(text))!
        var out = [UInt8](repeating: 0, count: 4096)
        let n = zipped.withUnsafeBytes { z in out.withUnsafeMutableBytes { o in try! Zlib.inflate(z, into: o, what: "x") } }
        let json = String(decoding: out[0..<n], as: UTF8.self)
        #expect(json.hasPrefix("{\"TLS.ver\": \"2.0\", \"TLS.identifier\": \"\\u00fc\\ud834\\udd1e\\\"\", \"TLS.sdkappid\": 1400000000, \"TLS.expire\": 86400, \"TLS.time\": 1700000000, \"TLS.sig\": \""))
        #expect(verify(sig, "ü𝄞\"") == TESSERA_OK)
    }

    @Test func refusesAZlibBomb() {
        // 1 MiB of spaces, compressed and written in Tencent's alphabet: refused at the inflate bound.
        let spaces = [UInt8](repeating: 0x20, count: 1 << 20)
        var zipped = [UInt8](repeating: 0, count: Zlib.bound(spaces.count)!)
        let n = spaces.withUnsafeBytes { z in zipped.withUnsafeMutableBytes { o in try! Zlib.compress(z, into: o) } }
        let bomb = Data(zipped[0..<n]).base64EncodedString()
            .replacingOccurrences(of: "+", with: "*").replacingOccurrences(of: "/", with: "-").replacingOccurrences(of: "=", with: "_")
        #expect(verify(bomb) == TESSERA_E_MALFORMED)
        #expect(String(cString: tessera_last_error()).contains("inflates to more"))
    }

    @Test func refusesBadArguments() {
        #expect(usersig("").0 == TESSERA_E_ARGUMENT)
        #expect(usersig("a\nb").0 == TESSERA_E_ARGUMENT)
        #expect(usersig(String(repeating: "u", count: 1025)).0 == TESSERA_E_ARGUMENT)
        #expect(usersig(String(repeating: "u", count: 1024)).0 == TESSERA_OK)
        #expect(usersig("a", expire: 0).0 == TESSERA_E_ARGUMENT)
        #expect(usersig("a", now: -1).0 == TESSERA_E_ARGUMENT)
        #expect(usersig("a", app: 0).0 == TESSERA_E_ARGUMENT)
        #expect(callOut { tessera_trtc_usersig(1, nil, 0, "a", 1, 1, $0, $1, $2) }.0 == TESSERA_E_ARGUMENT)
        #expect(callOut { tessera_trtc_usersig(1, "k", 0, "a", 1, 1, $0, $1, $2) }.0 == TESSERA_E_ARGUMENT)
        #expect(callOut { tessera_trtc_usersig(1, "k", 1, nil, 1, 1, $0, $1, $2) }.0 == TESSERA_E_ARGUMENT)
    }
}

@Suite struct JanusTests {
    let secret = Array("janussecret".utf8)

    func token(_ expiry: Int64, _ plugins: [String]) -> (CInt, String) {
        let cstrs = plugins.map { strdup($0) }
        defer { cstrs.forEach { free($0) } }
        let ptrs: [UnsafePointer<CChar>?] = cstrs.map { UnsafePointer($0) }
        return secret.withUnsafeBytes { s in ptrs.withUnsafeBufferPointer { p in
            callOut { tessera_janus_token(s.baseAddress, s.count, expiry, p.baseAddress, p.count, $0, $1, $2) } } }
    }

    func verify(_ t: String, _ plugin: String?, now: Int64, secret: [UInt8]? = nil) -> CInt {
        (secret ?? self.secret).withUnsafeBytes { s in tessera_janus_token_verify(s.baseAddress, s.count, t, t.utf8.count, plugin, now) }
    }

    @Test func formatAndChecks() {
        let (rc, t) = token(1_700_000_000, ["janus.plugin.videoroom", "janus.plugin.echotest"])
        #expect(rc == TESSERA_OK)
        #expect(t.hasPrefix("1700000000,janus,janus.plugin.videoroom,janus.plugin.echotest:"))
        #expect(t.count == "1700000000,janus,janus.plugin.videoroom,janus.plugin.echotest:".count + 28)
        #expect(verify(t, nil, now: 1_700_000_000) == TESSERA_OK)
        #expect(verify(t, "janus.plugin.echotest", now: 1_700_000_000) == TESSERA_OK)
        #expect(verify(t, nil, now: 1_700_000_001) == TESSERA_E_EXPIRED)
        #expect(verify(t, "janus.plugin.sip", now: 0) == TESSERA_E_CLAIM)
        #expect(verify(t, "janus.plugin", now: 0) == TESSERA_E_CLAIM)
        #expect(verify(t, nil, now: 1_700_000_001, secret: Array("other".utf8)) == TESSERA_E_SIGNATURE)
        #expect(verify(t.replacingOccurrences(of: "echotest", with: "sip"), nil, now: 0) == TESSERA_E_SIGNATURE)
        #expect(verify("1700000000,janus", nil, now: 0) == TESSERA_E_MALFORMED)
        #expect(verify("x,janus:" + t.split(separator: ":")[1], nil, now: 0) == TESSERA_E_MALFORMED)
        #expect(verify("1,jonas:AAAA", nil, now: 0) == TESSERA_E_MALFORMED)
        #expect(verify("1,janus,,x:AAAA", nil, now: 0) == TESSERA_E_MALFORMED)
        #expect(verify("", nil, now: 0) == TESSERA_E_MALFORMED)
        #expect(verify(t, "a,b", now: 0) == TESSERA_E_ARGUMENT)
        let (rc0, t0) = token(5, [])
        #expect(rc0 == TESSERA_OK && t0.hasPrefix("5,janus:"))
        #expect(token(5, ["a,b"]).0 == TESSERA_E_ARGUMENT)
        #expect(token(5, ["a:b"]).0 == TESSERA_E_ARGUMENT)
        #expect(token(5, [""]).0 == TESSERA_E_ARGUMENT)
        #expect(token(-1, []).0 == TESSERA_E_ARGUMENT)
        #expect(callOut { tessera_janus_token(nil, 0, 1, nil, 0, $0, $1, $2) }.0 == TESSERA_E_ARGUMENT)
        #expect(callOut { tessera_janus_token("s", 1, 1, nil, 1, $0, $1, $2) }.0 == TESSERA_E_ARGUMENT)
        let nulls: [UnsafePointer<CChar>?] = [nil]
        #expect(nulls.withUnsafeBufferPointer { p in callOut { tessera_janus_token("s", 1, 1, p.baseAddress, 1, $0, $1, $2) }.0 } == TESSERA_E_ARGUMENT)
    }
}

@Suite struct ProfileEngineTests {
    @Test func writerNeverPassesItsCapacity() throws {
        // Text that grew since it was measured is refused, not written past the end.
        var buf = [UInt8](repeating: 0xEE, count: 32)
        let thrown: TesseraError? = buf.withUnsafeMutableBufferPointer { b -> TesseraError? in
            var w = ClaimsWriter(into: b.baseAddress!, capacity: 16)
            Array("ü𝄞ü𝄞ü𝄞".utf8).withUnsafeBytes { w.string("n", $0) }
            do throws(TesseraError) { _ = try w.finish(); return nil } catch { return error }
        }
        #expect(thrown?.status == .argument)
        #expect(buf[16...].allSatisfy { $0 == 0xEE })
        // Measured, then written into exactly that: the same bytes.
        var measure = ClaimsWriter(into: nil)
        Array("ü\"x".utf8).withUnsafeBytes { measure.string("n", $0) }
        let n = try measure.finish()
        var out = [UInt8](repeating: 0, count: n)
        try out.withUnsafeMutableBufferPointer { b in
            var w = ClaimsWriter(into: b.baseAddress!, capacity: n)
            Array("ü\"x".utf8).withUnsafeBytes { w.string("n", $0) }
            let written = try w.finish()
            #expect(written == n)
        }
        #expect(String(decoding: out, as: UTF8.self) == #"{"n":"\u00fc\"x"}"#)
    }

    @Test func jaasNeedsAnAppId() throws {
        for (kid, expected) in [("vpaas-magic-cookie-1/k", TESSERA_OK), ("/k", TESSERA_E_ARGUMENT), ("no-slash", TESSERA_E_ARGUMENT)] {
            var key: OpaquePointer? = nil
            #expect(tessera_key_generate(TESSERA_RS256, kid, &key) == TESSERA_OK)
            let (rc, _) = callOut { tessera_platform_token(key, "jaas", nil, 0, 1_700_000_000, 0, $0, $1, $2) }
            #expect(rc == expected, "kid \(kid)")
            tessera_key_free(key)
        }
    }
}
