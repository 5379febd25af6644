# Tessera: what C users type.
#
#   make                      build libtessera.so and libtessera.a into build/lib
#   make install PREFIX=DIR   install the library, header, tessera.pc, the CMake
#                             package files, the `tessera` command-line tool, the
#                             manual pages (sections 1 and 3) and the completions
#   make test                 all tests: Swift core tests, then the C API tests
#                             against an installed copy (gcc and clang, .so and .a),
#                             the ABI against abi/, every function and command's page
#   make deb                  build/deb/: libtessera0, libtessera-dev, tessera-tools
#                             (dpkg-deb), checked by lintian
#   make test-packages        the packages installed with dpkg, built against, removed
#   make abi-baseline         rewrite abi/ after an addition to the header (docs/ABI.md)
#   make test-integration     against real peers: coturn, nginx (auth_request, and
#                             the in-process module), headless Chromium, Janus,
#                             and the `tessera` tool with openssl keys
#   make nginx-module         ngx_http_tessera_module.so for Debian's nginx, in
#                             build/nginx-module/ (examples/nginx-module/)
#   make bench-nginx          wrk against nginx: the module (cache off and on),
#                             auth_request to the example server, no auth
#   make test-fleet           three auth servers on PostgreSQL and Redis behind nginx
#   make load                 wrk against the auth server: one on SQLite, three in a fleet
#   make sanitize             Swift and C tests under ASan+UBSan, and under TSan
#   make check-memory         the C tests under valgrind memcheck
#   make fuzz FUZZ_SECONDS=N  every libFuzzer target for N seconds
#   make bench                the load benchmark (tessera-bench), the comparison
#                             with libjwt, cpp-jwt and the fair floors (cbench),
#                             and every target ratio measured interleaved
#                             (ratios.py); results in bench-results/ (JSON, PNG)
#   make cbench CBENCH_ARGS=… the comparison alone, arguments passed to Google Benchmark
#   make ct [CT_ARGS=N]       the constant-time check of MAC and credential comparison
#
# Missing Debian packages are installed on first use (scripts/ensure-deps.sh).

PREFIX    ?= /usr/local
SWIFT     ?= swift
# The version is written once, in include/tessera.h.
VERSION   := $(shell sed -n 's/^\#define TESSERA_VERSION_STRING "\(.*\)"$$/\1/p' include/tessera.h)
$(if $(VERSION),,$(error no TESSERA_VERSION_STRING in include/tessera.h))
SOVERSION := 0
BUILD     := build
STAGE     := $(BUILD)/stage

# The shared library carries the Swift runtime statically, exports tessera_*
# only, and has a SONAME; the archive is the same objects.
SWIFT_RELEASE := $(SWIFT) build -c release \
	-Xswiftc -static-stdlib \
	-Xlinker --version-script=$(CURDIR)/tessera.map \
	-Xlinker -soname=libtessera.so.$(SOVERSION)

BUILD_DEPS := pkg-config libssl-dev zlib1g-dev python3
TEST_DEPS  := gcc g++ binutils openssl python3 python3-pip
# The vendors' server SDKs are test oracles for the platform credentials
# (Tests/interop/test_platforms.py), never part of the library.
PY_TEST_DEPS := joserfc cryptography pyjwt@jwt livekit-api==1.2.2@livekit.api twilio==9.13.0@twilio \
	stream-chat==4.33.0@stream_chat tls-sig-api-v2==1.1@TLSSigAPIv2 vonage-jwt==1.1.5@vonage_jwt

.PHONY: all deps lib cli install man completions abi-baseline test-abi test-docs deb test-packages test test-integration nginx-module bench-nginx test-fleet sanitize check-memory fuzz ct ct-build test-swift test-c test-bench test-examples bench cbench bench-deps tessera-bench-build cbench-build icount icount-build examples load clean

all: lib

deps:
	@scripts/ensure-deps.sh $(BUILD_DEPS)

lib: deps
	$(SWIFT_RELEASE) --product tessera
	$(SWIFT_RELEASE) --product tessera-static
	@scripts/stage-lib.sh "$$($(SWIFT_RELEASE) --show-bin-path)" $(BUILD)/lib $(VERSION) $(SOVERSION)

