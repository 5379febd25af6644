#!/usr/bin/env python3
"""Plots tessera-bench JSON: tokens per second against threads (every
operation, a batch counted in tokens) and parallel efficiency against threads
with the ideal line, one colour and marker per operation, the legend outside
the data.

    plot.py RESULTS.json OUT.png
"""
import json
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

MARKERS = "osD^v<>pPX*h"
# 26 distinct colours: tab10, then Dark2, then Set1's (no two neighbours share a hue family).
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
           "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666",
           "#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#000080"]


def tokens_per_op(name):
    m = re.search(r"x(\d+)$", name)
    return int(m.group(1)) if m else 1


def main():
    data = json.load(open(sys.argv[1]))
    results = data["results"]
    names = list(dict.fromkeys(r["name"] for r in results))
    threads = sorted({r["threads"] for r in results})
    fig, (tput, eff) = plt.subplots(1, 2, figsize=(15, 6.5))
    for i, name in enumerate(names):
        rows = sorted((r for r in results if r["name"] == name), key=lambda r: r["threads"])
        style = dict(color=PALETTE[i % len(PALETTE)], marker=MARKERS[i % len(MARKERS)], markersize=5, linewidth=1.4,
                     linestyle="-" if i < len(PALETTE) else "--")
        xs = [r["threads"] for r in rows]
        tput.plot(xs, [r["ops_per_sec"] * tokens_per_op(name) for r in rows], label=name, **style)
        if len(rows) > 1 and rows[0]["threads"] == 1:
            eff.plot(xs, [100 * (r["efficiency"] or 0) for r in rows], **style)
    eff.plot(threads, [100] * len(threads), color="black", linestyle=":", linewidth=2, label="ideal (100 %)")
    for ax in (tput, eff):
        ax.set_xscale("log", base=2)
        ax.set_xticks(threads)
        ax.set_xticklabels([str(t) for t in threads])
        ax.set_xlabel("threads (blocks on a concurrent DispatchQueue)")
        ax.grid(True, which="both", alpha=0.3)
    tput.set_yscale("log")
    tput.set_ylabel("tokens per second (all threads)")
    tput.set_title("Throughput")
    eff.set_ylabel("parallel efficiency, % of threads x one thread's rate")
    eff.set_title("Parallel efficiency")
    lo = min([100 * (r["efficiency"] or 1) for r in results] + [80])
    hi = max([100 * (r["efficiency"] or 1) for r in results] + [100])
    eff.set_ylim(max(0, lo - 5), hi + 5)
    handles, labels = tput.get_legend_handles_labels()
    h2, l2 = eff.get_legend_handles_labels()
    fig.legend(handles + h2, labels + l2, loc="center left", bbox_to_anchor=(0.80, 0.5), fontsize=8, frameon=False)
    m = data["machine"]
    fig.suptitle(f"Tessera {data['tessera_version']} · {m['cpus']} CPUs · {m['model']}")
    fig.tight_layout(rect=(0, 0, 0.80, 0.95))
    fig.savefig(sys.argv[2], dpi=110)


if __name__ == "__main__":
    main()
