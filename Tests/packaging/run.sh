#!/bin/sh
# make test-packages: the Debian packages that `make deb` built, on this
# machine (root): installed with dpkg -i, used as a C user would (pkg-config,
# CMake, man, the tool, its completion), then removed with dpkg -r, which must
# leave none of their files behind.
#   Tests/packaging/run.sh DEBDIR VERSION
set -u
debdir=$(cd "$1" && pwd)
version=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
tmp=$(mktemp -d)
failed=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; failed=1; }
check() {  # check NAME COMMAND...
  name=$1; shift
  if "$@" > "$tmp/out" 2>&1; then pass "$name"; else fail "$name"; sed 's/^/    /' "$tmp/out" | tail -20; fi
}
packages="tessera-tools libtessera-dev libtessera0"
cleanup() {
  dpkg -r $packages > /dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
[ "$(id -u)" -eq 0 ] || { echo "test-packages: needs root (dpkg -i)" >&2; exit 1; }
for p in $packages; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    echo "test-packages: $p is already installed; remove it first" >&2
    trap - EXIT; rm -rf "$tmp"; exit 1
  fi
done
# Only what the packages installed: pkg-config and CMake look in /usr's
# multiarch directories alone, man pages must come from /usr/share/man.
export PKG_CONFIG_LIBDIR=/usr/lib/$ma/pkgconfig

check "dpkg -i installs the three packages" dpkg -i "$debdir"/libtessera0_*.deb "$debdir"/libtessera-dev_*.deb \
  "$debdir"/tessera-tools_*.deb
for p in $packages; do dpkg -L "$p" >> "$tmp/files"; done
check "dpkg -s: libtessera0 $version-1 installed" sh -c "dpkg -s libtessera0 | grep -qx 'Version: $version-1'"
# (Debian's merged /usr: /lib is /usr/lib, and the loader may name either.)
check "ldconfig knows libtessera.so.0" sh -c "ldconfig -p | grep -Eq 'libtessera.so.0 \(.*\) => (/usr)?/lib/'"

check "tessera --version prints $version" sh -c "[ \"\$(/usr/bin/tessera --version)\" = '$version' ]"
check "man -w tessera_jwt_sign finds its page" sh -c "man -w tessera_jwt_sign | grep -q '^/usr/share/man/man3/tessera_jwt_sign.3.gz$'"
check "man -w tessera_policy_set_leeway finds the Verification page (tessera_policy_new(3), through its link)" sh -c \
  "[ \"\$(man -w tessera_policy_set_leeway)\" = /usr/share/man/man3/tessera_policy_new.3.gz ] && MANWIDTH=80 man tessera_policy_set_leeway | grep -q 'tessera_policy_set_leeway'"
check "man tessera opens tessera(1) from /usr/share/man" sh -c \
  "[ \"\$(man -w tessera)\" = /usr/share/man/man1/tessera.1.gz ] && MANWIDTH=80 man tessera | grep -q 'TESSERA(1)'"
check "man 3 tessera opens the overview, with the status codes" sh -c \
  "[ \"\$(man -w 3 tessera)\" = /usr/share/man/man3/tessera.3.gz ] && MANWIDTH=80 man 3 tessera | grep -q 'STATUS CODES' && MANWIDTH=80 man 3 tessera | grep -q 'TESSERA_E_SIGNATURE'"
missing=""
for f in $(nm -D --defined-only /usr/lib/$ma/libtessera.so.0 | awk '$2 == "T" && $3 ~ /^tessera_/ {print $3}'); do
  man -w "$f" 2>/dev/null | grep -q '^/usr/share/man/man3/' || missing="$missing $f"
done
if [ -z "$missing" ]; then pass "man -w finds a page for every function the installed library exports"; else fail "no page for:$missing"; fi
check "man tessera.sign finds the subcommand's page" sh -c "MANWIDTH=80 man tessera.sign | grep -q 'tessera sign'"
check "the bash completion loads and completes tessera" bash -c \
  ". /usr/share/bash-completion/completions/tessera && complete -p tessera"
check "zsh and fish completions are installed" test -s /usr/share/zsh/vendor-completions/_tessera -a \
  -s /usr/share/fish/vendor_completions.d/tessera.fish

# A C program through pkg-config, against the installed files only.
check "pkg-config --modversion tessera is $version" sh -c "[ \"\$(pkg-config --modversion tessera)\" = '$version' ]"
check "a C program builds with pkg-config" sh -c \
  "cc -std=c99 -Wall -Werror '$root/examples/quickstart.c' -o '$tmp/quickstart' \$(pkg-config --cflags --libs tessera)"
check "... and runs against /usr/lib's libtessera.so.0" sh -c \
  "'$tmp/quickstart' | grep -q '^claims: {\"sub\":\"alice\",\"iat\":' && ldd '$tmp/quickstart' | grep -Eq 'libtessera.so.0 => (/usr)?/lib/$ma/'"

# Another through CMake: find_package(Tessera 0.2), shared and static.
check "a C program builds with CMake (find_package(Tessera 0.2), Tessera::tessera and Tessera::tessera_static)" \
  sh -c "cmake -S '$root/examples/cmake' -B '$tmp/cmake' -DTessera_DIR=/usr/lib/$ma/cmake/Tessera && cmake --build '$tmp/cmake'"
check "... the shared one runs" sh -c "'$tmp/cmake/quickstart' | grep -q '^claims: {\"sub\":\"alice\",\"iat\":' && ldd '$tmp/cmake/quickstart' | grep -Eq 'libtessera.so.0 => (/usr)?/lib/$ma/'"
check "... the static one runs without libtessera.so" sh -c \
  "'$tmp/cmake/quickstart_static' | grep -q '^claims: {\"sub\":\"alice\",\"iat\":' && ! ldd '$tmp/cmake/quickstart_static' | grep -q libtessera"
mkdir -p "$tmp/newer"
printf 'cmake_minimum_required(VERSION 3.16)\nproject(p C)\nfind_package(Tessera 0.3 REQUIRED)\n' > "$tmp/newer/CMakeLists.txt"
check "find_package(Tessera 0.3 REQUIRED) refuses 0.2" sh -c \
  "! cmake -S '$tmp/newer' -B '$tmp/newer/b' -DTessera_DIR=/usr/lib/$ma/cmake/Tessera > '$tmp/newer.log' 2>&1 && grep -q 'version: 0.2.0' '$tmp/newer.log'"

# dpkg -r removes every file the packages installed.
check "dpkg -r removes the three packages" dpkg -r $packages
left=""
while read -r f; do
  [ -d "$f" ] && continue
  [ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done < "$tmp/files"
if [ -z "$left" ]; then pass "dpkg -r left none of the $(wc -l < "$tmp/files") installed paths behind"; else fail "dpkg -r left:$left"; fi
check "ldconfig forgets libtessera.so.0" sh -c "! ldconfig -p | grep -q 'libtessera.so.0 '"
exit $failed
