#!/bin/sh
# make test: the manual pages against what they document.
#   Tests/docs/run.sh LIB MANDIR TESSERA COMPLETIONS
# - every function the header declares has a section 3 page (gen-man3.py
#   --check), and so does every tessera_* symbol the built library exports
#   (nm), a list made without the header parser;
# - the check fails for a header that declares a function with no page;
# - every command of the tool has a section 1 page that renders, no page is
#   left for a command that is gone, and the completions name every
#   subcommand (check_man1.py).
set -u
lib=$1 man=$2 tool=$3 completions=$4
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; failed=1; }

if python3 "$root/scripts/gen-man3.py" "$root/include/tessera.h" "$man/man3" --check > "$tmp/out" 2>&1; then
  pass "man3: $(cat "$tmp/out")"
else
  cat "$tmp/out"; fail "man3: a declared function has no page"
fi

missing=""
count=0
for f in $(nm -D --defined-only "$lib" | awk '$2 == "T" && $3 ~ /^tessera_/ {print $3}'); do
  count=$((count + 1))
  grep -q "^$f\\( \\|,\\)\\|[ ,]$f\\( \\|,\\)" "$man/man3/$f.3" 2>/dev/null || missing="$missing $f"
done
if [ "$count" -gt 0 ] && [ -z "$missing" ]; then
  pass "man3: each of the $count tessera_* functions the library exports has a page that names it"
else
  fail "man3: exported functions without a page naming them:$missing"
fi

sed 's/^void tessera_key_free(tessera_key \*key);/&\nint tessera_key_undocumented(void);/' "$root/include/tessera.h" > "$tmp/extra.h"
if cmp -s "$root/include/tessera.h" "$tmp/extra.h"; then
  fail "man3: the copy with an extra declaration differs from the header (the sed no longer matches)"
elif python3 "$root/scripts/gen-man3.py" "$tmp/extra.h" "$man/man3" --check > "$tmp/out" 2>&1; then
  fail "man3: the check fails for a declared function without a page"
elif grep -q tessera_key_undocumented "$tmp/out"; then
  pass "man3: the check fails for a declared function without a page, and names it"
else
  cat "$tmp/out"; fail "man3: the check names the function without a page"
fi

python3 "$root/Tests/docs/check_man1.py" "$tool" "$man/man1" "$completions" || failed=1
exit $failed
