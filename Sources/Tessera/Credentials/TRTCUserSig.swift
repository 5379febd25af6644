import COpenSSL

/// Tencent Cloud TRTC / IM UserSig, version 2.0 (Tencent's
/// tls-sig-api-v2 builders): a JSON object carrying
/// TLS.sig = base64(HMAC-SHA256(key, the signed lines)), zlib-compressed and
/// written in base64 with '*', '-' and '_' for '+', '/' and '='.
///
/// The JSON is formatted as Tencent's Python builder (`json.dumps` with its
/// default ", " and ": " separators and ASCII escaping) writes it, so that
/// the same inputs give the same UserSig as Tencent's own code.
enum TRTCUserSig {
    static let maxUserIdLength = 1024
    /// Largest inflated UserSig read by verify.
    static let maxInflated = 65536
    static let sigLength = 44

    // The JSON, piece by piece.
    static let j1: StaticString = "{\"TLS.ver\": \"2.0\", \"TLS.identifier\": \""
    static let j2: StaticString = "\", \"TLS.sdkappid\": "
    static let j3: StaticString = ", \"TLS.expire\": "
    static let j4: StaticString = ", \"TLS.time\": "
    static let j5: StaticString = ", \"TLS.sig\": \""
    static let j6: StaticString = "\"}"

    /// The fields a UserSig signs.
    struct Fields {
        let identifier: UnsafeRawBufferPointer
        let sdkAppId: Int64
        let time: Int64
        let expire: Int64
        /// TLS.userbuf's base64 text, if the UserSig has one.
        var userbuf: UnsafeRawBufferPointer? = nil

        /// Length of the signed lines.
        var signedLength: Int {
            15 + identifier.count + 1 + 13 + Text.decimalLength(sdkAppId) + 1 + 9 + Text.decimalLength(time) + 1
                + 11 + Text.decimalLength(expire) + 1 + (userbuf.map { 12 + $0.count + 1 } ?? 0)
        }

        /// Writes the signed lines at `p`; returns the end.
        func writeSigned(to p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
            var q = Text.write("TLS.identifier:", to: p)
            q = Text.write(identifier, to: q)
            q = Text.write("\nTLS.sdkappid:", to: q)
            q = Text.writeDecimal(sdkAppId, to: q)
            q = Text.write("\nTLS.time:", to: q)
            q = Text.writeDecimal(time, to: q)
            q = Text.write("\nTLS.expire:", to: q)
            q = Text.writeDecimal(expire, to: q)
            q = Text.write("\n", to: q)
            if let userbuf {
                q = Text.write("TLS.userbuf:", to: q)
                q = Text.write(userbuf, to: q)
                q = Text.write("\n", to: q)
            }
            return q
        }
    }

    static func checkArguments(sdkAppId: UInt64, key: UnsafeRawBufferPointer, userId: UnsafeRawBufferPointer?) throws(TesseraError) -> UnsafeRawBufferPointer {
        guard sdkAppId > 0, sdkAppId <= UInt64(Int64.max) else { throw .argument("sdk_app_id is 0 or above INT64_MAX") }
        guard key.count > 0 else { throw .argument("key is empty") }
        guard let userId else { throw .argument("user_id is NULL") }
        guard userId.count > 0 else { throw .argument("user_id is empty") }
        if let bad = UTF8Check.firstInvalid(userId) { throw .argument("user_id is not valid UTF-8 (byte \(bad))") }
        for c in userId where c < 0x20 || c == 0x7F { throw .argument("user_id holds a control character") }
        return userId
    }

    /// `tessera_trtc_usersig`.
    static func sign(sdkAppId: UInt64, key: UnsafeRawBufferPointer, userId: UnsafeRawBufferPointer?,
                     expire: UInt32, now: Int64, output: Output) throws(TesseraError) -> Int {
        let id = try checkArguments(sdkAppId: sdkAppId, key: key, userId: userId)
        guard expire > 0 else { throw .argument("expire is 0") }
        guard now >= 0 else { throw .argument("now is negative") }
        try output.checkArguments()
        let f = Fields(identifier: id, sdkAppId: Int64(sdkAppId), time: now, expire: Int64(expire))
        let jsonLength = j1.utf8CodeUnitCount + JSONWriter.asciiEscapedLength(id) + j2.utf8CodeUnitCount
            + Text.decimalLength(f.sdkAppId) + j3.utf8CodeUnitCount + Text.decimalLength(f.expire)
            + j4.utf8CodeUnitCount + Text.decimalLength(f.time) + j5.utf8CodeUnitCount + sigLength + j6.utf8CodeUnitCount
        guard let bound = Zlib.bound(jsonLength) else { throw .argument("user_id is too long") }
        let signedLength = f.signedLength
        // Scratch: the signed lines, the JSON, the compressed JSON.
        return try withUnsafeTemporaryAllocation(byteCount: signedLength + jsonLength + bound, alignment: 8) { scratch throws(TesseraError) -> Int in
            guard let base = scratch.baseAddress?.assumingMemoryBound(to: UInt8.self) else { throw TesseraError(.noMemory, "no scratch memory") }
            let signed = UnsafeRawBufferPointer(start: base, count: f.writeSigned(to: base) - base)
            let json = base + signedLength
            var q = Text.write(j1, to: json)
            q = JSONWriter.writeASCIIEscaped(id, to: q)
            q = Text.write(j2, to: q)
            q = Text.writeDecimal(f.sdkAppId, to: q)
            q = Text.write(j3, to: q)
            q = Text.writeDecimal(f.expire, to: q)
            q = Text.write(j4, to: q)
            q = Text.writeDecimal(f.time, to: q)
            q = Text.write(j5, to: q)
            guard HMACKey.encodeStandardMAC(hash: .sha256, secret: key, signed, to: q) else {
                throw TesseraError(.crypto, "HMAC-SHA256 computation failed in OpenSSL")
            }
            q = Text.write(j6, to: q + sigLength)
            return try Zlib.writeDeflatedBase64(UnsafeRawBufferPointer(start: json, count: q - json),
                                                scratch: UnsafeMutableRawBufferPointer(start: json + jsonLength, count: bound),
                                                .tencent, output: output)
        }
    }

