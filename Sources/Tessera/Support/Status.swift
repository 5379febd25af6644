/// Status codes of the C API (`TESSERA_E_*` in tessera.h). Values are fixed
/// by the contract: only ever appended, never renumbered.
enum Status: Int32, Sendable {
    case ok = 0
    case argument = -1
    case bufferTooSmall = -2
    case noMemory = -3
    case key = -4
    case algorithm = -5
    case malformed = -6
    case signature = -7
    case expired = -8
    case notYetValid = -9
    case issuedInFuture = -10
    case claim = -11
    case lifetime = -12
    case keyNotFound = -13
    case crypto = -14

    /// The static sentence `tessera_strerror` returns. Each literal carries
    /// its own NUL so that its storage is a C string.
    var sentence: StaticString {
        switch self {
        case .ok: return "success\0"
        case .argument: return "invalid argument (NULL pointer, bad length, unknown enum value or option out of range)\0"
        case .bufferTooSmall: return "output buffer too small\0"
        case .noMemory: return "out of memory\0"
        case .key: return "key unusable for this operation\0"
        case .algorithm: return "algorithm unknown, not allowed, or not the key's\0"
        case .malformed: return "malformed input (token, JSON, base64url or UTF-8) or limit exceeded\0"
        case .signature: return "signature or MAC does not verify\0"
        case .expired: return "expired\0"
        case .notYetValid: return "not yet valid\0"
        case .issuedInFuture: return "issued in the future\0"
        case .claim: return "claim missing, mistyped or not as required\0"
        case .lifetime: return "lifetime out of the allowed range\0"
        case .keyNotFound: return "no key fits the token's kid and algorithm\0"
        case .crypto: return "unexpected failure in the cryptographic library\0"
        }
    }
}

/// A failure inside the core: a status for the C caller and a detail for
/// `tessera_last_error`. Details never contain secret material.
struct TesseraError: Error {
    let status: Status
    let detail: String
    /// For `bufferTooSmall`: the length the output needs, without the NUL.
    var needed = 0

    init(_ status: Status, _ detail: String) {
        self.status = status
        self.detail = detail
    }

    static func argument(_ detail: String) -> TesseraError { TesseraError(.argument, detail) }
    static func malformed(_ detail: String) -> TesseraError { TesseraError(.malformed, detail) }
    static func key(_ detail: String) -> TesseraError { TesseraError(.key, detail) }
    static func algorithm(_ detail: String) -> TesseraError { TesseraError(.algorithm, detail) }
}

extension TesseraError {
    init(_ status: Status, _ detail: String, needed: Int) {
        self.init(status, detail)
        self.needed = needed
    }
}
