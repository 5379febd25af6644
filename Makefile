# Tessera: what C users type.
#
#   make                      build libtessera.so and libtessera.a into build/lib
#   make install PREFIX=DIR   install the library, header and tessera.pc
#   make test                 all tests: Swift core tests, then the C API tests
#                             against an installed copy (gcc and clang, .so and .a)
#   make bench                (arrives with the benchmark; see README)
#
# Missing Debian packages are installed on first use (scripts/ensure-deps.sh).

PREFIX    ?= /usr/local
SWIFT     ?= swift
VERSION   := 0.1.0
SOVERSION := 0
BUILD     := build
STAGE     := $(BUILD)/stage

# The shared library carries the Swift runtime statically, exports tessera_*
# only, and has a SONAME; the archive is the same objects.
SWIFT_RELEASE := $(SWIFT) build -c release \
	-Xswiftc -static-stdlib \
	-Xlinker --version-script=$(CURDIR)/tessera.map \
	-Xlinker -soname=libtessera.so.$(SOVERSION)

BUILD_DEPS := pkg-config libssl-dev
TEST_DEPS  := gcc g++ binutils openssl python3 python3-pip
PY_TEST_DEPS := joserfc cryptography

.PHONY: all deps lib install test test-swift test-c bench clean

all: lib

deps:
	@scripts/ensure-deps.sh $(BUILD_DEPS)

lib: deps
	$(SWIFT_RELEASE) --product tessera
	$(SWIFT_RELEASE) --product tessera-static
	@scripts/stage-lib.sh "$$($(SWIFT_RELEASE) --show-bin-path)" $(BUILD)/lib $(VERSION) $(SOVERSION)

install: lib
	@test -n "$(PREFIX)" || { echo "PREFIX is empty" >&2; exit 1; }
	install -d "$(DESTDIR)$(PREFIX)/lib/pkgconfig" "$(DESTDIR)$(PREFIX)/include"
	install -m 0755 $(BUILD)/lib/libtessera.so.$(VERSION) "$(DESTDIR)$(PREFIX)/lib/"
	ln -sf libtessera.so.$(VERSION) "$(DESTDIR)$(PREFIX)/lib/libtessera.so.$(SOVERSION)"
	ln -sf libtessera.so.$(SOVERSION) "$(DESTDIR)$(PREFIX)/lib/libtessera.so"
	install -m 0644 $(BUILD)/lib/libtessera.a "$(DESTDIR)$(PREFIX)/lib/"
	install -m 0644 include/tessera.h "$(DESTDIR)$(PREFIX)/include/"
	sed -e 's|@PREFIX@|$(PREFIX)|' $(BUILD)/lib/tessera.pc.tmpl > "$(DESTDIR)$(PREFIX)/lib/pkgconfig/tessera.pc"
	@echo "installed Tessera $(VERSION) under $(DESTDIR)$(PREFIX)"

test: test-swift test-c

test-swift: deps
	$(SWIFT) test

test-c: deps
	@scripts/ensure-deps.sh $(TEST_DEPS)
	@scripts/ensure-python.sh $(PY_TEST_DEPS)
	rm -rf $(STAGE)
	$(MAKE) --no-print-directory install PREFIX=$(CURDIR)/$(STAGE)
	Tests/C/run.sh $(CURDIR)/$(STAGE)

bench:
	@echo "make bench: the load benchmark (tessera-bench and the Google Benchmark comparison) is not built yet; it arrives with issue 5." >&2
	@exit 2

clean:
	rm -rf $(BUILD) .build
