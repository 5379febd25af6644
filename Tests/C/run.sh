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
    shared) $cc $CFLAGS "$src" -o "$bin" $(pkg-config --cflags --libs tessera) -pthread \
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

# 0. Keys made by openssl, in every form Tessera reads, and some it refuses.
keys=$out/keys
mkdir -p "$keys"
(
  set -e
  cd "$keys"
  q() { "$@" 2>/dev/null; }
  q openssl genrsa -out rsa_pkcs8.pem 2048
  q openssl pkey -in rsa_pkcs8.pem -pubout -out rsa_spki.pem
  q openssl pkey -in rsa_pkcs8.pem -outform DER -out rsa_pkcs8.der
  q openssl pkey -in rsa_pkcs8.pem -pubout -outform DER -out rsa_spki.der
  q openssl genrsa -traditional -out rsa_pkcs1.pem 2048
  q openssl rsa -in rsa_pkcs1.pem -RSAPublicKey_out -out rsa_pkcs1_pub.pem
  q openssl genrsa -out rsa3072.pem 3072
  q openssl pkey -in rsa3072.pem -pubout -out rsa3072_spki.pem
  q openssl ecparam -name prime256v1 -genkey -noout -out ec256_sec1.pem
  q openssl pkey -in ec256_sec1.pem -pubout -out ec256_spki.pem
  q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out ec384_pkcs8.pem
  q openssl pkey -in ec384_pkcs8.pem -pubout -out ec384_spki.pem
  q openssl ecparam -name secp521r1 -genkey -noout -out ec521_sec1.pem
  q openssl pkey -in ec521_sec1.pem -pubout -out ec521_spki.pem
  q openssl genpkey -algorithm ed25519 -out ed25519.pem
  q openssl pkey -in ed25519.pem -pubout -out ed25519_spki.pem
  # Refused: too small, wrong curve, encrypted (PKCS#8 and legacy), truncated.
  q openssl genrsa -out rsa1024.pem 1024
  q openssl pkey -in rsa1024.pem -pubout -out rsa1024_spki.pem
  q openssl ecparam -name secp256k1 -genkey -noout -out ec256k1.pem
  q openssl pkey -in rsa_pkcs8.pem -aes256 -passout pass:secret -out rsa_encrypted.pem
  q openssl rsa -in rsa_pkcs1.pem -traditional -aes256 -passout pass:secret -out rsa_encrypted_legacy.pem
  { head -n 12 rsa_pkcs8.pem; echo "-----END PRIVATE KEY-----"; } > rsa_truncated.pem
  head -c 300 rsa_pkcs8.der > rsa_truncated.der
) && pass "openssl made the test keys" || fail "openssl made the test keys"

# 0b. Tokens signed by joserfc and pyca/cryptography, for test_verify.
interop=$out/interop
if python3 "$root/Tests/interop/make_tokens.py" "$interop" > "$out/make_tokens.out" 2>&1; then
  pass "independent implementations signed tokens: $(cat "$out/make_tokens.out")"
else
  fail "independent implementations signed tokens"; cat "$out/make_tokens.out"
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
    for t in test_api test_credential test_keys test_verify; do
      bin="$out/$t-$cc-$mode"
      if ! build "$cc" "$here/$t.c" "$bin" "$mode" 2> "$bin.log"; then
        fail "$t builds ($tag)"; cat "$bin.log"; continue
      fi
      pass "$t builds ($tag)"
      if [ "$mode" = static ]; then
        if readelf -d "$bin" | grep -q 'libtessera'; then fail "$t static binary needs no libtessera.so ($tag)"
        else pass "$t static binary needs no libtessera.so ($tag)"; fi
      fi
      case $t in
        test_keys) set -- "$keys" "$bin.report" ;;
        test_verify) set -- "$interop" ;;
        *) set -- "$vectors" ;;
      esac
      if "$bin" "$@" > "$bin.out" 2>&1; then pass "$t runs ($tag): $(tail -n 1 "$bin.out")"
      else fail "$t runs ($tag)"; grep -v '^TOKEN\|^CREDJSON' "$bin.out"; fi
    done
  done
done

# 4. Tokens from the API test, checked independently with openssl.
api_out="$out/test_api-gcc-shared.out"
if [ -f "$api_out" ]; then
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
