#!/usr/bin/env python3
"""The auth server as an operator runs it, on one machine (SQLite):

    test_operations.py PATH/TO/auth-server

callers authenticated by an identity provider's tokens (made here with
pyca/cryptography: no Tessera code), credentials bound to the caller's sub,
the server's own tokens and the JWKS it publishes, /verify with replay
protection and revocation, rate limits, /metrics, /readyz, the JSON log,
SIGHUP reloads (key rotation, a bad file kept out), SIGTERM draining a
request in flight, and bad configurations refused with one line naming the
key. Prints PASS/FAIL lines and "auth-server operations: N passed, N failed".
"""
import base64
import hashlib
import hmac
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid

import requests
from checks import b64url, check, finish, hs256_ok, unb64url
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from idp import AUDIENCE, IdP
from serverctl import Server

OPERATOR = "operator-key-0123456789abcdef"
VERIFY_SECRET = "verify-secret-0123456789abcdef0123456"
SKYWAY = "skyway-secret-key-0123456789abcdef"
LIVEKIT = "livekit-secret-0123456789abcdef012345"
VIDEOSDK = "videosdk-secret-0123456789abcdef0123"


def write_pem(path):
    key = ec.generate_private_key(ec.SECP256R1())
    with open(path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return key


def hs256(claims, secret=VERIFY_SECRET):
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    mac = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(mac)}"


def es256_ok(token, jwks):
    """Checks an ES256 token against a JWKS with pyca/cryptography; the claims or None."""
    head, body, sig = token.split(".")
    kid = json.loads(unb64url(head)).get("kid")
    for k in jwks.get("keys", []):
        if k.get("kid") != kid:
            continue
        pub = ec.EllipticCurvePublicNumbers(int.from_bytes(unb64url(k["x"]), "big"), int.from_bytes(unb64url(k["y"]), "big"),
                                            ec.SECP256R1()).public_key()
        raw = unb64url(sig)
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        try:
            pub.verify(der, f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256()))
            return json.loads(unb64url(body))
        except Exception:
            return None
    return None


