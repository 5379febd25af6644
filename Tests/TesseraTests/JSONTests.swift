import Testing
@testable import Tessera

/// The strict RFC 8259 object checker behind claims and headers.
@Suite struct JSONTests {
    func check(_ s: String) -> Result<JSONChecker.TopLevel, TesseraError> {
        check(Array(s.utf8))
    }

    func check(_ bytes: [UInt8]) -> Result<JSONChecker.TopLevel, TesseraError> {
        bytes.withUnsafeBytes { b in
            do throws(TesseraError) {
                return .success(try JSONChecker.checkObject(b, label: "claims"))
            } catch {
                return .failure(error)
            }
        }
    }

    func isValid(_ s: String) -> Bool { (try? check(s).get()) != nil }
    func isValid(_ b: [UInt8]) -> Bool { (try? check(b).get()) != nil }

    @Test(arguments: [
        "{}", " {} ", "\t\r\n{\n}\r\n", "{\"a\":1}", "{\"a\":[1,2,{\"b\":null}],\"c\":{}}",
        "{\"n\":-0}", "{\"n\":0.5e-10}", "{\"n\":1E+2}", "{\"n\":-12.75}", "{\"n\":123456789012345678901234567890}",
        "{\"t\":true,\"f\":false,\"z\":null}", "{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}",
        "{\"u\":\"\\u00e9\\u20AC\\ud83d\\ude00\"}", "{\"é\":\"€😀\"}", "{\"\":\"\"}",
        "{\"a\":{\"a\":{\"a\":1}}}", "{\"a\":1,\"A\":2}", "{\"ab\":1,\"a\":2,\"b\":3}",
        "{\"x\":\"\u{7F}\"}", "{\"nonchar\":\"\u{FFFF}\u{10FFFF}\"}",
    ])
    func valid(_ json: String) {
        #expect(isValid(json), "\(json)")
    }

    @Test(arguments: [
        "", " ", "[]", "\"s\"", "1", "null", "{", "}", "{}{}", "{} x", "{},", "{\"a\"}", "{\"a\":}", "{a:1}",
        "{'a':1}", "{\"a\":1,}", "{,}", "{\"a\":1 \"b\":2}", "{\"a\":[1,]}", "{\"a\":[,1]}", "{\"a\":[1 2]}",
        "{\"n\":01}", "{\"n\":+1}", "{\"n\":.5}", "{\"n\":1.}", "{\"n\":1e}", "{\"n\":1e+}", "{\"n\":-}",
        "{\"n\":NaN}", "{\"n\":Infinity}", "{\"n\":0x10}", "{\"t\":tru}", "{\"t\":True}", "{\"t\":nul}",
        "{\"t\":truex}", "{\"s\":\"\\x\"}", "{\"s\":\"\\u12\"}", "{\"s\":\"\\u12G4\"}", "{\"s\":\"\\'\"}",
        "{\"s\":\"unterminated}", "{\"s\":\"\\ud800\"}", "{\"s\":\"\\udc00\"}", "{\"s\":\"\\ud800\\u0041\"}",
        "{\"s\":\"\\ud800x\"}", "{\"s\":\"\\ude00\\ud83d\"}", "{\"a\":1}\u{0}", "{\"a\"\u{0}:1}",
    ])
    func invalid(_ json: String) {
        #expect(!isValid(json), "\(json.debugDescription)")
    }

    @Test func controlCharactersInStringsAreRefused() {
        for c in UInt8(0)..<0x20 {
            #expect(!isValid([UInt8(ascii: "{"), 0x22, 0x61, 0x22, 0x3A, 0x22, c, 0x22, UInt8(ascii: "}")]), "byte \(c)")
        }
        #expect(isValid(Array("{\"a\":\"\\u0000\\u001f\"}".utf8))) // escaped: fine
    }

