#!/usr/bin/env python3
"""ngx_http_tessera_module in Debian's nginx, on loopback: tokens verified
inside nginx, no auth server.

    test_nginx_module.py MODULE.so

Copies examples/nginx-module/nginx.conf into a work directory, points it at
the built module, free ports and a JWKS made here with joserfc (RS256 and
ES256 by kid, EdDSA), and runs nginx. Tokens are made by joserfc (no Tessera
code). Checks the token matrix of the auth_request test, the variables as
the upstream receives them, `nginx -s reload` rotating keys (cached tokens
included), a cached token refused once it expires, refusals' challenge and
log line, and `nginx -t` refusing a malformed JWKS with one clear line.
"""
import json
import os
import re
import subprocess
import sys
import time
import warnings

from harness import ROOT, Checks, Tokens, bearer_get, tamper, free_port, stop, wait_tcp, workdir
from joserfc import jws, jwt
from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey

ISSUER, AUDIENCE = "https://issuer.tessera.test", "media-api"
# joserfc warns that RFC 9864 deprecates the name "EdDSA"; Tessera and this
# test still use it (it is what deployed JWKS say).
warnings.filterwarnings("ignore", message="EdDSA is deprecated")


def public_jwks(*keys):
    return {"keys": [dict(k.as_dict(private=False), alg=alg, use="sig") for k, alg in keys]}


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: test_nginx_module.py MODULE.so")
    module = os.path.abspath(sys.argv[1])
    t = Checks("nginx-module")
    tmp = workdir("nginx-module")
    os.chmod(tmp, 0o755)
    prefix = os.path.join(tmp, "nginx")
    os.makedirs(os.path.join(prefix, "logs"))
    os.makedirs(os.path.join(prefix, "tmp"))

    rsa = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})
    ec = ECKey.generate_key("P-256", parameters={"kid": "ec-1"})
    ed = OKPKey.generate_key("Ed25519", parameters={"kid": "ed-1"})
    stranger = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})  # same kid, other key
    rotated = ECKey.generate_key("P-256", parameters={"kid": "ec-2"})
    jwks_path = os.path.join(prefix, "jwks.json")
    with open(jwks_path, "w") as f:
        json.dump(public_jwks((rsa, "RS256"), (ec, "ES256"), (ed, "EdDSA")), f)

    port, app_port = free_port(), free_port()
    conf = open(os.path.join(ROOT, "examples", "nginx-module", "nginx.conf")).read()
    t.check("the example configuration names its module, ports and JWKS once each",
            conf.count("load_module ../../build/nginx-module/ngx_http_tessera_module.so;") == 1
            and conf.count("listen 127.0.0.1:8082;") == 1 and conf.count("listen 127.0.0.1:8083;") == 1
            and conf.count("http://127.0.0.1:8083;") == 3 and conf.count("tessera_jwt_keys jwks.json;") == 1)
    conf = conf.replace("load_module ../../build/nginx-module/ngx_http_tessera_module.so;", f"load_module {module};")
    conf = conf.replace("listen 127.0.0.1:8082;", f"listen 127.0.0.1:{port};")
    conf = conf.replace("listen 127.0.0.1:8083;", f"listen 127.0.0.1:{app_port};")
    conf = conf.replace("http://127.0.0.1:8083;", f"http://127.0.0.1:{app_port};")
    # Two more locations for this test: a single PEM public key (kid
    # ignored: the one key decides) and a single JWK.
    with open(os.path.join(prefix, "rsa.pem"), "wb") as f:
        f.write(rsa.as_pem(private=False))
    with open(os.path.join(prefix, "ed.jwk"), "w") as f:
        json.dump(ed.as_dict(private=False), f)
    extra = (f"location /pem/ {{ tessera_jwt on; tessera_jwt_keys rsa.pem; tessera_jwt_algorithms RS256 PS256;"
             f" proxy_pass http://127.0.0.1:{app_port}; proxy_set_header X-Subject $tessera_jwt_sub; }}\n"
             f"        location /jwk/ {{ tessera_jwt on; tessera_jwt_keys ed.jwk; tessera_jwt_algorithms EdDSA;"
             f" proxy_pass http://127.0.0.1:{app_port}; proxy_set_header X-Subject $tessera_jwt_sub; }}\n"
             "        location /public/ {")
    conf = conf.replace("location /public/ {", extra, 1)
    # The refusal's category, for this test to read ($tessera_jwt_error).
    conf = conf.replace("location /protected/ {",
                        "location /protected/ {\n            add_header X-Tessera-Error $tessera_jwt_error always;", 1)
    conf_path = os.path.join(prefix, "nginx.conf")
    with open(conf_path, "w") as f:
        f.write(conf)
    for d, _, files in os.walk(prefix):
        os.chmod(d, 0o755)
        for name in files:
            os.chmod(os.path.join(d, name), 0o644)

    def nginx(*args, config=conf_path):
        return subprocess.run(["nginx", "-p", prefix, "-e", "logs/error.log", "-c", config, *args],
                              capture_output=True, text=True, timeout=30)

    syntax = nginx("-t")
    t.check("nginx -t accepts the example configuration with the module loaded", syntax.returncode == 0,
            syntax.stderr[-600:])

    # A malformed JWKS fails `nginx -t` with one line naming the directive.
    bad_prefix = os.path.join(tmp, "bad")
    os.makedirs(os.path.join(bad_prefix, "logs"))
    with open(os.path.join(bad_prefix, "jwks.json"), "w") as f:
        f.write('{"keys": [{"kty": "RSA", "n": "not base64url!", "e": "AQAB", "alg": "RS256"}]}')
    with open(os.path.join(bad_prefix, "nginx.conf"), "w") as f:
        f.write(f"load_module {module};\nerror_log logs/error.log;\npid logs/nginx.pid;\nevents {{}}\n"
                "http { tessera_jwt_keys jwks.json; tessera_jwt_algorithms RS256;"
                " server { listen 127.0.0.1:1; location / { tessera_jwt on; } } }\n")
    bad = subprocess.run(["nginx", "-t", "-p", bad_prefix, "-e", "logs/error.log", "-c", "nginx.conf"],
                         capture_output=True, text=True, timeout=30)
    emerg = [line for line in bad.stderr.splitlines() if "[emerg]" in line]
    t.check("a malformed JWKS fails nginx -t", bad.returncode != 0, bad.stderr[-400:])
    t.check("... with one [emerg] line naming tessera_jwt_keys, the file and the reason",
            len(emerg) == 1 and "tessera_jwt_keys" in emerg[0] and "jwks.json" in emerg[0]
            and "nginx.conf:5" in emerg[0], emerg)
    with open(os.path.join(bad_prefix, "jwks.json"), "w") as f:
        f.write('{"keys": [')
    bad = subprocess.run(["nginx", "-t", "-p", bad_prefix, "-e", "logs/error.log", "-c", "nginx.conf"],
                         capture_output=True, text=True, timeout=30)
    t.check("a truncated JWKS fails nginx -t too", bad.returncode != 0 and "tessera_jwt_keys" in bad.stderr,
            bad.stderr[-300:])
    with open(os.path.join(bad_prefix, "jwks.json"), "wb") as f:
        f.write(rsa.as_pem(private=True))
    bad = subprocess.run(["nginx", "-t", "-p", bad_prefix, "-e", "logs/error.log", "-c", "nginx.conf"],
                         capture_output=True, text=True, timeout=30)
    t.check("a private key PEM fails nginx -t (nginx needs only the public key)",
            bad.returncode != 0 and "a private key" in bad.stderr, bad.stderr[-300:])
    with open(os.path.join(bad_prefix, "nginx.conf"), "w") as f:
        f.write(f"load_module {module};\nerror_log logs/error.log;\npid logs/nginx.pid;\nevents {{}}\n"
                f"http {{ tessera_jwt_keys {jwks_path};"
                " server { listen 127.0.0.1:1; location / { tessera_jwt on; } } }\n")
    bad = subprocess.run(["nginx", "-t", "-p", bad_prefix, "-e", "logs/error.log", "-c", "nginx.conf"],
                         capture_output=True, text=True, timeout=30)
    t.check("tessera_jwt on without tessera_jwt_algorithms fails nginx -t",
            bad.returncode != 0 and "tessera_jwt_algorithms" in bad.stderr, bad.stderr[-300:])

    server = subprocess.Popen(["nginx", "-p", prefix, "-e", "logs/error.log", "-c", conf_path, "-g", "daemon off;"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    error_log = os.path.join(prefix, "logs", "error.log")
    try:
        t.check("nginx listens on loopback", wait_tcp(port) and wait_tcp(app_port), f"see {error_log}")

        get = bearer_get(base)
        now = int(time.time())
        tokens = Tokens(ISSUER, AUDIENCE, now)
        claims, token = tokens.claims, tokens.token

        r = get(path="/public/")
        t.check("a location without tessera_jwt serves without a token", r.status_code == 200, r.status_code)

        r = get()
        challenge = r.headers.get("WWW-Authenticate", "")
        t.check("no token: 401 with a Bearer realm challenge and no error",
                r.status_code == 401 and challenge.startswith("Bearer realm=") and "error" not in challenge,
                (r.status_code, challenge))
        t.check("no token: $tessera_jwt_error is \"missing\"", r.headers.get("X-Tessera-Error") == "missing",
                r.headers)

        for path in ("/protected/", "/uncached/"):
            r = get(token(rsa, "RS256"), path=path)
            t.check(f"{path}: a valid RS256 token (kid from the JWKS) reaches the upstream with its subject",
                    r.status_code == 200 and r.text.startswith("sub=alice "), (r.status_code, r.text[:200]))
            r = get(token(ec, "ES256", sub="bob"), path=path)
            t.check(f"{path}: a valid ES256 token: 200", r.status_code == 200 and r.text.startswith("sub=bob "),
                    (r.status_code, r.text[:200]))
            r = get(token(ed, "EdDSA", sub="eve"), path=path)
            t.check(f"{path}: a valid EdDSA token: 200", r.status_code == 200 and r.text.startswith("sub=eve "),
                    (r.status_code, r.text[:200]))

        r = get(token(rsa, "RS256", sub="mia"), path="/pem/")
        t.check("a single PEM public key: its RS256 token passes", r.status_code == 200 and "sub=mia" in r.text,
                (r.status_code, r.text[:100]))
        r = get(jwt.encode({"alg": "PS256", "typ": "JWT"}, claims(sub="ned"), rsa, algorithms=["PS256"]), path="/pem/")
        t.check("a single PEM public key: a PS256 token of the same key passes", r.status_code == 200 and "sub=ned" in r.text,
                (r.status_code, r.text[:100]))
        r = get(token(stranger, "RS256"), path="/pem/")
        t.check("a single PEM public key: another key's token is refused", r.status_code == 401, r.status_code)
        r = get(token(ec, "ES256"), path="/pem/")
        t.check("a single PEM public key: an algorithm not listed is refused", r.status_code == 401, r.status_code)
        r = get(token(ed, "EdDSA", sub="olga"), path="/jwk/")
        t.check("a single JWK: its token passes", r.status_code == 200 and "sub=olga" in r.text, (r.status_code, r.text[:100]))
        r = get(token(rsa, "RS256"), path="/jwk/")
        t.check("a single JWK: another key's token is refused", r.status_code == 401, r.status_code)

        r = get(token(rsa, "RS256", sub="dora", role="moderator"))
        t.check("$tessera_jwt_sub and $tessera_jwt_claim_role reach the upstream",
                r.status_code == 200 and r.text == "sub=dora role=moderator\n", r.text)
        r = get(token(rsa, "RS256", sub="s\u00e9bastien", role=42))
        t.check("a UTF-8 subject and a number claim reach the upstream as written",
                r.status_code == 200 and r.content == "sub=s\u00e9bastien role=42\n".encode(), r.content)
        r = get(token(rsa, "RS256", sub="mallory\r\nX-Injected: 1"))
        t.check("a subject holding CR LF is verified but never becomes a header value",
                r.status_code == 200 and r.text == "sub= role=\n" and "X-Injected" not in r.text, r.text)
        r = get(token(rsa, "RS256", sub=None, SUB="admin", Role="owner"))
        t.check("$tessera_jwt_sub is the exact claim \"sub\" only; a claim name differing in case may fill"
                " $tessera_jwt_claim_NAME (nginx lower-cases variable names)",
                r.status_code == 200 and r.text == "sub= role=owner\n", r.text)
        r = get(token(rsa, "RS256", sub="frank", role=["a", "b"]))
        t.check("a claim that is neither string nor number is an empty variable",
                r.status_code == 200 and r.text == "sub=frank role=\n", r.text)

        r = get(token(rsa, "RS256", sub="gina"), path="/admin/")
        t.check("tessera_jwt_require role: a token without the claim is refused",
                r.status_code == 401 and "invalid_token" in r.headers.get("WWW-Authenticate", ""), r.status_code)
        r = get(token(rsa, "RS256", sub="gina", role="admin"), path="/admin/")
        t.check("tessera_jwt_require role: a token with it passes", r.status_code == 200 and "role=admin" in r.text,
                (r.status_code, r.text))

        refused = {
            "expired": ("expired", token(rsa, "RS256", iat=now - 1200, exp=now - 600)),
            "not yet valid (nbf in the future)": ("not_yet_valid", token(rsa, "RS256", nbf=now + 600)),
            "wrong audience": ("claim", token(rsa, "RS256", aud="another-api")),
            "wrong issuer": ("claim", token(rsa, "RS256", iss="https://evil.example")),
            "lifetime over the maximum (2 h)": ("lifetime", token(rsa, "RS256", exp=now + 7200)),
            "no exp": ("claim", token(rsa, "RS256", exp=None)),
            "signed by another key with the same kid": ("signature", token(stranger, "RS256")),
            "an algorithm not allowed (HS256)": ("algorithm", jwt.encode(
                {"alg": "HS256", "kid": "rsa-1"}, claims(), OctKey.import_key("k" * 32))),
            "alg none": (None, "eyJhbGciOiJub25lIn0." + token(rsa, "RS256").split(".")[1] + "."),
            "garbage": ("malformed", "not-a-token"),
            # The changed character may leave the payload invalid JSON, or valid and unsigned.
            "a tampered payload": (("signature", "malformed"), tamper(token(rsa, "RS256"))),
        }
        for path in ("/protected/", "/uncached/"):
            for name, (category, bad_token) in refused.items():
                r = get(bad_token, path=path)
                ok = r.status_code == 401 and r.headers.get("WWW-Authenticate") == 'Bearer error="invalid_token"'
                if path == "/protected/" and category:
                    ok = ok and r.headers.get("X-Tessera-Error") in ((category,) if isinstance(category, str) else category)
                t.check(f"{path}: refused with 401 and invalid_token: {name}", ok,
                        (r.status_code, r.headers.get("WWW-Authenticate"), r.headers.get("X-Tessera-Error")))
        r = get(token(rsa, "RS256"), scheme="Basic")
        t.check("a token under another scheme (Basic) is refused without an error code",
                r.status_code == 401 and "error" not in r.headers.get("WWW-Authenticate", "error"), r.headers)
        r = get(refused["wrong audience"][1])
        t.check("the refusal carries no library detail", "aud" not in r.text and "audience" not in r.text, r.text)
        log = open(error_log).read()
        t.check("the reason is in nginx's error log at info",
                re.search(r"\[info\].*tessera: token refused: claim: .*aud", log) is not None, log[-600:])

        # A cache hit on a token that has expired since it was cached.
        short = token(ec, "ES256", sub="henry", exp=now + 2)
        r = get(short)
        t.check("a token about to expire passes (and is cached)", r.status_code == 200, r.status_code)
        # exp written with 80 characters (Tessera reads numbers up to 100).
        long_exp = f"{now + 2}.{'0' * 68}1"
        payload = json.dumps(claims(sub="ida"))[:-1] + ', "exp": ' + long_exp + "}"
        payload = payload.replace(f'"exp": {now + 600}, ', "")
        long_token = jws.serialize_compact({"alg": "ES256", "kid": "ec-1"}, payload.encode(), ec)
        r = get(long_token)
        t.check("a token whose exp has 80 characters passes", r.status_code == 200 and "sub=ida" in r.text,
                (r.status_code, r.text[:100], payload))
        time.sleep(max(0.0, now + 3 - time.time()) + 1.2)
        r = get(short)
        t.check("once it has expired the cached token is refused",
                r.status_code == 401 and r.headers.get("X-Tessera-Error") == "expired",
                (r.status_code, r.headers.get("X-Tessera-Error")))
        r = get(long_token)
        t.check("... and so is the token with the 80-character exp",
                r.status_code == 401 and r.headers.get("X-Tessera-Error") == "expired",
                (r.status_code, r.headers.get("X-Tessera-Error")))
        t.check("... by the cache's own check of exp (its log line)", "(cached token)" in open(error_log).read())

        # Rotation: the ES256 key ec-1 is replaced by ec-2, then reload.
        cached_old = token(ec, "ES256", sub="ivy")
        r = get(cached_old)
        r2 = get(cached_old)
        t.check("a token of the key about to be removed passes, twice (the second from the cache)",
                r.status_code == 200 and r2.status_code == 200, (r.status_code, r2.status_code))
        new_token = token(rotated, "ES256", sub="jack")
        t.check("a token of the new key is refused before the reload", get(new_token).status_code == 401)
        with open(jwks_path, "w") as f:
            json.dump(public_jwks((rsa, "RS256"), (rotated, "ES256"), (ed, "EdDSA")), f)
        reload = nginx("-s", "reload")
        t.check("nginx -s reload", reload.returncode == 0, reload.stderr[-300:])
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and get(new_token).status_code != 200:
            time.sleep(0.1)
        r = get(new_token)
        t.check("after the reload the new key's token passes", r.status_code == 200 and "sub=jack" in r.text,
                (r.status_code, r.text[:100]))
        r = get(cached_old)
        t.check("after the reload the removed key's token is refused, though it was cached",
                r.status_code == 401 and r.headers.get("X-Tessera-Error") == "unknown_key",
                (r.status_code, r.headers.get("X-Tessera-Error")))
        r = get(token(rsa, "RS256", sub="kate"))
        t.check("after the reload the kept RS256 key still verifies", r.status_code == 200 and "sub=kate" in r.text)

        # A broken JWKS at reload leaves the running configuration serving.
        with open(jwks_path, "w") as f:
            f.write("{")
        reload = nginx("-s", "reload")
        time.sleep(1.0)
        r = get(token(rsa, "RS256", sub="liam"))
        t.check("a reload with a broken JWKS is refused and the old keys keep serving",
                r.status_code == 200 and "sub=liam" in r.text, (r.status_code, r.text[:100]))
        t.check("... and the error log says why",
                re.search(r"\[emerg\].*tessera_jwt_keys .*jwks\.json", open(error_log).read()) is not None)
    finally:
        nginx("-s", "quit")
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            stop(server)
    t.check("nginx stops cleanly", server.returncode == 0, server.returncode)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
