#!/bin/sh
# C API tests against an installed Tessera (make install PREFIX=...):
#   run.sh PREFIX
# Builds each C test with gcc and clang (-std=c99 -Wall -Wextra -Werror
# -pedantic), linked once to libtessera.so and once to libtessera.a through
# pkg-config; compiles the header as C++; checks the exported symbols against
# the header; checks tokens and credentials with openssl; builds and runs the
# README's example. Prints PASS/FAIL lines and a closing "N passed, N failed".
set -u
prefix=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$root/build/ctest
rm -rf "$out" && mkdir -p "$out"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
CFLAGS="-std=c99 -Wall -Wextra -Werror -pedantic"
CXXFLAGS="-std=c++11 -Wall -Wextra -Werror -pedantic"
vectors=$root/Tests/Vectors/credential_known_answers.txt
npass=0 nfail=0
pass() { echo "PASS $1"; npass=$((npass + 1)); }
fail() { echo "FAIL $1"; nfail=$((nfail + 1)); }

# Links one C source against the installed library: shared or static.
build() { # compiler source output mode
  cc=$1 src=$2 bin=$3 mode=$4
  case $mode in
    shared) $cc $CFLAGS "$src" -o "$bin" $(pkg-config --cflags --libs tessera) -lcrypto -pthread \
              -Wl,-rpath,"$(pkg-config --variable=libdir tessera)" ;;
    static) $cc $CFLAGS "$src" -o "$bin" $(pkg-config --cflags tessera) -pthread \
              "$(pkg-config --variable=libdir tessera)/libtessera.a" $(pkg-config --static --libs tessera) ;;
  esac
}

# An HS* MAC over "header.payload" checked with openssl.
check_token() { # name token secret digest
  name=$1 token=$2 secret=$3 digest=$4
  input=${token%.*}
  mac=${token##*.}
  want=$(printf '%s' "$input" | openssl dgst "-$digest" -hmac "$secret" -binary | basenc --base64url | tr -d '=\n')
  if [ "$mac" = "$want" ]; then pass "openssl agrees: $name"; else fail "openssl disagrees: $name ($mac != $want)"; fi
}

# 0. Keys made by openssl, and tokens signed by joserfc and pyca/cryptography
# (Tests/C/suite.sh, shared with make sanitize and make check-memory).
. "$here/suite.sh"
keys=$out/keys
interop=$out/interop
if make_fixtures "$out" > "$out/fixtures.out" 2>&1; then
  pass "openssl made the test keys; independent implementations signed tokens: $(tail -n 1 "$out/fixtures.out")"
else
  fail "test fixtures (keys, interop tokens)"; cat "$out/fixtures.out"
fi

# 1. The committed credential answers, recomputed with openssl now.
ok=1
while IFS='|' read -r s p t l a; do
  case $s in '#'*|'') continue ;; esac
  got=$(printf '%s' "$t:$l:$p" | openssl dgst -sha256 -hmac "$s" -binary | base64)
  [ "$got" = "$a" ] || { ok=0; echo "  openssl gives $got for $p, file says $a"; }
done < "$vectors"
[ $ok -eq 1 ] && pass "credential known answers match openssl" || fail "credential known answers match openssl"

# 2. The header, the exports, the runtime dependencies.
if "$here/check-symbols.sh" "$prefix/include/tessera.h" "$prefix/lib/libtessera.so"; then npass=$((npass + 1)); else nfail=$((nfail + 1)); fi

# 3. Each test with each compiler and each linkage.
for cc in gcc clang; do
  for mode in shared static; do
    tag="$cc/$mode"
    for t in $C_TESTS; do
      bin="$out/$t-$cc-$mode"
      if ! build "$cc" "$here/$t.c" "$bin" "$mode" 2> "$bin.log"; then
        fail "$t builds ($tag)"; cat "$bin.log"; continue
      fi
      pass "$t builds ($tag)"
      if [ "$mode" = static ]; then
        if readelf -d "$bin" | grep -q 'libtessera'; then fail "$t static binary needs no libtessera.so ($tag)"
        else pass "$t static binary needs no libtessera.so ($tag)"; fi
      fi
      if "$bin" $(test_args "$t" "$out" "$bin") > "$bin.out" 2>&1; then pass "$t runs ($tag): $(tail -n 1 "$bin.out")"
      else fail "$t runs ($tag)"; grep -v '^TOKEN\|^CREDJSON' "$bin.out"; fi
    done
  done
