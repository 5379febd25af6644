// Signer templates and batch signing.
import CTesseraABI
import Glibc

@c @implementation
public func tessera_signer_new(_ key: OpaquePointer!, _ claims: UnsafePointer<CChar>!, _ claimsLen: Int,
                               _ ttl: UInt32, _ flags: CUnsignedInt,
                               _ out: UnsafeMutablePointer<OpaquePointer?>!) -> CInt {
    construct(out) { () throws(TesseraError) in
        try Handle.key(key) { (k: Key) throws(TesseraError) -> AnyObject in
            let c = try input(claims, claimsLen, "claims")
            return try Signer(key: k, claims: c, ttl: ttl, flags: flags)
        }
    }
}

@c @implementation
public func tessera_signer_sign(_ signer: OpaquePointer!, _ claims: UnsafePointer<CChar>!, _ claimsLen: Int,
                                _ now: Int64, _ out: UnsafeMutablePointer<CChar>!, _ outCap: Int,
                                _ outLen: UnsafeMutablePointer<Int>!) -> CInt {
    entry(out: out, cap: outCap, outLen: outLen) { output throws(TesseraError) -> Int in
        try Handle.borrow(signer, "signer", as: Signer.self) { (s: Signer) throws(TesseraError) -> Int in
            let extra = try optionalInput(claims, claimsLen, "claims")
            if claims == nil && claimsLen != 0 { throw .argument("claims is NULL but claims_len is not 0") }
            try output.checkArguments()
            return try s.sign(now: now, extra: extra, output: output)
        }
    }
}

@c @implementation
public func tessera_signer_free(_ signer: OpaquePointer!) {
    guard let signer else { return }
    Handle.release(signer)
}

/// Raw caller arrays, shared read-only by the batch's workers; each worker
/// writes only its own items' slots.
private struct BatchArrays: @unchecked Sendable {
    let key: Unmanaged<Key>
    let claims: UnsafePointer<UnsafePointer<CChar>?>
    let lengths: UnsafePointer<Int>
    let out: UnsafeMutablePointer<CChar>
    let stride: Int
    let outLens: UnsafeMutablePointer<Int>
    let statuses: UnsafeMutablePointer<CInt>

    /// Signs item `i` into its slot, under the output contract.
    func sign(_ i: Int) -> TesseraError? {
        let slot = out + i * stride
        let buffer = UnsafeMutableRawBufferPointer(start: slot, count: stride)
        do throws(TesseraError) {
            let length = try key.borrow { (k: Key) throws(TesseraError) -> Int in
                guard let c = claims[i] else { throw .argument("claims[\(i)] is NULL") }
                guard lengths[i] >= 0 else { throw .argument("claims_lens[\(i)] is larger than SIZE_MAX / 2") }
                return try JWT.sign(key: k, claims: UnsafeRawBufferPointer(start: c, count: lengths[i]), output: Output(buffer: buffer))
            }
            outLens[i] = length
            statuses[i] = Status.ok.rawValue
            return nil
        } catch {
            outLens[i] = error.status == .bufferTooSmall ? error.needed : 0
            slot.pointee = 0
            statuses[i] = error.status.rawValue
            return error
        }
    }
}

@c @implementation
public func tessera_jwt_sign_batch(_ key: OpaquePointer!, _ count: Int,
                                   _ claims: UnsafePointer<UnsafePointer<CChar>?>!, _ claimsLens: UnsafePointer<Int>!,
                                   _ out: UnsafeMutablePointer<CChar>!, _ outStride: Int,
                                   _ outLens: UnsafeMutablePointer<Int>!, _ statuses: UnsafeMutablePointer<CInt>!) -> CInt {
    entry { () throws(TesseraError) in
        try Handle.key(key) { (k: Key) throws(TesseraError) in
            guard count >= 0 else { throw .argument("count is larger than SIZE_MAX / 2") }
            if count == 0 { return }
            guard let claims, let claimsLens, let out, let outLens, let statuses else {
                throw .argument("claims, claims_lens, out, out_lens and statuses must not be NULL")
            }
            guard outStride > 0, !count.multipliedReportingOverflow(by: outStride).overflow else {
                throw .argument("out_stride is 0, or count × out_stride overflows")
            }
            let arrays = BatchArrays(key: Unmanaged.passUnretained(k), claims: claims, lengths: claimsLens, out: out,
                                     stride: outStride, outLens: outLens, statuses: statuses)
            signInParallel(arrays, count: count)
            // The first failure, with its detail (signing it again is
            // deterministic: only the claims or the room can fail).
            for i in 0..<count where statuses[i] != Status.ok.rawValue {
                if let error = arrays.sign(i) {
                    throw TesseraError(error.status, "claims[\(i)]: \(error.detail)")
                }
            }
        }
    }
}

/// Fewest tokens worth a thread of their own.
private let minPerThread = 256

/// One worker's share of a batch.
private struct BatchRange {
    let arrays: BatchArrays
    let start: Int
    let end: Int

    func run() {
        if start < end { for i in start..<end { _ = arrays.sign(i) } }
    }
}

private func batchThread(_ argument: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    argument?.assumingMemoryBound(to: BatchRange.self).pointee.run()
    return nil
}

/// Splits the batch into one contiguous range per core (at least
/// `minPerThread` tokens each, about 100 µs of HS256 work, so that starting a
/// thread costs a small fraction of what it does) and signs them on
/// short-lived POSIX threads, the calling thread
/// taking the first range. Plain pthreads rather than Dispatch: linking
/// libdispatch into the library would start a second thread pool inside
/// the host process and leave a libdispatch symbol in libtessera.so's
/// dynamic symbol table. If a thread cannot be started, its range runs on
/// the calling thread.
private func signInParallel(_ arrays: BatchArrays, count: Int) {
    let cpus = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    let workers = max(1, min(cpus, count / minPerThread))
    if workers == 1 {
        BatchRange(arrays: arrays, start: 0, end: count).run()
        return
    }
    let per = (count + workers - 1) / workers
    let ranges = UnsafeMutablePointer<BatchRange>.allocate(capacity: workers)
    var threads = [pthread_t?](repeating: nil, count: workers)
    for w in 0..<workers {
        (ranges + w).initialize(to: BatchRange(arrays: arrays, start: min(count, w * per), end: min(count, (w + 1) * per)))
    }
    for w in 1..<workers {
        var thread = pthread_t()
        if pthread_create(&thread, nil, batchThread, UnsafeMutableRawPointer(ranges + w)) == 0 {
            threads[w] = thread
        } else {
            ranges[w].run()
        }
    }
    ranges[0].run()
    for w in 1..<workers {
        if let thread = threads[w] { pthread_join(thread, nil) }
    }
    ranges.deinitialize(count: workers)
    ranges.deallocate()
}
