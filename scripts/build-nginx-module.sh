#!/bin/sh
# make nginx-module: builds examples/nginx-module as a dynamic module for
# Debian's own nginx, the way Debian builds its libnginx-mod-* packages:
# the nginx sources that nginx-dev ships (/usr/share/nginx/src), configured
# with the flags Debian's nginx was built with (conf_flags, --with-compat, so
# the module's signature matches the installed binary), then `make modules`.
#
#   build-nginx-module.sh STAGE OUT
#
# STAGE is a Tessera install (its lib/pkgconfig/tessera.pc is used, and its
# lib/ goes into the module's run path); OUT receives
# ngx_http_tessera_module.so and the build directory (OUT/objs).
set -eu
stage=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
module=$(cd "$(dirname "$0")/../examples/nginx-module" && pwd)
src=/usr/share/nginx/src
[ -x "$src/configure" ] || { echo "build-nginx-module: $src/configure missing (install nginx-dev)" >&2; exit 1; }
export PKG_CONFIG_PATH="$stage/lib/pkgconfig"
pkg-config --exists tessera || { echo "build-nginx-module: no tessera.pc under $stage/lib/pkgconfig" >&2; exit 1; }
rm -rf "$out/objs"
# shellcheck disable=SC2016
(cd "$src" && bash -c '. ./conf_flags && ./configure \
    --with-cc-opt="-O2 -g -fPIC $(dpkg-buildflags --get CPPFLAGS)" \
    --with-ld-opt="-fPIC -Wl,-rpath,$1/lib" \
    "${NGX_CONF_FLAGS[@]}" --add-dynamic-module="$2" --builddir="$3/objs"' sh "$stage" "$module" "$out") \
  > "$out/configure.log" 2>&1 || { tail -20 "$out/configure.log" >&2; exit 1; }
make -s -f "$out/objs/Makefile" -C "$src" modules > "$out/make.log" 2>&1 || { cat "$out/make.log" >&2; exit 1; }
cp "$out/objs/ngx_http_tessera_module.so" "$out/"
echo "built $out/ngx_http_tessera_module.so (load_module it into Debian's nginx $(nginx -v 2>&1 | sed 's|.*/||'))"
