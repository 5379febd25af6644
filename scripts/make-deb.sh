#!/bin/sh
# make deb: libtessera0, libtessera-dev and tessera-tools from a staged
# `make install` (DESTDIR=OUT/root PREFIX=/usr LIBDIR=/usr/lib/<multiarch>).
#
#   make-deb.sh OUT VERSION SOVERSION
#
# Built with dpkg-deb from the staged tree rather than through debhelper:
# dh_auto_build would drive SwiftPM, which resolves packages over the network
# and keeps its build under .build/; the Makefile already builds and installs
# the tree exactly (static Swift runtime, version script, SONAME), so each
# package is that tree split three ways. What debhelper would add is done
# here with Debian's own tools: dpkg-shlibdeps finds Depends, the shlibs file
# and the ldconfig trigger make libtessera0 a proper shared-library package,
# binaries are stripped (as dh_strip does; no -dbgsym package is made), man
# pages are compressed with gzip -9n, md5sums are written, and
# dpkg-deb --root-owner-group makes root own every file.
set -eu
out=$(cd "$1" && pwd)
version=$2
soversion=$3
root=$out/root
debversion=$version-1
libpkg=libtessera$soversion   # the runtime package is named after the SONAME
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
libdir=usr/lib/$multiarch
here=$(cd "$(dirname "$0")/.." && pwd)
maintainer="Tessera developers <tessera@example.org>"
date=$(date -R -d "@$(git -C "$here" log -1 --format=%ct 2>/dev/null || date +%s)")

[ -f "$root/$libdir/libtessera.so.$version" ] || { echo "make-deb: no staged install under $root" >&2; exit 1; }

# dpkg-shlibdeps reads debian/control: a minimal source package describing
# the three binary packages.
src=$out/src
rm -rf "$src"
mkdir -p "$src/debian"
cat > "$src/debian/control" <<EOF
Source: tessera
Section: libs
Priority: optional
Maintainer: $maintainer

Package: $libpkg
Architecture: any

Package: libtessera-dev
Architecture: any

Package: tessera-tools
Architecture: any
EOF

# copyright and changelog, as every package carries them.
docs() {  # docs PKGDIR PACKAGE
  d=$1/usr/share/doc/$2
  mkdir -p "$d"
  cat > "$d/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: tessera
Source: https://github.com/tessera/tessera

Files: *
Copyright: 2026 The Tessera developers
License: Tessera-unlicensed
 The Tessera developers have not yet chosen a license for this work, and
 no license is granted by this file. These packages are built for the
 project's own tests; see the project's README before redistributing them.
EOF
  printf 'tessera (%s) unstable; urgency=medium\n\n  * Tessera %s, packaged from the upstream tree (make deb).\n\n -- %s  %s\n' \
    "$debversion" "$version" "$maintainer" "$date" | gzip -9n > "$d/changelog.Debian.gz"
}

# Moves PATH (relative to the staged root) into PKGDIR, keeping symlinks.
take() {  # take PKGDIR PATH...
  pkgdir=$1; shift
  for p in "$@"; do
    mkdir -p "$pkgdir/$(dirname "$p")"
    cp -a "$root/$p" "$pkgdir/$p"
  done
}

# Compresses a package's man pages; a link to a page becomes a link to the
# compressed page.
gzip_man() {  # gzip_man PKGDIR
  find "$1/usr/share/man" -type f -name '*.[0-9]' -exec gzip -9n {} +
  find "$1/usr/share/man" -type l -name '*.[0-9]' | while read -r link; do
    target=$(readlink "$link")
    rm "$link"
    ln -s "$target.gz" "$link.gz"
  done
}

control() {  # control PKGDIR PACKAGE SECTION DEPENDS MULTIARCH DESCRIPTION...
  pkgdir=$1 package=$2 section=$3 depends=$4 multi=$5
  shift 5
  size=$(du -k -s --apparent-size "$pkgdir" | cut -f1)
  mkdir -p "$pkgdir/DEBIAN"
  {
    echo "Package: $package"
    echo "Source: tessera"
    echo "Version: $debversion"
    echo "Architecture: $arch"
    echo "Maintainer: $maintainer"
    echo "Installed-Size: $size"
    echo "Depends: $depends"
    [ -n "$multi" ] && echo "Multi-Arch: $multi"
    echo "Section: $section"
    echo "Priority: optional"
    echo "Homepage: https://github.com/tessera/tessera"
    for line in "$@"; do echo "$line"; done
  } > "$pkgdir/DEBIAN/control"
  (cd "$pkgdir" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | LC_ALL=C sort \
     | xargs md5sum > DEBIAN/md5sums)
}