done

# 3b. Allocation failure, each failable allocation in turn (thousands of
# forked runs): once, with gcc and the shared library.
bin="$out/test_nomem-gcc-shared"
if ! build gcc "$here/test_nomem.c" "$bin" shared 2> "$bin.log"; then
  fail "test_nomem builds"; cat "$bin.log"
elif "$bin" > "$bin.out" 2>&1; then pass "test_nomem runs (gcc/shared): $(tail -n 1 "$bin.out")"
else fail "test_nomem runs (gcc/shared)"; grep -v '^NOTE' "$bin.out"; fi

# 4. Tokens from the API test, checked independently with openssl.
api_out="$out/test_api-gcc-shared.out"
if [ ! -s "$api_out" ]; then
  fail "openssl cross-check: test_api (gcc/shared) left no output to check"
else
  tok=$(sed -n 's/^TOKEN hs256 //p' "$api_out")
  [ -n "$tok" ] && check_token "HS256 sign" "$tok" 0123456789abcdef0123456789abcdef sha256 || fail "HS256 token printed"
  tok=$(sed -n 's/^TOKEN hs256kid //p' "$api_out")
  [ -n "$tok" ] && check_token "HS256 sign with kid" "$tok" 0123456789abcdef0123456789abcdef sha256 || fail "kid token printed"
  tok=$(sed -n 's/^TOKEN hs256template //p' "$api_out")
  [ -n "$tok" ] && check_token "HS256 template sign" "$tok" 0123456789abcdef0123456789abcdef sha256 || fail "template token printed"
  tok=$(sed -n 's/^TOKEN hs512issue //p' "$api_out")
  [ -n "$tok" ] && check_token "HS512 issue" "$tok" \
    0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef sha512 || fail "HS512 token printed"
fi

# 4b. Tokens and JWKs from every algorithm and key form, checked by joserfc
# and pyca/cryptography against openssl's own public keys.
report="$out/test_keys-gcc-shared.report"
if [ -s "$report" ] && python3 "$root/Tests/interop/verify_tokens.py" "$report" "$keys" > "$out/interop.out" 2>&1; then
  pass "independent implementations verify every algorithm: $(tail -n 1 "$out/interop.out")"
else
  fail "independent implementations verify every algorithm"; cat "$out/interop.out" 2>/dev/null
fi

# 4c. The RTC platforms' credentials against the vendors' own server SDKs
# from PyPI (livekit-api, twilio, tls-sig-api-v2, stream-chat, vonage-jwt).
if python3 "$root/Tests/interop/test_platforms.py" "$prefix" > "$out/platforms.out" 2>&1; then
  pass "vendor SDKs accept and reproduce the platform credentials: $(tail -n 1 "$out/platforms.out")"
else
  fail "vendor SDKs accept and reproduce the platform credentials"; grep -v '^PASS' "$out/platforms.out"
fi

# 5. The header as C++.
for cxx in g++ clang++; do
  bin="$out/test_cxx-$cxx"
  if $cxx $CXXFLAGS "$here/test_cxx.cpp" -o "$bin" $(pkg-config --cflags --libs tessera) \
       -Wl,-rpath,"$(pkg-config --variable=libdir tessera)" 2> "$bin.log" && "$bin" > "$bin.out"; then
    pass "header compiles and links as C++ ($cxx)"
  else
    fail "header compiles and links as C++ ($cxx)"; cat "$bin.log"
  fi
done

# 6. The README's example, extracted, compiled (shared and static) and run.
sed -n '/<!-- readme-example:begin -->/,/<!-- readme-example:end -->/p' "$root/README.md" \
  | sed -e '/^<!--/d' -e '/^```/d' > "$out/readme_example.c"
for mode in shared static; do
  bin="$out/readme_example-$mode"
  if [ -s "$out/readme_example.c" ] && build gcc "$out/readme_example.c" "$bin" "$mode" 2> "$bin.log" \
     && "$bin" > "$bin.out" && grep -q '^token: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9\.' "$bin.out" \
     && grep -q '^credential: {"peerId":"alice","timestamp":' "$bin.out"; then
    pass "README example builds and runs ($mode)"
  else
    fail "README example builds and runs ($mode)"; cat "$bin.log" "$bin.out" 2>/dev/null
  fi
done

echo "C API tests: $npass passed, $nfail failed"
[ $nfail -eq 0 ]
