#!/usr/bin/env python3
"""make test: every command of the `tessera` tool has a section 1 page, and
each page renders; the shell completions name every top-level subcommand.

    check_man1.py TESSERA MAN1_DIR COMPLETIONS_DIR

The command tree comes from the tool itself (`--experimental-dump-help`,
swift-argument-parser's description of its commands), not from a list kept
here, so a new subcommand without a page fails.
"""
import json
import os
import subprocess
import sys


def commands(node, path):
    yield path
    for sub in node.get("subcommands", []):
        yield from commands(sub, path + [sub["commandName"]])


def main():
    tool, man1, completions = sys.argv[1:4]
    tree = json.loads(subprocess.run([tool, "--experimental-dump-help"], capture_output=True, text=True,
                                     check=True).stdout)["command"]
    failed = 0
    paths = list(commands(tree, [tree["commandName"]]))
    for path in paths:
        page = os.path.join(man1, ".".join(path) + ".1")
        if not os.path.exists(page):
            print(f"FAIL no manual page for `{' '.join(path)}` ({page})")
            failed += 1
            continue
        r = subprocess.run(["man", "-l", page], capture_output=True, text=True, env=dict(os.environ, MANWIDTH="80"))
        if r.returncode != 0 or " ".join(path[1:]) not in r.stdout.replace("\u2010", "-"):
            print(f"FAIL {page} does not render as the page of `{' '.join(path)}`: {r.stderr[:200]}")
            failed += 1
    print(f"{'PASS' if not failed else 'FAIL'} man1: {len(paths)} commands of `tessera`, "
          f"{len(paths) - failed} with a page that renders")
    expected = {".".join(p) + ".1" for p in paths}
    extra = sorted(set(os.listdir(man1)) - expected)
    print(f"{'PASS' if not extra else 'FAIL'} man1: no page for a command the tool does not have"
          f"{'' if not extra else f' ({extra})'}")
    failed += bool(extra)
    top = [s["commandName"] for s in tree.get("subcommands", [])]
    for shell, name in (("bash", "tessera.bash"), ("zsh", "_tessera"), ("fish", "tessera.fish")):
        text = open(os.path.join(completions, name)).read()
        missing = [c for c in top if c not in text]
        ok = not missing and (shell != "bash" or subprocess.run(["bash", "-n", os.path.join(completions, name)]).returncode == 0)
        print(f"{'PASS' if ok else 'FAIL'} {shell} completion names every subcommand{'' if ok else f' (missing {missing})'}")
        failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
