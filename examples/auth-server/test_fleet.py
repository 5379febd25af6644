#!/usr/bin/env python3
"""The fleet: three auth servers on one PostgreSQL and one Redis, behind
nginx, all started here on loopback (fleet.py).

    test_fleet.py PATH/TO/auth-server

State is shared (a meeting, a Sceenic token, a jti, a rate limit, a
revocation crosses instances); under load through nginx one instance is
killed with SIGKILL and nothing acknowledged is lost; Redis stops (minting
goes on, replay protection fails closed, /readyz says why) and comes back;
PostgreSQL restarts and the servers reconnect by themselves. Prints PASS/FAIL
lines and "auth-server fleet: N passed, N failed".
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid

import requests
from checks import check, finish
from fleet import Fleet
from idp import IdP
from test_operations import OPERATOR, VERIFY_SECRET, hs256

VIDEOSDK = "videosdk-secret-0123456789abcdef0123"
SCEENIC = "sceenic-secret-0123456789abcdef01234"


def sections(idp, jwks):
    return {
        "callers": idp.callers(jwks),
        "operators": {"apiKeys": [OPERATOR]},
        "limits": {"rate": {"window": 60, "perCaller": 40}},
        "videosdk": {"apiKey": "videosdk-api-key", "secret": VIDEOSDK},
        "sceenic": {"apiKey": "sceenic-api-key", "apiSecret": SCEENIC},
        "turn": {"secret": "turn-shared-secret", "ttl": 600, "uris": ["turn:127.0.0.1:3478"]},
        "verify": {"secret": VERIFY_SECRET, "algorithms": ["HS256"], "replay": True, "maxLifetime": 3600},
    }


class Writer(threading.Thread):
    """Creates meetings and Sceenic sessions through nginx until stopped,
    recording every answer: (time, kind, status, id)."""

    def __init__(self, base, vtoken, idp, stop):
        super().__init__(daemon=True)
        self.base, self.vtoken, self.idp, self.stop_event = base, vtoken, idp, stop
        self.results = []

    def run(self):
        s = requests.Session()
        n = 0
        while not self.stop_event.is_set():
            n += 1
            try:
                if n % 2:
                    r = s.post(self.base + "/create-meeting", headers={"Authorization": self.vtoken}, timeout=5)
                    self.results.append((time.monotonic(), "meeting", r.status_code,
                                         r.json().get("meetingId") if r.status_code == 200 else None))
                else:
                    r = s.post(self.base + "/sceenic/sessions", headers=self.idp.auth(f"writer-{uuid.uuid4().hex[:8]}"),
                               timeout=5)
                    self.results.append((time.monotonic(), "session", r.status_code,
                                         r.json().get("tokenId") if r.status_code == 200 else None))
            except requests.RequestException:
                self.results.append((time.monotonic(), "error", 0, None))
                s = requests.Session()


def main():
    binary = sys.argv[1]
    idp = IdP("fleet-idp")
    import tempfile
    keydir = tempfile.mkdtemp(prefix="auth-fleet-keys-")
    jwks = os.path.join(keydir, "idp.jwks")
    idp.write_jwks(jwks)
    with Fleet(binary, sections(idp, jwks)) as fleet:
        s0, s1, s2 = (srv.base for srv in fleet.servers)
        via = fleet.nginx.base
        s = requests.Session()
        check("three instances and nginx answer", all(s.get(b + "/readyz").status_code == 200 for b in (s0, s1, s2, via)))
        r = s.get(s0 + "/readyz")
        check("readyz names the store and the cache", r.json() == {"store": "ok", "cache": "ok", "status": "ready"}, r.text)

        # ---- shared state -----------------------------------------------------------------
        vtoken = s.get(s0 + "/get-token", headers=idp.auth("host")).json()["token"]
        meeting = s.post(s0 + "/create-meeting", headers={"Authorization": vtoken}).json().get("meetingId")
        r = s.post(s1 + f"/validate-meeting/{meeting}", headers={"Authorization": vtoken})
        check("a meeting created on instance 0 validates on instance 1", r.status_code == 200, r.text)
        sc = s.post(s1 + "/sceenic/sessions", headers=idp.auth("host")).json()
        r = s.get(s2 + f"/sceenic/sessions/{sc.get('tokenId')}", headers=idp.auth("guest"))
        check("a Sceenic token made on instance 1 is read on instance 2",
              r.status_code == 200 and r.json().get("token") == sc.get("token"), r.text)
        now = int(time.time())
        t = hs256({"sub": "u", "iat": now, "exp": now + 600, "jti": str(uuid.uuid4())})
        first = s.get(s0 + "/verify", headers={"Authorization": "Bearer " + t}).status_code
        again = s.get(s1 + "/verify", headers={"Authorization": "Bearer " + t})
        check("a jti used on instance 0 is a replay on instance 1",
              first == 200 and again.status_code == 401 and again.json().get("category") == "replayed", again.text)
        codes = [s.get((s0, s1, s2)[i % 3] + "/turn/credentials", headers=idp.auth("limited")).status_code for i in range(43)]
        check("a rate limit (40 per window per caller) is shared by the three instances",
              codes[:40] == [200] * 40 and codes[40:] == [429] * 3, str(codes))
        victim = str(uuid.uuid4())
        r = s.post(s2 + "/revoke", data={"jti": victim}, headers={"Authorization": "Bearer " + OPERATOR})
        tv = hs256({"sub": "v", "iat": now, "exp": now + 600, "jti": victim})
        answers = [s.get(b + "/verify", headers={"Authorization": "Bearer " + tv}).json().get("category") for b in (s0, s1)]
        check("POST /revoke on instance 2 takes effect on 0 and 1", r.status_code == 200 and answers == ["revoked"] * 2,
              f"{r.status_code} {answers}")

        # ---- kill -9 one instance under load -------------------------------------------------
        lua = os.path.join(fleet.tmp, "meeting.lua")
        with open(lua, "w") as f:
            f.write(f'wrk.method = "POST"\nwrk.headers["Authorization"] = "{vtoken}"\n')
        wrk = subprocess.Popen(["wrk", "-t1", "-c8", "-d8s", "-s", lua, via + "/create-meeting"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
        stop = threading.Event()
        writers = [Writer(via, vtoken, idp, stop) for _ in range(2)]
        for w in writers:
            w.start()
        time.sleep(3)
        killed_at = time.monotonic()
        fleet.servers[1].proc.send_signal(signal.SIGKILL)
        fleet.servers[1].proc.wait(timeout=5)
        time.sleep(4)
        stop.set()
        for w in writers:
            w.join(timeout=10)
        wrk_out = wrk.communicate(timeout=30)[0]
        results = sorted(sum((w.results for w in writers), []))
        acked = [(kind, ident) for _, kind, status, ident in results if status == 200]
        failures = [t for t, kind, status, _ in results if status != 200]
        meetings = [i for k, i in acked if k == "meeting"]
        sessions = [i for k, i in acked if k == "session"]
        stored_m = int(fleet.pg.query("SELECT count(*) FROM meetings WHERE id IN (%s)" %
                                      ",".join(f"'{i}'" for i in meetings)) or 0) if meetings else 0
        stored_s = int(fleet.pg.query("SELECT count(*) FROM sceenic_sessions WHERE token_id IN (%s)" %
                                      ",".join(f"'{i}'" for i in sessions)) or 0) if sessions else 0
        after = [t for t, _, status, _ in results if status == 200 and t > killed_at + 1]
        last_failure = max(failures) - killed_at if failures else None
        print(f"kill -9 under load: {len(acked)} acknowledged writes ({len(meetings)} meetings, {len(sessions)} sessions), "
              f"{len(failures)} failed, last failure {last_failure if last_failure is None else round(last_failure, 3)} s "
              f"after the kill, {len(after)} acknowledged more than 1 s after it")
        for line in wrk_out.splitlines():
            if "Requests/sec" in line or "Non-2xx" in line or "Socket errors" in line:
                print("wrk (POST /create-meeting through nginx, 8 s):", line.strip())
        check("kill -9: every acknowledged meeting is stored", len(meetings) > 20 and stored_m == len(meetings),
              f"{stored_m} of {len(meetings)}")
        check("kill -9: every acknowledged Sceenic token is stored", len(sessions) > 20 and stored_s == len(sessions),
              f"{stored_s} of {len(sessions)}")
        check("kill -9: errors stop within a second", last_failure is None or last_failure <= 1.0, f"{last_failure}")
        check("kill -9: the survivors carry the load", len(after) > 20, f"{len(after)}")

        # ---- Redis stops: minting goes on, replay protection fails closed -------------------------
        fleet.redis.stop()
        r = s.get(via + "/turn/credentials", headers=idp.auth("during-outage"))
        check("Redis down: minting goes on", r.status_code == 200, r.text)
        t = hs256({"sub": "u", "iat": now, "exp": now + 600, "jti": str(uuid.uuid4())})
        r = s.get(via + "/verify", headers={"Authorization": "Bearer " + t})
        check("Redis down: /verify (replay protection, revocation) fails closed with 503",
              r.status_code == 503 and r.json().get("category") in ("replay", "revocation"), r.text)
        r = s.get(s0 + "/readyz")
        check("Redis down: /readyz is 503 and says the cache is why",
              r.status_code == 503 and r.json().get("store") == "ok" and r.json().get("cache") == "unavailable", r.text)
        fleet.redis.start()
        deadline, back = time.monotonic() + 5, False
        while time.monotonic() < deadline and not back:
            t = hs256({"sub": "u", "iat": now, "exp": now + 600, "jti": str(uuid.uuid4())})
            back = s.get(via + "/verify", headers={"Authorization": "Bearer " + t}).status_code == 200
            time.sleep(0.1)
        check("Redis back: /verify works again by itself", back)

        # ---- PostgreSQL restarts: the servers reconnect ---------------------------------------------
        fleet.pg.stop("fast")
        t0 = time.monotonic()
        r = s.post(via + "/create-meeting", headers={"Authorization": vtoken}, timeout=20)
        check("PostgreSQL down: a write is a prompt 503, not a hang",
              r.status_code in (502, 503) and time.monotonic() - t0 < 10, f"{r.status_code} in {time.monotonic() - t0:.1f} s")
        fleet.pg.start()
        t0 = time.monotonic()
        ok = False
        while time.monotonic() - t0 < 10 and not ok:
            ok = all(s.post(b + "/create-meeting", headers={"Authorization": vtoken}).status_code == 200 for b in (s0, s2))
            if not ok:
                time.sleep(0.1)
        print(f"PostgreSQL restarted: both instances wrote again {time.monotonic() - t0:.2f} s after it came back")
        check("PostgreSQL restarted: the servers reconnect by themselves", ok)
        r = s.post(s2 + f"/validate-meeting/{meeting}", headers={"Authorization": vtoken})
        check("the first meeting is still there after the restart", r.status_code == 200)

        # ---- SIGTERM drains an instance ---------------------------------------------------------------
        code = fleet.servers[2].stop()
        check("SIGTERM: an instance drains and exits 0", code == 0, f"exit {code}")
        r = s.get(via + "/turn/credentials", headers=idp.auth("after-drain"))
        check("nginx sends the next request to the instance left", r.status_code == 200, r.text)
        logs = "".join(open(srv.log).read() for srv in fleet.servers)
        check("no secret in any instance's log", all(x not in logs for x in (OPERATOR, VERIFY_SECRET, VIDEOSDK, SCEENIC, vtoken)))
    return finish("auth-server fleet")


if __name__ == "__main__":
    sys.exit(main())
