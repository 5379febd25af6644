/// What a verifier accepts (`tessera_policy`): configured once, then shared
/// read-only by any number of threads.
///
/// Setters change `settings` (a plain Swift value) and rebuild `frozen`, a
/// copy in memory the policy owns with no reference-counted parts. Threads
/// verifying with the policy read only `frozen`: no retain, release or
/// exclusivity check touches memory that other cores also write, so a shared
/// policy costs nothing in scaling.
final class Policy: @unchecked Sendable {
    /// The policy's settings as the setters see them.
    struct Settings {
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
        /// Whether a token must carry `exp` (the default).
        var requireExp = true
    }

    /// The settings as verification reads them: plain data, strings as
    /// buffers owned by the policy.
    struct Frozen {
        var allowed: UInt32 = 0
        var issuer: UnsafeRawBufferPointer? = nil
        var audience: UnsafeRawBufferPointer? = nil
        var subject: UnsafeRawBufferPointer? = nil
        var type: UnsafeRawBufferPointer? = nil
        var leeway: Int64 = 0
        var maxLifetime: Int64 = 0
        var required = UnsafeBufferPointer<UnsafeRawBufferPointer>(start: nil, count: 0)
        var fixedTime: Int64? = nil
        var requireExp = true

        func allows(_ alg: Algorithm) -> Bool {
            allowed & (1 << alg.rawValue) != 0
        }
    }

    private(set) var settings: Settings
    /// Read by verification; rebuilt by `update`.
    let frozen: UnsafeMutablePointer<Frozen>
    /// The allocations behind `frozen`'s buffers, freed on rebuild.
    private var owned: [UnsafeMutableRawPointer] = []

    static let maxLeeway: UInt32 = 86_400
    /// Latest fixed time a policy takes: the end of year 9999, the largest
    /// NumericDate a token may carry, so that no time arithmetic overflows.
    static let maxFixedTime = NumericDate.max
    static let maxStringLength = 1024
    static let maxRequiredClaims = 32
    /// The defaults: a frozen view nobody writes, for a NULL policy.
    static let defaults = Policy()

    init(_ settings: Settings = Settings()) {
        self.settings = settings
        frozen = UnsafeMutablePointer<Frozen>.allocate(capacity: 1)
        frozen.initialize(to: Frozen())
        freeze()
    }

    deinit {
        release()
        frozen.deinitialize(count: 1)
        frozen.deallocate()
    }

    /// Changes the settings. Not while other threads verify with the policy.
    func update(_ change: (inout Settings) -> Void) {
        change(&settings)
        freeze()
    }

    private func release() {
        for p in owned { p.deallocate() }
        owned.removeAll()
    }

    private func copy(_ bytes: [UInt8]?) -> UnsafeRawBufferPointer? {
        guard let bytes else { return nil }
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        owned.append(p)
        bytes.withUnsafeBytes { b in
            if let base = b.baseAddress { p.copyMemory(from: base, byteCount: b.count) }
        }
        return UnsafeRawBufferPointer(start: p, count: bytes.count)
    }

    private func freeze() {
        release()
        let s = settings
        var f = Frozen()
        f.allowed = s.allowed
        f.issuer = copy(s.issuer)
        f.audience = copy(s.audience)
        f.subject = copy(s.subject)
        f.type = copy(s.type)
        f.leeway = s.leeway
        f.maxLifetime = s.maxLifetime
        f.fixedTime = s.fixedTime
        f.requireExp = s.requireExp
        if !s.required.isEmpty {
            let list = UnsafeMutablePointer<UnsafeRawBufferPointer>.allocate(capacity: s.required.count)
            owned.append(UnsafeMutableRawPointer(list))
            for (i, name) in s.required.enumerated() {
                (list + i).initialize(to: copy(name) ?? UnsafeRawBufferPointer(start: nil, count: 0))
            }
            f.required = UnsafeBufferPointer(start: list, count: s.required.count)
        }
        frozen.pointee = f
    }

    /// Checks a policy string: 1-1024 bytes of UTF-8.
    static func checkString(_ s: UnsafeRawBufferPointer?, _ what: StaticString) throws(TesseraError) -> [UInt8] {
        guard let s else { throw .argument("\(what) is NULL") }
        guard s.count > 0 else { throw .argument("\(what) is empty") }
        guard s.count <= maxStringLength else { throw .argument("\(what) is longer than \(maxStringLength) bytes") }
        if let bad = UTF8Check.firstInvalid(s) { throw .argument("\(what) is not valid UTF-8 (byte \(bad))") }
        return Array(s)
    }
}
