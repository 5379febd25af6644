import Testing
@testable import Tessera
import CTesseraSupport

/// base64url (unpadded, JWS) and standard padded base64 (credential).
@Suite struct Base64Tests {
    func encodeURL(_ bytes: [UInt8]) -> String {
        var out = [UInt8](repeating: 0, count: Base64.urlEncodedLength(bytes.count)! + 1)
        let n = bytes.withUnsafeBytes { b in out.withUnsafeMutableBufferPointer { o in Base64.encodeURL(b, to: o.baseAddress!) - o.baseAddress! } }
        #expect(n == Base64.urlEncodedLength(bytes.count))
        return String(decoding: out[0..<n], as: UTF8.self)
    }

    func encodeStandard(_ bytes: [UInt8]) -> String {
        var out = [UInt8](repeating: 0, count: Base64.paddedEncodedLength(bytes.count)! + 1)
        let n = bytes.withUnsafeBytes { b in out.withUnsafeMutableBufferPointer { o in Base64.encodeStandard(b, to: o.baseAddress!) - o.baseAddress! } }
        #expect(n == Base64.paddedEncodedLength(bytes.count))
        return String(decoding: out[0..<n], as: UTF8.self)
    }

    func decodeURL(_ s: String, vector: Bool = true) -> [UInt8]? {
        decodeURL(Array(s.utf8), vector: vector)
    }

    /// Decodes into exactly the decoded length, checking that nothing was
    /// written beyond it.
    func decodeURL(_ src: [UInt8], vector: Bool = true) -> [UInt8]? {
        let cap = Base64.urlDecodedLength(src.count)
        var out = [UInt8](repeating: 0xEE, count: cap + 32)
        let n = src.withUnsafeBytes { b in
            out.withUnsafeMutableBufferPointer { Base64.decodeURL(b, to: $0.baseAddress!, capacity: cap, vector: vector) }
        }
        #expect(out[cap...].allSatisfy { $0 == 0xEE }, "\(src.count) characters: wrote beyond the decoded length")
        return n.map { Array(out[0..<$0]) }
    }

    @Test func rfc4648Vectors() {
        // RFC 4648 §10
        let cases = [("", "", ""), ("f", "Zg", "Zg=="), ("fo", "Zm8", "Zm8="), ("foo", "Zm9v", "Zm9v"),
                     ("foob", "Zm9vYg", "Zm9vYg=="), ("fooba", "Zm9vYmE", "Zm9vYmE="), ("foobar", "Zm9vYmFy", "Zm9vYmFy")]
        for (plain, url, std) in cases {
            #expect(encodeURL(Array(plain.utf8)) == url)
            #expect(encodeStandard(Array(plain.utf8)) == std)
            #expect(decodeURL(url) == Array(plain.utf8))
        }
    }

    @Test func urlAlphabetUsesDashAndUnderscore() {
        #expect(encodeURL([0xFB, 0xFF, 0xBF]) == "-_-_")
        #expect(encodeStandard([0xFB, 0xFF, 0xBF]) == "+/+/")
        #expect(decodeURL("-_-_") == [0xFB, 0xFF, 0xBF])
    }

    @Test func everyByteValueRoundTrips() {
        let all = (0...255).map { UInt8($0) }
        for length in 0...all.count {
            let bytes = Array(all[0..<length])
            #expect(decodeURL(encodeURL(bytes)) == bytes)
        }
    }

