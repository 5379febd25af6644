"""A stand-in for the operator's identity provider, independent of Tessera:
an ES256 key made and used with pyca/cryptography, its JWKS written to a
file for the auth server's "callers" section, and tokens signed with it."""
import json
import time
import uuid

from checks import b64url
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

ISSUER = "https://idp.example.com"
AUDIENCE = "rtc-auth"


class IdP:
    def __init__(self, kid="idp-1"):
        self.kid = kid
        self.key = ec.generate_private_key(ec.SECP256R1())

    def jwk(self):
        numbers = self.key.public_key().public_numbers()
        return {"kty": "EC", "crv": "P-256", "kid": self.kid, "alg": "ES256", "use": "sig",
                "x": b64url(numbers.x.to_bytes(32, "big")), "y": b64url(numbers.y.to_bytes(32, "big"))}

    def write_jwks(self, path, *others):
        with open(path, "w") as f:
            json.dump({"keys": [self.jwk()] + [o.jwk() for o in others]}, f)

    def token(self, sub, aud=AUDIENCE, iss=ISSUER, lifetime=300, now=None, **extra):
        now = int(time.time()) if now is None else now
        claims = {"iss": iss, "aud": aud, "sub": sub, "iat": now, "exp": now + lifetime, "jti": str(uuid.uuid4())}
        claims.update(extra)
        head = b64url(json.dumps({"alg": "ES256", "typ": "JWT", "kid": self.kid}).encode())
        body = b64url(json.dumps(claims).encode())
        der = self.key.sign(f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return f"{head}.{body}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"

    def callers(self, jwks_path):
        """The auth server's "callers" section for this IdP."""
        return {"jwks": jwks_path, "issuer": ISSUER, "audience": AUDIENCE, "algorithms": ["ES256"], "leeway": 5}

    def auth(self, sub, **kw):
        return {"Authorization": "Bearer " + self.token(sub, **kw)}
