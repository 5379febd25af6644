// Helpers for the exported entry points: turning raw caller pointers into
// buffers, keeping the per-thread error detail, and the output contract.
// Only code in CAPI/ touches raw caller pointers.
import CTesseraSupport
import CTesseraABI
import Glibc

/// Records `error` as the calling thread's detail; returns its status.
func fail(_ error: TesseraError) -> CInt {
    var detail = error.detail
    detail.withUTF8 { d in
        if let base = d.baseAddress {
            tessera__detail_set(UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), d.count)
        } else {
            tessera__detail_clear()
        }
    }
    return error.status.rawValue
}

/// Runs a fallible entry point: clears the detail on success, records it on
/// failure.
@inline(__always)
func entry(_ body: () throws(TesseraError) -> Void) -> CInt {
    do {
        try body()
        tessera__detail_clear()
        return Status.ok.rawValue
    } catch {
        return fail(error)
    }
}

/// A caller's `(out, out_cap, out_len)`, checked once: what the core may
/// write into (`output`) and how every outcome is reported back under the
/// output contract of tessera.h.
struct CallerOutput {
    /// The argument names a detail uses: out, out_cap, out_len, or a part's.
    struct Names {
        let len: StaticString
        let capTooLarge: StaticString
        let outNull: StaticString
        static let out = Names(len: "out_len is NULL", capTooLarge: "out_cap is larger than SIZE_MAX / 2",
                               outNull: "out is NULL but out_cap is not 0")
    }

    let out: UnsafeMutablePointer<CChar>?
    let cap: Int
    let len: UnsafeMutablePointer<Int>?
    /// The arguments describe a buffer: out_cap fits, and out is not NULL
    /// unless out_cap is 0.
    let bufferValid: Bool
    let output: Output

    @inline(__always)
    init(_ out: UnsafeMutablePointer<CChar>?, _ cap: Int, _ len: UnsafeMutablePointer<Int>?, names: Names = .out) {
        self.out = out
        self.cap = cap
        self.len = len
        bufferValid = cap >= 0 && (out != nil || cap == 0)
        let buffer: UnsafeMutableRawBufferPointer? =
            bufferValid && cap > 0 ? UnsafeMutableRawBufferPointer(start: out, count: cap) : nil
        output = Output(buffer: buffer, argumentProblem: len == nil ? names.len
                        : !bufferValid ? (cap < 0 ? names.capTooLarge : names.outNull)
                        : nil)
    }

    /// Whether `length` bytes and a NUL fit.
    func fits(_ length: Int) -> Bool { output.buffer.map { length < $0.count } ?? false }

    /// After a failure: `*out_len` gets `needed` (the length, for a buffer
    /// too small; 0 otherwise) and a usable buffer is left holding "".
    func fail(needed: Int) {
        len?.pointee = needed
        if bufferValid, let out, cap > 0 { out.pointee = 0 }
    }

    /// After `error`: `fail(needed:)` with the length a buffer too small
    /// needed, 0 for any other failure.
    func fail(after error: TesseraError) {
        fail(needed: error.status == .bufferTooSmall ? error.needed : 0)
    }
}

/// Runs an entry point that writes text into `(out, out_cap, out_len)`,
/// applying the output contract of tessera.h to every outcome.
@inline(__always)
func entry(out: UnsafeMutablePointer<CChar>?, cap: Int, outLen: UnsafeMutablePointer<Int>?,
           _ body: (Output) throws(TesseraError) -> Int) -> CInt {
    let caller = CallerOutput(out, cap, outLen)
    do {
        let length = try body(caller.output)
        outLen?.pointee = length
        tessera__detail_clear()
        return Status.ok.rawValue
    } catch {
        caller.fail(after: error)
        return fail(error)
    }
}

/// A caller's (pointer, length) input that must not be NULL.
func input(_ p: UnsafeRawPointer?, _ length: Int, _ name: StaticString) throws(TesseraError) -> UnsafeRawBufferPointer {
    guard let p else { throw .argument("\(name) is NULL") }
    guard length >= 0 else { throw .argument("\(name) length is larger than SIZE_MAX / 2") }
    return UnsafeRawBufferPointer(start: p, count: length)
}

/// A caller's (pointer, length) input that may be NULL (nil then).
func optionalInput(_ p: UnsafeRawPointer?, _ length: Int, _ name: StaticString) throws(TesseraError) -> UnsafeRawBufferPointer? {
    guard let p else { return nil }
    guard length >= 0 else { throw .argument("\(name) length is larger than SIZE_MAX / 2") }
    return UnsafeRawBufferPointer(start: p, count: length)
}

