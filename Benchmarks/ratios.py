#!/usr/bin/env python3
"""Every ratio the performance targets name, measured interleaved on a noisy
machine. Each pass is one cbench process over the rows involved (Tessera,
its floors and its peers, 1 and 2 threads) with Google Benchmark's random
interleaving: every repetition round runs each row once, in a new random
order (A, B, A, B ...). A round is one repetition of every row; every ratio
is taken within its round, and the report gives the median of the per-round
ratios and their spread (lowest and highest round). Absolute times drift by
up to 2 x between runs on a shared machine; ratios within a round do not
carry that drift.

    python3 Benchmarks/ratios.py CBENCH [--passes P] [--repetitions R]
                                 [--min-time S] [--before-lib DIR] [--json FILE]

Rounds = passes x repetitions.

--before-lib DIR also runs, after every pass, the same cbench against the
libtessera.so.0 in DIR (an earlier build, found through LD_LIBRARY_PATH):
each ratio is then reported before and after, from passes alternated in one
session.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HMAC_ROWS = ["tessera_HS256_sign", "tessera_HS256_template_sign", "floor_HS256_sign", "hashonly_HS256_sign",
             "tessera_HS256_verify", "tessera_credential_sign", "floor_credential_sign", "tessera_credential_verify"]
PEER_ROWS = ["libjwt_HS256_sign", "libjwt_HS256_verify", "cppjwt_HS256_sign", "openssl_HMAC_oneshot_HS256_sign",
             "floor_HS256_verify"]
# Every implementation's time per token relative to its fair floor (the plot's bars).
RELATIVE = {"sign": ("floor_HS256_sign", ["hashonly_HS256_sign", "floor_HS256_sign", "tessera_HS256_template_sign",
                                          "tessera_HS256_sign", "openssl_HMAC_oneshot_HS256_sign", "cppjwt_HS256_sign",
                                          "libjwt_HS256_sign"]),
            "verify": ("floor_HS256_verify", ["floor_HS256_verify", "tessera_HS256_verify", "libjwt_HS256_verify"])}
ASYM = ["RS256", "ES256", "EdDSA"]
ASYM_ROWS = [f"{who}_{alg}_{op}" for alg in ASYM for op in ("sign", "verify") for who in ("tessera", "floor_openssl")]
SIZE_ROWS = ["tessera_HS256_verify_size/8192", "floor_HS256_verify_size/8192",
             "tessera_HS256_verify_size/48000", "floor_HS256_verify_size/48000",
             "tessera_keyset_kid_verify/1", "tessera_keyset_kid_verify/1000"]


def pattern():
    two = "|".join(HMAC_ROWS)
    one = "|".join(PEER_ROWS + ASYM_ROWS)
    sizes = "|".join(SIZE_ROWS)
    return f"^(({two})/real_time/threads:(1|2)|({one})/real_time/threads:1|({sizes})/real_time)$"


def run(binary, min_time, repetitions, lib=None):
    """One pass: a list of rounds, each {row: ns per token}."""
    env = dict(os.environ)
    if lib:
        env["LD_LIBRARY_PATH"] = lib
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([binary, f"--benchmark_filter={pattern()}", f"--benchmark_min_time={min_time}",
                        f"--benchmark_repetitions={repetitions}", "--benchmark_enable_random_interleaving=true",
                        f"--benchmark_out={out.name}", "--benchmark_out_format=json"],
                       check=True, stdout=subprocess.DEVNULL, env=env)
        data = json.load(open(out.name))
    rounds = [{} for _ in range(repetitions)]
    for b in data["benchmarks"]:
        if b.get("run_type") != "iteration" or b.get("error_occurred"):
            continue
        name = b["run_name"].replace("/real_time", "") if "run_name" in b else b["name"].replace("/real_time", "")
        rounds[b.get("repetition_index", 0)][name] = b["real_time"] * {"ns": 1, "us": 1e3, "ms": 1e6}[b["time_unit"]]
    return rounds


def ratios(t):
    """Each target's ratio from one round's times (ns per token; for the
    threads:2 rows, real time per token across both threads)."""
    one = lambda n: t[f"{n}/threads:1"]
    eff = lambda n: one(n) / (2 * t[f"{n}/threads:2"])  # throughput(2) / (2 x throughput(1))
    r = {
        "HS256 sign / fair floor": one("tessera_HS256_sign") / one("floor_HS256_sign"),
        "fair floor / hash-only": one("floor_HS256_sign") / one("hashonly_HS256_sign"),
        "HS256 sign / hash-only": one("tessera_HS256_sign") / one("hashonly_HS256_sign"),
        "HS256 verify / sign": one("tessera_HS256_verify") / one("tessera_HS256_sign"),
        "libjwt sign / Tessera sign": one("libjwt_HS256_sign") / one("tessera_HS256_sign"),
        "libjwt verify / Tessera verify": one("libjwt_HS256_verify") / one("tessera_HS256_verify"),
        "cpp-jwt sign / Tessera sign": one("cppjwt_HS256_sign") / one("tessera_HS256_sign"),
        "OpenSSL HMAC() sign / Tessera sign": one("openssl_HMAC_oneshot_HS256_sign") / one("tessera_HS256_sign"),
        "template sign / fair floor": one("tessera_HS256_template_sign") / one("floor_HS256_sign"),
        "credential sign / its floor": one("tessera_credential_sign") / one("floor_credential_sign"),
        "credential verify / its floor": one("tessera_credential_verify") / one("floor_credential_sign"),
    }
    for alg in ASYM:
        for op in ("sign", "verify"):
            r[f"{alg} {op}: floor / Tessera (throughput share)"] = (
                one(f"floor_openssl_{alg}_{op}") / one(f"tessera_{alg}_{op}"))
    for kind, (floor, rows) in RELATIVE.items():
        for n in rows:
            r[f"relative {kind}: {n}"] = one(n) / one(floor)
    for alg in ASYM:
        for op in ("sign", "verify"):
            r[f"relative {alg} {op}: tessera"] = one(f"tessera_{alg}_{op}") / one(f"floor_openssl_{alg}_{op}")
    r["HS256 verify / its floor"] = one("tessera_HS256_verify") / one("floor_HS256_verify")
    floor_eff = eff("floor_HS256_sign")
    r["floor HS256 sign, 2-thread efficiency"] = floor_eff
    for n, label in [("tessera_HS256_sign", "HS256 sign"), ("tessera_HS256_verify", "HS256 verify"),
                     ("tessera_HS256_template_sign", "template sign"), ("tessera_credential_sign", "credential sign"),
                     ("tessera_credential_verify", "credential verify")]:
        r[f"{label}, 2-thread efficiency / floor's"] = eff(n) / floor_eff
    for size in (8192, 48000):
        r[f"verify of a {size}-byte payload / decode+HMAC"] = (
            t[f"tessera_HS256_verify_size/{size}"] / t[f"floor_HS256_verify_size/{size}"])
    r["kid lookup, 1000 keys / 1 key"] = t["tessera_keyset_kid_verify/1000"] / t["tessera_keyset_kid_verify/1"]
    return r


def summary(values):
    return statistics.median(values), min(values), max(values)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cbench")
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--repetitions", type=int, default=5)
    ap.add_argument("--min-time", default="0.05")
    ap.add_argument("--before-lib")
    ap.add_argument("--json")
    args = ap.parse_args()

    sides = [("after", None)] + ([("before", args.before_lib)] if args.before_lib else [])
    per_round = {side: {} for side, _ in sides}
    times = {side: {} for side, _ in sides}
    for p in range(args.passes):
        for side, lib in sides:
            for t in run(args.cbench, args.min_time, args.repetitions, lib):
                for k, v in t.items():
                    times[side].setdefault(k, []).append(v)
                for k, v in ratios(t).items():
                    per_round[side].setdefault(k, []).append(v)
        print(f"pass {p + 1}/{args.passes} done", file=sys.stderr)
    args.rounds = args.passes * args.repetitions

    width = max(len(k) for k in per_round["after"])
    print(f"{args.rounds} rounds; each ratio taken within its round: median (lowest-highest)")
    for k in per_round["after"]:
        m, lo, hi = summary(per_round["after"][k])
        line = f"{k:<{width}}  {m:8.3f} ({lo:.3f}-{hi:.3f})"
        if args.before_lib:
            bm, blo, bhi = summary(per_round["before"][k])
            line = f"{k:<{width}}  before {bm:8.3f} ({blo:.3f}-{bhi:.3f})  after {m:8.3f} ({lo:.3f}-{hi:.3f})"
        print(line)
    print("median ns per token (orientation only):")
    for k, v in times["after"].items():
        extra = f"   before {statistics.median(times['before'][k]):10.0f}" if args.before_lib and k in times["before"] else ""
        print(f"  {k:<48} {statistics.median(v):10.0f}{extra}")
    if args.json:
        doc = {side: {"ratios": {k: dict(zip(("median", "low", "high"), summary(v))) for k, v in per_round[side].items()},
                      "median_ns": {k: statistics.median(v) for k, v in times[side].items()}}
               for side, _ in sides}
        doc["rounds"] = args.rounds
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
