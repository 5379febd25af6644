#!/usr/bin/env python3
"""Tessera's rows beside their floors in one cbench build, interleaved: each
round is one cbench pass that runs every row once (Tessera's and its floor's
in turn), and each ratio is taken within its round, so the machine's drift
falls on both sides alike. Prints each row's median time and, per pair, the
median of the per-round ratios and their spread.

    python3 Benchmarks/pairs.py build/cbench/cbench ROUNDS
"""
import json, statistics, subprocess, tempfile, sys
binary = sys.argv[1]
pairs = [("tessera_agora_rtc_token", "floor_agora_rtc_token"), ("tessera_trtc_usersig", "floor_trtc_usersig"),
         ("tessera_janus_token", "floor_janus_token"), ("tessera_livekit_token", "floor_HS256_sign"),
         ("tessera_agora_token_verify", "floor_agora_rtc_token")]
names = sorted({n for p in pairs for n in p})
pattern = "^(" + "|".join(names) + ")/real_time/threads:1$"
ratios = {p: [] for p in pairs}; times = {n: [] for n in names}
for r in range(int(sys.argv[2])):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([binary, f"--benchmark_filter={pattern}", "--benchmark_min_time=0.2", f"--benchmark_out={out.name}",
                        "--benchmark_out_format=json"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        data = {b["name"].split("/")[0]: b["real_time"] for b in json.load(open(out.name))["benchmarks"]}
    for n in names: times[n].append(data[n])
    for a, b in pairs: ratios[(a, b)].append(data[a] / data[b])
for n in names: print(f"{n:32s} median {statistics.median(times[n]):8.0f} ns")
for (a, b), v in ratios.items():
    print(f"{a} / {b}: median {statistics.median(v):.3f} (spread {min(v):.3f}-{max(v):.3f}, {len(v)} rounds)")
