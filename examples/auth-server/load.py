#!/usr/bin/env python3
"""make load: wrk against /healthz, /authenticate (SkyWay) and /get-token
(VideoSDK) on loopback, printing requests/s side by side and each token
endpoint's rate as a share of /healthz's. The three endpoints are measured
in rotation, three rounds of a few seconds each, and the median of each is
reported, so that the shared machine's noise hits them alike.

    load.py PATH/TO/auth-server [SECONDS]

Target: the token endpoints reach >= 80 % of /healthz's rate (signing is
never the bottleneck). Traffic goes to 127.0.0.1 only, bounded in time.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

from serverctl import Server


def main():
    binary = sys.argv[1]
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    tmp = tempfile.mkdtemp(prefix="auth-server-load-")
    config = {
        "database": os.path.join(tmp, "auth.db"),
        "allowAnonymous": True,
        "skyway": {"secretKey": "skyway-secret-key-0123456789abcdef", "ttl": 3600, "sessionTokens": ["good-session"]},
        "videosdk": {"apiKey": "videosdk-api-key", "secret": "videosdk-secret-0123456789abcdef0123"},
    }
    path = os.path.join(tmp, "config.json")
    json.dump(config, open(path, "w"))
    post = os.path.join(tmp, "authenticate.lua")
    with open(post, "w") as f:
        f.write('wrk.method = "POST"\n'
                'wrk.body = "peerId=alice&sessionToken=good-session"\n'
                'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n')
    server = Server(binary, path)
    base = server.base
    if not server.start():
        print("auth-server did not start", file=sys.stderr)
        return 1
    try:
        cores = os.cpu_count() or 1
        threads = max(1, cores // 2)
        samples = {"/healthz": [], "/authenticate": [], "/get-token": []}
        endpoints = [("/healthz", []), ("/authenticate", ["-s", post]), ("/get-token", [])]
        for _ in range(3):
            for name, extra in endpoints:
                cmd = ["wrk", f"-t{threads}", f"-c{8 * threads}", f"-d{seconds}s"] + extra + [base + name]
                out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30).stdout
                m = re.search(r"Requests/sec:\s+([\d.]+)", out)
                non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
                samples[name].append(float(m.group(1)) if m else 0.0)
                if non2xx:
                    print(f"{name}: {non2xx.group(1)} non-2xx responses", file=sys.stderr)
        rates = {name: sorted(v)[1] for name, v in samples.items()}
        print(f"wrk -t{threads} -c{8 * threads} -d{seconds}s on 127.0.0.1, {cores} CPUs (server and wrk share them);"
              " median of 3 rounds in rotation")
        print(f"{'endpoint':<16} {'requests/s':>12} {'vs /healthz':>12}")
        for name, rate in rates.items():
            print(f"{name:<16} {rate:>12.0f} {100 * rate / rates['/healthz']:>11.1f} %")
        ok = all(rates[n] >= 0.8 * rates["/healthz"] for n in ("/authenticate", "/get-token"))
        print("target (token endpoints >= 80 % of /healthz):", "met" if ok else "NOT met")
        return 0
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
