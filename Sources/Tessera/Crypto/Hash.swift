import COpenSSL
import Glibc

/// The hash functions behind HS256/384/512, the SkyWay credential (SHA-256)
/// and TURN passwords (SHA-1).
enum HashKind: Sendable {
    /// SHA-1 serves only TURN REST passwords (coturn's use-auth-secret),
    /// never a JWS algorithm.
    case sha1, sha256, sha384, sha512

    var digestLength: Int { perform(Sizes()).digest }

    var blockSize: Int { perform(Sizes()).block }

    /// Bytes of one hash state (an OpenSSL SHA_CTX, SHA256_CTX or SHA512_CTX).
    var stateSize: Int { perform(Sizes()).state }

    /// Runs `operation` with the hash function of this kind: the one place
    /// that turns a kind into its type, so every operation over hash states
    /// is written once, generically, and specialised per hash.
    @inline(__always)
    func perform<O: HashOperation>(_ operation: O) -> O.Result {
        switch self {
        case .sha1: return operation.run(SHA1Function.self)
        case .sha256: return operation.run(SHA256Function.self)
        case .sha384: return operation.run(SHA384Function.self)
        case .sha512: return operation.run(SHA512Function.self)
        }
    }

    /// A plain digest of `bytes` into `out` (room for `digestLength`
    /// bytes). The state on the stack is wiped. False if OpenSSL fails.
    func digest(_ bytes: UnsafeRawBufferPointer, into out: UnsafeMutableRawPointer) -> Bool {
        perform(Digest(bytes: bytes, out: out))
    }
}

/// Something done with a hash function, generic over which one.
protocol HashOperation {
    associatedtype Result
    func run<H: HashFunction>(_ hash: H.Type) -> Result
}

/// One of OpenSSL's low-level hash functions, whose state is a plain C
/// struct that can be copied by value (what a precomputed-state HMAC
/// needs). Each returns false when OpenSSL reports a failure.
protocol HashFunction {
    associatedtype State
    /// Bytes of a digest.
    static var digestLength: Int { get }
    /// Bytes the function compresses at a time.
    static var blockSize: Int { get }
    static func start(_ state: UnsafeMutablePointer<State>) -> Bool
    static func absorb(_ state: UnsafeMutablePointer<State>, _ bytes: UnsafeRawPointer?, _ count: Int) -> Bool
    static func finish(_ state: UnsafeMutablePointer<State>, into out: UnsafeMutablePointer<UInt8>) -> Bool
    /// A zeroed state, before `start`.
    static func blank() -> State
}

enum SHA1Function: HashFunction {
    static var digestLength: Int { 20 }
    static var blockSize: Int { 64 }
    static func blank() -> SHA_CTX { SHA_CTX() }
    @inline(__always) static func start(_ s: UnsafeMutablePointer<SHA_CTX>) -> Bool { tessera_sha1_init(s) == 1 }
    @inline(__always) static func absorb(_ s: UnsafeMutablePointer<SHA_CTX>, _ p: UnsafeRawPointer?, _ n: Int) -> Bool {
        tessera_sha1_update(s, p, n) == 1
    }
    @inline(__always) static func finish(_ s: UnsafeMutablePointer<SHA_CTX>, into out: UnsafeMutablePointer<UInt8>) -> Bool {
        tessera_sha1_final(out, s) == 1
    }
}

enum SHA256Function: HashFunction {
    static var digestLength: Int { 32 }
    static var blockSize: Int { 64 }
    static func blank() -> SHA256_CTX { SHA256_CTX() }
    @inline(__always) static func start(_ s: UnsafeMutablePointer<SHA256_CTX>) -> Bool { tessera_sha256_init(s) == 1 }
    @inline(__always) static func absorb(_ s: UnsafeMutablePointer<SHA256_CTX>, _ p: UnsafeRawPointer?, _ n: Int) -> Bool {
        tessera_sha256_update(s, p, n) == 1
    }
    @inline(__always) static func finish(_ s: UnsafeMutablePointer<SHA256_CTX>, into out: UnsafeMutablePointer<UInt8>) -> Bool {
        tessera_sha256_final(out, s) == 1
    }
}

/// SHA-384 shares SHA-512's state and update; the state records its output
/// length, so the final step truncates correctly.
enum SHA384Function: HashFunction {
    static var digestLength: Int { 48 }
    static var blockSize: Int { 128 }
    static func blank() -> SHA512_CTX { SHA512_CTX() }
    @inline(__always) static func start(_ s: UnsafeMutablePointer<SHA512_CTX>) -> Bool { tessera_sha384_init(s) == 1 }
    @inline(__always) static func absorb(_ s: UnsafeMutablePointer<SHA512_CTX>, _ p: UnsafeRawPointer?, _ n: Int) -> Bool {
        tessera_sha512_update(s, p, n) == 1
    }
    @inline(__always) static func finish(_ s: UnsafeMutablePointer<SHA512_CTX>, into out: UnsafeMutablePointer<UInt8>) -> Bool {
        tessera_sha384_final(out, s) == 1
    }
}

enum SHA512Function: HashFunction {
    static var digestLength: Int { 64 }
    static var blockSize: Int { 128 }
    static func blank() -> SHA512_CTX { SHA512_CTX() }
    @inline(__always) static func start(_ s: UnsafeMutablePointer<SHA512_CTX>) -> Bool { tessera_sha512_init(s) == 1 }
    @inline(__always) static func absorb(_ s: UnsafeMutablePointer<SHA512_CTX>, _ p: UnsafeRawPointer?, _ n: Int) -> Bool {
        tessera_sha512_update(s, p, n) == 1
    }
    @inline(__always) static func finish(_ s: UnsafeMutablePointer<SHA512_CTX>, into out: UnsafeMutablePointer<UInt8>) -> Bool {
        tessera_sha512_final(out, s) == 1
    }
}

/// Wipes `count` bytes at `p`: glibc's explicit_bzero, a memset the
/// compiler may not remove, as OPENSSL_cleanse is; but vectorised, where
/// OPENSSL_cleanse stores 8 bytes per step (it took 10 % of a SkyWay
/// credential's time wiping two hash states).
@inline(__always)
func wipe(_ p: UnsafeMutableRawPointer?, _ count: Int) {
    if let p, count > 0 { explicit_bzero(p, count) }
}

/// Wipes a value in place (a hash state, a MAC on the stack).
@inline(__always)
func wipe<T>(_ value: inout T) {
    withUnsafeMutableBytes(of: &value) { wipe($0.baseAddress, $0.count) }
}

/// A digest on a state on the stack, wiped afterwards.
struct Digest: HashOperation {
    let bytes: UnsafeRawBufferPointer
    let out: UnsafeMutableRawPointer

    func run<H: HashFunction>(_: H.Type) -> Bool {
        var state = H.blank()
        defer { wipe(&state) }
        return H.start(&state) && H.absorb(&state, bytes.baseAddress, bytes.count)
            && H.finish(&state, into: out.assumingMemoryBound(to: UInt8.self))
    }
}

/// A hash function's sizes.
private struct Sizes: HashOperation {
    @inline(__always)
    func run<H: HashFunction>(_: H.Type) -> (digest: Int, block: Int, state: Int) {
        (H.digestLength, H.blockSize, MemoryLayout<H.State>.stride)
    }
}
