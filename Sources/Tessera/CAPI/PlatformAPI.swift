// Header section "JWT platform profiles".
import CTesseraABI

@c @implementation
public func tessera_platform_token(_ key: OpaquePointer!, _ platform: UnsafePointer<CChar>!,
                                   _ params: UnsafePointer<UnsafePointer<CChar>?>!, _ paramCount: Int,
                                   _ now: Int64, _ ttl: UInt32,
                                   _ out: UnsafeMutablePointer<CChar>!, _ outCap: Int,
                                   _ outLen: UnsafeMutablePointer<Int>!) -> CInt {
    entry(out: out, cap: outCap, outLen: outLen) { output throws(TesseraError) -> Int in
        try Handle.key(key) { (k: Key) throws(TesseraError) -> Int in
            guard let name = try optionalCString(platform, limit: 64, "platform") else { throw .argument("platform is NULL") }
            guard let profile = JWTProfile.named(name) else {
                throw .argument("platform \"\(String(decoding: name, as: UTF8.self))\" is not one of "
                                + JWTProfile.all.map { String(describing: $0.name) }.joined(separator: ", "))
            }
            guard params != nil || paramCount == 0 else { throw .argument("params is NULL but param_count is not 0") }
            guard paramCount >= 0, paramCount <= 256 else { throw .argument("param_count is over 256") }
            try output.checkArguments()
            return try profile.sign(key: k, count: paramCount, pair: { (i: Int) throws(TesseraError) -> UnsafeRawBufferPointer in
                guard let p = try optionalCString(params[i], limit: CompactJWS.maxLength, "a parameter") else {
                    throw .argument("params[\(i)] is NULL")
                }
                return p
            }, now: now, ttl: ttl, output: output)
        }
    }
}
