#!/usr/bin/env python3
"""The ABI of libtessera.so.0, checked with libabigail (abigail-tools).

The shared library's functions are Swift (`@c @implementation`), so its
DWARF describes no C signature; libabigail would see symbol names only. The
header is the contract the compiler holds those functions to, so the check
has two parts:

- the library itself: its SONAME and the tessera_* symbols it exports
  (abi/libtessera.so.0.abi);
- the declarations: a stub shared object built with -g from every function
  the header declares, the same signatures with trapping bodies, so that
  libabigail sees every parameter, return type, enum and typedef
  (abi/tessera-api.abi).

    abi.py baseline LIB          write both baselines (after an addition)
    abi.py check LIB             abidiff each against its baseline
    abi.py check LIB --header H  the same with another header (a broken copy)
    abi.py stub OUT --header H   a stand-in library (SONAME libtessera.so.0)
                                 exporting what H declares

`check` exits 0 when nothing changed, 1 otherwise, and says which kind of
change: an addition (compatible: update the baseline in the same commit) or
a removal or changed signature (incompatible: a SONAME bump; see
docs/ABI.md).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tessera_header  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASELINE_LIB = os.path.join(ROOT, "abi", "libtessera.so.0.abi")
BASELINE_API = os.path.join(ROOT, "abi", "tessera-api.abi")
# abidiff's exit status bits (libabigail's abidiff_status).
ABI_CHANGE, ABI_INCOMPATIBLE = 4, 8


def stub_source(header):
    """C defining every function the header declares, with a trapping body."""
    _, sections = tessera_header.parse(header)
    out = [f'#include "{os.path.abspath(header)}"', ""]
    for sec in sections:
        for fn in sec.functions:
            proto = re.sub(r"/\*.*?\*/", "", sec.prototypes[fn]).strip().rstrip(";").strip()
            out.append(f"{proto} {{ __builtin_trap(); }}")
    return "\n".join(out) + "\n"


def build_stub(header, out, soname="libtessera-api.so"):
    """The stub shared object at out. It is compiled in a fixed directory
    (build/abi) with the header included by a fixed name, so that the
    baseline records no temporary path."""
    workdir = os.path.join(ROOT, "build", "abi")
    os.makedirs(workdir, exist_ok=True)
    src = os.path.join(workdir, "tessera-api.c")
    with open(os.path.join(workdir, "tessera.h"), "w") as f:
        f.write(open(header).read())
    with open(src, "w") as f:
        f.write(stub_source(os.path.join(workdir, "tessera.h")).replace(f'#include "{os.path.join(workdir, "tessera.h")}"',
                                                                         '#include "tessera.h"'))
    subprocess.run(["cc", "-shared", "-fPIC", "-g", "-O0", "-w", "-fdebug-prefix-map=" + workdir + "=.",
                    f"-Wl,-soname,{soname}", "-o", out, "tessera-api.c"], check=True, cwd=workdir)
    return out


def abidw(binary, out):
    subprocess.run(["abidw", "--no-show-locs", "--no-corpus-path", "--no-comp-dir-path", "--out-file", out, binary],
                   check=True)
    # The library's C files are named by absolute path in its DWARF: keep
    # them relative to the checkout, so the baseline is the same anywhere.
    text = open(out).read().replace(f"path='{ROOT}/", "path='")
    with open(out, "w") as f:
        f.write(text)


def diff(baseline, current):
    r = subprocess.run(["abidiff", "--no-show-locs", baseline, current], capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("action", choices=["baseline", "check", "stub"])
    ap.add_argument("lib")
    ap.add_argument("--header", default=os.path.join(ROOT, "include", "tessera.h"))
    args = ap.parse_args()
    if args.action == "stub":
        # A stand-in for the library built from a header (a broken copy, in
        # Tests/abi/run.sh): LIB is where it goes, with the library's SONAME.
        build_stub(args.header, args.lib, soname="libtessera.so.0")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        stub = build_stub(args.header, os.path.join(tmp, "libtessera-api.so"))
        if args.action == "baseline":
            os.makedirs(os.path.dirname(BASELINE_LIB), exist_ok=True)
            abidw(args.lib, BASELINE_LIB)
            abidw(stub, BASELINE_API)
            print(f"wrote {os.path.relpath(BASELINE_LIB, ROOT)} and {os.path.relpath(BASELINE_API, ROOT)}")
            return 0
        failed = False
        for what, baseline, binary in (("the library's exports", BASELINE_LIB, args.lib),
                                       ("the header's signatures", BASELINE_API, stub)):
            current = os.path.join(tmp, "current.abi")
            abidw(binary, current)
            status, report = diff(baseline, current)
            if status == 0:
                print(f"abi: {what}: no change from {os.path.relpath(baseline, ROOT)}")
                continue
            failed = True
            # abidiff flags a removed symbol as incompatible, but a changed
            # parameter or return type only as a change: Tessera's promise
            # makes anything removed or changed incompatible, and only an
            # addition compatible.
            removed_or_changed = any(int(n) > 0 for n in re.findall(r"(\d+) (?:Removed|Changed)", report))
            added = any(int(n) > 0 for n in re.findall(r"(\d+) Added", report))
            if status & ABI_INCOMPATIBLE or (status & ABI_CHANGE and removed_or_changed):
                kind = "INCOMPATIBLE change (a removal or a changed signature needs a SONAME bump: docs/ABI.md)"
            elif status & ABI_CHANGE and added:
                kind = "change (an addition: run `make abi-baseline` and commit the baseline with it)"
            else:
                kind = f"abidiff failed (status {status})"
            print(f"abi: {what}: {kind}\n{report}", file=sys.stderr)
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
