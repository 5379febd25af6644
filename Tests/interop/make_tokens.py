#!/usr/bin/env python3
"""Signs tokens with implementations that share no code with Tessera
(joserfc, and pyca/cryptography for hand-made signatures), for
Tests/C/test_verify.c to check.

    make_tokens.py OUT_DIR

Writes OUT_DIR/tokens.txt:
    NOW <unix seconds>
    <alg> <key file> <token> <expected status name>
and the public keys (SPKI PEM) or HMAC secrets (raw bytes) beside it.
"""
import base64
import json
import os
import sys
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from joserfc import jws
from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey
import warnings

warnings.simplefilter("ignore")

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
now = int(time.time())
lines = [f"NOW {now}"]


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def write(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
    return name


def spki(private_key):
    return private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)


def pem(private_key):
    return private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())


claims = json.dumps({"iss": "python", "sub": "interop", "iat": now, "exp": now + 600}).encode()

rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ec_keys = {"ES256": ec.generate_private_key(ec.SECP256R1()), "ES384": ec.generate_private_key(ec.SECP384R1()),
           "ES512": ec.generate_private_key(ec.SECP521R1())}
ed_key = ed25519.Ed25519PrivateKey.generate()

keys = {}
for alg in ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"]:
    keys[alg] = (RSAKey.import_key(pem(rsa_key)), write("rsa.pub.pem", spki(rsa_key)))
for alg, k in ec_keys.items():
    keys[alg] = (ECKey.import_key(pem(k)), write(f"{alg}.pub.pem", spki(k)))
keys["EdDSA"] = (OKPKey.import_key(pem(ed_key)), write("ed25519.pub.pem", spki(ed_key)))
for alg, size in [("HS256", 32), ("HS384", 48), ("HS512", 64)]:
    secret = os.urandom(size)
    keys[alg] = (OctKey.import_key(secret), write(f"{alg}.secret", secret))

for alg, (key, keyfile) in keys.items():
    token = jws.serialize_compact({"alg": alg, "typ": "JWT"}, claims, key, algorithms=[alg])
    lines.append(f"{alg} {keyfile} {token} OK")
    head, payload, sig = token.split(".")
    # The payload changed but still JSON: the signature fails.
    other = b64(claims.replace(b'"interop"', b'"intercept"'))
    lines.append(f"{alg} {keyfile} {head}.{other}.{sig} SIGNATURE")
    # A flipped bit in the signature.
    raw = bytearray(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)))
    raw[len(raw) // 2] ^= 1
    lines.append(f"{alg} {keyfile} {head}.{payload}.{b64(bytes(raw))} SIGNATURE")
    # Expired (signed properly), and issued by someone else.
    expired = json.dumps({"iss": "python", "sub": "interop", "iat": now - 1200, "exp": now - 600}).encode()
    lines.append(f"{alg} {keyfile} {jws.serialize_compact({'alg': alg}, expired, key, algorithms=[alg])} EXPIRED")
    stranger = json.dumps({"iss": "pythonx", "iat": now, "exp": now + 600}).encode()
    lines.append(f"{alg} {keyfile} {jws.serialize_compact({'alg': alg}, stranger, key, algorithms=[alg])} CLAIM")

# Hand-made signatures: PSS with the wrong salt length, ECDSA in DER form.
signing_input = f"{b64(json.dumps({'alg': 'PS256'}).encode())}.{b64(claims)}".encode()
for salt, expected in [(32, "OK"), (20, "SIGNATURE"), (0, "SIGNATURE"), (64, "SIGNATURE")]:
    sig = rsa_key.sign(signing_input, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=salt), hashes.SHA256())
    lines.append(f"PS256 rsa.pub.pem {signing_input.decode()}.{b64(sig)} {expected}")
es_input = f"{b64(json.dumps({'alg': 'ES256'}).encode())}.{b64(claims)}".encode()
der = ec_keys["ES256"].sign(es_input, ec.ECDSA(hashes.SHA256()))
lines.append(f"ES256 ES256.pub.pem {es_input.decode()}.{b64(der)} SIGNATURE")

with open(os.path.join(out, "tokens.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")
print(f"make_tokens: {len(lines) - 1} tokens")