def metric(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return None


def refuses(binary, tmp, name, config, expect, timeout=15):
    """The server exits non-zero at start-up with one stderr line naming `expect`."""
    path = os.path.join(tmp, f"bad-{name}.json")
    with open(path, "w") as f:
        f.write(config if isinstance(config, str) else json.dumps(config))
    t0 = time.monotonic()
    try:
        run = subprocess.run([binary, "--port", "1", "--config", path], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        check(f"config {name}: refused at start-up", False, "it hung")
        return
    lines = run.stderr.strip().splitlines()
    check(f"config {name}: exits with one line naming {expect!r} ({time.monotonic() - t0:.1f} s)",
          run.returncode != 0 and len(lines) == 1 and expect in lines[0], run.stderr)


def main():
    binary = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="auth-server-ops-")
    db = os.path.join(tmp, "auth.db")
    idp, stranger, idp2 = IdP("idp-1"), IdP("idp-1"), IdP("idp-2")
    jwks_path = os.path.join(tmp, "idp.jwks")
    idp.write_jwks(jwks_path)
    keys = {name: os.path.join(tmp, f"{name}.pem") for name in ("k1", "k2", "k3")}
    for path in keys.values():
        write_pem(path)

    # ---- configurations refused -------------------------------------------------
    base_cfg = {"store": "sqlite:" + db, "callers": idp.callers(jwks_path)}
    refuses(binary, tmp, "without callers", {"store": "sqlite:" + db}, "allowAnonymous")
    refuses(binary, tmp, "misspelt key", dict(base_cfg, stroe="x"), "stroe")
    refuses(binary, tmp, "bad rate window", dict(base_cfg, limits={"rate": {"window": "60"}}), "limits.rate.window")
    refuses(binary, tmp, "bad callers algorithm", dict(base_cfg, callers=dict(idp.callers(jwks_path), algorithms=["XX1"])),
            "callers.algorithms")
    refuses(binary, tmp, "callers jwks missing", dict(base_cfg, callers=dict(idp.callers(jwks_path), jwks="/nonexistent")),
            "callers.jwks")
    refuses(binary, tmp, "not JSON", '{"store": "sqlite:x",', "line")
    refuses(binary, tmp, "bad store scheme", dict(base_cfg, store="mysql://x"), "store")
    refuses(binary, tmp, "unreachable PostgreSQL", dict(base_cfg, store="postgresql://127.0.0.1:1/auth"), "store: postgresql")
    refuses(binary, tmp, "unreachable Redis", dict(base_cfg, cache="redis://127.0.0.1:1/0"), "cache: redis")
    refuses(binary, tmp, "short operator key", dict(base_cfg, operators={"apiKeys": ["short"]}), "operators.apiKeys")

    config = {
        "store": "sqlite:" + db,
        "cleanupInterval": 1,
        "callers": idp.callers(jwks_path),
        "operators": {"apiKeys": [OPERATOR]},
        "limits": {"connections": 256, "connectionsPerAddress": 64, "rate": {"window": 60, "perCaller": 8}},
        "trustedProxies": ["127.0.0.1"],
        "tokens": {"issuer": "https://auth.example.com", "audience": "media-api", "algorithm": "ES256", "ttl": 300,
                   "keys": [{"kid": "k1", "privateKey": keys["k1"]}, {"kid": "k2", "privateKey": keys["k2"]}]},
        "skyway": {"secretKey": SKYWAY, "ttl": 3600},
        "videosdk": {"apiKey": "videosdk-api-key", "secret": VIDEOSDK, "meetingTtl": 1},
        "turn": {"secret": "turn-shared-secret", "ttl": 600, "uris": ["turn:127.0.0.1:3478"]},
        "livekit": {"apiKey": "lk-key", "apiSecret": LIVEKIT},
        "verify": {"secret": VERIFY_SECRET, "algorithms": ["HS256"], "replay": True, "maxLifetime": 3600},
    }
    config_path = os.path.join(tmp, "config.json")
    with open(config_path, "w") as f:
        json.dump(config, f)
    check_run = subprocess.run([binary, "--check", "--config", config_path], capture_output=True, text=True, timeout=15)
    check("--check accepts a valid configuration", check_run.returncode == 0 and "valid" in check_run.stderr, check_run.stderr)
    log = os.path.join(tmp, "server.log")
    server = Server(binary, config_path, log)
    check("server starts with callers", server.start())
    base = server.base
    s = requests.Session()

    # ---- callers ------------------------------------------------------------------
    r = s.post(base + "/authenticate", data={"sessionToken": "any"})
    check("no caller token -> 401, a Bearer challenge without an error",
          r.status_code == 401 and r.headers.get("WWW-Authenticate") == 'Bearer realm="tessera"'
          and r.json() == {"error": "invalid_token", "category": "missing"}, r.text)
    r = s.post(base + "/authenticate", data={"sessionToken": "any"}, headers=idp.auth("alice"))
    c = r.json() if r.status_code == 200 else {}
    check("caller alice gets a SkyWay credential for alice", r.status_code == 200 and c.get("peerId") == "alice" and
          c.get("authToken") == base64.b64encode(hmac.new(SKYWAY.encode(), f"{c.get('timestamp')}:3600:alice".encode(),
                                                          hashlib.sha256).digest()).decode(), r.text)
    r = s.post(base + "/authenticate", data={"peerId": "bob", "sessionToken": "any"}, headers=idp.auth("alice"))
    check("caller alice asking for peer bob -> 403", r.status_code == 403 and r.json().get("category") == "identity", r.text)
    r = s.post(base + "/authenticate", data={"peerId": "alice", "sessionToken": "any"}, headers=idp.auth("alice"))
    check("caller alice naming herself -> 200", r.status_code == 200, r.text)
    for name, headers, category in [
            ("wrong audience", idp.auth("carol", aud="someone-else"), "claim"),
            ("wrong issuer", idp.auth("carol", iss="https://evil.example.com"), "claim"),
            ("expired", idp.auth("carol", now=int(time.time()) - 600), "expired"),
            ("another key with the same kid", stranger.auth("carol"), "signature"),
            ("an unknown kid", idp2.auth("carol"), "unknown_key"),
            ("garbage", {"Authorization": "Bearer abc.def.ghi"}, "malformed")]:
        r = s.get(base + "/turn/credentials", headers=headers)
        body = r.json() if r.headers.get("Content-Type") == "application/json" else {}
        check(f"caller token {name} -> 401 invalid_token ({category}), no detail",
              r.status_code == 401 and body == {"error": "invalid_token", "category": category}
              and 'error="invalid_token"' in r.headers.get("WWW-Authenticate", ""), r.text)
    r = s.get(base + "/turn/credentials", params={"username": "bob"}, headers=idp.auth("dave"))
    check("TURN credential for another user -> 403", r.status_code == 403, r.text)
    r = s.get(base + "/turn/credentials", headers=idp.auth("dave"))
    check("TURN credential for the caller's sub", r.status_code == 200 and r.json()["username"].endswith(":dave"), r.text)
    r = s.get(base + "/livekit/token", params={"identity": "mallory", "room": "r1"}, headers=idp.auth("erin"))
    check("LiveKit token for another identity -> 403", r.status_code == 403, r.text)
    r = s.get(base + "/livekit/token", params={"room": "r1"}, headers=idp.auth("erin"))
    got = hs256_ok(r.json().get("token", ""), LIVEKIT) if r.status_code == 200 else None
    check("LiveKit token minted for the caller's sub", got is not None and got[1].get("sub") == "erin", r.text)
    r = s.get(base + "/get-token", headers=idp.auth("frank"))
    got = hs256_ok(r.json().get("token", ""), VIDEOSDK) if r.status_code == 200 else None
    check("VideoSDK token carries participantId = sub", got is not None and got[1].get("participantId") == "frank", r.text)
    vtoken = r.json().get("token", "") if r.status_code == 200 else ""
    check("minting responses are not cacheable", r.headers.get("Cache-Control") == "no-store")

    # ---- durable state: a meeting, expired and cleaned up ------------------------------
    r = s.post(base + "/create-meeting", headers={"Authorization": vtoken})
    meeting = r.json().get("meetingId", "") if r.status_code == 200 else ""
    check("meeting created", bool(meeting), r.text)
    check("meeting validates", s.post(base + f"/validate-meeting/{meeting}", headers={"Authorization": vtoken}).status_code == 200)
    time.sleep(3.2)
    check("meeting gone after its meetingTtl",
          s.post(base + f"/validate-meeting/{meeting}", headers={"Authorization": vtoken}).status_code == 404)
    rows = sqlite3.connect(db).execute("SELECT count(*) FROM meetings WHERE id = ?", (meeting,)).fetchone()[0]
    check("the cleanup removed the expired row", rows == 0, f"{rows} rows")

    # ---- the server's own tokens and its JWKS -------------------------------------------
    r = s.get(base + "/.well-known/jwks.json")
    published = r.json() if r.status_code == 200 else {}
    check("JWKS publishes the current and the next key",
          sorted(k.get("kid") for k in published.get("keys", [])) == ["k1", "k2"]
          and all("d" not in k for k in published.get("keys", [])), r.text)
    r = s.post(base + "/token", headers=idp.auth("grace"))
    tok = r.json().get("token", "") if r.status_code == 200 else ""
    claims = es256_ok(tok, published) if tok else None
    check("POST /token: signed by the current key (k1), for the caller",
          claims is not None and json.loads(unb64url(tok.split(".")[0]))["kid"] == "k1" and claims["sub"] == "grace"
          and claims["aud"] == "media-api" and claims["exp"] - claims["iat"] == 300 and "jti" in claims, r.text)

    # ---- /verify: replay and revocation --------------------------------------------------
    now = int(time.time())
    t1 = hs256({"sub": "u1", "iat": now, "exp": now + 600, "jti": str(uuid.uuid4())})
    r1 = s.get(base + "/verify", headers={"Authorization": "Bearer " + t1})
    r2 = s.get(base + "/verify", headers={"Authorization": "Bearer " + t1})
    check("verify: first use 200, second a replay (401 replayed)",
          r1.status_code == 200 and r2.status_code == 401 and r2.json() == {"error": "invalid_token", "category": "replayed"},
          f"{r1.status_code} {r2.text}")
    r = s.get(base + "/verify", headers={"Authorization": "Bearer " + hs256({"sub": "u1", "iat": now, "exp": now + 600})})
    check("verify with replay protection: a token without jti -> 401 claim", r.status_code == 401 and r.json()["category"] == "claim")
    r = s.get(base + "/verify", headers={"Authorization": "Bearer " + hs256({"sub": "u1", "iat": now, "exp": now + 600, "jti": 7})})
    check("verify: a jti that is not a string -> 401 claim", r.status_code == 401 and r.json()["category"] == "claim", r.text)
    r = s.get(base + "/verify", headers={"Authorization": "Bearer " + t1})
    check("verify: still a replay after its first refusal", r.status_code == 401 and r.json()["category"] == "replayed", r.text)
    r = s.get(base + "/revoke")
    check("wrong method -> 405 with Allow", r.status_code == 405 and r.headers.get("Allow") == "POST", r.headers)
    victim = str(uuid.uuid4())
    r = s.post(base + "/revoke", data={"jti": victim})
    check("revoke without an operator key -> 401", r.status_code == 401)
    r = s.post(base + "/revoke", data={"jti": victim}, headers={"Authorization": "Bearer " + OPERATOR[:-1] + "X"})
    check("revoke with a wrong operator key -> 401", r.status_code == 401)
    r = s.post(base + "/revoke", data={"jti": victim, "exp": str(now + 600)}, headers={"Authorization": "Bearer " + OPERATOR})
    check("revoke with the operator key -> 200", r.status_code == 200 and r.json().get("until") == now + 600, r.text)
    r = s.get(base + "/verify", headers={"Authorization": "Bearer " + hs256({"sub": "u2", "iat": now, "exp": now + 600, "jti": victim})})
    check("a revoked jti -> 401 revoked", r.status_code == 401 and r.json().get("category") == "revoked", r.text)
    check("revoke: bad exp -> 400", s.post(base + "/revoke", data={"jti": "x", "exp": "yesterday"},
                                           headers={"Authorization": "Bearer " + OPERATOR}).status_code == 400)

    # ---- rate limit per caller ------------------------------------------------------------
    codes = [s.get(base + "/turn/credentials", headers=idp.auth("greedy")).status_code for _ in range(10)]
    r = s.get(base + "/turn/credentials", headers=idp.auth("greedy"))
    check("per-caller limit: 8 per window, then 429 with Retry-After",
          codes[:8] == [200] * 8 and codes[8:] == [429, 429] and r.status_code == 429
          and 0 < int(r.headers.get("Retry-After", "0")) <= 60, str(codes))
    check("another caller is not limited by greedy's count",
          s.get(base + "/turn/credentials", headers=idp.auth("modest")).status_code == 200)

    # ---- operations ------------------------------------------------------------------------
    r = s.get(base + "/readyz")
    check("readyz: 200, the store answers", r.status_code == 200 and r.json() == {"store": "ok", "status": "ready"}, r.text)
    s.get(base + "/x%0a%1b%22y")  # control characters and a quote in the path, for the log
    r = s.get(base + "/metrics")
    m = r.text
    check("metrics: Prometheus text", r.status_code == 200 and r.headers["Content-Type"].startswith("text/plain; version=0.0.4"))
    check("metrics: requests by endpoint and status",
          (metric(m, 'auth_requests_total{endpoint="/authenticate",status="200"}') or 0) >= 2
          and (metric(m, 'auth_requests_total{endpoint="/authenticate",status="403"}') or 0) == 1, m[:400])
    check("metrics: a latency histogram", metric(m, 'auth_request_duration_seconds_count{endpoint="/turn/credentials"}') is not None
          and 'auth_request_duration_seconds_bucket{endpoint="/turn/credentials",le="+Inf"}' in m)
    check("metrics: tokens minted per platform", (metric(m, 'auth_tokens_minted_total{platform="skyway"}') or 0) >= 2
          and (metric(m, 'auth_tokens_minted_total{platform="livekit"}') or 0) == 1)
    check("metrics: verification failures by reason", (metric(m, 'auth_verification_failures_total{reason="expired"}') or 0) >= 1
          and (metric(m, 'auth_verification_failures_total{reason="revoked"}') or 0) == 1)
    check("metrics: replay and rate-limit refusals", metric(m, "auth_replay_refusals_total") == 2
          and metric(m, 'auth_rate_limited_total{scope="caller"}') == 3)
    check("metrics: store errors and latency", metric(m, 'auth_store_errors_total{role="store",backend="sqlite"}') == 0
          and (metric(m, 'auth_store_duration_seconds_count{role="store"}') or 0) > 5)

    # ---- reload: key rotation, new IdP keys, a new limit; a bad file kept out ------------------
    idp2.write_jwks(jwks_path)  # the IdP rotated: idp-1 is gone
    config["tokens"]["keys"] = [{"kid": "k2", "privateKey": keys["k2"]}, {"kid": "k3", "privateKey": keys["k3"]}]
    config["limits"]["rate"]["perAddress"] = 3
    with open(config_path, "w") as f:
        json.dump(config, f)
    server.proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    r = s.get(base + "/.well-known/jwks.json")
    rotated = r.json() if r.status_code == 200 else {}
    check("after SIGHUP the JWKS holds k2 (now current) and k3 (next)",
          sorted(k["kid"] for k in rotated.get("keys", [])) == ["k2", "k3"], r.text)
    r = s.post(base + "/token", headers={**idp2.auth("heidi"), "X-Forwarded-For": "198.51.100.1"})
    tok = r.json().get("token", "") if r.status_code == 200 else ""
    check("after SIGHUP: the rotated IdP key is accepted and /token signs with k2",
          tok and json.loads(unb64url(tok.split(".")[0]))["kid"] == "k2" and es256_ok(tok, rotated) is not None, r.text)
    r = s.get(base + "/turn/credentials", headers={**idp.auth("ivan"), "X-Forwarded-For": "198.51.100.2"})
    check("after SIGHUP: the removed IdP key is refused", r.status_code == 401, r.text)
    codes = [s.get(base + "/turn/credentials", headers={**idp2.auth(f"judy{i}"), "X-Forwarded-For": "203.0.113.9"}).status_code
             for i in range(4)]
    other = s.get(base + "/turn/credentials", headers={**idp2.auth("kim"), "X-Forwarded-For": "203.0.113.10"}).status_code
    check("per-address limit (client address from a trusted proxy's X-Forwarded-For)",
          codes == [200, 200, 200, 429] and other == 200, f"{codes} {other}")
    with open(config_path, "w") as f:
        f.write('{"store": ')
    server.proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    r = s.post(base + "/token", headers={**idp2.auth("leo"), "X-Forwarded-For": "198.51.100.3"})
    check("a reload from a broken file keeps the running configuration", r.status_code == 200 and server.proc.poll() is None, r.text)
    m = s.get(base + "/metrics").text
    check("metrics count reloads", metric(m, 'auth_config_reloads_total{result="ok"}') == 1
          and metric(m, 'auth_config_reloads_total{result="failed"}') == 1)

    # ---- SIGTERM drains: a request in flight finishes, new connections are refused ----------------
    body = b"sessionToken=any"
    conn = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    conn.sendall(b"POST /authenticate HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer " +
                 idp2.token("mike").encode() + b"\r\nX-Forwarded-For: 198.51.100.4\r\n"
                 b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + str(len(body)).encode() +
                 b"\r\n\r\n" + body[:5])
    time.sleep(0.3)
    server.proc.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    try:
        socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
        refused = False
    except OSError:
        refused = True
    conn.sendall(body[5:])
    reply = b""
    while True:
        chunk = conn.recv(4096)
        if not chunk:
            break
        reply += chunk
    conn.close()
    code = server.proc.wait(timeout=15)
    check("draining: new connections are refused", refused)
    check("draining: the request in flight gets its 200", reply.startswith(b"HTTP/1.1 200") and b'"peerId":"mike"' in reply,
          reply[:200])
    check("draining ends with exit 0", code == 0, f"exit {code}")

    # ---- a 0.1 database ("database": PATH, rows without an expiry) still serves -----------------
    old_db = os.path.join(tmp, "v01.db")
    con = sqlite3.connect(old_db)
    con.executescript("CREATE TABLE meetings (id TEXT PRIMARY KEY, created INTEGER NOT NULL);"
                      "CREATE TABLE sceenic_sessions (token_id TEXT PRIMARY KEY, token TEXT NOT NULL, created INTEGER NOT NULL);")
    con.execute("INSERT INTO meetings VALUES ('old-mee-tin', ?)", (int(time.time()),))
    con.commit()
    con.close()
    old_cfg = os.path.join(tmp, "v01.json")
    with open(old_cfg, "w") as f:
        json.dump({"database": old_db, "allowAnonymous": True,
                   "videosdk": {"apiKey": "videosdk-api-key", "secret": VIDEOSDK}}, f)
    old = Server(binary, old_cfg, os.path.join(tmp, "v01.log"))
    check("a 0.1 database opens (its tables gain an expiry)", old.start())
    vt = requests.get(old.base + "/get-token").json().get("token", "")
    r = requests.post(old.base + "/validate-meeting/old-mee-tin", headers={"Authorization": vt})
    check("a meeting stored by 0.1 still validates", r.status_code == 200, r.text)
    check("the anonymous server says it is open", old.stop() == 0 and "allowAnonymous" in open(old.log).read())

    # ---- the log ------------------------------------------------------------------------------------
    text = open(log).read()
    entries = [json.loads(line) for line in text.splitlines()]
    check("log: one JSON object per line", all(isinstance(e, dict) for e in entries))
    req = [e for e in entries if "request_id" in e]
    check("log: request lines carry time, request id, client, method, path, status, duration",
          req and all(all(k in e for k in ("time", "request_id", "client", "method", "path", "status", "duration_ms")) for e in req))
    check("log: the caller's sub", any(e.get("sub") == "alice" and e["path"] == "/authenticate" for e in req))
    check("log: the client address from X-Forwarded-For", any(e.get("client") == "203.0.113.9" for e in req))
    check("log: control characters escaped", any(e["path"] == '/x\n\x1b"y' for e in req) and "\x1b" not in text)
    check("log: the library's detail for a refusal", any("detail" in e and e["status"] == 401 for e in req))
    check("log: no secret and no whole token",
          all(secret not in text for secret in (OPERATOR, VERIFY_SECRET, SKYWAY, LIVEKIT, VIDEOSDK, t1, vtoken)))
    check("log: the open-door warning is absent with callers", "allowAnonymous" not in text)
    return finish("auth-server operations")


if __name__ == "__main__":
    sys.exit(main())
