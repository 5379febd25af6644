#!/usr/bin/env python3
"""make bench-nginx: what verifying a JWT costs a request through nginx.

    nginx_bench.py MODULE.so AUTH_SERVER [--seconds S] [--rounds R]
                   [--connections C] [--json FILE] [--plot FILE]

One nginx (Debian's, one worker) on loopback serves the same small file from
four locations:

  module        ngx_http_tessera_module, tessera_jwt_cache 0 (every request
                verifies the signature)
  module+cache  the module with tessera_jwt_cache 10000 (after the first
                request the token is a cache hit: SHA-256 of the token, a
                tree lookup, exp and nbf against the clock)
  auth_request  auth_request to the example auth server's GET /verify
                (keep-alive upstream), the set-up examples/nginx shows
  no auth       the same location without authentication: the ceiling

wrk (one thread, C connections, `--latency`) drives each location for S
seconds with an RS256 and then an ES256 token (made by joserfc, keys by kid
from one JWKS). A round runs the eight cells in a new random order; every
ratio is taken within its round, and the report gives the median over the
rounds and the spread (lowest-highest). Requests/s and p99 are the medians.
nginx, the auth server and wrk share this machine's cores.
"""
import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import requests
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "examples", "auth-server"))
from serverctl import Server, free_port  # noqa: E402

ISSUER, AUDIENCE = "https://issuer.tessera.test", "media-api"
SETUPS = ["module", "module+cache", "auth_request", "no auth"]
PATHS = {"module": "/module/", "module+cache": "/cached/", "auth_request": "/authreq/", "no auth": "/open/"}
ALGS = ["RS256", "ES256"]

NGINX_CONF = """load_module {module};
worker_processes 1;
error_log logs/error.log warn;
pid logs/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    tessera_jwt_keys jwks.json;
    tessera_jwt_algorithms RS256 ES256;
    tessera_jwt_issuer {issuer};
    tessera_jwt_audience {audience};
    tessera_jwt_max_lifetime 1h;
    upstream tessera_auth {{ server 127.0.0.1:{auth_port}; keepalive 32; }}
    server {{
        listen 127.0.0.1:{port};
        root html;
        location /module/ {{ tessera_jwt on; tessera_jwt_cache 0; alias html/; }}
        location /cached/ {{ tessera_jwt on; tessera_jwt_cache 10000; alias html/; }}
        location /authreq/ {{ auth_request /_verify; alias html/; }}
        location = /_verify {{
            internal;
            proxy_pass http://tessera_auth/verify;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
        }}
        location /open/ {{ alias html/; }}
    }}
}}
"""


