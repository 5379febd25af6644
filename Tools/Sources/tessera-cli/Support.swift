// What every subcommand shares: errors as one line, the library's statuses,
// files, secrets that are wiped, keys loaded from files, and the
// "ask for the size, then fill" output convention of include/tessera.h.
import ArgumentParser
import CLibcrypto
import CTesseraABI
import Glibc

/// An error the tool reports as one line on stderr, exiting 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }

    /// A library status, by name, with its meaning and the call's detail.
    static func status(_ rc: Int32, _ context: String) -> CLIError {
        let names = ["TESSERA_OK", "TESSERA_E_ARGUMENT", "TESSERA_E_BUFFER_TOO_SMALL", "TESSERA_E_NOMEM",
                     "TESSERA_E_KEY", "TESSERA_E_ALGORITHM", "TESSERA_E_MALFORMED", "TESSERA_E_SIGNATURE",
                     "TESSERA_E_EXPIRED", "TESSERA_E_NOT_YET_VALID", "TESSERA_E_ISSUED_IN_FUTURE",
                     "TESSERA_E_CLAIM", "TESSERA_E_LIFETIME", "TESSERA_E_KEY_NOT_FOUND", "TESSERA_E_CRYPTO"]
        let name = rc <= 0 && Int(-rc) < names.count ? names[Int(-rc)] : "status \(rc)"
        let detail = String(cString: tessera_last_error())
        let meaning = String(cString: tessera_strerror(rc))
        return CLIError("\(context): \(name) (\(meaning))" + (detail.isEmpty ? "" : ": \(detail)"))
    }
}

/// Throws the status as a CLIError unless it is TESSERA_OK.
func require(_ rc: Int32, _ context: String) throws {
    if rc != TESSERA_OK { throw CLIError.status(rc, context) }
}

/// Calls a tessera_* function that writes text into (out, out_cap, out_len):
/// once to learn the length, once into a buffer of that size.
func output(_ context: String,
            _ call: (UnsafeMutablePointer<CChar>?, Int, UnsafeMutablePointer<Int>) -> Int32) throws -> String {
    var needed = 0
    let rc = call(nil, 0, &needed)
    if rc == TESSERA_OK { return "" }
    guard rc == TESSERA_E_BUFFER_TOO_SMALL else { throw CLIError.status(rc, context) }
    var buffer = [CChar](repeating: 0, count: needed + 1)
    var length = 0
    try buffer.withUnsafeMutableBufferPointer { out in
        try require(call(out.baseAddress, out.count, &length), context)
    }
    return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Bytes in memory of our own, wiped (OPENSSL_cleanse) when released: key
/// files and generated private keys never linger in freed memory.
final class Secret {
    private(set) var bytes: UnsafeMutableRawBufferPointer

    init(capacity: Int) {
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: max(capacity, 1), alignment: 16)
        count = 0
    }

    convenience init(copying source: UnsafeRawBufferPointer) {
        self.init(capacity: source.count)
        append(source)
    }

    private(set) var count: Int

    var contents: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[0..<count]) }

    func append(_ more: UnsafeRawBufferPointer) {
        if count + more.count > bytes.count {
            let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count * 2, count + more.count),
                                                               alignment: 16)
            if let base = bytes.baseAddress, let to = grown.baseAddress { to.copyMemory(from: base, byteCount: count) }
            wipeAndFree(bytes)
            bytes = grown
        }
        if let base = more.baseAddress, let to = bytes.baseAddress { (to + count).copyMemory(from: base, byteCount: more.count) }
        count += more.count
    }

    /// The first byte that is not white space, if any.
    var firstNonSpace: UInt8? { contents.first { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D } }

    func contains(_ text: String) -> Bool {
        let needle = Array(text.utf8)
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { start in
            needle.indices.allSatisfy { contents[start + $0] == needle[$0] }
        }
    }

    deinit { wipeAndFree(bytes) }
}

private func wipeAndFree(_ buffer: UnsafeMutableRawBufferPointer) {
    OPENSSL_cleanse(buffer.baseAddress, buffer.count)
    buffer.deallocate()
}

/// Reads a whole file ("-" is standard input), at most `limit` bytes.
func readFile(_ path: String, what: String, limit: Int = 1 << 20) throws -> Secret {
    let fd = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw CLIError("cannot read \(what) \(path): \(String(cString: strerror(errno)))") }
    defer { if fd != STDIN_FILENO { close(fd) } }
    let data = Secret(capacity: 4096)
    let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
    defer { wipeAndFree(chunk) }
    while true {
        let n = read(fd, chunk.baseAddress, chunk.count)
        if n < 0 && errno == EINTR { continue }
        guard n >= 0 else { throw CLIError("cannot read \(what) \(path): \(String(cString: strerror(errno)))") }
        if n == 0 { return data }
        guard data.count + n <= limit else { throw CLIError("\(what) \(path) is over \(limit) bytes") }
        data.append(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(chunk)[0..<n]))
    }
}

