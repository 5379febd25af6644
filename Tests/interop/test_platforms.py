#!/usr/bin/env python3
"""The RTC platforms' credentials from Tessera, checked by the vendors' own
server SDKs from PyPI (test oracles only, never part of the library):

  livekit-api     TokenVerifier accepts Tessera's LiveKit tokens and reads the
                  grants back; AccessToken.to_jwt makes the same token, byte
                  for byte, for the same inputs
  twilio          AccessToken builds the same payload for the same inputs, and
                  AccessToken.from_jwt accepts Tessera's token (cty header)
  tls-sig-api-v2  its UserSigs pass tessera_trtc_usersig_verify; Tessera's
                  equal its own for the same inputs and decode with its format
  stream-chat     create_token equals Tessera's token byte for byte
  vonage-jwt      generate_application_jwt with Tessera's claims makes the
                  same token; PyJWT verifies Tessera's with the public key
  Janus           the token's MAC is Python's hmac (HMAC-SHA1) of its data

and Zoom, JaaS, 100ms and Daily tokens verified by PyJWT against each
vendor's documented claims. The library is called through ctypes:
    test_platforms.py PREFIX   (an installed Tessera: PREFIX/lib/libtessera.so)
Prints PASS/FAIL lines and a closing count; exit 1 on any failure.
"""
import base64
import ctypes
import datetime as _dt
import hashlib
import hmac
import json
import sys
import time
import types
import warnings
import zlib

import jwt
import jwt.api_jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

NOW = 1700000000
SECRET = b"0123456789abcdef0123456789abcdef"   # HS256 needs 32 bytes; vendors' "secret" is refused by design
TRTC_KEY = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"

lib = ctypes.CDLL(sys.argv[1] + "/lib/libtessera.so")
c_size_p = ctypes.POINTER(ctypes.c_size_t)
lib.tessera_last_error.restype = ctypes.c_char_p
lib.tessera_key_new_hmac.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p,
                                     ctypes.POINTER(ctypes.c_void_p)]
lib.tessera_key_new_pem.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
                                    ctypes.POINTER(ctypes.c_void_p)]
lib.tessera_key_free.argtypes = [ctypes.c_void_p]
lib.tessera_platform_token.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_size_t,
                                       ctypes.c_int64, ctypes.c_uint32, ctypes.c_char_p, ctypes.c_size_t, c_size_p]
lib.tessera_trtc_usersig.argtypes = [ctypes.c_uint64, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_uint32,
                                     ctypes.c_int64, ctypes.c_char_p, ctypes.c_size_t, c_size_p]
lib.tessera_trtc_usersig_verify.argtypes = [ctypes.c_uint64, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p,
                                            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int64]
lib.tessera_janus_token.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int64, ctypes.POINTER(ctypes.c_char_p),
                                    ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t, c_size_p]
HS256, RS256 = 1, 4

npass = nfail = 0


def check(name, ok, detail=""):
    global npass, nfail
    if ok:
        npass += 1
        print("PASS", name)
    else:
        nfail += 1
        print("FAIL", name, detail)


def call_out(fn, *args):
    buf = ctypes.create_string_buffer(70000)
    n = ctypes.c_size_t(0)
    rc = fn(*args, buf, len(buf), ctypes.byref(n))
    if rc != 0:
        raise RuntimeError(f"status {rc}: {lib.tessera_last_error().decode()}")
    return buf.raw[:n.value].decode()


def hmac_key(secret, kid=None):
    k = ctypes.c_void_p()
    rc = lib.tessera_key_new_hmac(HS256, secret, len(secret), kid, ctypes.byref(k))
    assert rc == 0, lib.tessera_last_error()
    return k


def pem_key(pem, kid=None):
    k = ctypes.c_void_p()
    rc = lib.tessera_key_new_pem(RS256, pem, len(pem), kid, ctypes.byref(k))
    assert rc == 0, lib.tessera_last_error()
    return k