shlibdeps() {  # shlibdeps BINARY... : the Depends dpkg-shlibdeps finds (never empty)
  deps=$(cd "$src" && dpkg-shlibdeps -O -l"$root/$libdir" "$@" | sed -n 's/^shlibs:Depends=//p')
  [ -n "$deps" ] || { echo "make-deb: dpkg-shlibdeps found no dependencies for $*" >&2; exit 1; }
  echo "$deps"
}

build() {  # build PKGDIR
  chmod -R u+rwX,go+rX,go-w "$1"
  find "$1" -name '*.so.*' -type f -exec chmod 0644 {} +
  dpkg-deb --root-owner-group -Zxz --build "$1" "$out/" >/dev/null
}

rm -f "$out"/*.deb

# libtessera<SOVERSION>: the shared library.
lib=$out/$libpkg
rm -rf "$lib"
take "$lib" "$libdir/libtessera.so.$version" "$libdir/libtessera.so.$soversion"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$lib/$libdir/libtessera.so.$version"
chmod 0644 "$lib/$libdir/libtessera.so.$version"   # Debian policy 8.1: shared libraries are not executable
docs "$lib" "$libpkg"
control "$lib" "$libpkg" libs "$(shlibdeps "$root/$libdir/libtessera.so.$version")" same \
  "Description: credentials and JSON Web Tokens for RTC auth servers (library)" \
  " Tessera signs and verifies every common JWS algorithm (HS*, RS*, PS*, ES*," \
  " EdDSA) and mints the credentials of the major real-time communication" \
  " platforms (SkyWay, Agora AccessToken2, Tencent UserSig, Janus, TURN REST)," \
  " behind a C ABI." \
  " ." \
  " This package contains the shared library."
echo "libtessera $soversion $libpkg (>= $version)" > "$lib/DEBIAN/shlibs"
echo "activate-noawait ldconfig" > "$lib/DEBIAN/triggers"
chmod 0644 "$lib/DEBIAN/shlibs" "$lib/DEBIAN/triggers"
build "$lib"

# libtessera-dev: header, link, archive, pkg-config and CMake files, man(3).
dev=$out/libtessera-dev
rm -rf "$dev"
take "$dev" usr/include/tessera.h "$libdir/libtessera.so" "$libdir/libtessera.a" "$libdir/pkgconfig/tessera.pc" \
  "$libdir/cmake/Tessera" usr/share/man/man3
strip --strip-debug --remove-section=.comment --enable-deterministic-archives "$dev/$libdir/libtessera.a"
gzip_man "$dev"
docs "$dev" libtessera-dev
control "$dev" libtessera-dev libdevel "$libpkg (= $debversion), libssl-dev, zlib1g-dev" same \
  "Description: credentials and JSON Web Tokens for RTC auth servers (development)" \
  " Tessera signs and verifies every common JWS algorithm and mints the" \
  " credentials of the major real-time communication platforms, behind a C ABI." \
  " ." \
  " This package contains the header, the static archive, the pkg-config and" \
  " CMake files (find_package(Tessera)), and the section 3 manual pages."
build "$dev"

# tessera-tools: the command-line tool, man(1), completions.
tools=$out/tessera-tools
rm -rf "$tools"
take "$tools" usr/bin/tessera usr/share/man/man1 usr/share/bash-completion/completions/tessera \
  usr/share/zsh/vendor-completions/_tessera usr/share/fish/vendor_completions.d/tessera.fish
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$tools/usr/bin/tessera"
gzip_man "$tools"
docs "$tools" tessera-tools
control "$tools" tessera-tools utils "$(shlibdeps "$root/usr/bin/tessera")" "" \
  "Description: credentials and JSON Web Tokens for RTC auth servers (tool)" \
  " The tessera command makes keys, signs, verifies and decodes JWTs, and" \
  " mints and verifies the credentials of real-time communication platforms." \
  " ." \
  " This package contains the tool, its manual pages and its bash, zsh and" \
  " fish completions."
build "$tools"

ls "$out"/*.deb
