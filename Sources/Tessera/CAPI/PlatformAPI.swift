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
            let pairs = try CStringArray(params, paramCount, "params", count: "param_count", element: "a parameter",
                                         limit: CompactJWS.maxLength)
            guard paramCount <= 256 else { throw .argument("param_count is over 256") }
            try output.checkArguments()
            return try profile.sign(key: k, count: pairs.count, pair: pairs.callAsFunction, now: now, ttl: ttl, output: output)
        }
    }
}
