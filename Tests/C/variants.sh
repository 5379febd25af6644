#!/bin/sh
# The C test programs under instrumentation (make sanitize, make check-memory):
#   variants.sh asan LIBDIR       clang ASan+UBSan, against LIBDIR/libtessera.so
#                                 built with `swift build --sanitize=address`
#   variants.sh tsan LIBDIR       clang TSan, against a `--sanitize=thread` build
#   variants.sh valgrind PREFIX   gcc, against an installed Tessera, each run
#                                 under valgrind memcheck
# Any sanitizer report, memcheck error, or definitely or indirectly lost
# byte fails the program. Prints PASS/FAIL lines and a closing count.
set -u
mode=$1
dir=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$root/build/c-$mode
rm -rf "$out" && mkdir -p "$out"
. "$here/suite.sh"
npass=0 nfail=0
pass() { echo "PASS $1"; npass=$((npass + 1)); }
fail() { echo "FAIL $1"; nfail=$((nfail + 1)); }

# The Swift runtime the sanitizer builds link dynamically.
swift_lib=$(dirname "$(readlink -f "$(command -v swiftc)")")/../lib/swift/linux
swift_lib=$(cd "$swift_lib" && pwd)
wrap=""
case $mode in
  asan)
    cc="clang -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all"
    libs="-L$dir -ltessera -Wl,-rpath,$dir:$swift_lib"
    export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" ;;
  tsan)
    cc="clang -g -O1 -fsanitize=thread"
    # Swift's TSan runtime carries libdispatch interceptors: link libdispatch.
    libs="-L$dir -ltessera -L$swift_lib -ldispatch -lBlocksRuntime -Wl,-rpath,$dir:$swift_lib"
    export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1" ;;
  valgrind)
    cc="gcc -g -O1"
    libs="$(PKG_CONFIG_PATH=$dir/lib/pkgconfig pkg-config --libs tessera) -Wl,-rpath,$dir/lib"
    wrap="valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect
          --errors-for-leak-kinds=definite,indirect --track-origins=yes"
    # Fewer rounds: memcheck runs code some 30 times slower.
    export TESSERA_STRESS_ROUNDS=${TESSERA_STRESS_ROUNDS:-6} ;;
  *) echo "usage: variants.sh asan|tsan LIBDIR | valgrind PREFIX" >&2; exit 2 ;;
esac
incdir=$root/include
[ "$mode" = valgrind ] && incdir=$dir/include

if make_fixtures "$out" > "$out/fixtures.out" 2>&1; then :; else fail "fixtures"; cat "$out/fixtures.out"; fi
for t in $C_TESTS_INSTRUMENTABLE; do
  bin=$out/$t
  # shellcheck disable=SC2086
  if ! $cc -std=c99 -Wall -Wextra -Werror -I"$incdir" "$here/$t.c" -o "$bin" $libs -lcrypto -pthread > "$bin.build.log" 2>&1; then
    fail "$t builds ($mode)"; grep -v 'Cannot export local symbol' "$bin.build.log" | head -20; continue
  fi
  # shellcheck disable=SC2086
  if $wrap "$bin" $(test_args "$t" "$out" "$bin") > "$bin.out" 2>&1; then
    pass "$t under $mode: $(grep -E '^test_[a-z]+: ' "$bin.out" | tail -n 1)"
  else
    fail "$t under $mode (exit $?)"; grep -v '^TOKEN\|^CREDJSON\|^PASS' "$bin.out" | head -60
  fi
done
echo "C tests under $mode: $npass passed, $nfail failed"
[ $nfail -eq 0 ]
