#!/usr/bin/env python3
"""Plots tessera-bench JSON: throughput against threads, one line per
operation, sign and verify side by side.

    plot.py RESULTS.json OUT.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    data = json.load(open(sys.argv[1]))
    results = data["results"]
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.5), sharey=False)
    for ax, kind in zip(axes, ("sign", "verify")):
        names = [n for n in dict.fromkeys(r["name"] for r in results) if n.endswith(" " + kind) or (kind == "sign" and " sign " in n)]
        for name in names:
            rows = sorted((r for r in results if r["name"] == name), key=lambda r: r["threads"])
            ax.plot([r["threads"] for r in rows], [r["ops_per_sec"] for r in rows], marker="o", label=name)
        threads = sorted({r["threads"] for r in results})
        ax.set_xscale("log", base=2)
        ax.set_xticks(threads)
        ax.set_xticklabels([str(t) for t in threads])
        ax.set_yscale("log")
        ax.set_xlabel("threads (DispatchQueue.concurrentPerform)")
        ax.set_ylabel("operations per second")
        ax.set_title(f"{kind}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    m = data["machine"]
    fig.suptitle(f"Tessera {data['tessera_version']} · {m['cpus']} CPUs · {m['model']}")
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)


if __name__ == "__main__":
    main()
