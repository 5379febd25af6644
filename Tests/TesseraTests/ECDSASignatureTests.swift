import COpenSSL
import Testing
@testable import Tessera

/// ECDSASignature against OpenSSL's own route (BN_bin2bn, ECDSA_SIG_set0,
/// i2d_ECDSA_SIG; d2i_ECDSA_SIG, BN_bn2binpad), which Tessera used before.
@Suite struct ECDSASignatureTests {
    static let halves = [32, 48, 66]  // P-256, P-384, P-521

    /// OpenSSL's DER for r‖s.
    func opensslDER(_ raw: [UInt8], half: Int) throws -> [UInt8] {
        let sig = try #require(ECDSA_SIG_new())
        defer { ECDSA_SIG_free(sig) }
        let r = try #require(raw.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32(half), nil) })
        let s = try #require(raw.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress! + half, Int32(half), nil) })
        #expect(ECDSA_SIG_set0(sig, r, s) == 1)
        var der: UnsafeMutablePointer<UInt8>? = nil
        let n = i2d_ECDSA_SIG(sig, &der)
        let bytes = try #require(der)
        defer { CRYPTO_free(bytes, nil, 0) }
        return Array(UnsafeBufferPointer(start: bytes, count: Int(n)))
    }

    /// OpenSSL's reading of `der` as a strict DER signature whose components
    /// fit: nil where d2i refuses it, leaves bytes over, a component does not
    /// fit, or re-encoding differs (BER that d2i tolerates).
    func opensslRaw(_ der: [UInt8], half: Int) -> [UInt8]? {
        var p: UnsafePointer<UInt8>? = nil
        return der.withUnsafeBufferPointer { buf -> [UInt8]? in
            p = buf.baseAddress
            guard let sig = d2i_ECDSA_SIG(nil, &p, buf.count) else { ERR_clear_error(); return nil }
            defer { ECDSA_SIG_free(sig) }
            guard let end = p, end == buf.baseAddress! + buf.count else { return nil }
            var out = [UInt8](repeating: 0, count: 2 * half)
            let ok = out.withUnsafeMutableBufferPointer { o in
                BN_bn2binpad(ECDSA_SIG_get0_r(sig), o.baseAddress, Int32(half)) == Int32(half)
                    && BN_bn2binpad(ECDSA_SIG_get0_s(sig), o.baseAddress! + half, Int32(half)) == Int32(half)
            }
            guard ok else { ERR_clear_error(); return nil }
            var again: UnsafeMutablePointer<UInt8>? = nil
            let n = i2d_ECDSA_SIG(sig, &again)
            guard let again else { return nil }
            defer { CRYPTO_free(again, nil, 0) }
            return Array(UnsafeBufferPointer(start: again, count: Int(n))) == der ? out : nil
        }
    }

