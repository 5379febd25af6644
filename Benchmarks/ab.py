#!/usr/bin/env python3
"""A/B comparison of two cbench builds (for example the commits before and
after a change), measured interleaved so that a noisy machine's drift falls
on both sides alike: A, B, A, B ... in one session, each run a short Google
Benchmark pass over the same benchmarks. For each benchmark it prints the
median of the per-round ratios B/A of the time per operation, and their
spread (lowest and highest round). Absolute times are printed for orientation
only: they drift between runs on a shared machine.

    python3 Benchmarks/ab.py A_CBENCH B_CBENCH [--rounds N] [--filter REGEX]
                             [--min-time SECONDS]

Build each side with `make cbench-build` in its own checkout (git worktree).
"""
import argparse
import json
import statistics
import subprocess
import sys
import tempfile


def run(binary, pattern, min_time):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([binary, f"--benchmark_filter={pattern}", f"--benchmark_min_time={min_time}",
                        f"--benchmark_out={out.name}", "--benchmark_out_format=json"],
                       check=True, stdout=subprocess.DEVNULL)
        data = json.load(open(out.name))
    return {b["name"]: (b["real_time"], b["time_unit"]) for b in data["benchmarks"] if b.get("run_type") == "iteration"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--filter", default=r"^tessera_.*threads:1$")
    ap.add_argument("--min-time", default="0.2")
    args = ap.parse_args()

    ratios, times_a, times_b, units = {}, {}, {}, {}
    for r in range(args.rounds):
        a = run(args.a, args.filter, args.min_time)
        b = run(args.b, args.filter, args.min_time)
        for name in a:
            if name in b:
                ratios.setdefault(name, []).append(b[name][0] / a[name][0])
                times_a.setdefault(name, []).append(a[name][0])
                times_b.setdefault(name, []).append(b[name][0])
                units[name] = a[name][1]
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)

    width = max(len(n) for n in ratios)
    print(f"{'benchmark':<{width}}  {'A':>10}  {'B':>10}  {'unit':>4}  {'B/A median':>10}  {'spread':>15}")
    for name, rs in ratios.items():
        print(f"{name:<{width}}  {statistics.median(times_a[name]):>10.1f}  {statistics.median(times_b[name]):>10.1f}  {units[name]:>4}"
              f"  {statistics.median(rs):>10.3f}  {min(rs):>7.3f}-{max(rs):<7.3f}")
    print(f"{args.rounds} interleaved rounds; ratios are per round, B/A of real time per operation")


if __name__ == "__main__":
    main()
