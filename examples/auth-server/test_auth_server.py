#!/usr/bin/env python3
"""End-to-end test of examples/auth-server with an independent client.

    test_auth_server.py PATH/TO/auth-server

Starts the server on a free loopback port with a temporary config and
database, drives every endpoint with `requests`, checks every token and
credential it returns with Python's `hmac` and pyca/cryptography (no Tessera
code), restarts it to prove that meetings and Sceenic tokens persist, and
feeds it bad input. Prints PASS/FAIL lines and "auth-server: N passed, N failed".
"""
import base64
import hashlib
import hmac
import json
import os
import random
import re
import socket
import sys
import tempfile
import time

import requests
from checks import b64url, check, finish, hs256_ok, unb64url
from serverctl import Server
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

def rs256(private_key, claims, header=None):
    head = b64url(json.dumps(header or {"alg": "RS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    sig = private_key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{body}.{b64url(sig)}"


def main():
    binary = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="auth-server-test-")
    skykit_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    stranger_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem_path = os.path.join(tmp, "skykit.pub.pem")
    with open(pem_path, "wb") as f:
        f.write(skykit_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    secrets = {
        "skyway": "skyway-secret-key-0123456789abcdef",
        "videosdk": "videosdk-secret-0123456789abcdef0123",
        "apirtc": "apirtc-secret-0123456789abcdef012345",
        "sceenic": "sceenic-secret-0123456789abcdef01234",
        "turn": "turn-shared-secret",
    }
    config = {
        "database": os.path.join(tmp, "auth.db"),
        "allowAnonymous": True,
        "skyway": {"secretKey": secrets["skyway"], "ttl": 3600, "sessionTokens": ["good-session"]},
        "videosdk": {"apiKey": "videosdk-api-key", "secret": secrets["videosdk"]},
        "apirtc": {"apiKey": "819abef1fde1c833e0601ec6dd4a8226", "secret": secrets["apirtc"]},
        "sceenic": {"apiKey": "sceenic-api-key", "apiSecret": secrets["sceenic"]},
        "skykit": {"keys": {"ops@example.com": pem_path}},
        "turn": {"secret": secrets["turn"], "ttl": 86400, "uris": ["turn:127.0.0.1:3478?transport=udp"]},
    }
    config_path = os.path.join(tmp, "config.json")
    with open(config_path, "w") as f:
        json.dump(config, f)
    server = Server(binary, config_path, os.path.join(tmp, "server.log"))
    check("server starts and answers /healthz", server.start())
    base = server.base
    s = requests.Session()

    r = s.get(base + "/healthz")
    check("healthz is JSON", r.status_code == 200 and r.headers["Content-Type"] == "application/json"
          and r.json() == {"status": "ok"})

    # ---- SkyWay ------------------------------------------------------------------
    r = s.post(base + "/authenticate", data={"peerId": "alice", "sessionToken": "good-session"})
    c = r.json() if r.status_code == 200 else {}
    check("skyway credential", r.status_code == 200 and list(c.keys()) == ["peerId", "timestamp", "ttl", "authToken"])
    if c:
        expected = base64.b64encode(hmac.new(secrets["skyway"].encode(), f"{c['timestamp']}:{c['ttl']}:alice".encode(),
                                             hashlib.sha256).digest()).decode()
        check("skyway authToken = base64(HMAC-SHA256(secret, ts:ttl:peer))", c["authToken"] == expected)
        check("skyway ttl and timestamp", c["ttl"] == 3600 and abs(c["timestamp"] - time.time()) < 30)
    tricky = 'pe"er\\id ☎'
    r = s.post(base + "/authenticate", data={"peerId": tricky, "sessionToken": "good-session"})
    check("skyway peer id needing JSON escaping", r.status_code == 200 and r.json()["peerId"] == tricky
          and r.json()["authToken"] == base64.b64encode(hmac.new(
              secrets["skyway"].encode(), f"{r.json()['timestamp']}:3600:{tricky}".encode(), hashlib.sha256).digest()).decode())
    check("skyway missing field", s.post(base + "/authenticate", data={"peerId": "alice"}).status_code == 400)
    check("skyway unknown session token",
          s.post(base + "/authenticate", data={"peerId": "alice", "sessionToken": "stolen"}).status_code == 401)
    bad = {"Content-Type": "application/x-www-form-urlencoded"}
    check("skyway malformed percent-encoding",
          s.post(base + "/authenticate", data="peerId=%zz&sessionToken=good-session", headers=bad).status_code == 400)
    check("skyway truncated percent-encoding",
          s.post(base + "/authenticate", data="peerId=ab%4&sessionToken=good-session", headers=bad).status_code == 400)
    check("skyway invalid UTF-8",
          s.post(base + "/authenticate", data="peerId=%ff%fe&sessionToken=good-session", headers=bad).status_code == 400)

    # ---- VideoSDK ------------------------------------------------------------------
    r = s.get(base + "/get-token")
    token = r.json().get("token", "") if r.status_code == 200 else ""
    got = hs256_ok(token, secrets["videosdk"])
    check("videosdk token verifies with hmac", got is not None)
    if got:
        header, claims = got
        check("videosdk header", header == {"alg": "HS256", "typ": "JWT"})
        check("videosdk claims", claims["apikey"] == "videosdk-api-key" and claims["permissions"] == ["allow_join"]
              and claims["version"] == 2 and claims["exp"] - claims["iat"] == 600)
    r = s.get(base + "/get-token", params={"permissions": "allow_join,allow_mod"})
    got = hs256_ok(r.json().get("token", ""), secrets["videosdk"]) if r.status_code == 200 else None
    check("videosdk permissions", got is not None and got[1]["permissions"] == ["allow_join", "allow_mod"])
    check("videosdk unknown permission", s.get(base + "/get-token", params={"permissions": "root"}).status_code == 400)
    r = s.post(base + "/create-meeting", headers={"Authorization": token})
    meeting = r.json().get("meetingId", "") if r.status_code == 200 else ""
    check("videosdk create-meeting", re.fullmatch(r"[a-z]{3}-[a-z]{3}-[a-z]{3}", meeting) is not None, r.text)
    check("videosdk create-meeting with Bearer", s.post(base + "/create-meeting",
                                                       headers={"Authorization": "Bearer " + token}).status_code == 200)
    check("videosdk create-meeting without token", s.post(base + "/create-meeting").status_code == 401)
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    check("videosdk create-meeting with a forged token",
          s.post(base + "/create-meeting", headers={"Authorization": forged}).status_code == 401)
    h, p, _ = token.split(".")
    resigned = f"{h}.{p}." + b64url(hmac.new(b"wrong-secret-0123456789abcdef0123456", f"{h}.{p}".encode(), hashlib.sha256).digest())
    check("videosdk token signed with another key",
          s.post(base + "/create-meeting", headers={"Authorization": resigned}).status_code == 401)
    check("videosdk validate-meeting", s.post(base + f"/validate-meeting/{meeting}", headers={"Authorization": token}).status_code == 200)
    check("videosdk validate unknown meeting",
          s.post(base + "/validate-meeting/abc-def-ghi", headers={"Authorization": token}).status_code == 404)
    check("videosdk validate without token", s.post(base + f"/validate-meeting/{meeting}").status_code == 401)

    # ---- ApiRTC ------------------------------------------------------------------
    r = s.get(base + "/apirtc/token", params={"userId": "user-42"})
    got = hs256_ok(r.json().get("token", ""), secrets["apirtc"]) if r.status_code == 200 else None
    check("apirtc token verifies with hmac", got is not None)
    if got:
        header, claims = got
        check("apirtc header typ JWT", header.get("typ") == "JWT" and header.get("alg") == "HS256")
        check("apirtc claims", claims["grants"] == {"apiRTC_UserAgent_Id": "user-42"}
              and claims["sub"] == "819abef1fde1c833e0601ec6dd4a8226" and claims["aud"] == "apiRTC"
              and claims["exp"] - claims["iat"] == 3600)
        check("apirtc jti is a UUID v4", re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                                                     claims["jti"]) is not None)
    check("apirtc missing userId", s.get(base + "/apirtc/token").status_code == 400)
    check("apirtc invalid UTF-8 userId", s.get(base + "/apirtc/token?userId=%ff").status_code == 400)

    # ---- Sceenic ---------------------------------------------------------------------
    r = s.post(base + "/sceenic/sessions")
    sc = r.json() if r.status_code == 200 else {}
    check("sceenic session created", "tokenId" in sc and hs256_ok(sc.get("token", ""), secrets["sceenic"]) is not None)
    same = [s.get(base + f"/sceenic/sessions/{sc.get('tokenId')}").json().get("token") for _ in range(2)]
    check("sceenic same token for every client", same == [sc.get("token")] * 2)
    check("sceenic unknown tokenId", s.get(base + "/sceenic/sessions/0123456789abcdef").status_code == 404)

    # ---- Skykit -------------------------------------------------------------------
    now = int(time.time())
    ok_claims = {"iss": "ops@example.com", "iat": now, "exp": now + 3600}
    r = s.get(base + "/sk-api/v1/devices", headers={"Authorization": "Bearer " + rs256(skykit_key, ok_claims)})
    check("skykit devices with a valid RS256 token", r.status_code == 200 and len(r.json().get("devices", [])) == 2, r.text)
    cases = [
        ("skykit unknown issuer", rs256(skykit_key, dict(ok_claims, iss="eve@example.com"))),
        ("skykit bad signature", rs256(stranger_key, ok_claims)),
        ("skykit expired", rs256(skykit_key, {"iss": "ops@example.com", "iat": now - 7200, "exp": now - 3600})),
        ("skykit lifetime over one hour", rs256(skykit_key, {"iss": "ops@example.com", "iat": now, "exp": now + 3601})),
        ("skykit HS256 with the public key as secret", None),
    ]
    pub_pem = open(pem_path, "rb").read()
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps(ok_claims).encode())
    cases[-1] = (cases[-1][0], f"{head}.{body}." + b64url(hmac.new(pub_pem, f"{head}.{body}".encode(), hashlib.sha256).digest()))
    for name, tok in cases:
        r = s.get(base + "/sk-api/v1/devices", headers={"Authorization": "Bearer " + tok})
        check(name + " -> 401 with a JSON reason", r.status_code == 401 and "error" in r.json(), r.text)
    check("skykit without token", s.get(base + "/sk-api/v1/devices").status_code == 401)

    # ---- TURN ---------------------------------------------------------------------------
    r = s.get(base + "/turn/credentials", params={"username": "bob"})
    t = r.json() if r.status_code == 200 else {}
    if t:
        expiry, user = t["username"].split(":", 1)
        check("turn username <expiry>:user", user == "bob" and abs(int(expiry) - (time.time() + 86400)) < 30)
        check("turn password = base64(HMAC-SHA1(secret, username))", t["password"] == base64.b64encode(
            hmac.new(secrets["turn"].encode(), t["username"].encode(), hashlib.sha1).digest()).decode())
        check("turn ttl and uris", t["ttl"] == 86400 and t["uris"] == config["turn"]["uris"])
    else:
        check("turn credentials", False, r.text)
    check("turn missing username", s.get(base + "/turn/credentials").status_code == 400)

    # ---- bad input --------------------------------------------------------------------
    check("unknown path -> 404", s.get(base + "/nope").status_code == 404)
    check("wrong method -> 405", s.get(base + "/authenticate").status_code == 405 and s.post(base + "/healthz").status_code == 405)
    r = s.post(base + "/authenticate", data="peerId=" + "a" * (70 * 1024), headers=bad)
    check("body over 64 KiB -> 413", r.status_code == 413)
    # Seeded junk over raw sockets: odd paths, percent garbage, bytes that are
    # not UTF-8, broken request lines, lying Content-Lengths.
    rng = random.Random(20261123)
    paths = ["/authenticate", "/get-token", "/apirtc/token", "/sceenic/sessions/", "/validate-meeting/", "/turn/credentials",
             "/sk-api/v1/devices", "/%", "/%zz", "/%00", "/" + "a" * 5000]
    junk = [b"%", b"%z", b"%ff", b"\xff\xfe", b"\x00", b"&&==", b"peerId", b"userId=", b"permissions=,,,", b"\r\n"]
    answered = 0
    for i in range(300):
        path = rng.choice(paths).encode() + b"?" + b"".join(rng.choice(junk) for _ in range(rng.randrange(4)))
        body = b"".join(rng.choice(junk) for _ in range(rng.randrange(6)))
        method = rng.choice([b"GET", b"POST", b"PUT", b"DELETE", b"BREW"])
        length = len(body) if i % 5 else len(body) + rng.randrange(1, 50)
        req = method + b" " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " + \
            str(length).encode() + b"\r\n\r\n" + body
        if i % 17 == 0:
            req = rng.choice([b"\x00\x01 garbage\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n"])
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=2) as conn:
                conn.sendall(req)
                if conn.recv(64):
                    answered += 1
        except OSError:
            pass
    check("random malformed requests answered", answered > 200, f"{answered} of 300")
    check("server alive after bad input", s.get(base + "/healthz").status_code == 200)

    # ---- restart: meetings and Sceenic tokens persist --------------------------------
    code = server.stop()
    check("SIGTERM stops the server cleanly", code == 0, f"exit code {code}")
    lines = [json.loads(line) for line in open(server.log) if line.startswith("{")]
    check("server logged one JSON line per request",
          any(e.get("method") == "GET" and e.get("path") == "/healthz" and e.get("status") == 200 for e in lines)
          and all(line.startswith("{") for line in open(server.log)), open(server.log).read()[-300:])
    check("server restarts", server.start())
    check("meeting survives a restart", s.post(base + f"/validate-meeting/{meeting}", headers={"Authorization": token}).status_code == 200)
    check("sceenic token survives a restart",
          s.get(base + f"/sceenic/sessions/{sc.get('tokenId')}").json().get("token") == sc.get("token"))
    check("SIGTERM again", server.stop() == 0)

    return finish("auth-server")


if __name__ == "__main__":
    sys.exit(main())
