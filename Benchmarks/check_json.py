#!/usr/bin/env python3
"""Checks the shape of tessera-bench's JSON: every operation of the issue
present, every field there, at every thread count the run used. Asserts
nothing about speed.

    check_json.py RESULTS.json
"""
import json
import sys

EXPECTED = ["credential sign", "credential verify"] + [
    f"{alg} {kind}" for alg in ["HS256", "HS384", "HS512", "RS256", "PS256", "ES256", "ES384", "EdDSA"]
    for kind in ("sign", "verify")] + ["HS256 template sign", "HS256 batch sign x1024", "Agora RTC token",
                                       "Agora token verify", "TRTC UserSig", "Janus token", "LiveKit token"]
FIELDS = ["name", "threads", "ops_per_sec", "ns_per_op", "p50_ns", "p99_ns", "p999_ns", "mallocs_per_op", "efficiency"]

data = json.load(open(sys.argv[1]))
assert isinstance(data["tessera_version"], str), "tessera_version"
assert data["machine"]["cpus"] >= 1 and isinstance(data["machine"]["model"], str), "machine"
results = data["results"]
threads = sorted({r["threads"] for r in results})
for name in EXPECTED:
    for t in threads:
        rows = [r for r in results if r["name"] == name and r["threads"] == t]
        assert len(rows) == 1, f"{name} at {t} threads: {len(rows)} rows"
        row = rows[0]
        missing = [f for f in FIELDS if f not in row]
        assert not missing, f"{name}: missing {missing}"
        assert row["ops_per_sec"] > 0 and row["ns_per_op"] > 0 and row["mallocs_per_op"] >= 0, f"{name}: values"
assert len(results) == len(EXPECTED) * len(threads), "no unexpected rows"
print(f"tessera-bench JSON: {len(EXPECTED)} operations at threads {threads}, all fields present")
