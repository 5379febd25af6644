import Testing
@testable import Tessera

/// Seeded random mutations of valid inputs. Nothing a caller or a token
/// controls may trap, so the only assertions are that every call returns a
/// status, and that a token whose bytes changed is never accepted as valid.
/// (Coverage-guided fuzzing of the C entry points is a separate job.)
@Suite struct MutationTests {
    /// SplitMix64: a small deterministic generator, so failures reproduce.
    struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    }

    static let interesting: [UInt8] = Array("{}[]\":,.-_=+/\\ \n\t0123456789eEnulltrue".utf8) + [0, 0x7F, 0x80, 0xC0, 0xED, 0xF4, 0xFF]

    func mutate(_ input: [UInt8], _ rng: inout Rng) -> [UInt8] {
        var b = input
        for _ in 0...rng.below(4) {
            switch rng.below(5) {
            case 0 where !b.isEmpty: b[rng.below(b.count)] = MutationTests.interesting[rng.below(MutationTests.interesting.count)]
            case 1 where !b.isEmpty: b[rng.below(b.count)] ^= UInt8(1 << rng.below(8))
            case 2 where !b.isEmpty: b.remove(at: rng.below(b.count))
            case 3: b.insert(MutationTests.interesting[rng.below(MutationTests.interesting.count)], at: rng.below(b.count + 1))
            default: if !b.isEmpty { b.removeLast(rng.below(min(b.count, 8)) + 1) }
            }
        }
        return b
    }

    @Test func mutatedTokensNeverTrapAndNeverVerify() throws {
        let keys: [Key] = [try makeKey(.hs256, [UInt8](repeating: 7, count: 32)),
                           try Key.generate(algorithm: .es256, kid: nil), try Key.generate(algorithm: .edDSA, kid: nil)]
        var rng = Rng(state: 0x7E55_E8A0)
        let p = policy { $0.fixedTime = 1_700_000_001 }
        var refused = 0
        for key in keys {
            let token = Array(try sign(key, "{\"sub\":\"x\",\"iat\":1700000000,\"exp\":1700000600,\"n\":[1,2.5e3,{\"a\":null}]}").utf8)
            for _ in 0..<3000 {
                let m = mutate(token, &rng)
                for mode in [Verifier.Mode.jwt, .jws] {
                    let s = verifyStatus(.one(key), String(decoding: m, as: UTF8.self), p, mode: mode)
                    if m != token && Array(String(decoding: m, as: UTF8.self).utf8) == m {
                        #expect(s != .ok, "a changed token verified")
                    }
                    if s != .ok { refused += 1 }
                }
            }
        }
        #expect(refused > 15000)
    }

    @Test func mutatedJSONNeverTraps() {
        var rng = Rng(state: 42)
        let seeds = ["{\"a\":[1,2,{\"b\":\"\\u00e9\\ud83d\\ude00\"}],\"c\":-0.5e-3,\"d\":true,\"e\":null}", "{}",
                     "{\"k\":\"" + String(repeating: "x", count: 40) + "\"}"]
        var accepted = 0
        for seed in seeds {
            for _ in 0..<5000 {
                let m = mutate(Array(seed.utf8), &rng)
                let ok: Bool = m.withUnsafeBytes { b in
                    do throws(TesseraError) {
                        _ = try JSONChecker.checkObject(b, label: "claims")
                        return true
                    } catch {
                        return false
                    }
                }
                if ok { accepted += 1 }
                // NumericDate parsing of arbitrary bytes must not trap either.
                _ = m.withUnsafeBytes { NumericDate.parse($0) }
            }
        }
        #expect(accepted > 0 && accepted < 15000)
    }
}
