"""Shared pieces of the integration tests (`make test-integration`): PASS/FAIL
lines, temporary directories, waiting for a port, and the example auth server
(started through examples/auth-server/serverctl.py)."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "examples", "auth-server"))

from serverctl import Server, free_port  # noqa: E402


class Checks:
    """Counts checks; each prints `PASS <name>` or `FAIL <name> <detail>`."""

    def __init__(self, suite):
        self.suite, self.passed, self.failed = suite, 0, 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"PASS {name}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name} {detail}".rstrip(), flush=True)
        return ok

    def finish(self):
        print(f"{self.suite}: {self.passed} passed, {self.failed} failed", flush=True)
        return 1 if self.failed or not self.passed else 0


def workdir(name):
    """A fresh directory under build/integration/ (kept afterwards: logs and
    screenshots are the tests' artifacts)."""
    base = os.path.join(ROOT, "build", "integration")
    os.makedirs(base, exist_ok=True)
    return tempfile.mkdtemp(prefix=name + "-", dir=base)


def wait_tcp(port, seconds=10.0):
    """True once something accepts TCP connections on 127.0.0.1:port."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def stop(*procs, seconds=10):
    """Terminates the peers a test started (SIGTERM, then SIGKILL)."""
    for p in procs:
        p.terminate()
        try:
            p.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            p.kill()


def start_auth_server(tmp, sections):
    """The example auth server with `sections` as its config (plus a database
    in tmp); its log goes to tmp/auth-server.log. Returns the started Server."""
    config = dict(sections, store="sqlite:" + os.path.join(tmp, "auth.db"))
    config.setdefault("allowAnonymous", "callers" not in sections)
    path = os.path.join(tmp, "auth-server.json")
    with open(path, "w") as f:
        json.dump(config, f)
    binary = os.environ.get("AUTH_SERVER", os.path.join(ROOT, "build", "examples", "auth-server"))
    server = Server(binary, path, log=os.path.join(tmp, "auth-server.log"))
    if not server.start():
        raise SystemExit(f"auth-server did not start; see {tmp}/auth-server.log")
    return server


# ---- tokens for the nginx suites (auth_request and the module) --------------

def tamper(token):
    """The token with one payload character changed (not the last, whose
    low bits may be padding)."""
    head, body, sig = token.split(".")
    body = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    return f"{head}.{body}.{sig}"


class Tokens:
    """JWTs made by joserfc (no Tessera code) for a policy's issuer and
    audience: `claims()` are a valid token's claims at `now`, each one
    replaced by a keyword argument or dropped by passing None."""

    def __init__(self, issuer, audience, now):
        self.issuer, self.audience, self.now = issuer, audience, now

    def claims(self, **over):
        c = {"sub": "alice", "iss": self.issuer, "aud": self.audience, "iat": self.now, "exp": self.now + 600}
        c.update(over)
        return {k: v for k, v in c.items() if v is not None}

    def token(self, key, alg, **over):
        """Signed by `key` under `alg`, its kid in the header."""
        from joserfc import jwt
        return jwt.encode({"alg": alg, "kid": key.kid, "typ": "JWT"}, self.claims(**over), key, algorithms=[alg])


def bearer_get(base):
    """GET base + path with `Authorization: <scheme> <token>` (none when
    token is None)."""
    import requests

    def get(token=None, path="/protected/", scheme="Bearer"):
        headers = {"Authorization": f"{scheme} {token}"} if token is not None else {}
        return requests.get(base + path, headers=headers, timeout=10)
    return get