    /// `tessera_trtc_usersig_verify`.
    static func verify(sdkAppId: UInt64, key: UnsafeRawBufferPointer, userId: UnsafeRawBufferPointer?,
                       usersig: UnsafeRawBufferPointer, now: Int64) throws(TesseraError) {
        let id = try checkArguments(sdkAppId: sdkAppId, key: key, userId: userId)
        guard usersig.count <= CompactJWS.maxLength else { throw .malformed("UserSig is longer than \(CompactJWS.maxLength) bytes") }
        try Zlib.withInflatedBase64(usersig, .tencent, limit: maxInflated, what: "UserSig",
                                    notBase64: "UserSig is not base64 in Tencent's alphabet") { doc throws(TesseraError) in
            _ = try JSONChecker.checkObject(doc, label: "UserSig")
            guard let json = doc.baseAddress?.assumingMemoryBound(to: UInt8.self) else { throw .malformed("UserSig is empty") }
            try check(document: json, doc.count, sdkAppId: Int64(sdkAppId), key: key, userId: id, now: now)
        }
    }

    /// Reads the checked JSON at `p` and applies the checks in the
    /// contract's order.
    private static func check(document p: UnsafePointer<UInt8>, _ n: Int, sdkAppId: Int64, key: UnsafeRawBufferPointer,
                              userId: UnsafeRawBufferPointer, now: Int64) throws(TesseraError) {
        var ver: JSONSpan?, identifier: JSONSpan?, sig: JSONSpan?, userbuf: JSONSpan?
        var appId: Int64?, time: Int64?, expire: Int64?
        var members = JSONScanner.members(p, n)
        func number(_ r: Range<Int>, _ name: StaticString) throws(TesseraError) -> Int64 {
            guard let v = Text.parseDecimal(UnsafeRawBufferPointer(start: p + r.lowerBound, count: r.count)) else {
                throw .malformed("UserSig's \(name) is not a non-negative integer")
            }
            return v
        }
        func string(_ r: Range<Int>, _ name: StaticString) throws(TesseraError) -> JSONSpan {
            guard let s = JSONScanner.stringSpan(p, r) else { throw .malformed("UserSig's \(name) is not a string") }
            return s
        }
        while let m = members.nextMember() {
            if m.name.equals("TLS.ver", in: p) { ver = try string(m.value, "TLS.ver") }
            else if m.name.equals("TLS.identifier", in: p) { identifier = try string(m.value, "TLS.identifier") }
            else if m.name.equals("TLS.sig", in: p) { sig = try string(m.value, "TLS.sig") }
            else if m.name.equals("TLS.userbuf", in: p) { userbuf = try string(m.value, "TLS.userbuf") }
            else if m.name.equals("TLS.sdkappid", in: p) { appId = try number(m.value, "TLS.sdkappid") }
            else if m.name.equals("TLS.time", in: p) { time = try number(m.value, "TLS.time") }
            else if m.name.equals("TLS.expire", in: p) { expire = try number(m.value, "TLS.expire") }
        }
        guard let ver, ver.equals("2.0", in: p) else { throw .malformed("UserSig's TLS.ver is not \"2.0\"") }
        guard let identifier, let sig, let appId, let time, let expire else {
            throw .malformed("UserSig lacks one of TLS.identifier, TLS.sdkappid, TLS.time, TLS.expire and TLS.sig")
        }
        if let userbuf, userbuf.escaped { throw .malformed("UserSig's TLS.userbuf holds escapes") }
        guard !sig.escaped else { throw .malformed("UserSig's TLS.sig holds escapes") }
        guard appId == sdkAppId else { throw TesseraError(.claim, "UserSig is for sdkappid \(appId), not \(sdkAppId)") }
        guard identifier.equals(userId, in: p) else { throw TesseraError(.claim, "UserSig is for another identifier") }
        let f = Fields(identifier: userId, sdkAppId: appId, time: time, expire: expire,
                       userbuf: userbuf.map { UnsafeRawBufferPointer(start: p + $0.start, count: $0.length) })
        let given = UnsafeRawBufferPointer(start: p + sig.start, count: sig.length)
        let matches = try withUnsafeTemporaryAllocation(byteCount: f.signedLength, alignment: 8) { s throws(TesseraError) -> Bool in
            guard let sp = s.baseAddress?.assumingMemoryBound(to: UInt8.self) else { throw TesseraError(.noMemory, "no scratch memory") }
            let end = f.writeSigned(to: sp)
            return try HMACKey.matchesStandardMAC(hash: .sha256, secret: key, UnsafeRawBufferPointer(start: sp, count: end - sp),
                                                  given: given)
        }
        guard matches else { throw TesseraError(.signature, "UserSig's TLS.sig does not match the key") }
        let (end, overflow) = time.addingReportingOverflow(expire)
        if !overflow && now >= end { throw TesseraError(.expired, "UserSig expired at \(end); now is \(now)") }
    }
}
