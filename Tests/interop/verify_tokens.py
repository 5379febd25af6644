#!/usr/bin/env python3
"""Checks what Tessera produced with implementations that share no code with
it: joserfc (JWS and JWK) and pyca/cryptography (the raw signatures, with the
public keys that `openssl` wrote).

    verify_tokens.py REPORT KEY_DIR

REPORT is written by Tests/C/test_keys.c:
    TOKEN <alg> <token> <public key file or -> <public JWK>
    JWKS <exported JWKS>
Prints PASS/FAIL lines and "interop: N passed, N failed"; exits 1 on failure.
"""
import base64
import json
import os
import sys
import warnings

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from joserfc import jws
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet, import_key, thumbprint

warnings.simplefilter("ignore")  # joserfc warns about EdDSA's name; not our concern here

passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def b64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


HASHES = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}


def verify_raw(alg, token, pubfile, keydir):
    """Verifies the JWS signature with cryptography and openssl's public key."""
    data = open(os.path.join(keydir, pubfile), "rb").read()
    key = (serialization.load_der_public_key(data) if pubfile.endswith(".der")
           else serialization.load_pem_public_key(data))
    head, payload, sig = token.split(".")
    message = f"{head}.{payload}".encode()
    signature = b64url(sig)
    if alg.startswith("RS"):
        assert isinstance(key, rsa.RSAPublicKey)
        key.verify(signature, message, padding.PKCS1v15(), HASHES[alg[2:]])
    elif alg.startswith("PS"):
        h = HASHES[alg[2:]]
        key.verify(signature, message, padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size), h)
    elif alg.startswith("ES"):
        assert isinstance(key, ec.EllipticCurvePublicKey)
        size = {"256": 32, "384": 48, "512": 66}[alg[2:]]
        assert len(signature) == 2 * size, f"raw r||s of {2 * size} bytes, got {len(signature)}"
        r = int.from_bytes(signature[:size], "big")
        s = int.from_bytes(signature[size:], "big")
        key.verify(encode_dss_signature(r, s), message, ec.ECDSA(HASHES[alg[2:]]))
    elif alg == "EdDSA":
        assert isinstance(key, ed25519.Ed25519PublicKey)
        key.verify(signature, message)
    else:
        raise AssertionError(f"unexpected alg {alg}")


def main():
    report, keydir = sys.argv[1], sys.argv[2]
    tokens = jwks_lines = 0
    for line in open(report, encoding="utf-8"):
        kind, _, rest = line.rstrip("\n").partition(" ")
        if kind == "TOKEN":
            alg, token, pubfile, jwk_text = rest.split(" ", 3)
            tokens += 1
            jwk = json.loads(jwk_text)
            name = f"{alg} ({pubfile})"
            # joserfc: the exported JWK, the compact token, the claims.
            try:
                key = import_key(jwk)
                obj = jws.deserialize_compact(token, key, algorithms=[alg])
                claims = json.loads(obj.payload)
                check(f"joserfc verifies {name}", obj.protected["alg"] == alg and claims["iss"] == "ops@example.com"
                      and claims["exp"] - claims["iat"] == 600 and len(claims["jti"]) == 36)
            except Exception as e:  # noqa: BLE001 - any failure is a finding
                check(f"joserfc verifies {name}", False, repr(e))
            check(f"exported JWK is public only {name}", not ({"d", "p", "q", "dp", "dq", "qi", "k"} & jwk.keys()))
            check(f"exported JWK has use/alg/kid {name}", jwk.get("use") == "sig" and jwk.get("alg") == alg and "kid" in jwk)
            if jwk["kid"] not in ("pem-1", "rfc8037"):
                required = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x")}[jwk["kty"]]
                check(f"kid is the RFC 7638 thumbprint {name}", jwk["kid"] == thumbprint({m: jwk[m] for m in required}))
            # A tampered token must not verify, and for the right reason: the
            # signature's first character changed (the same length, still
            # canonical base64url), so only the signature check can refuse it.
            head, payload, sig = token.split(".")
            forged = f"{head}.{payload}.{'B' if sig[0] == 'A' else 'A'}{sig[1:]}"
            try:
                jws.deserialize_compact(forged, import_key(jwk), algorithms=[alg])
                check(f"joserfc rejects a tampered {name}", False, "it verified")
            except BadSignatureError:
                check(f"joserfc rejects a tampered {name}", True)
            except Exception as e:  # noqa: BLE001 - any other failure is a finding
                check(f"joserfc rejects a tampered {name}", False, f"for another reason: {e!r}")
            if pubfile != "-":
                try:
                    verify_raw(alg, forged, pubfile, keydir)
                    check(f"cryptography rejects a tampered {name}", False, "it verified")
                except InvalidSignature:
                    check(f"cryptography rejects a tampered {name}", True)
                except Exception as e:  # noqa: BLE001
                    check(f"cryptography rejects a tampered {name}", False, f"for another reason: {e!r}")
            # cryptography: the signature against openssl's own public key file.
            if pubfile != "-":
                try:
                    verify_raw(alg, token, pubfile, keydir)
                    check(f"cryptography verifies {name} with openssl's public key", True)
                except Exception as e:  # noqa: BLE001
                    check(f"cryptography verifies {name} with openssl's public key", False, repr(e))
        elif kind == "JWKS":
            jwks_lines += 1
            try:
                ks = KeySet.import_key_set(json.loads(rest))
                check("joserfc reads the exported JWKS", len(ks.keys) == 2)
            except Exception as e:  # noqa: BLE001
                check("joserfc reads the exported JWKS", False, repr(e))
    check("report had tokens for every algorithm", tokens >= 21, f"({tokens} tokens)")
    check("report had a JWKS", jwks_lines == 1)
    print(f"interop: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
