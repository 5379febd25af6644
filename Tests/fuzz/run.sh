#!/bin/sh
# make fuzz: every libFuzzer target, each for N seconds.
#   run.sh LIBDIR SECONDS
# LIBDIR holds libtessera.so built with ASan and coverage instrumentation
# (see the Makefile's fuzz target). Each target is built with clang
# -fsanitize=fuzzer,address,undefined, first replays its regression inputs
# (Tests/fuzz/regressions/<target>/: inputs that once failed), then fuzzes
# from its seeds (Tests/fuzz/seeds/<target>/, from the vectors) into a working
# corpus under build/fuzz/. Any crash, leak, sanitizer report or broken
# invariant fails the run; the input is left in build/fuzz/artifacts/ (copy it
# into regressions/ once fixed). Each target's libFuzzer statistics are
# printed.
set -u
# Crashes are reported by the sanitizers and libFuzzer, not Swift's backtracer.
export SWIFT_BACKTRACE=enable=no
lib=$(cd "$1" && pwd)
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$root/build/fuzz
swift_lib=$(dirname "$(readlink -f "$(command -v swiftc)")")/../lib/swift/linux
swift_lib=$(cd "$swift_lib" && pwd)
mkdir -p "$out/bin"
failed=""
summary=""
# Libraries a target needs beyond Tessera's: json_diff's oracle is jansson.
extra_libs() {
  case "$1" in
    json_diff) echo "-ljansson" ;;
  esac
}
for src in "$here"/fuzz_*.c; do
  name=$(basename "$src" .c)
  target=${name#fuzz_}
  bin=$out/bin/$name
  if ! clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I"$root/include" -I"$here" \
       "$src" -o "$bin" -L"$lib" -ltessera -lcrypto $(extra_libs "$target") -Wl,-rpath,"$lib:$swift_lib" \
       > "$out/$name.build.log" 2>&1; then
    grep -v 'Cannot export local symbol' "$out/$name.build.log" | head -20
    failed="$failed $target(build)"
    continue
  fi
  echo "== $target"
  regressions=$here/regressions/$target
  if [ -d "$regressions" ] && [ -n "$(ls "$regressions")" ]; then
    if "$bin" "$regressions"/* > "$out/$name.regressions.log" 2>&1; then
      echo "regressions: $(ls "$regressions" | wc -l) inputs replayed, all clean"
    else
      tail -40 "$out/$name.regressions.log"
      failed="$failed $target(regression)"
      continue
    fi
  fi
  corpus=$out/corpus/$target
  mkdir -p "$corpus" "$out/artifacts/$target"
  max_len=8192
  [ "$target" = roundtrip ] && max_len=2048
  dict=""
  [ -f "$here/$target.dict" ] && dict="-dict=$here/$target.dict"
  [ -z "$dict" ] && [ -f "$here/jwt.dict" ] && dict="-dict=$here/jwt.dict"
  # shellcheck disable=SC2086
  "$bin" -max_total_time="$seconds" -max_len=$max_len -print_final_stats=1 -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix="$out/artifacts/$target/" $dict "$corpus" "$here/seeds/$target" > "$out/$name.log" 2>&1
  rc=$?
  grep -E '^(#[0-9]+.*DONE|Done [0-9]+ runs|stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|stat::peak_rss_mb)' "$out/$name.log"
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$name.log")
  units=$(ls "$corpus" | wc -l)
  if [ $rc -ne 0 ]; then
    grep -E -A25 'ERROR|invariant broken|==[0-9]+==' "$out/$name.log" | head -60
    echo "artifacts: $(ls "$out/artifacts/$target")"
    failed="$failed $target"
  fi
  summary="$summary
  $target: ${runs:-?} executions in ${seconds}s, corpus $units inputs (seeds $(ls "$here/seeds/$target" | wc -l)), exit $rc"
done
echo "fuzz summary:$summary"
if [ -n "$failed" ]; then
  echo "fuzz: FAILED:$failed" >&2
  exit 1
fi
echo "fuzz: every target ran ${seconds}s clean"