def platform(key, name, params, ttl=0, now=NOW):
    arr = (ctypes.c_char_p * max(len(params), 1))(*[p.encode() for p in params])
    return call_out(lib.tessera_platform_token, key, name.encode(), arr, len(params), now, ttl)


def segment(token, i):
    s = token.split(".")[i]
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


class FrozenDT(_dt.datetime):
    """datetime whose now() is NOW: the SDKs' and PyJWT's clocks."""
    @classmethod
    def now(cls, tz=None):
        return _dt.datetime.fromtimestamp(NOW, tz)


jwt.api_jwt.datetime = FrozenDT   # PyJWT checks exp/nbf/iat with datetime.now


def run(name, fn):
    try:
        fn()
    except Exception as e:  # an oracle's refusal is a failure of this check, not of the run
        check(name, False, f"{type(e).__name__}: {e}")


def livekit():
    import livekit.api.access_token as lat
    from livekit import api
    key = hmac_key(SECRET)
    ours = platform(key, "livekit", ["api_key=APIxyz", "identity=alice", "name=Alice ü", "room=r1", "roomJoin=true",
                                     "canPublishData=false", "metadata={\"seat\":3}"], ttl=3600)
    lat.datetime = types.SimpleNamespace(datetime=FrozenDT, timezone=_dt.timezone, timedelta=_dt.timedelta)
    theirs = (api.AccessToken("APIxyz", SECRET.decode()).with_identity("alice").with_name("Alice ü")
              .with_metadata("{\"seat\":3}")
              .with_grants(api.VideoGrants(room_join=True, room="r1", can_publish_data=False))
              .with_ttl(_dt.timedelta(seconds=3600)).to_jwt())
    check("livekit: livekit-api's AccessToken makes the same token byte for byte", ours == theirs,
          f"\n  ours   {segment(ours, 1)}\n  theirs {segment(theirs, 1)}")
    claims = api.TokenVerifier("APIxyz", SECRET.decode()).verify(ours)
    check("livekit: livekit-api's TokenVerifier accepts Tessera's token and reads the grants",
          claims.identity == "alice" and claims.name == "Alice ü" and claims.video.room == "r1"
          and claims.video.room_join and claims.video.can_publish and not claims.video.can_publish_data)
    try:
        api.TokenVerifier("APIother", SECRET.decode()).verify(ours)
        check("livekit: TokenVerifier refuses it for another API key", False)
    except Exception:
        check("livekit: TokenVerifier refuses it for another API key", True)
    lib.tessera_key_free(key)


def twilio():
    from twilio.jwt.access_token import AccessToken
    from twilio.jwt.access_token.grants import VideoGrant
    key = hmac_key(SECRET)
    ours = platform(key, "twilio", ["account_sid=AC0123", "api_key_sid=SK0123", "identity=alice", "room=r1"], ttl=3600)
    real = time.time
    time.time = lambda: NOW
    try:
        at = AccessToken("AC0123", "SK0123", SECRET.decode(), identity="alice", ttl=3600)
        at.add_grant(VideoGrant(room="r1"))
        theirs = at.to_jwt()
    finally:
        time.time = real
    check("twilio: twilio's AccessToken builds the same payload (jti, grants, iss, exp, nbf, sub)",
          segment(ours, 1) == segment(theirs, 1), f"\n  ours   {segment(ours, 1)}\n  theirs {segment(theirs, 1)}")
    dec = AccessToken.from_jwt(ours, key=SECRET.decode())
    check("twilio: AccessToken.from_jwt accepts Tessera's token with cty twilio-fpa;v=1",
          dec.headers.get("cty") == "twilio-fpa;v=1" and dec.payload["grants"]["identity"] == "alice"
          and dec.payload["jti"] == f"SK0123-{NOW}")
    lib.tessera_key_free(key)


