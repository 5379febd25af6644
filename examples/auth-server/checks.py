"""What the auth server's end-to-end tests share: PASS/FAIL counting and
the independent (no Tessera code) reading of the tokens it returns."""
import base64
import hashlib
import hmac
import json

counts = {"passed": 0, "failed": 0}


def check(name, ok, detail=""):
    if ok:
        counts["passed"] += 1
        print(f"PASS {name}")
    else:
        counts["failed"] += 1
        print(f"FAIL {name} {detail}")


def finish(label):
    """Prints '<label>: N passed, N failed'; the exit status."""
    print(f"{label}: {counts['passed']} passed, {counts['failed']} failed")
    return 1 if counts["failed"] else 0


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hs256_ok(token, secret):
    """Checks an HS256 compact JWS with hmac; returns (header, claims) or None."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    mac = hmac.new(secret.encode(), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(b64url(mac), parts[2]):
        return None
    return json.loads(unb64url(parts[0])), json.loads(unb64url(parts[1]))
