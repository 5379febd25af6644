/// Base64 (RFC 4648): the URL-safe alphabet without padding for JWS
/// segments (§5), the standard alphabet with padding for the credential,
/// Agora and Janus tokens (§4), and Tencent's variant of it for UserSigs
/// ('*', '-' and '_' for '+', '/' and '=').
///
/// Encoders write into memory the caller has sized with the `…Length`
/// functions; they never allocate.
import CTesseraSupport

enum Base64 {
    static let urlAlphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    static let standardAlphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    static let tencentAlphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-"

    /// A padded alphabet: its 64 characters, which of
    /// `tessera__b64_pairs`' tables is its own, its decoding table (as
    /// `urlDecodeTable`) and its padding character.
    struct Padded {
        let alphabet: StaticString
        let pairs: Int32
        let decodeTable: StaticString
        let pad: UInt8

        static let standard = Padded(alphabet: Base64.standardAlphabet, pairs: TESSERA__B64_STANDARD,
                                     decodeTable: Base64.standardDecodeTable, pad: UInt8(ascii: "="))
        static let tencent = Padded(alphabet: Base64.tencentAlphabet, pairs: TESSERA__B64_TENCENT,
                                    decodeTable: Base64.tencentDecodeTable, pad: UInt8(ascii: "_"))
    }

    /// Length of the unpadded base64url encoding of `n` bytes, or nil on
    /// overflow.
    static func urlEncodedLength(_ n: Int) -> Int? {
        guard n >= 0, n <= Int.max / 2 else { return nil }
        let (q, r) = n.quotientAndRemainder(dividingBy: 3)
        return q * 4 + (r == 0 ? 0 : r + 1)
    }

    /// Length of the padded standard encoding of `n` bytes, or nil on
    /// overflow.
    static func paddedEncodedLength(_ n: Int) -> Int? {
        guard n >= 0, n <= Int.max / 2 else { return nil }
        return (n + 2) / 3 * 4
    }

    /// Encodes `src` as unpadded base64url at `dst`; returns the end.
    /// (`vector: false`, for tests: the scalar loops alone.)
    @inline(__always)
    static func encodeURL(_ src: UnsafeRawBufferPointer, to dst: UnsafeMutablePointer<UInt8>,
                          vector: Bool = true) -> UnsafeMutablePointer<UInt8> {
        encode(src, to: dst, alphabet: urlAlphabet.utf8Start, pairs: tessera__b64_pairs(TESSERA__B64_URL), pad: nil,
               vector: vector)
    }

    /// Encodes `src` as padded standard base64 at `dst`; returns the end.
    static func encodeStandard(_ src: UnsafeRawBufferPointer, to dst: UnsafeMutablePointer<UInt8>,
                               vector: Bool = true) -> UnsafeMutablePointer<UInt8> {
        encode(src, .standard, to: dst, vector: vector)
    }

    /// Encodes `src` in a padded alphabet at `dst`; returns the end.
    static func encode(_ src: UnsafeRawBufferPointer, _ a: Padded, to dst: UnsafeMutablePointer<UInt8>,
                       vector: Bool = true) -> UnsafeMutablePointer<UInt8> {
        encode(src, to: dst, alphabet: a.alphabet.utf8Start, pairs: tessera__b64_pairs(a.pairs), pad: a.pad, vector: vector)
    }