    @Test func utf8EdgeCases() {
        func obj(_ bytes: [UInt8]) -> [UInt8] { Array("{\"s\":\"".utf8) + bytes + Array("\"}".utf8) }
        // Well-formed boundaries.
        for ok: [UInt8] in [[0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80],
                            [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF]] {
            #expect(isValid(obj(ok)), "\(ok)")
        }
        // Overlong, surrogates, above U+10FFFF, stray continuation, truncated, invalid lead bytes.
        for bad: [UInt8] in [[0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF], [0xED, 0xA0, 0x80],
                             [0xED, 0xBF, 0xBF], [0xF0, 0x80, 0x80, 0x80], [0xF0, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80],
                             [0xF5, 0x80, 0x80, 0x80], [0xFF], [0xFE], [0x80], [0xBF], [0xC2], [0xE1, 0x80], [0xF1, 0x80, 0x80],
                             [0xC2, 0x41], [0xE1, 0x80, 0x41]] {
            #expect(!isValid(obj(bad)), "\(bad)")
        }
        // Invalid UTF-8 in a member name, and a byte order mark before the object.
        #expect(!isValid(Array("{\"".utf8) + [0xC0, 0xAF] + Array("\":1}".utf8)))
        #expect(!isValid([0xEF, 0xBB, 0xBF] + Array("{}".utf8)))
    }

    @Test func depthLimitIsSixtyFour() {
        // The top-level object is depth 1.
        let ok = String(repeating: "{\"a\":", count: 63) + "{}" + String(repeating: "}", count: 63)
        let deep = String(repeating: "{\"a\":", count: 64) + "{}" + String(repeating: "}", count: 64)
        #expect(isValid(ok))
        #expect(!isValid(deep))
        let arrays = "{\"a\":" + String(repeating: "[", count: 63) + String(repeating: "]", count: 63) + "}"
        let deeperArrays = "{\"a\":" + String(repeating: "[", count: 64) + String(repeating: "]", count: 64) + "}"
        #expect(isValid(arrays))
        #expect(!isValid(deeperArrays))
        // Very deep input fails cleanly, without exhausting the stack.
        #expect(!isValid(String(repeating: "[", count: 100_000)))
        #expect(!isValid("{\"a\":" + String(repeating: "[", count: 100_000)))
        if case .failure(let e) = check(deep) {
            #expect(e.status == .malformed)
            #expect(e.detail.contains("deeper"))
        }
    }