/// Writes a new file with `mode`; an existing one only with `overwrite`.
func writeFile(_ path: String, _ bytes: UnsafeRawBufferPointer, mode: mode_t, overwrite: Bool) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL), mode)
    guard fd >= 0 else {
        let reason = String(cString: strerror(errno))
        throw CLIError("cannot write \(path): \(reason)" + (errno == EEXIST ? " (use --force to overwrite)" : ""))
    }
    defer { close(fd) }
    guard fchmod(fd, mode) == 0 else { throw CLIError("cannot set the mode of \(path): \(String(cString: strerror(errno)))") }
    var done = 0
    while done < bytes.count {
        let n = write(fd, bytes.baseAddress.map { $0 + done }, bytes.count - done)
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { throw CLIError("cannot write \(path): \(String(cString: strerror(errno)))") }
        done += n
    }
}

/// One line on standard error, "tessera: " first.
func printError(_ text: String) {
    var line = Array("tessera: \(text)\n".utf8)
    var done = 0
    while done < line.count {
        let n = line.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress.map { $0 + done }, $0.count - done) }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return }
        done += n
    }
}

/// A warning on standard error.
func warn(_ text: String) {
    printError("warning: \(text)")
}

// MARK: - Algorithms and keys

/// An algorithm named as in a JWS header: HS256 … EdDSA.
struct Algorithm: ExpressibleByArgument {
    let value: tessera_alg

    init?(argument: String) {
        var alg = tessera_alg(rawValue: 0)
        guard tessera_alg_from_name(argument, &alg) == TESSERA_OK else { return nil }
        value = alg
    }

    static var allValueStrings: [String] {
        ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
         "ES256", "ES384", "ES512", "EdDSA"]
    }

    var name: String { String(cString: tessera_alg_name(value)) }
    var isHMAC: Bool { value == TESSERA_HS256 || value == TESSERA_HS384 || value == TESSERA_HS512 }
    var isRSA: Bool { !isHMAC && value.rawValue <= TESSERA_PS512.rawValue }
}

/// A tessera_key, freed (and wiped) with its owner.
final class Key {
    let handle: OpaquePointer
    init(_ handle: OpaquePointer) { self.handle = handle }
    deinit { tessera_key_free(handle) }
}

/// What a key file holds, judged by its first bytes: a JSON object naming
/// "keys" is a JWKS, one naming "kty" a JWK; anything else is PEM or DER for
/// the asymmetric algorithms and the raw secret for HS*. (The same rule by
/// which the library refuses key documents as HMAC secrets.)
enum KeyDocument {
    case jwks, jwk, other

    init(_ file: Secret) {
        if file.firstNonSpace == UInt8(ascii: "{") && file.contains("\"keys\"") {
            self = .jwks
        } else if file.firstNonSpace == UInt8(ascii: "{") && file.contains("\"kty\"") {
            self = .jwk
        } else {
            self = .other
        }
    }
}

/// Loads one key for `alg` from a file: a JWK, PEM/DER (RS/PS/ES/EdDSA) or
/// the secret's raw bytes (HS*, exactly as stored: no newline is removed).
func loadKey(_ alg: Algorithm, path: String, kid: String?) throws -> Key {
    let file = try readFile(path, what: "key file")
    return try loadKey(alg, file: file, path: path, kid: kid)
}

func loadKey(_ alg: Algorithm, file: Secret, path: String, kid: String?) throws -> Key {
    var handle: OpaquePointer?
    let context = "key \(path)"
    let bytes = file.contents
    switch KeyDocument(file) {
    case .jwks:
        throw CLIError("\(context) is a JWKS; give one key (a JWK, PEM or DER)")
    case .jwk:
        guard kid == nil else { throw CLIError("\(context) is a JWK: its kid is its own (leave out --kid)") }
        try require(tessera_key_new_jwk(alg.value, bytes.baseAddress, bytes.count, &handle), context)
    case .other where alg.isHMAC:
        try require(tessera_key_new_hmac(alg.value, bytes.baseAddress, bytes.count, kid, &handle), context)
    case .other:
        try require(tessera_key_new_pem(alg.value, bytes.baseAddress, bytes.count, kid, &handle), context)
    }
    guard let handle else { throw CLIError("\(context): no key") }
    return Key(handle)
}