    /// The encoder: whole blocks of 24 bytes through the vector kernel
    /// where the CPU has one, then two characters per lookup in `pairs` (the
    /// alphabet's `tessera__b64_pairs`: the two characters of each 12-bit
    /// value), the last one or two bytes through the alphabet `t`.
    @inline(__always)
    private static func encode(_ src: UnsafeRawBufferPointer, to dst: UnsafeMutablePointer<UInt8>,
                               alphabet t: UnsafePointer<UInt8>, pairs: UnsafePointer<UInt16>,
                               pad: UInt8?, vector: Bool = true) -> UnsafeMutablePointer<UInt8> {
        guard let base = src.baseAddress else { return dst }
        let s = base.assumingMemoryBound(to: UInt8.self)
        let n = src.count
        // (The kernels take nothing under 28 bytes: no call for short pieces.)
        var i = vector && n >= 28 ? tessera__b64_encode_blocks(s, n, dst, t[62], t[63]) : 0
        var o = dst + i / 3 &* 4
        // Six bytes per step while eight can be read: one load, eight
        // characters written with one store.
        while i &+ 8 <= n {
            let w = UInt64(bigEndian: UnsafeRawPointer(s + i).loadUnaligned(as: UInt64.self))
            var chars = UInt64(pairs[Int(w >> 52)])
            chars |= UInt64(pairs[Int(w >> 40 & 0xFFF)]) << 16
            chars |= UInt64(pairs[Int(w >> 28 & 0xFFF)]) << 32
            chars |= UInt64(pairs[Int(w >> 16 & 0xFFF)]) << 48
            UnsafeMutableRawPointer(o).storeBytes(of: chars.littleEndian, as: UInt64.self)
            o += 8
            i &+= 6
        }
        while i &+ 3 <= n {
            let v = UInt32(s[i]) << 16 | UInt32(s[i &+ 1]) << 8 | UInt32(s[i &+ 2])
            let chars = UInt32(pairs[Int(v >> 12)]) | UInt32(pairs[Int(v & 0xFFF)]) << 16
            UnsafeMutableRawPointer(o).storeBytes(of: chars.littleEndian, as: UInt32.self)
            o += 4
            i &+= 3
        }
        switch n &- i {
        case 1:
            let v = UInt32(s[i]) << 16
            o[0] = t[Int(v >> 18)]
            o[1] = t[Int(v >> 12 & 63)]
            o += 2
            if let pad { o[0] = pad; o[1] = pad; o += 2 }
        case 2:
            let v = UInt32(s[i]) << 16 | UInt32(s[i &+ 1]) << 8
            o[0] = t[Int(v >> 18)]
            o[1] = t[Int(v >> 12 & 63)]
            o[2] = t[Int(v >> 6 & 63)]
            o += 3
            if let pad { o[0] = pad; o += 1 }
        default:
            break
        }
        return o
    }

    /// Encodes a message that arrives in pieces as one unpadded base64url
    /// string, carrying the last one or two bytes of a piece into the next.
    struct URLStream {
        private(set) var end: UnsafeMutablePointer<UInt8>
        private var carry: (UInt8, UInt8) = (0, 0)
        private var carried = 0

        init(to dst: UnsafeMutablePointer<UInt8>) { end = dst }

        mutating func append(_ piece: UnsafeRawBufferPointer) {
            guard var p = piece.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
            var n = piece.count
            // Complete a group started by an earlier piece.
            while carried > 0 && carried < 3 && n > 0 {
                if carried == 1 { carry.1 = p[0] } else {
                    let group: (UInt8, UInt8, UInt8) = (carry.0, carry.1, p[0])
                    withUnsafeBytes(of: group) { end = Base64.encodeURL($0, to: end) }
                }
                carried = carried == 1 ? 2 : 0
                p += 1
                n -= 1
            }
            let whole = n - n % 3
            end = Base64.encodeURL(UnsafeRawBufferPointer(start: p, count: whole), to: end)
            switch n - whole {
            case 1: carry.0 = p[whole]; carried = 1
            case 2: carry = (p[whole], p[whole + 1]); carried = 2
            default: break
            }
        }

        /// Flushes the carried bytes; returns the end of the encoding.
        mutating func finish() -> UnsafeMutablePointer<UInt8> {
            switch carried {
            case 1: withUnsafeBytes(of: carry.0) { end = Base64.encodeURL($0, to: end) }
            case 2: withUnsafeBytes(of: carry) { end = Base64.encodeURL($0, to: end) }
            default: break
            }
            carried = 0
            return end
        }
    }

