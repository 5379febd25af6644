/// TURN REST API credentials, as coturn checks them with `use-auth-secret`
/// (draft-uberti-behave-turn-rest-00): the username is "<expiry>:<user>",
/// the password base64(HMAC-SHA1(shared secret, username)).
enum TURNCredential {
    static let passwordLength = 28
    static let maxUsernameLength = 512

    static func password(secret: UnsafeRawBufferPointer, username: UnsafeRawBufferPointer,
                         output: Output) throws(TesseraError) -> Int {
        guard secret.count > 0 else { throw .argument("secret is empty") }
        guard username.count > 0 else { throw .argument("username is empty") }
        guard username.count <= maxUsernameLength else {
            throw .argument("username is longer than \(maxUsernameLength) bytes")
        }
        let out = try output.reserve(passwordLength)
        let ok = HMACKey.encodeStandardMAC(hash: .sha1, secret: secret, username, to: out)
        guard ok else { throw TesseraError(.crypto, "HMAC-SHA1 computation failed in OpenSSL") }
        out[passwordLength] = 0
        return passwordLength
    }
}
