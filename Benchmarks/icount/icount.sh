#!/bin/sh
# icount.sh ICOUNT_BINARY LIBDIR: instructions per operation under
# valgrind --tool=callgrind (what `make icount` prints).
#  - HS256 sign, verify and template (VideoSDK claims, 20,000 tokens):
#    Tessera's own instructions per token (its library's functions, as
#    callgrind_annotate lists them at its default threshold). OpenSSL's
#    SHA-256 runs without SHA-NI under valgrind and valgrind has no AVX-512
#    (Tessera's base64 runs its AVX2 kernels), so totals are not quoted.
#  - RS256, ES256, EdDSA sign and verify, Tessera beside raw OpenSSL's
#    floor: all instructions per operation, from the difference between
#    runs of N1 and N2 operations (the set-up cancels).
# LIBDIR holds the libtessera.so.0 measured (pass an older build to
# compare); a copy without its DWARF is used, which valgrind 3.19 cannot read
# for Swift.
set -eu
[ $# -eq 2 ] || { echo "usage: icount.sh ICOUNT_BINARY LIBDIR" >&2; exit 2; }
bin=$1
command -v valgrind >/dev/null || { echo "icount: valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/lib"
cp -L "$2/libtessera.so.0" "$tmp/lib/libtessera.so.0"
strip --strip-debug "$tmp/lib/libtessera.so.0"
export LD_LIBRARY_PATH="$tmp/lib"

total() {  # total() ARGS...: the program's instruction count
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$@" 2>&1 |
    awk '/ I +refs:/ { gsub(",", "", $4); print $4 }'
}

echo "Tessera's own instructions per HS256 token (callgrind, 20,000 tokens)"
for mode in hs-sign hs-verify template; do
  valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" "$bin" $mode 20000 >/dev/null 2>&1
  callgrind_annotate "$tmp/cg" 2>/dev/null | grep libtessera |
    awk -v m=$mode '{ gsub(",", "", $1); s += $1 } END { printf "  %-10s %8d\n", m, s / 20000 }'
done

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/RS256.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/ES256.pem" 2>/dev/null
openssl genpkey -algorithm ED25519 -out "$tmp/EdDSA.pem" 2>/dev/null
echo "all instructions per operation (callgrind; difference of two runs)"
printf "  %-14s %12s %12s %14s\n" operation "raw OpenSSL" Tessera "floor/Tessera"
for alg in RS256 ES256 EdDSA; do
  for op in sign verify; do
    if [ $alg = RS256 ] && [ $op = sign ]; then n1=10 n2=30; else n1=100 n2=300; fi
    f=$(( ($(total floor-$op "$tmp/$alg.pem" $n2) - $(total floor-$op "$tmp/$alg.pem" $n1)) / (n2 - n1) ))
    t=$(( ($(total tessera-$op "$tmp/$alg.pem" $n2) - $(total tessera-$op "$tmp/$alg.pem" $n1)) / (n2 - n1) ))
    awk -v a="$alg $op" -v f=$f -v t=$t 'BEGIN { printf "  %-14s %12d %12d %13.2f %%\n", a, f, t, 100 * f / t }'
  done
done