    func oursDER(_ raw: [UInt8], half: Int) throws -> [UInt8] {
        let capacity = ECDSASignature.derCapacity(half: half)
        var der = [UInt8](repeating: 0xEE, count: capacity + 16)  // 16 guard bytes
        let n = try #require(raw.withUnsafeBufferPointer { r in
            der.withUnsafeMutableBufferPointer { ECDSASignature.derFromRaw(r.baseAddress!, half: half, into: $0.baseAddress!) }
        })
        #expect(n <= capacity)
        #expect(der[capacity...].allSatisfy { $0 == 0xEE }, "written beyond derCapacity")
        return Array(der[0..<n])
    }

    func oursRaw(_ der: [UInt8], half: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0xEE, count: 2 * half + 16)  // 16 guard bytes
        let ok = der.withUnsafeBytes { d in
            out.withUnsafeMutableBufferPointer { ECDSASignature.rawFromDER(d, half: half, into: $0.baseAddress!) }
        }
        #expect(out[(2 * half)...].allSatisfy { $0 == 0xEE }, "written beyond 2 × half")
        return ok ? Array(out[0..<(2 * half)]) : nil
    }

    /// Components with every interesting shape: zero, one, leading zero
    /// bytes of every count, top bit set and clear after them, all 0xFF.
    func edgeComponents(_ half: Int) -> [[UInt8]] {
        var list: [[UInt8]] = [[UInt8](repeating: 0, count: half), [UInt8](repeating: 0xFF, count: half)]
        for zeros in 0..<half {
            for first: UInt8 in [0x01, 0x7F, 0x80, 0xFF] {
                var c = [UInt8](repeating: 0, count: half)
                c[zeros] = first
                for i in (zeros + 1)..<max(zeros + 1, half) { c[i] = UInt8(truncatingIfNeeded: i &* 37 &+ 11) }
                list.append(c)
            }
        }
        return list
    }

    @Test(arguments: halves)
    func encodingMatchesOpenSSL(half: Int) throws {
        let edges = edgeComponents(half)
        var generator = SystemRandomNumberGenerator()
        var pairs: [[UInt8]] = []
        // Every shape as r and as s.
        for (i, e) in edges.enumerated() {
            let other = edges[(i * 7 + 3) % edges.count]
            pairs.append(e + other)
            pairs.append(other + e)
        }
        for _ in 0..<500 {
            var raw = (0..<(2 * half)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            for i in 0..<Int.random(in: 0...3, using: &generator) { raw[i] = 0 }  // leading zero bytes in r
            pairs.append(raw)
        }
        for raw in pairs {
            let expected = try opensslDER(raw, half: half)
            let der = try oursDER(raw, half: half)
            #expect(der == expected, "r‖s \(raw)")
            #expect(oursRaw(der, half: half) == raw, "round trip of \(der)")
        }
    }

    /// Every prefix and every one-byte change of valid signatures: read as
    /// OpenSSL reads strict DER, or refused where it would not be.
    @Test(arguments: halves)
    func readingMatchesOpenSSL(half: Int) throws {
        let edges = edgeComponents(half)
        var cases: [[UInt8]] = []
        for i in stride(from: 0, to: edges.count, by: 5) {
            let der = try opensslDER(edges[i] + edges[(i + 1) % edges.count], half: half)
            for n in 0..<der.count { cases.append(Array(der[0..<n])) }
            cases.append(der + [0])
            for at in 0..<der.count {
                for v: UInt8 in [0x00, 0x01, 0x02, 0x30, 0x7F, 0x80, 0x81, 0x82, 0xFF] where v != der[at] {
                    var m = der
                    m[at] = v
                    cases.append(m)
                }
            }
        }
        // Hand-made: BER lengths, negative and non-minimal integers, wrong tags.
        cases += [
            [0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01],
            [0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01],
            [0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01],
            [0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01],
            [0x30, 0x07, 0x02, 0x02, 0x00, 0x81, 0x02, 0x01, 0x01],
            [0x30, 0x80, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00, 0x00],
            [0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01],
            [0x30, 0x06, 0x03, 0x01, 0x01, 0x02, 0x01, 0x01],
            [0x30, 0x05, 0x02, 0x01, 0x01, 0x02, 0x00],
            [0x30, 0x09, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01],
            [0x30, 0x07, 0x02, 0x81, 0x01, 0x01, 0x02, 0x01, 0x01],  // INTEGER length in long form
            [0x30, 0x82, 0x00, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01],  // SEQUENCE length in two bytes
        ]
        var accepted = 0
        for der in cases {
            let expected = opensslRaw(der, half: half)
            #expect(oursRaw(der, half: half) == expected, "DER \(der)")
            if expected != nil { accepted += 1 }
        }
        #expect(accepted > 100)  // the changes include valid signatures, not only refusals
    }

    @Test func sizesOutOfRangeAreRefused() {
        let raw = [UInt8](repeating: 1, count: 200)
        var der = [UInt8](repeating: 0, count: 200)
        for half in [0, 67] {
            #expect(raw.withUnsafeBufferPointer { r in
                der.withUnsafeMutableBufferPointer { ECDSASignature.derFromRaw(r.baseAddress!, half: half, into: $0.baseAddress!) }
            } == nil)
            #expect(oursRaw([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01], half: half) == nil)
        }
    }
}
