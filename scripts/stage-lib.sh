#!/bin/sh
# Copies SwiftPM's release products into the C layout and writes the
# pkg-config template:
#   stage-lib.sh BIN_PATH OUT_DIR VERSION SOVERSION
set -eu
bin=$1 out=$2 version=$3 so=$4
mkdir -p "$out"
cp "$bin/libtessera.so" "$out/libtessera.so.$version"
ln -sf "libtessera.so.$version" "$out/libtessera.so.$so"
ln -sf "libtessera.so.$so" "$out/libtessera.so"
cp "$bin/libtessera-static.a" "$out/libtessera.a"

# What linking the archive from C needs besides libcrypto and zlib: the Swift
# runtime's registration object and the static runtime libraries the
# archive's objects ask for (their autolink entries), then the C++ and
# system libraries the runtime itself uses.
swift_bin=$(dirname "$(readlink -f "$(command -v swiftc)")")
static_dir=$(readlink -f "$swift_bin/../lib/swift_static/linux")
autolink=$("$swift_bin/swift-autolink-extract" "$out/libtessera.a" -o - | tr '\n' ' ')
# Keep only libraries that exist as static archives in the toolchain, the
# Swift ones first: the C runtime libraries they use must come after them.
runtime=""
for flag in $autolink; do
  name=${flag#-l}
  case $name in swift*) [ -f "$static_dir/lib$name.a" ] && runtime="$runtime $flag" ;; esac
done
for flag in $autolink; do
  name=${flag#-l}
  case $name in swift*) ;; *) [ -f "$static_dir/lib$name.a" ] && runtime="$runtime $flag" ;; esac
done
libs_private="$static_dir/x86_64/swiftrt.o -L$static_dir$runtime -lcrypto -lz -lstdc++ -lm -ldl -lpthread"
sed -e "s|@VERSION@|$version|" -e "s|@LIBS_PRIVATE@|$libs_private|" tessera.pc.in > "$out/tessera.pc.tmpl"
