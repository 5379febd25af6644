// Header section "Janus signed tokens".
import CTesseraABI

@c @implementation
public func tessera_janus_token(_ secret: UnsafeRawPointer!, _ secretLen: Int, _ expiry: Int64,
                                _ plugins: UnsafePointer<UnsafePointer<CChar>?>!, _ pluginCount: Int,
                                _ out: UnsafeMutablePointer<CChar>!, _ outCap: Int,
                                _ outLen: UnsafeMutablePointer<Int>!) -> CInt {
    entry(out: out, cap: outCap, outLen: outLen) { output throws(TesseraError) -> Int in
        let s = try input(secret, secretLen, "secret")
        let names = try CStringArray(plugins, pluginCount, "plugins", count: "plugin_count", element: "a plugin name",
                                     limit: JanusToken.maxLength)
        try output.checkArguments()
        return try JanusToken.sign(secret: s, expiry: expiry, pluginCount: names.count, plugin: names.callAsFunction, output: output)
    }
}

@c @implementation
public func tessera_janus_token_verify(_ secret: UnsafeRawPointer!, _ secretLen: Int,
                                       _ token: UnsafePointer<CChar>!, _ tokenLen: Int,
                                       _ plugin: UnsafePointer<CChar>!, _ now: Int64) -> CInt {
    entry { () throws(TesseraError) in
        let s = try input(secret, secretLen, "secret")
        let t = try input(token, tokenLen, "token")
        let p = try optionalCString(plugin, limit: JanusToken.maxLength, "plugin")
        try JanusToken.verify(secret: s, token: t, plugin: p, now: now)
    }
}
