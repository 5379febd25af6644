#!/usr/bin/env python3
"""The auth server's platform endpoints, end to end, with an independent
client: every credential is checked with Python's hmac, zlib and struct and
pyca/cryptography (no Tessera code), and a server with no platform sections
answers 404 for each.

    test_platform_endpoints.py PATH/TO/auth-server

Prints PASS/FAIL lines and "auth-server platforms: N passed, N failed".
"""
import base64
import hashlib
import hmac
import json
import os
import struct
import sys
import tempfile
import time
import zlib

import requests
from checks import check, finish, hs256_ok, unb64url
from serverctl import Server
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

APP, CERT = "970CA35de60c44645bbae8a215061b33", "5CFd2fd1755d40ecb72977518be15d3b"
TRTC_KEY = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
S = {name: f"{name}-secret-0123456789abcdef0123456789" for name in
     ("livekit", "twilio", "zoom", "stream", "100ms", "daily", "janus")}


def jwt_parts(token):
    h, p, s = token.split(".")
    return json.loads(unb64url(h)), json.loads(unb64url(p)), f"{h}.{p}".encode(), unb64url(s)


def hs256(token, secret):
    return hs256_ok(token, secret) or (None, None)


def rs256(token, public_key):
    header, claims, signing_input, sig = jwt_parts(token)
    public_key.verify(sig, signing_input, padding.PKCS1v15(), hashes.SHA256())
    return header, claims


def agora_parse(token, cert):
    """AccessToken2, unpacked as Agora's AccessToken2.py does; the signature
    recomputed: HMAC(HMAC(salt, HMAC(issue_ts, cert)), signing_info)."""
    assert token.startswith("007")
    raw = zlib.decompress(base64.b64decode(token[3:], validate=True))
    (n,) = struct.unpack_from("<H", raw, 0)
    signature, info = raw[2:2 + n], raw[2 + n:]
    (alen,) = struct.unpack_from("<H", info, 0)
    app = info[2:2 + alen].decode()
    ts, expire, salt, count = struct.unpack_from("<IIIH", info, 2 + alen)
    k = hmac.new(struct.pack("<I", ts), cert.encode(), hashlib.sha256).digest()
    k = hmac.new(struct.pack("<I", salt), k, hashlib.sha256).digest()
    good = hmac.compare_digest(hmac.new(k, info, hashlib.sha256).digest(), signature)
    pos, services = 2 + alen + 14, []
    for _ in range(count):
        stype, pcount = struct.unpack_from("<HH", info, pos)
        pos += 4
        privileges = {}
        for _ in range(pcount):
            pid, pexp = struct.unpack_from("<HI", info, pos)
            privileges[pid] = pexp
            pos += 6
        strings = []
        for _ in range(2 if stype == 1 else 1):
            (ln,) = struct.unpack_from("<H", info, pos)
            strings.append(info[pos + 2:pos + 2 + ln].decode())
            pos += 2 + ln
        services.append((stype, privileges, strings))
    return good, app, ts, expire, services