    @Test(arguments: [
        "{\"a\":1,\"a\":2}", "{\"a\":1,\"b\":2,\"a\":3}", "{\"a\":1,\"\\u0061\":2}", "{\"\\u0061\":1,\"a\":2}",
        "{\"é\":1,\"\\u00e9\":2}", "{\"😀\":1,\"\\ud83d\\ude00\":2}", "{\"a/b\":1,\"a\\/b\":2}",
        "{\"x\":{\"k\":1,\"k\":2}}", "{\"x\":[{\"k\":1,\"k\":2}]}", "{\"\":1,\"\":2}",
    ])
    func duplicates(_ json: String) {
        let r = check(json)
        #expect(!isValid(json), "\(json)")
        if case .failure(let e) = r { #expect(e.detail.contains("duplicate")) }
    }

    @Test func sameNameInDifferentObjectsIsFine() {
        #expect(isValid("{\"a\":{\"a\":1},\"b\":{\"a\":2},\"c\":[{\"a\":1},{\"a\":2}]}"))
    }

    @Test func duplicatesAmongManyMembersUseTheSortedPath() {
        let members = (0..<500).map { "\"k\($0)\":\($0)" }
        #expect(isValid("{" + members.joined(separator: ",") + "}"))
        #expect(!isValid("{" + (members + ["\"k250\":0"]).joined(separator: ",") + "}"))
        #expect(!isValid("{" + (members + ["\"k\\u0032\\u00350\":0"]).joined(separator: ",") + "}"))
        // An escaped name that is not a duplicate.
        #expect(isValid("{" + (members + ["\"k\\u00e9\":0"]).joined(separator: ",") + "}"))
    }

    @Test func topLevelFacts() throws {
        let t = try check(" {\"sub\":\"x\",\"exp\":1,\"n\":{\"iat\":2},\"j\\u0074i\":\"y\"} ").get()
        #expect(t.memberCount == 4)
        #expect(t.registered == [.exp, .jti])
        #expect(t.closingBrace == 48)
        #expect(try check("{}").get().memberCount == 0)
    }

    @Test func topLevelValuesAreRecorded() throws {
        let json = "{\"exp\":123,\"n\":{\"iat\":2},\"\\u0073ub\":\"x\",\"aud\":[\"a\"], \"crit\" : [] ,\"kid\":null}"
        let t = try check(json).get()
        let bytes = Array(json.utf8)
        func value(_ name: JSONChecker.TopLevel.Name) -> String? {
            t[name].map { String(decoding: bytes[$0], as: UTF8.self) }
        }
        #expect(value(.exp) == "123")
        #expect(value(.iat) == nil) // nested: not a top-level member
        #expect(value(.sub) == "\"x\"") // escaped name, the same name
        #expect(value(.aud) == "[\"a\"]")
        #expect(value(.crit) == "[]")
        #expect(value(.kid) == "null")
        #expect(value(.alg) == nil && value(.nbf) == nil && value(.typ) == nil)
        #expect(t.registered == [.exp])
    }

    /// The string scan reads sixteen bytes per step (eight where there is
    /// no SSE2), the last step the sixteen that end the input, and stops at
    /// the first byte that is not plain: each kind of byte at every offset
    /// of strings up to 40 bytes, as a member name and as a value, after
    /// members of 0 to 9 bytes (so at every position against the steps).
    @Test func everyByteKindAtEveryOffsetOfAString() {
        let kinds: [([UInt8], Bool)] = [
            ([0x1F], false), ([0x00], false), ([0x7F], true), ([0x20], true), ([0x5C, 0x6E], true), ([0x5C, 0x78], false),
            ([0x22], false), ([0xC3, 0xA9], true), ([0xFF], false), ([0xC3], false), ([0xE2, 0x82, 0xAC], true),
        ]
        for before in ["", "\"p\":0,", "\"pp\":\"q\","] {
            for length in 0...40 {
                for at in 0...length {
                    for (kind, valid) in kinds {
                        let content = Array(repeating: UInt8(ascii: "a"), count: at) + kind
                            + Array(repeating: UInt8(ascii: "b"), count: length - at)
                        let asValue = Array("{\(before)\"k\":\"".utf8) + content + Array("\"}".utf8)
                        let asName = Array("{\(before)\"".utf8) + content + Array("\":1}".utf8)
                        #expect(isValid(asValue) == valid, "value \(content) after \(before)")
                        #expect(isValid(asName) == valid, "name \(content) after \(before)")
                    }
                }
            }
        }
    }

    /// Digits are scanned sixteen per step (eight where there is no SSE2):
    /// every length of an integer up to 40 digits, then every kind of byte
    /// after it.
    @Test func everyNumberLengthAndWhatFollows() {
        let after: [(String, Bool)] = [("}", true), (" }", true), (",\"b\":2}", true), (".5}", true), ("e3}", true),
                                        ("E+3}", true), (".}", false), ("e}", false), ("a}", false), ("/}", false),
                                        (":}", false), ("-}", false), ("\u{E9}}", false)]
        for length in 1...40 {
            let digits = "1" + String(repeating: "0", count: length - 1)
            for (tail, valid) in after {
                #expect(isValid("{\"n\":" + digits + tail) == valid, "\(digits)\(tail)")
                #expect(isValid("{\"n\":-" + digits + tail) == valid, "-\(digits)\(tail)")
            }
            #expect(!isValid("{\"n\":0" + digits + "}"), "leading zero")
        }
    }

    @Test func errorsGiveOffsetsNotContent() {
        if case .failure(let e) = check("{\"secret-value\":\"hunter2\",\"secret-value\":1}") {
            #expect(!e.detail.contains("hunter2"))
            #expect(!e.detail.contains("secret-value"))
            #expect(e.detail.contains("byte"))
        } else {
            Issue.record("duplicate accepted")
        }
    }
}
