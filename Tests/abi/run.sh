#!/bin/sh
# make test: the ABI check (scripts/abi.py, libabigail) on the tree, then on
# deliberately broken copies of the header, to prove that it can fail.
#   Tests/abi/run.sh LIB      (the built libtessera.so.0.x.y)
set -u
lib=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; failed=1; }

if python3 "$root/scripts/abi.py" check "$lib" > "$tmp/out" 2>&1; then
  pass "abi: libtessera.so.0 and the header match the baselines in abi/"
else
  cat "$tmp/out"; fail "abi: the tree differs from its baseline"
fi

# A changed signature (claims_len: size_t -> int), then a removed function.
broken() {  # broken NAME SED-EXPRESSION WHAT-THE-REPORT-NAMES
  sed -e "$2" "$root/include/tessera.h" > "$tmp/$1.h"
  if cmp -s "$root/include/tessera.h" "$tmp/$1.h"; then
    fail "abi: the $1 copy differs from the header (the sed no longer matches)"
  elif python3 "$root/scripts/abi.py" check "$lib" --header "$tmp/$1.h" > "$tmp/out" 2>&1; then
    fail "abi: a $1 is refused"
  elif grep -q "INCOMPATIBLE" "$tmp/out" && grep -q "$3" "$tmp/out"; then
    pass "abi: a $1 is refused as incompatible, $3 named"
  else
    cat "$tmp/out"; fail "abi: a $1 is reported as incompatible"
  fi
}
broken "changed signature" \
  's/^int tessera_jwt_sign(const tessera_key \*key, const char \*claims, size_t claims_len,/int tessera_jwt_sign(const tessera_key *key, const char *claims, int claims_len,/' \
  tessera_jwt_sign
broken "removed function" '/^tessera_alg tessera_key_alg(const tessera_key \*key);/d' tessera_key_alg
broken "changed enum" 's/^  TESSERA_HS256 = 1, TESSERA_HS384, TESSERA_HS512,/  TESSERA_HS256 = 2, TESSERA_HS384, TESSERA_HS512,/' TESSERA_HS256

# The library half: a library that no longer exports tessera_key_alg (a
# stand-in built from a header without it, under the real SONAME).
sed '/^tessera_alg tessera_key_alg(const tessera_key \*key);/d' "$root/include/tessera.h" > "$tmp/nokeyalg.h"
python3 "$root/scripts/abi.py" stub "$tmp/libtessera.so.0" --header "$tmp/nokeyalg.h"
if python3 "$root/scripts/abi.py" check "$tmp/libtessera.so.0" > "$tmp/out" 2>&1; then
  fail "abi: a library missing an export is refused"
elif grep -q "the library's exports: INCOMPATIBLE" "$tmp/out" && grep -q "tessera_key_alg" "$tmp/out"; then
  pass "abi: a library missing an export (tessera_key_alg) is refused as incompatible"
else
  cat "$tmp/out"; fail "abi: a library missing an export is reported as incompatible"
fi

# An addition: compatible, but the baseline must come with it.
sed -e 's/^void tessera_key_free(tessera_key \*key);/&\nint tessera_key_extra(const tessera_key *key);/' \
    "$root/include/tessera.h" > "$tmp/added.h"
if python3 "$root/scripts/abi.py" check "$lib" --header "$tmp/added.h" > "$tmp/out" 2>&1; then
  fail "abi: an addition without a new baseline is reported"
elif grep -q "an addition" "$tmp/out" && ! grep -q "INCOMPATIBLE" "$tmp/out"; then
  pass "abi: an addition is reported as compatible, asking for the baseline in the same commit"
else
  cat "$tmp/out"; fail "abi: an addition is reported as an addition"
fi
exit $failed
