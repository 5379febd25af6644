// Header section "Signer templates and batches".
import CTesseraABI

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
private struct BatchArrays: BatchWork, @unchecked Sendable {
    let key: Unmanaged<Key>
    let claims: UnsafePointer<UnsafePointer<CChar>?>
    let lengths: UnsafePointer<Int>
    let out: UnsafeMutablePointer<CChar>
    let stride: Int
    let outLens: UnsafeMutablePointer<Int>
    let statuses: UnsafeMutablePointer<CInt>

    /// Signs item `i` into its slot, under the output contract.
    func run(_ i: Int) -> TesseraError? {
        let slot = CallerOutput(out + i * stride, stride, outLens + i)
        do throws(TesseraError) {
            let length = try key.borrow { (k: Key) throws(TesseraError) -> Int in
                guard let c = claims[i] else { throw .argument("claims[\(i)] is NULL") }
                guard lengths[i] >= 0 else { throw .argument("claims_lens[\(i)] is larger than SIZE_MAX / 2") }
                return try JWT.sign(key: k, claims: UnsafeRawBufferPointer(start: c, count: lengths[i]), output: slot.output)
            }
            outLens[i] = length
            statuses[i] = Status.ok.rawValue
            return nil
        } catch {
            slot.fail(after: error)
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
            // One pass: each item's status is recorded as it is signed, and
            // the lowest failing index comes back with its detail.
            if let (i, error) = Batch.forEach(arrays, count: count) {
                throw TesseraError(error.status, "claims[\(i)]: \(error.detail)")
            }
        }
    }
}