def stream():
    from stream_chat import StreamChat
    key = hmac_key(SECRET)
    sc = StreamChat(api_key="key", api_secret=SECRET.decode())
    ours = platform(key, "stream", ["user_id=alice"])
    check("stream: stream-chat's create_token equals Tessera's token byte for byte", ours == sc.create_token("alice"),
          f"{ours} != {sc.create_token('alice')}")
    ours = platform(key, "stream", ["user_id=bob ü", "iat=true"], ttl=3600)
    theirs = sc.create_token("bob ü", exp=NOW + 3600, iat=NOW)
    check("stream: the same with exp and iat", ours == theirs, f"{segment(ours, 1)} != {segment(theirs, 1)}")
    lib.tessera_key_free(key)


def rsa_pair():
    k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    pub = k.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, pub


def vonage():
    from vonage_jwt import JwtClient
    pem, pub = rsa_pair()
    key = pem_key(pem)
    ours = platform(key, "vonage", ["application_id=aaaaaaaa-bbbb-cccc-dddd-0123456789ab", "session_id=1_MX4xMjM0",
                                    "role=moderator", "connection_data=name=alice"], ttl=900)
    claims = json.loads(segment(ours, 1))
    # vonage-jwt keeps the caller's members in order and adds application_id,
    # iat, jti and exp only when absent: given Tessera's claims it must
    # rebuild Tessera's token exactly (RS256 is deterministic).
    theirs = JwtClient("aaaaaaaa-bbbb-cccc-dddd-0123456789ab", pem.decode()).generate_application_jwt(claims).decode()
    check("vonage: vonage-jwt's generate_application_jwt makes the same token from the same claims", ours == theirs)
    c = jwt.decode(ours, pub, algorithms=["RS256"])
    check("vonage: the documented video claims (scope, session_id, role, sub, acl, jti, iat, exp)",
          c["scope"] == "session.connect" and c["session_id"] == "1_MX4xMjM0" and c["role"] == "moderator"
          and c["sub"] == "video" and c["acl"] == {"paths": {"/session/**": {}}} and len(c["jti"]) == 36
          and c["iat"] == NOW and c["exp"] == NOW + 900 and c["connection_data"] == "name=alice")
    lib.tessera_key_free(key)


def trtc():
    import TLSSigAPIv2 as tls
    keyb = TRTC_KEY.encode()
    real = time.time
    time.time = lambda: NOW
    try:
        vendor = tls.TLSSigAPIv2(1400000000, TRTC_KEY)
        theirs = {uid: vendor.gen_sig(uid, 86400) for uid in ("xiaojun", "user_1", "ü-名前")}
        with_userbuf = vendor.gen_sig_with_userbuf("xiaojun", 86400, b"room-privileges")
    finally:
        time.time = real
    for uid, sig in theirs.items():
        ours = call_out(lib.tessera_trtc_usersig, 1400000000, keyb, len(keyb), uid.encode(), 86400, NOW)
        check(f"trtc: tls-sig-api-v2's gen_sig equals Tessera's UserSig for {uid!r}", ours == sig, f"{ours} != {sig}")
        rc = lib.tessera_trtc_usersig_verify(1400000000, keyb, len(keyb), uid.encode(), sig.encode(), len(sig), NOW + 60)
        check(f"trtc: tessera_trtc_usersig_verify accepts tls-sig-api-v2's UserSig for {uid!r}", rc == 0,
              lib.tessera_last_error())
        doc = json.loads(zlib.decompress(tls.base64_decode_url(ours.encode())))
        check(f"trtc: Tessera's UserSig decodes with the vendor's format ({uid!r})",
              doc["TLS.identifier"] == uid and doc["TLS.sdkappid"] == 1400000000 and doc["TLS.time"] == NOW
              and doc["TLS.expire"] == 86400 and doc["TLS.ver"] == "2.0")
    rc = lib.tessera_trtc_usersig_verify(1400000000, keyb, len(keyb), b"xiaojun", with_userbuf.encode(),
                                         len(with_userbuf), NOW)
    check("trtc: a UserSig with TLS.userbuf verifies (userbuf in the MAC)", rc == 0, lib.tessera_last_error())
    rc = lib.tessera_trtc_usersig_verify(1400000000, b"another key", 11, b"xiaojun", theirs["xiaojun"].encode(),
                                         len(theirs["xiaojun"]), NOW)
    check("trtc: another key is TESSERA_E_SIGNATURE", rc == -7, rc)


