#!/usr/bin/env python3
"""nginx's auth_request in front of a protected location, with the example
auth server's GET /verify deciding.

Copies examples/nginx/ into a work directory, points it at a free port for
nginx and the auth server's port, and runs Debian's nginx on loopback. The
auth server's "verify" section names a JWKS (an RS256 and an ES256 key made
here with joserfc) and the policy: RS256/ES256 only, issuer, audience, at most
one hour of lifetime. Tokens are made by joserfc (no Tessera code); every
refusal must reach the client as nginx's 401 with the challenge.
"""
import json
import os
import shutil
import subprocess
import sys
import time

import requests
from harness import (ROOT, Checks, Tokens, bearer_get, free_port, start_auth_server, stop, tamper, wait_tcp,
                     workdir)
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, RSAKey

ISSUER, AUDIENCE = "https://issuer.tessera.test", "media-api"


def main():
    t = Checks("nginx")
    tmp = workdir("nginx")
    os.chmod(tmp, 0o755)  # nginx's workers (nobody) read html/ from here
    rsa = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})
    ec = ECKey.generate_key("P-256", parameters={"kid": "ec-1"})
    stranger = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})  # same kid, other key
    jwks = os.path.join(tmp, "jwks.json")
    with open(jwks, "w") as f:
        json.dump({"keys": [dict(rsa.as_dict(private=False), alg="RS256", use="sig"),
                            dict(ec.as_dict(private=False), alg="ES256", use="sig")]}, f)
    auth = start_auth_server(tmp, {"verify": {"jwks": jwks, "algorithms": ["RS256", "ES256"], "issuer": ISSUER,
                                              "audience": AUDIENCE, "maxLifetime": 3600, "leeway": 5}})

    prefix = os.path.join(tmp, "nginx")
    shutil.copytree(os.path.join(ROOT, "examples", "nginx"), prefix)
    for d in ("logs", "tmp"):
        os.makedirs(os.path.join(prefix, d), exist_ok=True)
    for d, _, files in os.walk(prefix):
        os.chmod(d, 0o755)
        for name in files:
            os.chmod(os.path.join(d, name), 0o644)
    port = free_port()
    conf_path = os.path.join(prefix, "nginx.conf")
    conf = open(conf_path).read()
    t.check("examples/nginx/nginx.conf names the auth server and its own listener once each",
            conf.count("server 127.0.0.1:8080;") == 1 and conf.count("listen 127.0.0.1:8081;") == 1)
    conf = conf.replace("server 127.0.0.1:8080;", f"server 127.0.0.1:{auth.port};")
    conf = conf.replace("listen 127.0.0.1:8081;", f"listen 127.0.0.1:{port};")
    with open(conf_path, "w") as f:
        f.write(conf)

    syntax = subprocess.run(["nginx", "-t", "-p", prefix, "-e", "logs/error.log", "-c", "nginx.conf"],
                            capture_output=True, text=True)
    t.check("nginx -t accepts the example configuration", syntax.returncode == 0, syntax.stderr[-400:])
    nginx = subprocess.Popen(["nginx", "-p", prefix, "-e", "logs/error.log", "-c", "nginx.conf", "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        t.check("nginx listens on loopback", wait_tcp(port), f"see {prefix}/logs/error.log")

        get = bearer_get(base)
        now = int(time.time())
        tokens = Tokens(ISSUER, AUDIENCE, now)
        claims, token = tokens.claims, tokens.token

        r = get(path="/public/")
        t.check("a public location serves without a token", r.status_code == 200 and r.text == "public content\n", r.status_code)

        r = get()
        t.check("no token: 401 from nginx, with the Bearer challenge passed on",
                r.status_code == 401 and r.headers.get("WWW-Authenticate", "").startswith("Bearer"), (r.status_code, r.headers))
        t.check("the protected file is not in the refusal", "protected content" not in r.text)

        r = get(token(rsa, "RS256"))
        t.check("a valid RS256 token: 200 and the protected file",
                r.status_code == 200 and r.text.startswith("protected content"), (r.status_code, r.text[:200]))
        t.check("nginx passes on the verified subject (auth_request_set from X-Auth-Subject)",
                r.headers.get("X-Auth-Subject") == "alice", r.headers)
        r = get(token(ec, "ES256", sub="bob"))
        t.check("a valid ES256 token (key chosen by kid from the JWKS): 200",
                r.status_code == 200 and r.headers.get("X-Auth-Subject") == "bob", (r.status_code, r.headers))

        refused = {
            "expired": token(rsa, "RS256", iat=now - 1200, exp=now - 600),
            "not yet valid (nbf in the future)": token(rsa, "RS256", nbf=now + 600),
            "wrong audience": token(rsa, "RS256", aud="another-api"),
            "no audience": token(rsa, "RS256", aud=None),
            "wrong issuer": token(rsa, "RS256", iss="https://evil.example"),
            "lifetime over the maximum (2 h)": token(rsa, "RS256", exp=now + 7200),
            "no exp": token(rsa, "RS256", exp=None),
            "signed by another key with the same kid": token(stranger, "RS256"),
            "an algorithm the policy does not allow (HS256)": jwt.encode(
                {"alg": "HS256", "kid": "rsa-1"}, claims(), OctKey.import_key("k" * 32)),
            "alg none": "eyJhbGciOiJub25lIn0." + token(rsa, "RS256").split(".")[1] + ".",
            "garbage": "not-a-token",
            "a tampered payload": tamper(token(rsa, "RS256")),
        }
        for name, bad in refused.items():
            r = get(bad)
            t.check(f"refused with 401: {name}",
                    r.status_code == 401 and "invalid_token" in r.headers.get("WWW-Authenticate", ""),
                    (r.status_code, r.headers.get("WWW-Authenticate")))
        r = get(token(rsa, "RS256"), scheme="Basic")
        t.check("a token under another scheme (Basic) is refused", r.status_code == 401, r.status_code)

        # The auth server's own answer, as nginx's subrequest sees it.
        r = requests.get(f"http://127.0.0.1:{auth.port}/verify",
                         headers={"Authorization": "Bearer " + token(rsa, "RS256", sub="carol")}, timeout=5)
        t.check("GET /verify answers the verified claims and X-Auth-Subject",
                r.status_code == 200 and r.json().get("sub") == "carol" and r.headers.get("X-Auth-Subject") == "carol",
                (r.status_code, r.text[:200]))
        r = requests.get(f"http://127.0.0.1:{auth.port}/verify",
                         headers={"Authorization": "Bearer " + refused["wrong audience"]}, timeout=5)
        t.check("GET /verify refuses with a category and no library detail (JSON)",
                r.status_code == 401 and r.json() == {"error": "invalid_token", "category": "claim"}, r.text[:200])
        log = [json.loads(line) for line in open(os.path.join(tmp, "auth-server.log"))]
        verified = [e for e in log if e.get("path") == "/verify" and e.get("method") == "GET"]
        t.check("every protected request went through the auth server (its log)",
                len(verified) >= 2 + len(refused), len(verified))
        t.check("the auth server's log keeps the library's detail of each refusal",
                all("detail" in e for e in verified if e["status"] == 401), [e for e in verified if e["status"] == 401][:2])
    finally:
        stop(nginx)
        t.check("auth server stops cleanly", auth.stop() == 0)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