/// A NUL-terminated caller string of at most `limit` bytes, or nil for NULL.
/// Reads at most `limit + 1` bytes; longer strings are refused.
func optionalCString(_ s: UnsafePointer<CChar>?, limit: Int, _ name: StaticString) throws(TesseraError) -> UnsafeRawBufferPointer? {
    guard let s else { return nil }
    let length = strnlen(s, limit + 1)
    guard length <= limit else { throw .argument("\(name) is longer than \(limit) bytes") }
    return UnsafeRawBufferPointer(start: s, count: length)
}

/// A caller's array of `count` NUL-terminated strings (`const char *const
/// *`), read one element at a time and never copied: the array may be NULL
/// only when empty, and each element must not be NULL and is at most
/// `limit` bytes (longer: `argument`, naming it `element`).
struct CStringArray {
    let base: UnsafePointer<UnsafePointer<CChar>?>?
    let count: Int
    let name: StaticString
    let element: StaticString
    let limit: Int

    init(_ base: UnsafePointer<UnsafePointer<CChar>?>?, _ count: Int, _ name: StaticString, count countName: StaticString,
         element: StaticString, limit: Int) throws(TesseraError) {
        guard base != nil || count == 0 else { throw .argument("\(name) is NULL but \(countName) is not 0") }
        guard count >= 0 else { throw .argument("\(countName) is larger than SIZE_MAX / 2") }
        self.base = base
        self.count = count
        self.name = name
        self.element = element
        self.limit = limit
    }

    /// Element `i` (0 ..< count).
    func callAsFunction(_ i: Int) throws(TesseraError) -> UnsafeRawBufferPointer {
        guard let base, i >= 0, i < count, let s = try optionalCString(base[i], limit: limit, element) else {
            throw .argument("\(name)[\(i)] is NULL")
        }
        return s
    }
}

/// Handles: a `tessera_key *`, `tessera_keyset *` or `tessera_policy *` is
/// an unmanaged (retained) reference to the Swift object, released by its
/// `_free`.
///
/// Entry points borrow the object for the length of the call with
/// `_withUnsafeGuaranteedRef`: the caller's handle keeps it alive (the
/// contract says objects are not freed while in use), so no retain or
/// release is made. Retains on an object that every thread shares would
/// bounce its cache line between cores on every token.
enum Handle {
    static func make(_ object: AnyObject) -> OpaquePointer {
        OpaquePointer(Unmanaged.passRetained(object).toOpaque())
    }

    @inline(__always)
    static func borrow<T: AnyObject, R>(_ p: OpaquePointer?, _ what: StaticString, as: T.Type,
                                         _ body: (T) throws(TesseraError) -> R) throws(TesseraError) -> R {
        guard let p else { throw .argument("\(what) is NULL") }
        let result: Result<R, TesseraError> = Unmanaged<T>.fromOpaque(UnsafeRawPointer(p))._withUnsafeGuaranteedRef { object in
            do throws(TesseraError) {
                return .success(try body(object))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    @inline(__always)
    static func key<R>(_ p: OpaquePointer?, _ body: (Key) throws(TesseraError) -> R) throws(TesseraError) -> R {
        try borrow(p, "key", as: Key.self, body)
    }

    @inline(__always)
    static func keySet<R>(_ p: OpaquePointer?, _ body: (KeySet) throws(TesseraError) -> R) throws(TesseraError) -> R {
        try borrow(p, "key set", as: KeySet.self, body)
    }

    @inline(__always)
    static func policy<R>(_ p: OpaquePointer?, _ body: (Policy) throws(TesseraError) -> R) throws(TesseraError) -> R {
        try borrow(p, "policy", as: Policy.self, body)
    }

    /// Borrows a policy that may be NULL (the defaults).
    @inline(__always)
    static func optionalPolicy<R>(_ p: OpaquePointer?, _ body: (Policy?) throws(TesseraError) -> R) throws(TesseraError) -> R {
        guard p != nil else { return try body(nil) }
        return try borrow(p, "policy", as: Policy.self) { (policy: Policy) throws(TesseraError) -> R in try body(policy) }
    }

    static func release(_ p: OpaquePointer) {
        Unmanaged<AnyObject>.fromOpaque(UnsafeRawPointer(p)).release()
    }
}

/// A caller's `tessera_alg` as an `Algorithm`; 0 and unknown values throw.
func algorithm(_ alg: tessera_alg) throws(TesseraError) -> Algorithm {
    guard let a = Algorithm(rawValue: alg.rawValue) else {
        throw .argument("alg \(alg.rawValue) is not a tessera_alg value")
    }
    return a
}

/// Runs a constructor: clears `*out` first, stores the new object's handle
/// on success.
@inline(__always)
func construct(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ body: () throws(TesseraError) -> AnyObject) -> CInt {
    entry { () throws(TesseraError) in
        guard let out else { throw .argument("out is NULL") }
        out.pointee = nil
        out.pointee = Handle.make(try body())
    }
}