# The command-line tool: its own package (Tools/, swift-argument-parser),
# the library and the Swift runtime linked in statically.
TOOLS_RELEASE := $(SWIFT) build -c release --package-path Tools -Xswiftc -static-stdlib

cli: deps
	$(TOOLS_RELEASE) --product tessera-cli
	install -d $(BUILD)/bin
	install -m 0755 "$$($(TOOLS_RELEASE) --show-bin-path)/tessera-cli" $(BUILD)/bin/tessera

# Where `make install` puts things (the Debian packages use PREFIX=/usr and
# the multiarch LIBDIR).
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
DATADIR    ?= $(PREFIX)/share
# zsh reads vendor-completions under /usr (Debian's zsh), site-functions elsewhere.
ZSHDIR     ?= $(if $(filter /usr,$(PREFIX)),$(DATADIR)/zsh/vendor-completions,$(DATADIR)/zsh/site-functions)

install: lib cli man completions
	@test -n "$(PREFIX)" || { echo "PREFIX is empty" >&2; exit 1; }
	install -d "$(DESTDIR)$(LIBDIR)/pkgconfig" "$(DESTDIR)$(LIBDIR)/cmake/Tessera" "$(DESTDIR)$(INCLUDEDIR)" \
	  "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(MANDIR)/man1" "$(DESTDIR)$(MANDIR)/man3" \
	  "$(DESTDIR)$(DATADIR)/bash-completion/completions" "$(DESTDIR)$(ZSHDIR)" \
	  "$(DESTDIR)$(DATADIR)/fish/vendor_completions.d"
	install -m 0755 $(BUILD)/bin/tessera "$(DESTDIR)$(BINDIR)/tessera"
	install -m 0755 $(BUILD)/lib/libtessera.so.$(VERSION) "$(DESTDIR)$(LIBDIR)/"
	ln -sf libtessera.so.$(VERSION) "$(DESTDIR)$(LIBDIR)/libtessera.so.$(SOVERSION)"
	ln -sf libtessera.so.$(SOVERSION) "$(DESTDIR)$(LIBDIR)/libtessera.so"
	install -m 0644 $(BUILD)/lib/libtessera.a "$(DESTDIR)$(LIBDIR)/"
	install -m 0644 include/tessera.h "$(DESTDIR)$(INCLUDEDIR)/"
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	  $(BUILD)/lib/tessera.pc.tmpl > "$(DESTDIR)$(LIBDIR)/pkgconfig/tessera.pc"
	static_link=$$(sed -n 's/^Libs.private: //p' $(BUILD)/lib/tessera.pc.tmpl | sed 's/ -lcrypto .*//' | tr ' ' ';'); \
	for f in TesseraConfig TesseraConfigVersion; do \
	  sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@VERSION_MAJOR@|$(word 1,$(subst ., ,$(VERSION)))|g' \
	      -e 's|@SOVERSION@|$(SOVERSION)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
	      -e "s|@STATIC_LINK@|$$static_link|g" cmake/$$f.cmake.in > "$(DESTDIR)$(LIBDIR)/cmake/Tessera/$$f.cmake"; \
	done
	cd $(BUILD)/man && for f in man1/* man3/*; do rm -f "$(DESTDIR)$(MANDIR)/$$f"; done
	cp -P $(BUILD)/man/man1/* "$(DESTDIR)$(MANDIR)/man1/"
	cp -P $(BUILD)/man/man3/* "$(DESTDIR)$(MANDIR)/man3/"
	install -m 0644 $(BUILD)/completions/tessera.bash "$(DESTDIR)$(DATADIR)/bash-completion/completions/tessera"
	install -m 0644 $(BUILD)/completions/_tessera "$(DESTDIR)$(ZSHDIR)/_tessera"
	install -m 0644 $(BUILD)/completions/tessera.fish "$(DESTDIR)$(DATADIR)/fish/vendor_completions.d/tessera.fish"
	@echo "installed Tessera $(VERSION) under $(DESTDIR)$(PREFIX)"

# Manual pages: section 3 from the header's own comments (scripts/gen-man3.py:
# tessera(3) and one page per header section, every function linked to its
# page), section 1 from the tool's own argument definitions
# (swift-argument-parser's generate-manual plugin, in its own scratch
# directory so that it does not rebuild the tool `make cli` builds).
MAN_DATE := $(shell git log -1 --format=%cs 2>/dev/null || date -u +%F)

# Built once per change of what they are made from: `make install` (which
# make test runs several times, into the stage) reuses them.
MAN_SOURCES := include/tessera.h scripts/gen-man3.py scripts/tessera_header.py scripts/fix-man1.py \
	Tools/Package.swift $(wildcard Tools/Sources/tessera-cli/*.swift)

man: $(BUILD)/man/.stamp

$(BUILD)/man/.stamp: $(MAN_SOURCES)
	@scripts/ensure-deps.sh $(BUILD_DEPS)
	rm -rf $(BUILD)/man
	python3 scripts/gen-man3.py include/tessera.h $(BUILD)/man/man3 --date $(MAN_DATE)
	rm -rf Tools/.build-man/plugins/GenerateManual/outputs
	$(SWIFT) package --package-path Tools --scratch-path Tools/.build-man generate-manual \
	  --multi-page --date $(MAN_DATE) --authors "Tessera developers" > $(BUILD)/man-plugin.log 2>&1 \
	  || { cat $(BUILD)/man-plugin.log >&2; exit 1; }
	mkdir -p $(BUILD)/man/man1
	cp Tools/.build-man/plugins/GenerateManual/outputs/tessera-cli/*.1 $(BUILD)/man/man1/
	python3 scripts/fix-man1.py $(BUILD)/man/man1/*.1
	touch $@

# Shell completions, from swift-argument-parser.
completions: cli
	mkdir -p $(BUILD)/completions
	$(BUILD)/bin/tessera --generate-completion-script bash > $(BUILD)/completions/tessera.bash.tmp
	sed '1{/^#!/d}' $(BUILD)/completions/tessera.bash.tmp > $(BUILD)/completions/tessera.bash
	rm $(BUILD)/completions/tessera.bash.tmp
	$(BUILD)/bin/tessera --generate-completion-script zsh > $(BUILD)/completions/_tessera
	$(BUILD)/bin/tessera --generate-completion-script fish > $(BUILD)/completions/tessera.fish

# Debian packages (scripts/make-deb.sh: dpkg-deb from the staged install,
# dpkg-shlibdeps for Depends), then lintian on them (its report in
# build/deb/lintian.txt; see docs/PACKAGING.md for what it says and why).
# lintian fails the build on any error or warning except the tags
# docs/PACKAGING.md explains.
LINTIAN_SUPPRESS := initial-upload-closes-no-bugs

deb: deps
	@scripts/ensure-deps.sh dpkg-dev lintian
	rm -rf $(BUILD)/deb
	$(MAKE) --no-print-directory install DESTDIR=$(CURDIR)/$(BUILD)/deb/root PREFIX=/usr \
	  LIBDIR=/usr/lib/$$(dpkg-architecture -qDEB_HOST_MULTIARCH)
	scripts/make-deb.sh $(BUILD)/deb $(VERSION) $(SOVERSION)
	lintian --no-tag-display-limit --display-info --suppress-tags $(LINTIAN_SUPPRESS) --fail-on error,warning \
	  $(BUILD)/deb/*.deb > $(BUILD)/deb/lintian.txt 2>&1 || { cat $(BUILD)/deb/lintian.txt >&2; exit 1; }
	@echo "lintian: $$(grep -c '^E:' $(BUILD)/deb/lintian.txt) errors, $$(grep -c '^W:' $(BUILD)/deb/lintian.txt) warnings," \
	  "$$(grep -c '^I:' $(BUILD)/deb/lintian.txt) info tags, $(LINTIAN_SUPPRESS) suppressed (build/deb/lintian.txt)"

# The packages on this machine (as root): dpkg -i, a C program through
# pkg-config and another through CMake against the installed files, man,
# tessera --version, then dpkg -r, which must leave nothing behind.
test-packages: deb
	@scripts/ensure-deps.sh cmake man-db gcc make
	Tests/packaging/run.sh $(BUILD)/deb $(VERSION)

# The ABI baseline (abi/, libabigail): after an addition to the header, run
# this and commit abi/ with the change (docs/ABI.md).
abi-baseline: lib
	@scripts/ensure-deps.sh abigail-tools gcc
	python3 scripts/abi.py baseline $(BUILD)/lib/libtessera.so.$(VERSION)

test: test-swift test-bench test-examples test-c test-abi test-docs

# The ABI against its baseline in abi/ (libabigail), and against broken
# copies of the header, which must fail (Tests/abi/run.sh).
test-abi: lib
	@scripts/ensure-deps.sh abigail-tools gcc
	Tests/abi/run.sh $(BUILD)/lib/libtessera.so.$(VERSION)

# Every function the header declares has a man page; every subcommand of the
# tool has one that renders; the completions name every subcommand.
test-docs: lib man completions
	@scripts/ensure-deps.sh man-db binutils
	Tests/docs/run.sh $(BUILD)/lib/libtessera.so.$(VERSION) $(BUILD)/man $(BUILD)/bin/tessera $(BUILD)/completions

test-swift: deps
	$(SWIFT) test

test-c: deps
	@scripts/ensure-deps.sh $(TEST_DEPS)
	@scripts/ensure-python.sh $(PY_TEST_DEPS)
	rm -rf $(STAGE)
	$(MAKE) --no-print-directory install PREFIX=$(CURDIR)/$(STAGE)
	Tests/C/run.sh $(CURDIR)/$(STAGE)

# ---- assurance ----------------------------------------------------------------
# Swift has no -sanitize=undefined on Linux: UBSan instruments the C parts
# (-Xcc), and Swift's own checks (overflow, bounds, unwrapping) trap in these
# debug builds. The sanitizer builds live in .build-asan and .build-tsan.
# The tests are Swift Testing's; --disable-xctest skips the empty XCTest pass,
# whose runner leaks its own suite objects and would fail LeakSanitizer.
ASAN_SWIFT := --sanitize=address -Xcc -fsanitize=undefined -Xcc -fno-sanitize-recover=all --scratch-path .build-asan
TSAN_SWIFT := --sanitize=thread --scratch-path .build-tsan

sanitize: deps
	@scripts/ensure-deps.sh $(TEST_DEPS)
	@scripts/ensure-python.sh $(PY_TEST_DEPS)
	$(SWIFT) test --disable-xctest $(ASAN_SWIFT)
	$(SWIFT) build $(ASAN_SWIFT) --product tessera
	Tests/C/variants.sh asan .build-asan/debug
	$(SWIFT) test --disable-xctest $(TSAN_SWIFT)
	$(SWIFT) build $(TSAN_SWIFT) --product tessera
	Tests/C/variants.sh tsan .build-tsan/debug

# libFuzzer: the library built with ASan, UBSan (C parts) and coverage
# (swiftc -sanitize=fuzzer instruments without linking a main), each target
# in Tests/fuzz/ built with clang -fsanitize=fuzzer,address,undefined.
FUZZ_SECONDS ?= 30
FUZZ_SWIFT   := -c release --sanitize=address -Xswiftc -sanitize=fuzzer -Xcc -fsanitize=undefined,fuzzer-no-link \
	-Xcc -fno-sanitize-recover=all --scratch-path .build-fuzz

fuzz: deps
	@scripts/ensure-deps.sh libjansson-dev
	$(SWIFT) build $(FUZZ_SWIFT) --product tessera
	Tests/fuzz/run.sh .build-fuzz/release $(FUZZ_SECONDS)

# memcheck on the C tests, against the library as installed (release).
check-memory: deps
	@scripts/ensure-deps.sh $(TEST_DEPS) valgrind
	@scripts/ensure-python.sh $(PY_TEST_DEPS)
	rm -rf $(STAGE)
	$(MAKE) --no-print-directory install PREFIX=$(CURDIR)/$(STAGE)
	@# Debian's valgrind 3.19 gives up on the DWARF 5 that the toolchain's
	@# clang writes ("Possibly corrupted debuginfo file"): memcheck reads the
	@# library without its debug sections (symbols stay, for the reports).
	objcopy --strip-debug $(STAGE)/lib/libtessera.so.$(VERSION)
	Tests/C/variants.sh valgrind $(STAGE)

# ---- examples ---------------------------------------------------------------
EXAMPLE_DEPS := libmicrohttpd-dev libsqlite3-dev libjansson-dev libpq-dev libhiredis-dev
EXAMPLES     := $(BUILD)/examples
AUTH_SERVER_SOURCES := $(addprefix examples/auth-server/,auth-server.c store.c store_sqlite.c store_pg.c cache_redis.c ops.c)
EXAMPLE_CFLAGS = -std=c99 -O2 -Wall -Wextra -Werror $$(PKG_CONFIG_PATH=$(CURDIR)/$(STAGE)/lib/pkgconfig pkg-config --cflags tessera)
EXAMPLE_LIBS   = $$(PKG_CONFIG_PATH=$(CURDIR)/$(STAGE)/lib/pkgconfig pkg-config --libs tessera) -Wl,-rpath,$(CURDIR)/$(STAGE)/lib

# Every example, linked to the library installed in $(STAGE) through pkg-config.
examples: deps
	@scripts/ensure-deps.sh $(EXAMPLE_DEPS) gcc
	rm -rf $(STAGE)
	$(MAKE) --no-print-directory install PREFIX=$(CURDIR)/$(STAGE)
	mkdir -p $(EXAMPLES)
	cc $(EXAMPLE_CFLAGS) examples/quickstart.c -o $(EXAMPLES)/quickstart $(EXAMPLE_LIBS)
	cc $(EXAMPLE_CFLAGS) $(AUTH_SERVER_SOURCES) -o $(EXAMPLES)/auth-server \
	  $$(pkg-config --cflags --libs libmicrohttpd sqlite3 jansson libpq hiredis) $(EXAMPLE_LIBS) -pthread

# End to end: the server on a free loopback port, driven by an independent
# client (Python requests, hmac, cryptography), restarted, fed bad input.
test-examples: examples
	@scripts/ensure-python.sh requests cryptography
	$(EXAMPLES)/quickstart | grep -q '^claims: {"sub":"alice","iat":'
	python3 -c "import sys; sys.exit(open('examples/quickstart.c').read() not in open('README.md').read())" \
	  || { echo "README.md does not show examples/quickstart.c as it is" >&2; exit 1; }
	@echo "PASS quickstart runs, and README.md shows it as it is"
	python3 examples/auth-server/test_auth_server.py $(EXAMPLES)/auth-server
	python3 examples/auth-server/test_platform_endpoints.py $(EXAMPLES)/auth-server
	python3 examples/auth-server/test_operations.py $(EXAMPLES)/auth-server

# Real peers (each check prints PASS <name>): coturn's turnutils_uclient with
# /turn/credentials, nginx auth_request through GET /verify, headless
# Chromium on the page at /, Janus with token_auth and the tool's tokens, and
# the installed `tessera` tool.
INTEGRATION_DEPS    := coturn nginx chromium chromium-driver openssl janus
PY_INTEGRATION_DEPS := requests joserfc cryptography selenium

test-integration: nginx-module
	@scripts/ensure-deps.sh $(INTEGRATION_DEPS)
	@scripts/ensure-python.sh $(PY_INTEGRATION_DEPS)
	Tests/integration/run.sh $(CURDIR)/$(STAGE) $(CURDIR)/$(NGINX_MODULE)

# ngx_http_tessera_module, built against Debian's nginx sources (nginx-dev)
# with Debian's own configure flags, linked to the library staged by
# `make examples` (its run path points there).
NGINX_MODULE_DEPS := nginx nginx-dev libpcre2-dev libssl-dev zlib1g-dev gcc make
NGINX_MODULE      := $(BUILD)/nginx-module/ngx_http_tessera_module.so
NGINX_BENCH_ARGS  ?=

nginx-module: examples
	@scripts/ensure-deps.sh $(NGINX_MODULE_DEPS)
	scripts/build-nginx-module.sh $(STAGE) $(BUILD)/nginx-module

# wrk on loopback against one protected location, RS256 and ES256 tokens,
# rounds of the four set-ups in random order: requests/s, p99 and the ratios.
bench-nginx: nginx-module
	@scripts/ensure-deps.sh wrk
	@scripts/ensure-python.sh requests joserfc cryptography matplotlib
	mkdir -p $(RESULTS)
	python3 Benchmarks/nginx_bench.py $(CURDIR)/$(NGINX_MODULE) $(CURDIR)/$(EXAMPLES)/auth-server \
	  --json $(RESULTS)/nginx.json --plot $(RESULTS)/nginx.png $(NGINX_BENCH_ARGS) | tee $(RESULTS)/nginx.txt

# The fleet: PostgreSQL (initdb in a temporary directory, run as postgres)
# and redis-server started on loopback, three auth servers on them behind
# nginx; shared state, kill -9 under load, Redis and PostgreSQL outages.
FLEET_DEPS    := postgresql redis-server nginx wrk util-linux
PY_FLEET_DEPS := requests cryptography

test-fleet: examples
	@scripts/ensure-deps.sh $(FLEET_DEPS)
	@scripts/ensure-python.sh $(PY_FLEET_DEPS)
	python3 examples/auth-server/test_fleet.py $(EXAMPLES)/auth-server

# wrk on loopback, in one run: one instance on SQLite (/healthz,
# /authenticate, /get-token, /create-meeting), then three behind nginx on
# PostgreSQL and Redis (the same endpoints): requests/s and p99.
load: examples
	@scripts/ensure-deps.sh $(FLEET_DEPS)
	@scripts/ensure-python.sh $(PY_FLEET_DEPS)
	python3 examples/auth-server/load.py $(EXAMPLES)/auth-server

# ---- benchmarks -------------------------------------------------------------
BENCH_DEPS    := g++ libbenchmark-dev libjwt-dev libcpp-jwt-dev nlohmann-json3-dev
TESSERA_BENCH := Benchmarks/.build/release/tessera-bench
CBENCH        := $(BUILD)/cbench/cbench
RESULTS       := bench-results
BENCH_ARGS    ?=
CBENCH_ARGS   ?=
RATIOS_ARGS   ?= --passes 3 --repetitions 7 --min-time 0.1

bench-deps: deps
	@scripts/ensure-deps.sh $(BENCH_DEPS)

tessera-bench-build: deps
	$(SWIFT) build -c release --package-path Benchmarks

# cbench links the installed library, as a C user would.
cbench-build: bench-deps
	rm -rf $(STAGE)
	$(MAKE) --no-print-directory install PREFIX=$(CURDIR)/$(STAGE)
	mkdir -p $(dir $(CBENCH))
	g++ -O2 -std=c++17 -Wall -Wextra Benchmarks/cbench/cbench.cpp Benchmarks/cbench/cppjwt.cpp -o $(CBENCH) \
	  $$(PKG_CONFIG_PATH=$(CURDIR)/$(STAGE)/lib/pkgconfig pkg-config --cflags --libs tessera) \
	  -Wl,-rpath,$(CURDIR)/$(STAGE)/lib -lbenchmark -ljwt -lcrypto -lz -pthread

bench: bench-deps tessera-bench-build cbench-build
	@scripts/ensure-python.sh matplotlib
	mkdir -p $(RESULTS)
	$(TESSERA_BENCH) --json $(RESULTS)/tessera-bench.json --plot $(RESULTS)/tessera-bench.png $(BENCH_ARGS) | tee $(RESULTS)/tessera-bench.txt
	$(CBENCH) --benchmark_out=$(RESULTS)/cbench.json --benchmark_out_format=json $(CBENCH_ARGS) | tee $(RESULTS)/cbench.txt
	python3 Benchmarks/ratios.py $(CBENCH) --json $(RESULTS)/ratios.json $(RATIOS_ARGS) | tee $(RESULTS)/ratios.txt
	python3 Benchmarks/plot_peers.py $(RESULTS)/ratios.json $(RESULTS)/peers.png
	@echo "results: $(RESULTS)/tessera-bench.json $(RESULTS)/tessera-bench.png $(RESULTS)/cbench.json $(RESULTS)/ratios.txt $(RESULTS)/peers.png"

cbench: cbench-build
	$(CBENCH) $(CBENCH_ARGS)

# Instructions per token under callgrind (noise-free, unlike times): Tessera's
# own per HS256 sign, verify and template token, and the asymmetric
# operations beside raw OpenSSL's floor. ICOUNT_LIB=DIR compares another build.
ICOUNT     := $(BUILD)/icount/icount
ICOUNT_LIB ?= $(CURDIR)/$(STAGE)/lib

icount-build: deps
	rm -rf $(STAGE)
	$(MAKE) --no-print-directory install PREFIX=$(CURDIR)/$(STAGE)
	mkdir -p $(dir $(ICOUNT))
	cc -O2 -std=c99 -Wall -Wextra -Werror Benchmarks/icount/icount.c -o $(ICOUNT) \
	  $$(PKG_CONFIG_PATH=$(CURDIR)/$(STAGE)/lib/pkgconfig pkg-config --cflags --libs tessera) \
	  -Wl,-rpath,$(CURDIR)/$(STAGE)/lib -lcrypto

icount: icount-build
	@scripts/ensure-deps.sh valgrind
	Benchmarks/icount/icount.sh $(ICOUNT) $(ICOUNT_LIB)

# The constant-time check (dudect-style, a benchmark: never a pass/fail test).
CT      := $(BUILD)/ct/ct
CT_ARGS ?= 4000000

ct-build: deps
	rm -rf $(STAGE)
	$(MAKE) --no-print-directory install PREFIX=$(CURDIR)/$(STAGE)
	mkdir -p $(dir $(CT))
	cc -O2 -std=c99 -Wall -Wextra -Werror Benchmarks/ct/ct.c -o $(CT) \
	  $$(PKG_CONFIG_PATH=$(CURDIR)/$(STAGE)/lib/pkgconfig pkg-config --cflags --libs tessera) -lm \
	  -Wl,-rpath,$(CURDIR)/$(STAGE)/lib

ct: ct-build
	$(CT) $(CT_ARGS)

# Both benchmarks built and run once in a tiny mode, so they cannot rot.
# Nothing here asserts anything about speed.
test-bench: bench-deps tessera-bench-build cbench-build ct-build icount-build
	$(TESSERA_BENCH) --smoke --json $(BUILD)/bench-smoke.json
	python3 Benchmarks/check_json.py $(BUILD)/bench-smoke.json
	$(CBENCH) --benchmark_min_time=0.0001 --benchmark_filter='threads:1$$' > $(BUILD)/cbench-smoke.txt
	@grep -c 'threads:1' $(BUILD)/cbench-smoke.txt | xargs -I{} echo "cbench smoke: {} benchmarks ran"
	@! grep -q 'ERROR OCCURRED' $(BUILD)/cbench-smoke.txt
	python3 Benchmarks/ratios.py $(CBENCH) --passes 1 --repetitions 1 --min-time 0.001 > $(BUILD)/ratios-smoke.txt
	@grep -q 'HS256 sign / fair floor' $(BUILD)/ratios-smoke.txt && echo "ratios smoke: every target ratio computed"
	$(CT) 20000
	@d=$$(mktemp -d) && for m in hs-sign hs-verify template; do $(ICOUNT) $$m 100 || exit 1; done && \
	  for k in "RSA -pkeyopt rsa_keygen_bits:2048" "EC -pkeyopt ec_paramgen_curve:P-256" ED25519; do \
	    openssl genpkey -algorithm $$k -out $$d/key.pem 2>/dev/null || exit 1; \
	    for m in tessera-sign floor-sign tessera-verify floor-verify; do $(ICOUNT) $$m $$d/key.pem 3 || exit 1; done; \
	  done && rm -rf $$d && echo "icount smoke: every driver mode ran (HS256, RS256, ES256, EdDSA)"

clean:
	rm -rf $(BUILD) .build Benchmarks/.build Tools/.build Tools/.build-man $(RESULTS)