    /// For each byte, its base64url value plus 0x30 ("0"…"o"), or "~" for a
    /// byte outside the alphabet; so `entry &- 0x30` is 0-63 for alphabet
    /// bytes and ≥ 64 (0x4E) otherwise. Generated; constant data, no setup.
    static let urlDecodeTable: StaticString =
        "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~n~~defghijklm~~~~~~~0123456789:;<=>?@ABCDEFGHI~~~~o~JKLMNOPQRSTUVWXYZ[\\]^_`abc~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"

    /// Decodes strict unpadded base64url (RFC 7515 §2): only the URL-safe
    /// alphabet, no padding, no whitespace, no length ≡ 1 (mod 4), and the
    /// unused low bits of the last character must be zero (one canonical
    /// encoding per value). Returns the decoded length, or nil if `src` is not
    /// such an encoding or `dst` (of `dstCapacity` bytes) is too small.
    /// (`vector: false`, for tests: the scalar loops alone.)
    static func decodeURL(_ src: UnsafeRawBufferPointer, to dst: UnsafeMutablePointer<UInt8>, capacity dstCapacity: Int,
                          vector: Bool = true) -> Int? {
        let n = src.count
        guard n % 4 != 1 else { return nil }
        let out = urlDecodedLength(n)
        guard out <= dstCapacity else { return nil }
        guard let base = src.baseAddress else { return 0 }
        let s = base.assumingMemoryBound(to: UInt8.self)
        // Blocks of 32 characters (whole groups) through the vector kernel
        // where the CPU has one (it stops before a block with an invalid
        // character, which the loops below then refuse). Then eight characters per step (one
        // load, eight lookups in `tessera__b64url_decoding`'s pre-shifted
        // tables, one check of bit 31 for an invalid character, one
        // eight-byte store), while eight bytes of the decoded length remain
        // to be written; the rest, and the strict checks of the last group,
        // by `decode`. Neither writes beyond the decoded length.
        let d = tessera__b64url_decoding()
        var i = vector && n >= 32 ? tessera__b64_decode_blocks(s, n, dst, out, UInt8(ascii: "-"), UInt8(ascii: "_")) : 0
        var o = i / 4 &* 3
        while i &+ 8 <= n && out &- o >= 8 {
            let w = UInt64(littleEndian: UnsafeRawPointer(s + i).loadUnaligned(as: UInt64.self))
            let x = d[Int(w & 0xFF)] | d[256 | Int(w >> 8 & 0xFF)] | d[512 | Int(w >> 16 & 0xFF)] | d[768 | Int(w >> 24 & 0xFF)]
            let y = d[Int(w >> 32 & 0xFF)] | d[256 | Int(w >> 40 & 0xFF)] | d[512 | Int(w >> 48 & 0xFF)] | d[768 | Int(w >> 56)]
            guard (x | y) & 0x8000_0000 == 0 else { return nil }
            let bytes = (UInt64(x) << 24 | UInt64(y)) << 16
            UnsafeMutableRawPointer(dst + o).storeBytes(of: bytes.bigEndian, as: UInt64.self)
            i &+= 8
            o &+= 6
        }
        guard let rest = decode(UnsafeRawBufferPointer(start: s + i, count: n &- i), table: urlDecodeTable,
                                to: dst + o, capacity: dstCapacity &- o) else { return nil }
        return o &+ rest
    }

    /// Decodes strict padded base64 in alphabet `a`: a multiple of four
    /// characters, at most two padding characters and only at the end,
    /// unused bits zero. Returns the decoded length, or nil.
    static func decode(_ src: UnsafeRawBufferPointer, _ a: Padded, to dst: UnsafeMutablePointer<UInt8>, capacity dstCapacity: Int) -> Int? {
        let n = src.count
        guard n % 4 == 0 else { return nil }
        var unpadded = n
        while unpadded > 0 && n - unpadded < 2 && src[unpadded - 1] == a.pad { unpadded -= 1 }
        return decode(UnsafeRawBufferPointer(rebasing: src[0..<unpadded]), table: a.decodeTable, to: dst, capacity: dstCapacity)
    }

