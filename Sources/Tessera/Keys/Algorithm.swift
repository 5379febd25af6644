/// The JWS algorithms Tessera knows. Raw values are `tessera_alg`'s.
enum Algorithm: UInt32, CaseIterable, Sendable {
    case hs256 = 1, hs384, hs512
    case rs256, rs384, rs512
    case ps256, ps384, ps512
    case es256, es384, es512
    case edDSA

    /// The JWS `alg` name, NUL-terminated in storage (for `tessera_alg_name`).
    var cName: StaticString {
        switch self {
        case .hs256: return "HS256\0"
        case .hs384: return "HS384\0"
        case .hs512: return "HS512\0"
        case .rs256: return "RS256\0"
        case .rs384: return "RS384\0"
        case .rs512: return "RS512\0"
        case .ps256: return "PS256\0"
        case .ps384: return "PS384\0"
        case .ps512: return "PS512\0"
        case .es256: return "ES256\0"
        case .es384: return "ES384\0"
        case .es512: return "ES512\0"
        case .edDSA: return "EdDSA\0"
        }
    }

    /// The JWS `alg` name's bytes, without the NUL.
    var nameBytes: UnsafeRawBufferPointer {
        let s = cName
        return UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount - 1)
    }

    var name: String {
        String(decoding: nameBytes, as: UTF8.self)
    }

    /// The algorithm whose name is exactly `bytes` (case-sensitive), if any.
    init?(name bytes: UnsafeRawBufferPointer) {
        for alg in Algorithm.allCases {
            let n = alg.nameBytes
            if n.count == bytes.count && n.elementsEqual(bytes) {
                self = alg
                return
            }
        }
        return nil
    }

    /// The hash behind an HMAC algorithm, or nil for the asymmetric ones.
    var hmacHash: HashKind? {
        switch self {
        case .hs256: return .sha256
        case .hs384: return .sha384
        case .hs512: return .sha512
        default: return nil
        }
    }

    /// Length in bytes of the signature or MAC this algorithm produces,
    /// where it is fixed by the algorithm alone (HMAC, ECDSA, EdDSA).
    var fixedSignatureLength: Int? {
        switch self {
        case .hs256: return 32
        case .hs384: return 48
        case .hs512: return 64
        case .es256: return 64
        case .es384: return 96
        case .es512: return 132
        case .edDSA: return 64
        default: return nil
        }
    }
}

/// The key families behind JWS algorithms.
enum KeyFamily: Sendable {
    case rsa, ec, ed25519

    var jwkType: StaticString {
        switch self {
        case .rsa: return "RSA"
        case .ec: return "EC"
        case .ed25519: return "OKP"
        }
    }
}

extension Algorithm {
    var family: KeyFamily? {
        switch self {
        case .rs256, .rs384, .rs512, .ps256, .ps384, .ps512: return .rsa
        case .es256, .es384, .es512: return .ec
        case .edDSA: return .ed25519
        case .hs256, .hs384, .hs512: return nil
        }
    }

    /// OpenSSL's digest name (nil for EdDSA, which hashes internally).
    var digestName: StaticString? {
        switch self {
        case .rs256, .ps256, .es256, .hs256: return "SHA256\0"
        case .rs384, .ps384, .es384, .hs384: return "SHA384\0"
        case .rs512, .ps512, .es512, .hs512: return "SHA512\0"
        case .edDSA: return nil
        }
    }

    var isPSS: Bool { self == .ps256 || self == .ps384 || self == .ps512 }

    /// The EC curve: OpenSSL's group name, the JWK `crv`, the coordinate size.
    var curve: (group: StaticString, jwk: StaticString, size: Int)? {
        switch self {
        case .es256: return ("prime256v1\0", "P-256", 32)
        case .es384: return ("secp384r1\0", "P-384", 48)
        case .es512: return ("secp521r1\0", "P-521", 66)
        default: return nil
        }
    }
}
