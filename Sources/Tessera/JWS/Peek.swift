/// `tessera_jwt_peek`: step 1 of verification and nothing more, for a
/// server that must read a token's `kid` or `iss` to choose a key, or a
/// tool that displays a token. Nothing it returns is trusted.
enum Peek {
    /// Splits and decodes `token` exactly as verification's step 1 does
    /// (`CompactJWS`: size, three strict base64url segments, header and
    /// claims each one strict JSON object; `malformed` otherwise), then
    /// runs `body` with the decoded header and claims, which live in
    /// scratch memory for the length of the call.
    static func peek<R>(_ token: UnsafeRawBufferPointer,
                        _ body: (_ header: UnsafeRawBufferPointer, _ claims: UnsafeRawBufferPointer) -> R) throws(TesseraError) -> R {
        let jws = try CompactJWS(token)
        let size = jws.headerLength + jws.payloadLength + jws.signatureLength
        return try withUnsafeTemporaryAllocation(byteCount: max(size, 1), alignment: 8) { scratch throws(TesseraError) -> R in
            guard let s = scratch.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
                throw TesseraError(.noMemory, "no scratch memory")
            }
            let header = s, payload = s + jws.headerLength, signature = payload + jws.payloadLength
            var headerTop = JSONChecker.TopLevel(), claimsTop = JSONChecker.TopLevel()
            try jws.decode(header: header, payload: payload, signature: signature, payloadIsJSON: true,
                           headerTop: &headerTop, claimsTop: &claimsTop)
            return body(UnsafeRawBufferPointer(start: header, count: jws.headerLength),
                        UnsafeRawBufferPointer(start: payload, count: jws.payloadLength))
        }
    }
}