def janus():
    secret = b"janus-secret"
    plugins = (ctypes.c_char_p * 2)(b"janus.plugin.videoroom", b"janus.plugin.echotest")
    token = call_out(lib.tessera_janus_token, secret, len(secret), 1800000000, plugins, 2)
    data, mac = token.split(":")
    want = base64.b64encode(hmac.new(secret, data.encode(), hashlib.sha1).digest()).decode()
    check("janus: the token is <expiry>,janus,<plugins>: and Python's hmac HMAC-SHA1 of it",
          data == "1800000000,janus,janus.plugin.videoroom,janus.plugin.echotest" and mac == want, token)


def zoom_jaas_100ms_daily():
    key = hmac_key(SECRET)
    z = platform(key, "zoom", ["app_key=SDKKEY", "tpc=Cool Cars", "role_type=1", "user_key=u-1"], ttl=7200)
    c = jwt.decode(z, SECRET, algorithms=["HS256"])
    check("zoom: PyJWT verifies; app_key, role_type 1, tpc, version 1, iat, exp = iat + 7200",
          list(c) == ["app_key", "role_type", "tpc", "version", "iat", "exp", "user_key"]
          and c["role_type"] == 1 and c["version"] == 1 and c["exp"] - c["iat"] == 7200, c)
    h = platform(key, "100ms", ["access_key=AK", "room_id=R", "user_id=U", "role=host"])
    c = jwt.decode(h, SECRET, algorithms=["HS256"])
    check("100ms: PyJWT verifies; the documented app-token claims in order",
          list(c) == ["access_key", "room_id", "user_id", "role", "type", "version", "iat", "nbf", "exp", "jti"]
          and c["type"] == "app" and c["version"] == 2 and c["exp"] == NOW + 86400, c)
    d = platform(key, "daily", ["room=test", "domain_id=30f866c3-9123-452a-8723-ff58322d09c5", "is_owner=true"])
    c = jwt.decode(d, SECRET, algorithms=["HS256"])
    check("daily: PyJWT verifies; r, d, iat, exp, o",
          c == {"r": "test", "d": "30f866c3-9123-452a-8723-ff58322d09c5", "iat": NOW, "exp": NOW + 3600, "o": True}, c)
    lib.tessera_key_free(key)
    pem, pub = rsa_pair()
    kid = b"vpaas-magic-cookie-0123456789abcdef0123456789abcdef/4f4910"
    rk = pem_key(pem, kid)
    j = platform(rk, "jaas", ["room=*", "user.name=Jo", "user.moderator=true", "features.recording=true"])
    hdr = json.loads(segment(j, 0))
    c = jwt.decode(j, pub, algorithms=["RS256"], audience="jitsi", issuer="chat")
    check("jaas: PyJWT verifies with aud jitsi and iss chat; kid header, sub = AppID, string flags",
          hdr["kid"] == kid.decode() and c["sub"] == "vpaas-magic-cookie-0123456789abcdef0123456789abcdef"
          and c["context"] == {"user": {"name": "Jo", "moderator": "true"}, "features": {"recording": "true"}}
          and c["room"] == "*", (hdr, c))
    lib.tessera_key_free(rk)


warnings.simplefilter("ignore")
for name, fn in [("livekit", livekit), ("twilio", twilio), ("stream", stream), ("vonage", vonage), ("trtc", trtc),
                 ("janus", janus), ("zoom, jaas, 100ms, daily", zoom_jaas_100ms_daily)]:
    run(name, fn)
print(f"vendor oracles: {npass} passed, {nfail} failed")
sys.exit(1 if nfail else 0)