    /// Decodes unpadded base64 through `table` (see `urlDecodeTable`).
    private static func decode(_ src: UnsafeRawBufferPointer, table: StaticString, to dst: UnsafeMutablePointer<UInt8>,
                               capacity dstCapacity: Int) -> Int? {
        let n = src.count
        guard n % 4 != 1 else { return nil }
        let out = urlDecodedLength(n)
        guard out <= dstCapacity else { return nil }
        guard let base = src.baseAddress else { return 0 }
        let s = base.assumingMemoryBound(to: UInt8.self)
        let t = table.utf8Start
        @inline(__always) func value(_ c: UInt8) -> UInt32 { UInt32(t[Int(c)] &- 0x30) }
        var i = 0
        var o = dst
        // Whole groups: four characters, three bytes; any invalid character
        // sets bit 6 or 7 of one value, caught once per group.
        while i &+ 4 <= n {
            let a = value(s[i]), b = value(s[i &+ 1]), c = value(s[i &+ 2]), d = value(s[i &+ 3])
            guard (a | b | c | d) < 64 else { return nil }
            let v = a << 18 | b << 12 | c << 6 | d
            o[0] = UInt8(truncatingIfNeeded: v >> 16)
            o[1] = UInt8(truncatingIfNeeded: v >> 8)
            o[2] = UInt8(truncatingIfNeeded: v)
            o += 3
            i &+= 4
        }
        switch n &- i {
        case 2:
            let a = value(s[i]), b = value(s[i &+ 1])
            guard (a | b) < 64, b & 0x0F == 0 else { return nil } // 4 unused bits
            o[0] = UInt8(truncatingIfNeeded: a << 2 | b >> 4)
        case 3:
            let a = value(s[i]), b = value(s[i &+ 1]), c = value(s[i &+ 2])
            guard (a | b | c) < 64, c & 0x03 == 0 else { return nil } // 2 unused bits
            let v = a << 18 | b << 12 | c << 6
            o[0] = UInt8(truncatingIfNeeded: v >> 16)
            o[1] = UInt8(truncatingIfNeeded: v >> 8)
        default:
            break
        }
        return out
    }

    /// The same tables for the standard alphabet and Tencent's.
    static let standardDecodeTable: StaticString =
        "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~n~~~odefghijklm~~~~~~~0123456789:;<=>?@ABCDEFGHI~~~~~~JKLMNOPQRSTUVWXYZ[\\]^_`abc~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"
    static let tencentDecodeTable: StaticString =
        "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~n~~o~~defghijklm~~~~~~~0123456789:;<=>?@ABCDEFGHI~~~~~~JKLMNOPQRSTUVWXYZ[\\]^_`abc~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"

    /// Length of the decoding of an unpadded base64url string of `n`
    /// characters (for sizing `decodeURL`'s output).
    static func urlDecodedLength(_ n: Int) -> Int {
        n / 4 * 3 + (n % 4 <= 1 ? 0 : n % 4 - 1)
    }
}

// MARK: - Arrays, for documents read or written once (JWKs), never on a token's path

/// base64url (unpadded) of `bytes` as a String.
func base64url(_ bytes: [UInt8]) -> String {
    let n = Base64.urlEncodedLength(bytes.count) ?? 0
    var out = [UInt8](repeating: 0, count: n)
    bytes.withUnsafeBytes { b in
        out.withUnsafeMutableBufferPointer { o in
            if let base = o.baseAddress { _ = Base64.encodeURL(b, to: base) }
        }
    }
    return String(decoding: out, as: UTF8.self)
}