    /// RFC 4648's encoding, one character at a time, as the reference the
    /// encoders (two characters per lookup, six bytes per step) must match.
    func reference(_ bytes: [UInt8], _ alphabet: String, pad: Bool) -> String {
        let t = Array(alphabet.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let chunk = Array(bytes[i..<min(i + 3, bytes.count)])
            let v = chunk.enumerated().reduce(0) { $0 | Int($1.element) << (16 - 8 * $1.offset) }
            for k in 0...chunk.count { out.append(t[v >> (18 - 6 * k) & 63]) }
            if pad { out += Array(repeating: UInt8(ascii: "="), count: 3 - chunk.count) }
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    @Test func encodersMatchTheReferenceAtEveryLength() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let bytes = (0..<200).map { _ -> UInt8 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        let url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        let std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        let tencent = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-"
        // With the vector kernels (where the CPU has them: whole blocks of
        // 24 bytes, 32 characters) and with the scalar loops alone.
        for vector in [true, false] {
            for length in 0...bytes.count {
                let b = Array(bytes[0..<length])
                func encoded(_ encode: (UnsafeRawBufferPointer, UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8>,
                             _ size: Int) -> String {
                    var out = [UInt8](repeating: 0, count: size + 1)
                    let n = b.withUnsafeBytes { src in
                        out.withUnsafeMutableBufferPointer { encode(src, $0.baseAddress!) - $0.baseAddress! }
                    }
                    #expect(n == size, "\(length)")
                    #expect(out[size] == 0, "\(length): wrote beyond the encoding")
                    return String(decoding: out[0..<min(n, size)], as: UTF8.self)
                }
                let urlLength = Base64.urlEncodedLength(length)!, paddedLength = Base64.paddedEncodedLength(length)!
                #expect(encoded({ Base64.encodeURL($0, to: $1, vector: vector) }, urlLength) == reference(b, url, pad: false),
                        "\(length), vector \(vector)")
                #expect(encoded({ Base64.encodeStandard($0, to: $1, vector: vector) }, paddedLength)
                        == reference(b, std, pad: true), "\(length), vector \(vector)")
                // Tencent's alphabet pads with '_'.
                #expect(encoded({ Base64.encode($0, .tencent, to: $1, vector: vector) }, paddedLength)
                        == String(reference(b, tencent, pad: true).map { $0 == "=" ? "_" : $0 }), "\(length), vector \(vector)")
                #expect(decodeURL(reference(b, url, pad: false), vector: vector) == b, "\(length), vector \(vector)")
            }
        }
    }

