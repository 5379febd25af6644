#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora and test keys from Tests/Vectors.

    python3 Tests/fuzz/make_seeds.py

Run once when the vectors change; its outputs are committed:
  seeds/<target>/<sha1>   one input per file
  keys.h                  the vector keys as C strings (JWK and JWKS)
Nothing here runs at fuzzing time.
"""
import glob
import base64
import hashlib
import hmac
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(HERE, "..", "Vectors")
ALG_INDEX = {a: i for i, a in enumerate(["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384",
                                         "PS512", "ES256", "ES384", "ES512", "EdDSA"])}


def load(name):
    with open(os.path.join(VECTORS, name)) as f:
        return json.load(f)


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def unb64url(text):
    import base64
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


seeds = {t: set() for t in ("jwt_verify", "jws_verify", "key_jwk", "keyset_jwks", "key_pem", "jwt_sign", "roundtrip",
                            "json_diff")}
jwks = []  # keys the verify targets know

rfc7515 = load("rfc7515_appendixA_jws.json")
for ex in rfc7515["examples"]:
    seeds["jwt_verify"].add(ex["compact"].encode())
    if "jwk" not in ex:  # A.5, alg none
        continue
    seeds["key_jwk"].add(compact(ex["jwk"]).encode())
    seeds["jwt_sign"].add(ex["payloadUtf8"].encode())
    jwks.append(dict(ex["jwk"], alg=ex["alg"], kid=f"rfc7515-{ex['name']}"))
s31 = rfc7515["rfc7519_section_3_1"]
seeds["jwt_verify"].add(s31["compact"].encode())
seeds["jwt_verify"].add(rfc7515["rfc7515_appendix_E_crit_negative"]["compact"].encode())

rfc8037 = load("rfc8037_ed25519_jws.json")
seeds["jwt_verify"].add(rfc8037["compact"].encode())
for k in ("privateJwk", "publicJwk"):
    seeds["key_jwk"].add(compact(rfc8037[k]).encode())
jwks.append(dict(rfc8037["publicJwk"], alg="EdDSA", kid="rfc8037"))

rfc7520 = load("rfc7520_section4_jws.json")
for ex in rfc7520["examples"]:
    if ex.get("compact"):
        seeds["jwt_verify"].add(ex["compact"].encode())
        seeds["jws_verify"].add(ex["compact"].encode())
    if isinstance(ex.get("key"), dict):
        seeds["key_jwk"].add(compact(ex["key"]).encode())

jws = load("wycheproof/json_web_signature_test.json")
for group in jws["testGroups"]:
    key = group.get("private")
    if key:
        seeds["key_jwk"].add(compact(key).encode())
        seeds["keyset_jwks"].add(compact({"keys": [key]}).encode())
        if key.get("kid") not in {k.get("kid") for k in jwks}:
            jwks.append(key)
    for test in group["tests"]:
        seeds["jws_verify"].add(test["jws"].encode())
        if test["jws"].count(".") == 2:
            seeds["jwt_verify"].add(test["jws"].encode())

for path in sorted(glob.glob(os.path.join(VECTORS, "wycheproof", "*_test.json"))):
    data = json.load(open(path))
    for group in data.get("testGroups", [])[:4]:
        jwk = group.get("publicKeyJwk") or group.get("keyJwk")
        if jwk:
            seeds["key_jwk"].add(compact(jwk).encode())
        alg = None
        name = os.path.basename(path)
        if name.startswith("ecdsa_secp256r1"): alg = "ES256"
        elif name.startswith("ecdsa_secp384r1"): alg = "ES384"
        elif name.startswith("ecdsa_secp521r1"): alg = "ES512"
        elif name.startswith("ed25519"): alg = "EdDSA"
        elif name.startswith("rsa_pss"): alg = "PS256"
        elif name.startswith("rsa_signature"): alg = "RS256"
        if alg is None:
            continue
        for field in ("publicKeyPem",):
            if group.get(field):
                seeds["key_pem"].add(bytes([ALG_INDEX[alg]]) + group[field].encode())
        if group.get("publicKeyDer"):
            seeds["key_pem"].add(bytes([ALG_INDEX[alg]]) + bytes.fromhex(group["publicKeyDer"]))

seeds["keyset_jwks"].add(compact({"keys": jwks}).encode())
for claims in ({"sub": "alice", "iat": 1700000000, "exp": 1700003600},
               {"peerId": "p\u00e9er", "n": [1, 2.5e3, -0.0, True, None], "o": {"a": {"b": "\u2603"}}},
               {"grants": {"apiRTC_UserAgent_Id": "u"}, "aud": ["a", "b"], "jti": "x"}):
    seeds["jwt_sign"].add(json.dumps(claims, ensure_ascii=False).encode())
# fuzz_json_diff: the claims above, and the shapes the checker's fast paths
# meet (strings and digits scanned eight bytes per step, escaped names,
# multi-byte UTF-8, nesting, whitespace, numbers in every form).
seeds["json_diff"].update(seeds["jwt_sign"])
seeds["json_diff"].update(s.encode() for s in [
    '{"apikey":"4f3c2a1b-9d8e-4c7b-a6f5-e4d3c2b1a098","permissions":["allow_join","allow_mod"],"version":2,'
    '"roles":["CRAWLER"],"iat":1700000000,"exp":1700000600}',
    '{"\\u0065xp":1,"e\\u0078p2":"\\ud83d\\ude00","a\\/b":"\\"\\\\\\b\\f\\n\\r\\t"}',
    '{ "n" : [ -0 , 0.5e-3 , 1E+9 , 123456789012345678901234567890 , true , false , null ] ,\t"o":{"p":{}} }\r\n',
    '{"s":"\u00e9\u20ac\U0001F600 plain text that runs past eight bytes","k0":0,"k1":1,"k0 ":2}',
])
for i in range(8):
    seeds["roundtrip"].add(hashlib.sha512(f"roundtrip seed {i}".encode()).digest())

# fuzz_platforms: a selector byte, then the input (see fuzz_platforms.c).
# Agora's published tokens; Tencent's own UserSigs (tls-sig-api-v2, from
# PyPI, at a fixed clock); a Janus token made with Python's hmac.
seeds["platforms"] = set()
with open(os.path.join(VECTORS, "agora_accesstoken2.txt")) as f:
    for line in f:
        if line.startswith("expected = "):
            seeds["platforms"].add(b"\x00" + line.split("=", 1)[1].strip().encode())
try:
    import time as _time
    import TLSSigAPIv2
    _real, _time.time = _time.time, lambda: 1700000000
    _api = TLSSigAPIv2.TLSSigAPIv2(1400000000, "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e")
    seeds["platforms"].add(b"\x01" + _api.gen_sig("xiaojun", 86400).encode())
    seeds["platforms"].add(b"\x01" + _api.gen_sig_with_userbuf("xiaojun", 86400, b"abc").encode())
    _time.time = _real
except ImportError:
    print("tls-sig-api-v2 not installed: no UserSig seeds")
_data = b"1700000000,janus,janus.plugin.echotest"
seeds["platforms"].add(b"\x02" + _data + b":" + base64.b64encode(hmac.new(b"janussecret", _data, "sha1").digest()))
seeds["platforms"].update([b'\x03{"cty":"twilio-fpa;v=1"}', b'\x03{"x5u":"a","typ":"at+jwt"}',
                           b"\x04\x00api_key=APIxyz\nidentity=alice\nroom=r1\nroomJoin=true",
                           b"\x04\x01account_sid=AC1\napi_key_sid=SK1\nidentity=a\nroom=r",
                           b"\x04\x04room=*\nuser.name=J\nuser.moderator=true\nfeatures.recording=false",
                           b"\x05room 1\nalice\nxiaojun"])

for target, inputs in seeds.items():
    d = os.path.join(HERE, "seeds", target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for data in inputs:
        with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
            f.write(data)
    print(f"{target}: {len(inputs)} seeds")

with open(os.path.join(HERE, "keys.h"), "w") as f:
    f.write("/* Generated by Tests/fuzz/make_seeds.py from Tests/Vectors (RFC 7515, RFC 8037,\n"
            " * Wycheproof): the keys the verify targets know. Do not edit. */\n")
    f.write("static const char FUZZ_JWKS[] =\n    ")
    f.write(json.dumps(compact({"keys": jwks})))
    f.write(";\n")
print(f"keys.h: {len(jwks)} keys")
