#!/usr/bin/env python3
"""make load: wrk on loopback against the auth server, in one run:

  single  one instance on SQLite, clients straight to it;
  fleet   three instances on PostgreSQL and Redis behind nginx.

Endpoints: /healthz (the ceiling), POST /authenticate (a SkyWay credential
for the caller), GET /get-token (a VideoSDK token for the caller) and POST
/create-meeting (a write to the store). Callers present an identity
provider's ES256 token (idp.py), verified on every request. Each endpoint is
measured in rotation, `rounds` rounds of `seconds` each; the median round's
requests/s and p99 are reported. Server, nginx, the databases and wrk share
this machine's CPUs: read the figures as the whole system's.

    load.py PATH/TO/auth-server [SECONDS] [ROUNDS]
"""
import json
import os
import re
import subprocess
import sys
import tempfile

from fleet import Fleet
from idp import IdP
from serverctl import Server

VIDEOSDK = "videosdk-secret-0123456789abcdef0123"


def sections(idp, jwks):
    return {
        "callers": idp.callers(jwks),
        "skyway": {"secretKey": "skyway-secret-key-0123456789abcdef", "ttl": 3600},
        "videosdk": {"apiKey": "videosdk-api-key", "secret": VIDEOSDK},
    }


def seconds_of(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)", text)
    if not m:
        return None
    return float(m.group(1)) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[m.group(2)]


def measure(base, tmp, caller, vtoken, seconds, rounds):
    scripts = {}
    for name, method, body, auth in [("authenticate", "POST", "sessionToken=x", caller),
                                     ("create-meeting", "POST", None, vtoken), ("get-token", "GET", None, caller)]:
        path = os.path.join(tmp, name + ".lua")
        with open(path, "w") as f:
            f.write(f'wrk.method = "{method}"\nwrk.headers["Authorization"] = "{auth}"\n')
            if body:
                f.write(f'wrk.body = "{body}"\nwrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n')
        scripts[name] = path
    endpoints = [("/healthz", None), ("/authenticate", scripts["authenticate"]), ("/get-token", scripts["get-token"]),
                 ("/create-meeting", scripts["create-meeting"])]
    samples = {name: [] for name, _ in endpoints}
    for _ in range(rounds):
        for name, script in endpoints:
            cmd = ["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency"] + (["-s", script] if script else []) + [base + name]
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
            rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
            p99 = re.search(r"\s99%\s+(\S+)", out)
            non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
            errors = re.search(r"Socket errors: (.*)", out)
            samples[name].append((float(rate.group(1)) if rate else 0.0, seconds_of(p99.group(1)) if p99 else None,
                                  int(non2xx.group(1)) if non2xx else 0, errors.group(1) if errors else ""))
    result = {}
    for name, runs in samples.items():
        runs.sort(key=lambda r: r[0])
        result[name] = runs[len(runs) // 2]
    return result


def show(label, result):
    print(f"\n{label}")
    print(f"{'endpoint':<16} {'requests/s':>11} {'p99 ms':>8} {'non-2xx':>8}  socket errors")
    for name, (rate, p99, non2xx, errors) in result.items():
        print(f"{name:<16} {rate:>11.0f} {p99 * 1e3 if p99 is not None else float('nan'):>8.2f} {non2xx:>8}  {errors or '-'}")


def main():
    binary = sys.argv[1]
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    tmp = tempfile.mkdtemp(prefix="auth-server-load-")
    idp = IdP("load-idp")
    jwks = os.path.join(tmp, "idp.jwks")
    idp.write_jwks(jwks)
    caller = "Bearer " + idp.token("load-user", lifetime=3600)
    cores = os.cpu_count() or 1
    print(f"wrk -t2 -c32 -d{seconds}s --latency on 127.0.0.1, {cores} CPUs shared by everything; "
          f"median of {rounds} rounds in rotation")

    config = dict(sections(idp, jwks), store="sqlite:" + os.path.join(tmp, "auth.db"))
    path = os.path.join(tmp, "config.json")
    with open(path, "w") as f:
        json.dump(config, f)
    server = Server(binary, path, os.path.join(tmp, "single.log"))
    if not server.start():
        print("auth-server did not start", file=sys.stderr)
        return 1
    try:
        import requests
        vtoken = requests.get(server.base + "/get-token", headers={"Authorization": caller}).json()["token"]
        single = measure(server.base, tmp, caller, vtoken, seconds, rounds)
    finally:
        server.stop()
    show("single: one instance, SQLite", single)

    with Fleet(binary, sections(idp, jwks)) as fleet:
        import requests
        vtoken = requests.get(fleet.nginx.base + "/get-token", headers={"Authorization": caller}).json()["token"]
        many = measure(fleet.nginx.base, tmp, caller, vtoken, seconds, rounds)
    show("fleet: three instances behind nginx, PostgreSQL and Redis", many)
    print("\nfleet / single (requests/s): " +
          ", ".join(f"{n} {many[n][0] / single[n][0]:.2f}" for n in single if single[n][0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
