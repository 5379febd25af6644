#!/usr/bin/env python3
"""Plots Benchmarks/ratios.py JSON: each implementation's time per token
relative to the fair floor (1.0 = the floor), one bar each, as the medians of
the per-round ratios with their spread as error bars. HS256 sign (Tessera,
its template, OpenSSL's HMAC(), cpp-jwt, libjwt, the hash-only limit), HS256
verify (Tessera, libjwt, beside the verification floor) and the asymmetric
algorithms beside raw OpenSSL on the same key.

    plot_peers.py RATIOS.json OUT.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

LABELS = {
    "hashonly_HS256_sign": "SHA-256 work only (limit)",
    "floor_HS256_sign": "fair floor (C, no snprintf)",
    "tessera_HS256_template_sign": "Tessera signer template",
    "tessera_HS256_sign": "Tessera tessera_jwt_sign",
    "openssl_HMAC_oneshot_HS256_sign": "C with OpenSSL HMAC()",
    "cppjwt_HS256_sign": "cpp-jwt 1.4",
    "libjwt_HS256_sign": "libjwt 1.10",
    "floor_HS256_verify": "fair floor (decode, HMAC, compare)",
    "tessera_HS256_verify": "Tessera tessera_jwt_verify",
    "libjwt_HS256_verify": "libjwt 1.10 jwt_decode",
}
COLOURS = {"Tessera": "#1f77b4", "floor": "#7f7f7f", "limit": "#bcbd22", "peer": "#d62728", "openssl": "#ff7f0e"}


def colour(name):
    if name.startswith("tessera"):
        return COLOURS["Tessera"]
    if name.startswith("floor"):
        return COLOURS["floor"]
    if name.startswith("hashonly"):
        return COLOURS["limit"]
    if name.startswith("openssl"):
        return COLOURS["openssl"]
    return COLOURS["peer"]


def bars(ax, items, title, xlabel, log=False):
    labels = [i[0] for i in items]
    med = [i[1]["median"] for i in items]
    err = [[m - i[1]["low"] for m, i in zip(med, items)], [i[1]["high"] - m for m, i in zip(med, items)]]
    ys = range(len(items))
    ax.barh(ys, med, xerr=err, color=[i[2] for i in items], capsize=3)
    ax.set_yticks(list(ys))
    ax.set_yticklabels(labels)
    ax.invert_yaxis()
    ax.axvline(1.0, color="black", linestyle=":", linewidth=1.5)
    if log:
        ax.set_xscale("log")
    highs = [i[1]["high"] for i in items]
    for y, m, h in zip(ys, med, highs):
        ax.text(h * (1.12 if log else 1.01), y, f"{m:.2f} x", va="center", fontsize=8,
                bbox=dict(facecolor="white", edgecolor="none", pad=1))
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_xlim(right=max(highs) * (3 if log else 1.12))
    ax.grid(True, axis="x", which="both", alpha=0.3)


def main():
    doc = json.load(open(sys.argv[1]))
    r = doc["after"]["ratios"]
    fig, axes = plt.subplots(3, 1, figsize=(10, 11), gridspec_kw={"height_ratios": [7, 3, 6]})
    sign = [(LABELS[n], r[f"relative sign: {n}"], colour(n)) for n in LABELS if f"relative sign: {n}" in r]
    verify = [(LABELS[n], r[f"relative verify: {n}"], colour(n)) for n in LABELS if f"relative verify: {n}" in r]
    asym = []
    for alg in ("RS256", "ES256", "EdDSA"):
        for op in ("sign", "verify"):
            asym.append((f"Tessera {alg} {op}", r[f"relative {alg} {op}: tessera"], COLOURS["Tessera"]))
    bars(axes[0], sign, "HS256 sign (VideoSDK claims): time per token / fair floor", "x the fair floor (log scale)", log=True)
    bars(axes[1], verify, "HS256 verify (same token, real clock): time per token / verification floor",
         "x the verification floor (log scale)", log=True)
    bars(axes[2], asym, "Asymmetric: Tessera / raw OpenSSL, same key, context copied per operation",
         "x raw OpenSSL (1.0 = equal)")
    axes[2].set_xlim(0, max(i[1]["high"] for i in asym) * 1.2)
    fig.suptitle(f"Time per token relative to the floor: medians of {doc['rounds']} interleaved rounds, "
                 "bars = lowest-highest round", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    fig.savefig(sys.argv[2], dpi=110)


if __name__ == "__main__":
    main()