def wrk(url, token, seconds, connections):
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
                          "-H", f"Authorization: Bearer {token}", url],
                         capture_output=True, text=True, timeout=seconds + 30).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if not rate or not p99:
        raise SystemExit(f"wrk output not understood:\n{out}")
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} requests were refused:\n{out}")
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}[p99.group(2)]
    return float(rate.group(1)), float(p99.group(1)) * scale


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("module")
    ap.add_argument("auth_server")
    ap.add_argument("--seconds", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--json")
    ap.add_argument("--plot")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="tessera-bench-nginx-")
    os.chmod(tmp, 0o755)
    rsa = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})
    ec = ECKey.generate_key("P-256", parameters={"kid": "ec-1"})
    jwks = {"keys": [dict(rsa.as_dict(private=False), alg="RS256", use="sig"),
                     dict(ec.as_dict(private=False), alg="ES256", use="sig")]}
    for d in ("logs", "tmp", "html"):
        os.makedirs(os.path.join(tmp, d))
    with open(os.path.join(tmp, "jwks.json"), "w") as f:
        json.dump(jwks, f)
    with open(os.path.join(tmp, "html", "index.html"), "w") as f:
        f.write("protected content\n")
    now = int(time.time())
    claims = {"sub": "alice", "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 3000}
    tokens = {"RS256": jwt.encode({"alg": "RS256", "kid": "rsa-1", "typ": "JWT"}, claims, rsa),
              "ES256": jwt.encode({"alg": "ES256", "kid": "ec-1", "typ": "JWT"}, claims, ec)}

    config = os.path.join(tmp, "auth-server.json")
    with open(config, "w") as f:
        json.dump({"store": "sqlite:" + os.path.join(tmp, "auth.db"), "allowAnonymous": True,
                   "verify": {"jwks": os.path.join(tmp, "jwks.json"), "algorithms": ALGS, "issuer": ISSUER,
                              "audience": AUDIENCE, "maxLifetime": 3600}}, f)
    auth = Server(args.auth_server, config, log=os.path.join(tmp, "auth-server.log"))
    if not auth.start():
        raise SystemExit(f"the auth server did not start; see {tmp}/auth-server.log")
    port = free_port()
    with open(os.path.join(tmp, "nginx.conf"), "w") as f:
        f.write(NGINX_CONF.format(module=args.module, issuer=ISSUER, audience=AUDIENCE, auth_port=auth.port, port=port))
    for d, _, files in os.walk(tmp):
        os.chmod(d, 0o755)
        for name in files:
            os.chmod(os.path.join(d, name), 0o644)
    nginx = subprocess.Popen(["nginx", "-p", tmp, "-e", "logs/error.log", "-c", "nginx.conf", "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    results = {alg: {s: [] for s in SETUPS} for alg in ALGS}
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                requests.get(base + "/open/index.html", timeout=1)
                break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise SystemExit(f"nginx did not start; see {tmp}/logs/error.log")
                time.sleep(0.05)
        for alg in ALGS:
            for s in SETUPS:
                r = requests.get(base + PATHS[s] + "index.html", headers={"Authorization": "Bearer " + tokens[alg]},
                                 timeout=5)
                if r.status_code != 200:
                    raise SystemExit(f"{s} refused a valid {alg} token: {r.status_code}")
                if s != "no auth":
                    r = requests.get(base + PATHS[s] + "index.html", timeout=5)
                    if r.status_code != 401:
                        raise SystemExit(f"{s} let a request without a token through: {r.status_code}")
        cells = [(alg, s) for alg in ALGS for s in SETUPS]
        for rnd in range(args.rounds):
            random.shuffle(cells)
            for alg, s in cells:
                results[alg][s].append(wrk(base + PATHS[s] + "index.html", tokens[alg], args.seconds, args.connections))
            print(f"round {rnd + 1}/{args.rounds} done", file=sys.stderr, flush=True)
    finally:
        subprocess.run(["nginx", "-p", tmp, "-e", "logs/error.log", "-c", "nginx.conf", "-s", "quit"],
                       capture_output=True, timeout=30)
        try:
            nginx.wait(timeout=10)
        except subprocess.TimeoutExpired:
            nginx.kill()
        auth.stop()

    cores = os.cpu_count()
    print(f"wrk -t1 -c{args.connections} -d{args.seconds}s --latency on 127.0.0.1, nginx with 1 worker; "
          f"{args.rounds} rounds, the eight cells in random order per round; {cores} CPUs shared by nginx, the auth "
          "server and wrk. Medians over the rounds; ratios taken within each round: median (lowest-highest).")
    report = {"seconds": args.seconds, "rounds": args.rounds, "connections": args.connections, "cpus": cores,
              "rows": {}, "ratios": {}}
    print(f"{'token':6s} {'set-up':14s} {'requests/s':>11s} {'p99 ms':>8s}")
    for alg in ALGS:
        for s in SETUPS:
            rates = [r for r, _ in results[alg][s]]
            p99s = [p for _, p in results[alg][s]]
            report["rows"][f"{alg} {s}"] = {"requests_per_s": statistics.median(rates), "p99_ms": statistics.median(p99s),
                                            "rounds": results[alg][s]}
            print(f"{alg:6s} {s:14s} {statistics.median(rates):11.0f} {statistics.median(p99s):8.2f}")
    print()
    for alg in ALGS:
        r = {s: [x for x, _ in results[alg][s]] for s in SETUPS}
        for name, a, b in (("(a)/(d) module / no auth", "module", "no auth"),
                           ("(b)/(d) module+cache / no auth", "module+cache", "no auth"),
                           ("(c)/(d) auth_request / no auth", "auth_request", "no auth"),
                           ("(a)/(c) module / auth_request", "module", "auth_request"),
                           ("(b)/(c) module+cache / auth_request", "module+cache", "auth_request")):
            ratios = [x / y for x, y in zip(r[a], r[b])]
            report["ratios"][f"{alg} {name}"] = {"median": statistics.median(ratios), "low": min(ratios),
                                                 "high": max(ratios)}
            print(f"{alg} {name:38s} {statistics.median(ratios):6.3f} ({min(ratios):.3f}-{max(ratios):.3f})  requests/s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)
    if args.plot:
        plot(report, args.plot)
    shutil.rmtree(tmp, ignore_errors=True)


def plot(report, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = {"module": "#1f77b4", "module+cache": "#2ca02c", "auth_request": "#d62728", "no auth": "#7f7f7f"}
    hatches = {"module": "", "module+cache": "//", "auth_request": "..", "no auth": "xx"}
    fig, (ax, ax2, ax3) = plt.subplots(1, 3, figsize=(15, 4.5))
    width = 0.2
    for k, s in enumerate(SETUPS):
        xs = [i + (k - 1.5) * width for i in range(len(ALGS))]
        rows = [report["rows"][f"{alg} {s}"] for alg in ALGS]
        ax.bar(xs, [r["requests_per_s"] for r in rows], width, label=s, color=colours[s], hatch=hatches[s],
               edgecolor="black", linewidth=0.5)
        ax2.bar(xs, [r["p99_ms"] for r in rows], width, label=s, color=colours[s], hatch=hatches[s],
                edgecolor="black", linewidth=0.5)
    # Each set-up's requests/s as a share of the no-auth ceiling, per round:
    # the median and the spread (lowest-highest round).
    shares = [("module", "(a)/(d) module / no auth"), ("module+cache", "(b)/(d) module+cache / no auth"),
              ("auth_request", "(c)/(d) auth_request / no auth")]
    for k, (s, key) in enumerate(shares):
        xs = [i + (k - 1) * width for i in range(len(ALGS))]
        r = [report["ratios"][f"{alg} {key}"] for alg in ALGS]
        med = [x["median"] for x in r]
        ax3.bar(xs, med, width, color=colours[s], hatch=hatches[s], edgecolor="black", linewidth=0.5,
                yerr=[[m - x["low"] for m, x in zip(med, r)], [x["high"] - m for m, x in zip(med, r)]], capsize=3)
        for x, m in zip(xs, med):
            ax3.annotate(f"{m:.2f}", (x, m), textcoords="offset points", xytext=(4, 2), ha="left", fontsize=8)
    ax3.axhline(1.0, color="#7f7f7f", linestyle="--", linewidth=1)
    ax3.axhline(0.9, color="#2ca02c", linestyle=":", linewidth=1)
    for a, title in ((ax, "requests/s (higher is better)"), (ax2, "p99 latency, ms (lower is better)"),
                     (ax3, "requests/s / the no-auth ceiling's")):
        a.set_xticks(range(len(ALGS)))
        a.set_xticklabels([f"{alg} token" for alg in ALGS])
        a.set_title(title)
        a.grid(axis="y", alpha=0.3)
    ax3.set_ylabel("median of the rounds (bars: lowest-highest)", fontsize=8)
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, frameon=False)
    fig.suptitle(f"nginx verifying a JWT: module, module with cache, auth_request, no auth "
                 f"({report['cpus']} CPUs, wrk -c{report['connections']}, medians of {report['rounds']} rounds)",
                 fontsize=10)
    fig.tight_layout(rect=(0, 0.07, 1, 0.95))
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
