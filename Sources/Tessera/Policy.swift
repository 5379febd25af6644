/// What a verifier accepts: configured once, then shared read-only by any
/// number of threads (`tessera_policy`).
final class Policy: @unchecked Sendable {
    struct Config {
        /// Bit `alg.rawValue` set for each allowed algorithm; 0 means "the
        /// key's own algorithm only".
        var allowed: UInt32 = 0
        var issuer: [UInt8]? = nil
        var audience: [UInt8]? = nil
        var subject: [UInt8]? = nil
        var type: [UInt8]? = nil
        var leeway: Int64 = 0
        /// 0: no maximum.
        var maxLifetime: Int64 = 0
        var required: [[UInt8]] = []
        /// nil: the system clock at each verification.
        var fixedTime: Int64? = nil

        func allows(_ alg: Algorithm) -> Bool {
            allowed & (1 << alg.rawValue) != 0
        }
    }

    /// Read once per verification (one access, then a local copy).
    var config = Config()

    static let maxLeeway: UInt32 = 86_400
    static let maxStringLength = 1024
    static let maxRequiredClaims = 32

    /// Checks a policy string: 1-1024 bytes of UTF-8.
    static func checkString(_ s: UnsafeRawBufferPointer?, _ what: StaticString) throws(TesseraError) -> [UInt8] {
        guard let s else { throw .argument("\(what) is NULL") }
        guard s.count > 0 else { throw .argument("\(what) is empty") }
        guard s.count <= maxStringLength else { throw .argument("\(what) is longer than \(maxStringLength) bytes") }
        if let bad = UTF8Check.firstInvalid(s) { throw .argument("\(what) is not valid UTF-8 (byte \(bad))") }
        return Array(s)
    }
}