    /// Each vector kernel (AVX2, level 2; AVX-512 VBMI, level 3) takes the
    /// blocks its contract promises where the CPU has it, and nothing
    /// elsewhere; the encoders above use only the best one.
    @Test func vectorKernelsTakeTheBlocksTheyPromise() {
        let best = tessera__b64_vector_level()
        #expect((1...3).contains(best))
        let bytes = [UInt8](repeating: 0x5A, count: 100)
        var chars = [UInt8](repeating: 0, count: 200)
        for level in Int32(2)...3 {
            for n in [0, 27, 28, 31, 32, 51, 52, 55, 56, 100] {
                let taken = bytes.withUnsafeBytes { b in
                    chars.withUnsafeMutableBufferPointer {
                        tessera__b64_encode_at(level, b.baseAddress!.assumingMemoryBound(to: UInt8.self), n, $0.baseAddress!, 45, 95)
                    }
                }
                // Blocks of 24 while 28 bytes remain (32 for VBMI, which loads
                // 32; given 28 to 31 bytes, level 3 takes AVX2's one block).
                var expected = 0
                while level <= best && n - expected >= (level == 3 ? 32 : 28) { expected += 24 }
                if level == 3 && level <= best && (28..<32).contains(n) { expected = 24 }
                #expect(taken == expected, "level \(level), encode \(n)")
            }
            let text = [UInt8](repeating: UInt8(ascii: "Q"), count: 128)
            for (n, cap) in [(31, 96), (32, 23), (32, 24), (32, 32), (63, 47), (64, 48), (128, 96), (128, 72), (128, 70)] {
                var out = [UInt8](repeating: 0xEE, count: 128)
                defer { #expect(out[cap...].allSatisfy { $0 == 0xEE }, "level \(level), decode \(n): wrote beyond \(cap)") }
                let taken = text.withUnsafeBytes { t in
                    out.withUnsafeMutableBufferPointer {
                        tessera__b64_decode_at(level, t.baseAddress!.assumingMemoryBound(to: UInt8.self), n, $0.baseAddress!, cap, 45, 95)
                    }
                }
                // Blocks of 32 characters while 32 remain and 24 bytes of room.
                var expected = 0, written = 0
                while level <= best && n - expected >= 32 && cap - written >= 24 { expected += 32; written += 24 }
                #expect(taken == expected, "level \(level), decode \(n) into \(cap)")
            }
        }
    }

    /// Each kernel the CPU has, alone, against the reference: every length
    /// to 200 in the three alphabets (encoding), and every alphabet
    /// character at every block position (decoding).
    @Test func everyKernelMatchesTheReference() {
        var state: UInt64 = 0x0123_4567_89AB_CDEF
        let bytes = (0..<200).map { _ -> UInt8 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        let alphabets = ["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                         "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
                         "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-"]
        for level in Int32(2)...3 where level <= tessera__b64_vector_level() {
            for alphabet in alphabets {
                let a = Array(alphabet.utf8)
                for length in 0...bytes.count {
                    var out = [UInt8](repeating: 0, count: 300)
                    let taken = bytes.withUnsafeBytes { b in
                        out.withUnsafeMutableBufferPointer {
                            tessera__b64_encode_at(level, b.baseAddress!.assumingMemoryBound(to: UInt8.self), length,
                                                   $0.baseAddress!, a[62], a[63])
                        }
                    }
                    #expect(taken % 24 == 0 && taken <= length, "level \(level), \(length)")
                    #expect(String(decoding: out[0..<(taken / 3 * 4)], as: UTF8.self)
                            == reference(Array(bytes[0..<taken]), alphabet, pad: false), "level \(level), \(length)")
                    #expect(out[taken / 3 * 4] == 0, "level \(level), \(length): wrote beyond its blocks")
                }
                // Decoding: the alphabet rotated, so every character meets
                // every position of a block.
                for shift in 0..<64 {
                    let text = (0..<128).map { a[($0 + shift) % 64] }
                    var out = [UInt8](repeating: 0, count: 96)
                    let taken = text.withUnsafeBytes { t in
                        out.withUnsafeMutableBufferPointer {
                            tessera__b64_decode_at(level, t.baseAddress!.assumingMemoryBound(to: UInt8.self), 128,
                                                   $0.baseAddress!, 96, a[62], a[63])
                        }
                    }
                    #expect(taken == 128, "level \(level), shift \(shift)")
                    // The reference: each group's four values, three bytes.
                    var expected: [UInt8] = []
                    for g in stride(from: 0, to: 128, by: 4) {
                        let v = (0..<4).reduce(0) { $0 << 6 | a.firstIndex(of: text[g + $1])! }
                        expected += [UInt8(v >> 16), UInt8(v >> 8 & 255), UInt8(v & 255)]
                    }
                    #expect(out == expected, "level \(level), shift \(shift)")
                }
                // A byte outside the alphabet stops the kernel before its block.
                let edges: [UInt8] = [0x00, 0x2B, 0x2C, 0x2D, 0x2E, 0x2F, 0x3A, 0x3D, 0x40, 0x5B, 0x5E, 0x5F, 0x60,
                                      0x7B, 0x7F, 0x80, 0xAD, 0xC0, 0xDF, 0xFF].filter { !a.contains($0) }
                let valid = (0..<96).map { a[($0 * 7) % 64] }
                for at in 0..<96 {
                    for c in edges {
                        var text = valid
                        text[at] = c
                        var out = [UInt8](repeating: 0, count: 72)
                        let taken = text.withUnsafeBytes { t in
                            out.withUnsafeMutableBufferPointer {
                                tessera__b64_decode_at(level, t.baseAddress!.assumingMemoryBound(to: UInt8.self), 96,
                                                       $0.baseAddress!, 72, a[62], a[63])
                            }
                        }
                        #expect(taken == at / 32 * 32, "level \(level), byte \(c) at \(at)")
                    }
                }
            }
        }
    }

    /// Every character of the alphabet at every position of a 32-character
    /// block decodes as the scalar loops decode it, and every byte at a
    /// range's edge (next to 'A'-'Z', 'a'-'z', '0'-'9', '-' and '_', the
    /// standard alphabet's '+' '/' '=', bytes read as negative) is refused
    /// at every offset of every length up to 130.
    @Test func vectorDecoderAgreesWithTheScalarLoops() {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        for shift in 0..<64 {
            let s = (0..<128).map { alphabet[($0 + shift) % 64] }
            let scalar = decodeURL(s, vector: false)
            #expect(scalar != nil)
            #expect(decodeURL(s) == scalar, "shift \(shift)")
        }
        let edges: [UInt8] = [0x00, 0x09, 0x0A, 0x20, 0x2B, 0x2C, 0x2E, 0x2F, 0x3A, 0x3D, 0x40, 0x5B, 0x5E, 0x60, 0x7B,
                              0x7F, 0x80, 0xAD, 0xC0, 0xDF, 0xFF]
        let valid = (0..<130).map { alphabet[($0 * 7) % 64] }
        for length in 41...130 where length % 4 != 1 {
            let tail: [[UInt8]] = [[], [], Array("Zg".utf8), Array("Zm8".utf8)]
            let good = Array(valid[0..<(length - length % 4)]) + tail[length % 4]
            #expect(decodeURL(good) != nil && decodeURL(good) == decodeURL(good, vector: false), "\(length)")
            for at in 0..<length {
                for c in edges {
                    var s = good
                    s[at] = c
                    #expect(decodeURL(s) == nil, "byte \(c) at \(at) of \(length)")
                }
            }
        }
    }

    /// Every entry of the tables base64.c builds with the preprocessor.
    @Test func tablesHoldEveryEntry() {
        let url = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        let std = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        let tencent = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-".utf8)
        let dec = tessera__b64url_decoding()
        for (which, alphabet) in [(TESSERA__B64_URL, url), (TESSERA__B64_STANDARD, std), (TESSERA__B64_TENCENT, tencent)] {
            let pairs = tessera__b64_pairs(which)
            for v in 0..<4096 {
                #expect(pairs[v] == UInt16(alphabet[v >> 6]) | UInt16(alphabet[v & 63]) << 8, "alphabet \(which), pair \(v)")
            }
        }
        for k in 0..<4 {
            for c in 0..<256 {
                let expected = url.firstIndex(of: UInt8(c)).map { UInt32($0) << (18 - 6 * k) } ?? 0x8000_0000
                #expect(dec[k * 256 + c] == expected, "decoding [\(k)][\(c)]")
            }
        }
    }

    /// The decoder reads eight characters per step: a byte outside the
    /// alphabet is refused at every offset of every length up to 40 (those
    /// ≡ 1 mod 4 are refused whatever they hold), and a last group with
    /// unused bits set is refused after the eight-character steps too.
    @Test func everyInvalidByteAtEveryOffsetIsRefused() {
        let valid = Array("Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFy".utf8)
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        let invalid = (0...255).map { UInt8($0) }.filter { !alphabet.contains($0) }
        for length in 2...valid.count {
            let prefix = String(decoding: valid[0..<(length - length % 4)], as: UTF8.self)
            switch length % 4 {
            case 2:
                #expect(decodeURL(prefix + "Zg") != nil)
                #expect(decodeURL(prefix + "Zh") == nil, "unused bits after \(length - 2)")
            case 3:
                #expect(decodeURL(prefix + "Zm8") != nil)
                #expect(decodeURL(prefix + "Zm9") == nil, "unused bits after \(length - 3)")
            default: break
            }
        }
        for length in 2...valid.count where length % 4 != 1 {
            // Whole groups, then a canonical last group of 2 or 3 characters.
            let tail: [[UInt8]] = [[], [], Array("Zg".utf8), Array("Zm8".utf8)]
            let good = Array(valid[0..<(length - length % 4)]) + tail[length % 4]
            #expect(decodeURL(String(decoding: good, as: UTF8.self)) != nil)
            for at in 0..<length {
                for c in invalid {
                    var s = good
                    s[at] = c
                    let src = s
                    var out = [UInt8](repeating: 0, count: length)
                    let n = src.withUnsafeBytes { b in
                        out.withUnsafeMutableBufferPointer { Base64.decodeURL(b, to: $0.baseAddress!, capacity: length) }
                    }
                    #expect(n == nil, "byte \(c) at \(at) of \(length)")
                }
            }
        }
    }

    @Test func decoderIsStrict() {
        #expect(decodeURL("Zg==") == nil)          // padding
        #expect(decodeURL("Zg=") == nil)
        #expect(decodeURL("+/+/") == nil)          // standard alphabet
        #expect(decodeURL("Zm9 v") == nil)         // whitespace
        #expect(decodeURL("Zm9v\n") == nil)
        #expect(decodeURL("Z") == nil)             // length ≡ 1 (mod 4)
        #expect(decodeURL("Zm9vY") == nil)
        #expect(decodeURL("Zh") == nil)            // non-zero unused bits ("Zg" is canonical)
        #expect(decodeURL("Zm9=") == nil)
        #expect(decodeURL("Zm8") == [0x66, 0x6F])
        #expect(decodeURL("Zm_") == nil)           // '_' sets the two unused bits
    }

    @Test func streamMatchesOneShotForEverySplit() {
        let message = Array("{\"sub\":\"1234567890\",\"name\":\"John Doe\",\"iat\":1516239022}".utf8)
        let expected = encodeURL(message)
        for a in 0...message.count {
            for b in a...message.count {
                var out = [UInt8](repeating: 0, count: expected.utf8.count + 4)
                let n = out.withUnsafeMutableBufferPointer { o -> Int in
                    var s = Base64.URLStream(to: o.baseAddress!)
                    message.withUnsafeBytes { m in
                        s.append(UnsafeRawBufferPointer(rebasing: m[0..<a]))
                        s.append(UnsafeRawBufferPointer(rebasing: m[a..<b]))
                        s.append(UnsafeRawBufferPointer(rebasing: m[b...]))
                    }
                    return s.finish() - o.baseAddress!
                }
                #expect(String(decoding: out[0..<n], as: UTF8.self) == expected, "split at \(a), \(b)")
            }
        }
    }
}

@Suite struct DecimalTests {
    func text(_ v: Int64) -> String {
        var out = [UInt8](repeating: 0, count: 24)
        let n = out.withUnsafeMutableBufferPointer { o in Text.writeDecimal(v, to: o.baseAddress!) - o.baseAddress! }
        #expect(n == Text.decimalLength(v))
        return String(decoding: out[0..<n], as: UTF8.self)
    }

    @Test func matchesTheStandardLibrary() {
        var values: [Int64] = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 9999, 10000, 10001, 99999, 100000,
                               1_700_000_000, 1_700_000_600, 253_402_300_799, Int64.max, Int64.min, -1, -10, -99, -100]
        var p: Int64 = 1
        for _ in 0..<18 {
            p *= 10
            values += [p - 1, p, p + 1, -p]
        }
        // Both sides of 2^32 (32-bit arithmetic below it), and values of
        // every length with every digit in the halves' places.
        values += [4_294_967_295, 4_294_967_296, -4_294_967_295, -4_294_967_296, 100_000_001, 1_234_567_890]
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        for _ in 0..<20_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            values.append(Int64(bitPattern: state) >> Int64(state % 63))
        }
        for v in values { #expect(text(v) == String(v), "\(v)") }
    }
}