def main():
    binary = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="auth-server-platforms-")
    keys = {}
    for name in ("vonage", "jaas"):
        keys[name] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        with open(os.path.join(tmp, f"{name}.pem"), "wb") as f:
            f.write(keys[name].private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()))
    config = {
        "database": os.path.join(tmp, "auth.db"),
        "allowAnonymous": True,
        "agora": {"appId": APP, "appCertificate": CERT, "expire": 3600},
        "trtc": {"sdkAppId": 1400000000, "secretKey": TRTC_KEY, "expire": 86400},
        "janus": {"tokenAuthSecret": S["janus"], "ttl": 600, "plugins": ["janus.plugin.videoroom"]},
        "livekit": {"apiKey": "APIkey", "apiSecret": S["livekit"], "ttl": 600},
        "twilio": {"accountSid": "AC1", "apiKeySid": "SK1", "apiKeySecret": S["twilio"]},
        "vonage": {"applicationId": "app-1", "privateKey": os.path.join(tmp, "vonage.pem")},
        "zoom": {"sdkKey": "sdk-key", "sdkSecret": S["zoom"], "ttl": 3600},
        "jaas": {"appId": "vpaas-magic-cookie-0123", "keyId": "k1", "privateKey": os.path.join(tmp, "jaas.pem")},
        "stream": {"apiSecret": S["stream"]},
        "100ms": {"appAccessKey": "ak", "appSecret": S["100ms"]},
        "daily": {"apiKey": S["daily"], "domainId": "dom-1"},
    }
    path = os.path.join(tmp, "config.json")
    with open(path, "w") as f:
        json.dump(config, f)
    server = Server(binary, path, os.path.join(tmp, "server.log"))
    check("server starts with every platform section", server.start())
    base, s, now = server.base, requests.Session(), time.time()

    # Agora
    r = s.get(base + "/agora/rtc-token", params={"channel": "room 1", "uid": "42", "role": "subscriber"})
    good, app, ts, expire, services = agora_parse(r.json()["token"], CERT) if r.status_code == 200 else (0,) * 5
    check("agora rtc: signature, app id, expire, one RTC service for uid 42 with join only",
          good and app == APP and abs(ts - now) < 30 and expire == 3600 and services == [(1, {1: 3600}, ["room 1", "42"])],
          r.text)
    r = s.get(base + "/agora/rtc-token", params={"channel": "c", "uid": "0"})
    ok = r.status_code == 200 and agora_parse(r.json()["token"], CERT)[4] == [(1, {1: 3600, 2: 3600, 3: 3600, 4: 3600},
                                                                              ["c", ""])]
    check("agora rtc: uid 0 packs as the empty account; publisher privileges", ok, r.text)
    r = s.get(base + "/agora/rtm-token", params={"userId": "alice"})
    ok = r.status_code == 200 and agora_parse(r.json()["token"], CERT)[4] == [(2, {1: 3600}, ["alice"])]
    check("agora rtm: login privilege for the user", ok, r.text)
    check("agora: missing channel 400", s.get(base + "/agora/rtc-token").status_code == 400)
    check("agora: bad uid 400", s.get(base + "/agora/rtc-token", params={"channel": "c", "uid": "-1"}).status_code == 400)
    r = s.get(base + "/agora/rtc-token", params={"channel": "c", "uid": "0042"})
    check("agora: uid 0042 packs as 42", r.status_code == 200 and agora_parse(r.json()["token"], CERT)[4][0][2] == ["c", "42"],
          r.text)
    check("agora: a 64-byte channel is 400 (Agora's limit is 63)",
          s.get(base + "/agora/rtc-token", params={"channel": "x" * 64}).status_code == 400)
    check("trtc: a 33-byte userId is 400 (Tencent's limit is 32)",
          s.get(base + "/trtc/usersig", params={"userId": "u" * 33}).status_code == 400)
    check("a huge query argument is 400, not 500",
          s.get(base + "/stream/token", params={"userId": "x" * 5000}).status_code == 400)
    check("agora: bad role 400",
          s.get(base + "/agora/rtc-token", params={"channel": "c", "role": "admin"}).status_code == 400)

    # TRTC
    r = s.get(base + "/trtc/usersig", params={"userId": "xiaojun"})
    sig = r.json().get("userSig", "") if r.status_code == 200 else ""
    doc = json.loads(zlib.decompress(base64.b64decode(sig.replace("*", "+").replace("-", "/").replace("_", "="))))
    content = (f"TLS.identifier:xiaojun\nTLS.sdkappid:1400000000\nTLS.time:{doc['TLS.time']}\n"
               f"TLS.expire:{doc['TLS.expire']}\n")
    mac = base64.b64encode(hmac.new(TRTC_KEY.encode(), content.encode(), hashlib.sha256).digest()).decode()
    check("trtc: UserSig decodes; TLS.sig = HMAC-SHA256 of the signed lines",
          doc["TLS.identifier"] == "xiaojun" and doc["TLS.sdkappid"] == 1400000000 and doc["TLS.expire"] == 86400
          and abs(doc["TLS.time"] - now) < 30 and hmac.compare_digest(mac, doc["TLS.sig"]), doc)
    check("trtc: missing userId 400", s.get(base + "/trtc/usersig").status_code == 400)

    # Janus
    r = s.get(base + "/janus/token")
    token = r.json()["token"] if r.status_code == 200 else ":"
    data, mac = token.split(":")
    want = base64.b64encode(hmac.new(S["janus"].encode(), data.encode(), hashlib.sha1).digest()).decode()
    check("janus: <expiry>,janus,janus.plugin.videoroom and its HMAC-SHA1",
          data == f"{r.json()['expiry']},janus,janus.plugin.videoroom" and mac == want
          and 590 < r.json()["expiry"] - now < 610, token)

    # The JWT platforms
    r = s.get(base + "/livekit/token", params={"identity": "alice", "room": "r1"})
    h, c = hs256(r.json()["token"], S["livekit"]) if r.status_code == 200 else (None, None)
    check("livekit: HS256 with the API secret; iss, sub, video grant, exp = nbf + 600",
          c is not None and c["iss"] == "APIkey" and c["sub"] == "alice" and c["video"]["roomJoin"] is True
          and c["video"]["room"] == "r1" and c["exp"] - c["nbf"] == 600, r.text)
    check("livekit: missing identity 400", s.get(base + "/livekit/token", params={"room": "r1"}).status_code == 400)
    r = s.get(base + "/twilio/token", params={"identity": "alice", "room": "r1"})
    h, c = hs256(r.json()["token"], S["twilio"]) if r.status_code == 200 else (None, None)
    check("twilio: cty twilio-fpa;v=1, jti SK1-<iat>, grants, sub account SID",
          c is not None and h["cty"] == "twilio-fpa;v=1" and c["jti"] == f"SK1-{c['nbf']}" and c["sub"] == "AC1"
          and c["grants"] == {"video": {"room": "r1"}, "identity": "alice"}, r.text)
    r = s.get(base + "/vonage/token", params={"sessionId": "sess-1", "role": "subscriber"})
    h, c = rs256(r.json()["token"], keys["vonage"].public_key()) if r.status_code == 200 else (None, None)
    check("vonage: RS256 with the application key; session.connect claims",
          c is not None and c["application_id"] == "app-1" and c["session_id"] == "sess-1" and c["role"] == "subscriber"
          and c["scope"] == "session.connect" and c["sub"] == "video", r.text)
    r = s.get(base + "/zoom/token", params={"sessionName": "Cool Cars", "roleType": "1"})
    h, c = hs256(r.json()["token"], S["zoom"]) if r.status_code == 200 else (None, None)
    check("zoom: app_key, tpc, role_type 1, version 1, exp = iat + 3600",
          c is not None and c["app_key"] == "sdk-key" and c["tpc"] == "Cool Cars" and c["role_type"] == 1
          and c["exp"] - c["iat"] == 3600, r.text)
    check("zoom: role_type 2 is 400",
          s.get(base + "/zoom/token", params={"sessionName": "x", "roleType": "2"}).status_code == 400)
    r = s.get(base + "/jaas/token", params={"room": "*", "name": "Jo", "moderator": "true"})
    h, c = rs256(r.json()["token"], keys["jaas"].public_key()) if r.status_code == 200 else (None, None)
    check("jaas: kid AppID/key id, aud jitsi, iss chat, sub AppID, moderator \"true\"",
          c is not None and h["kid"] == "vpaas-magic-cookie-0123/k1" and c["aud"] == "jitsi" and c["iss"] == "chat"
          and c["sub"] == "vpaas-magic-cookie-0123" and c["context"]["user"] == {"name": "Jo", "moderator": "true"},
          r.text)
    r = s.get(base + "/stream/token", params={"userId": "alice"})
    h, c = hs256(r.json()["token"], S["stream"]) if r.status_code == 200 else (None, None)
    check("stream: {\"user_id\":\"alice\"} and nothing else", c == {"user_id": "alice"}, r.text)
    r = s.get(base + "/100ms/token", params={"roomId": "room", "userId": "u", "role": "host"})
    h, c = hs256(r.json()["token"], S["100ms"]) if r.status_code == 200 else (None, None)
    check("100ms: app token claims", c is not None and c["access_key"] == "ak" and c["type"] == "app"
          and c["version"] == 2 and c["room_id"] == "room", r.text)
    r = s.get(base + "/daily/token", params={"room": "hello", "userName": "Jo", "isOwner": "true"})
    h, c = hs256(r.json()["token"], S["daily"]) if r.status_code == 200 else (None, None)
    check("daily: r, d, u, o", c is not None and c["r"] == "hello" and c["d"] == "dom-1" and c["u"] == "Jo"
          and c["o"] is True, r.text)
    check("wrong method 405", s.post(base + "/stream/token").status_code == 405)
    server.stop()

    # A bad configuration stops the server at start-up, with the reason.
    for name, section in [("agora", {"appId": "not hex", "appCertificate": CERT, "expire": 60}),
                          ("zoom", {"sdkKey": "k", "sdkSecret": S["zoom"], "ttl": 60}),
                          ("janus", {"tokenAuthSecret": "s", "ttl": 60, "plugins": ["a,b"]})]:
        bad = os.path.join(tmp, f"bad-{name}.json")
        with open(bad, "w") as f:
            json.dump({"database": os.path.join(tmp, "bad.db"), "allowAnonymous": True, name: section}, f)
        import subprocess
        run = subprocess.run([binary, "--port", "1", "--config", bad], capture_output=True, text=True, timeout=10)
        check(f"config: a bad {name} section stops the server with its reason",
              run.returncode != 0 and name in run.stderr, run.stderr)

    # No platform sections: each endpoint answers 404.
    bare = os.path.join(tmp, "bare.json")
    with open(bare, "w") as f:
        json.dump({"database": os.path.join(tmp, "bare.db"), "allowAnonymous": True}, f)
    server = Server(binary, bare, os.path.join(tmp, "bare.log"))
    check("server starts with no platform section", server.start())
    for url in ("/agora/rtc-token?channel=c", "/agora/rtm-token?userId=u", "/trtc/usersig?userId=u", "/janus/token",
                "/livekit/token", "/twilio/token", "/vonage/token", "/zoom/token", "/jaas/token", "/stream/token",
                "/100ms/token", "/daily/token"):
        check(f"unconfigured {url.split('?')[0]} answers 404", requests.get(server.base + url).status_code == 404)
    server.stop()
    return finish("auth-server platforms")


if __name__ == "__main__":
    sys.exit(main())
