#!/bin/sh
# The header's function declarations and the shared library's exported
# symbols must be the same set, in both directions; the library must export
# nothing else, carry its SONAME, and need no Swift library at run time.
#   check-symbols.sh HEADER LIBRARY
set -eu
header=$1 lib=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Declarations: identifiers followed by '(' at the start of a declarator,
# with comments removed first.
sed -e 's://.*$::' "$header" | perl -0pe 's{/\*.*?\*/}{}gs' \
  | grep -oE '\btessera_[a-z0-9_]+[[:space:]]*\(' | sed -E 's/[[:space:]]*\($//' | sort -u > "$tmp/declared"
nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | grep -v '^$' | sort -u > "$tmp/exported"
status=0
missing=$(comm -23 "$tmp/declared" "$tmp/exported")
extra=$(comm -13 "$tmp/declared" "$tmp/exported")
if [ -n "$missing" ]; then echo "FAIL symbols: declared but not exported: $missing"; status=1; fi
if [ -n "$extra" ]; then echo "FAIL symbols: exported but not declared: $extra"; status=1; fi
count=$(wc -l < "$tmp/declared")
[ "$count" -gt 10 ] || { echo "FAIL symbols: only $count declarations found"; status=1; }
# What it needs at run time: the C and C++ runtimes, libcrypto, and zlib
# (Agora's and Tencent's formats; issue 15 links Debian's, as libcrypto).
needed=$(readelf -d "$lib" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
for n in $needed; do
  case $n in
    libc.so.*|libm.so.*|libstdc++.so.*|libgcc_s.so.*|libcrypto.so.*|libz.so.*|ld-linux*) ;;
    *) echo "FAIL needs $n at run time (only libc, libm, libstdc++, libgcc_s, libcrypto and zlib are expected)"; status=1 ;;
  esac
done
if ldd "$lib" | grep -qi swift; then echo "FAIL ldd: needs a Swift library: $(ldd "$lib" | grep -i swift)"; status=1; fi
soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = "libtessera.so.0" ] || { echo "FAIL soname: '$soname'"; status=1; }
[ $status -eq 0 ] && echo "PASS symbols: $count declared = $count exported, SONAME $soname, needs only $needed"
exit $status
