# spoolgen and spoolinject. `make run` builds and runs the main job on the
# built-in defaults; `make check` runs every test on the normal build, and
# `make check-all` runs them with the sanitizers too. All three install
# missing Debian packages first (see `deps`).

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/spoolgen
MANDIR ?= $(PREFIX)/share/man
CC ?= cc
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config

# Debian packages the build, the tests and the tools need: gnuplot-nox
# for tools/plot-traffic, mandoc to lint the man pages and systemd for
# systemd-analyze in the tool tests. unbound is left out on purpose: its
# package starts a resolver that queries the Internet's root servers, so
# the test that runs unbound-checkconf skips where it is missing.
DEB_PACKAGES = build-essential pkg-config libgmime-3.0-dev libcsv-dev \
	libmagic-dev libcriterion-dev libssl-dev postfix python3-aiosmtpd \
	tzdata gnuplot-nox mandoc systemd

# The version that spoolgen --version and spoolinject --version print.
VERSION = 0.1.0

# The project's flags go after the user's CFLAGS and LDFLAGS, which stay
# as given, so that the inner make sees the same values as the outer.
PKGS = gmime-3.0 libmagic openssl
PROJECT_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	-MMD -MP $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null) \
	-DSPOOLGEN_DATADIR='"$(DATADIR)"' -DVERSION='"$(VERSION)"'
PROJECT_LDFLAGS =
LDLIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lcsv -lm

ifeq ($(SANITIZE),1)
PROJECT_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
PROJECT_LDFLAGS += -fsanitize=address,undefined
endif

ALL_CFLAGS = $(CFLAGS) $(PROJECT_CFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(PROJECT_LDFLAGS)

PROGRAMS = spoolgen spoolinject
MAIN_SOURCES = $(PROGRAMS:%=src/%.c)
MODULE_SOURCES = $(filter-out $(MAIN_SOURCES),$(wildcard src/*.c))
MODULE_OBJECTS = $(MODULE_SOURCES:.c=.o)
UNIT_SOURCES = $(wildcard tests/unit/test_*.c)
UNIT_PROGRAMS = $(UNIT_SOURCES:.c=)

# The public targets install packages first and build in a second make,
# so that pkg-config sees libraries that `deps` has just installed.
all: deps
	$(MAKE) programs

programs: $(PROGRAMS)

unit-tests: $(UNIT_PROGRAMS)

# The programs print $(VERSION), so a new one rebuilds them.
src/spoolgen.o src/spoolinject.o: Makefile

%.o: %.c
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

spoolgen: src/spoolgen.o src/libspool.a
	$(CC) $(ALL_LDFLAGS) -o $@ src/spoolgen.o src/libspool.a $(LDLIBS)

spoolinject: src/spoolinject.o src/libspool.a
	$(CC) $(ALL_LDFLAGS) -o $@ src/spoolinject.o src/libspool.a $(LDLIBS)

src/libspool.a: $(MODULE_OBJECTS)
	rm -f $@
	$(AR) rcs $@ $(MODULE_OBJECTS)

tests/unit/test_%: tests/unit/test_%.c src/libspool.a
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -Isrc $(ALL_LDFLAGS) -o $@ $< \
		src/libspool.a \
		$(LDLIBS) -lcriterion

# src/build-flags records the compiler and flags of the build in the tree.
# Its recipe runs on every make but rewrites the file only when the flags
# differ from it. So a change of SANITIZE, CFLAGS or PREFIX rebuilds every
# object, the library and every program, and no build mixes objects.
BUILD_FLAGS = CC=$(CC) CPPFLAGS=$(CPPFLAGS) CFLAGS=$(ALL_CFLAGS) \
	LDFLAGS=$(ALL_LDFLAGS) LDLIBS=$(LDLIBS)
shell_quote = '$(subst ','\'',$(1))'

src/build-flags: FORCE
	@flags=$(call shell_quote,$(BUILD_FLAGS)); \
	if [ "$$(cat $@ 2>/dev/null)" != "$$flags" ]; then \
		printf '%s\n' "$$flags" >$@; \
	fi

$(MODULE_OBJECTS) $(MAIN_SOURCES:.c=.o) src/libspool.a \
	$(PROGRAMS) $(UNIT_PROGRAMS): src/build-flags

FORCE:

# Installs what is missing, and only that; apt-get runs only when a
# package is absent, so a ready machine never needs root here.
deps:
	@missing=; for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
			grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		echo "postfix postfix/main_mailer_type string 'No configuration'" \
			| debconf-set-selections; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q $$missing; \
	fi

run: deps
	$(MAKE) programs
	tools/run-main-job

# Benchmarks, never part of check: spoolgen against a plain C file
# writer (bench/run), spoolinject --sendmail against xargs -P
# (tests/bench/sendmail.sh) and spoolinject against Postfix's smtp-source
# (bench/spoolinject-bench), one after the other so that none slows
# another. BENCHMARKS.md has the results. They need GNU time.
BENCH_PACKAGES = time

bench-deps: deps
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="$(BENCH_PACKAGES)"
	$(MAKE) programs

bench: bench-deps
	bench/run
	tests/bench/sendmail.sh
	bench/spoolinject-bench

bench-spoolgen: bench-deps
	bench/run

bench-sendmail: bench-deps
	tests/bench/sendmail.sh

bench-inject: bench-deps
	bench/spoolinject-bench

# libFuzzer targets under fuzz/, built with clang and the sanitizers, each
# run for FUZZ_SECONDS.
FUZZ_PACKAGES = clang libclang-rt-14-dev
FUZZ_TARGETS = fuzz_csv fuzz_template fuzz_smtp_reply fuzz_envelope
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_CFLAGS = -g -O1 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	$(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null) \
	-DSPOOLGEN_DATADIR='"$(DATADIR)"' -Isrc

fuzz: deps
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="$(FUZZ_PACKAGES)"
	$(MAKE) fuzz-build
	fuzz/run $(FUZZ_SECONDS)

fuzz-build: $(FUZZ_TARGETS:%=fuzz/build/%)

fuzz/build/%: fuzz/%.c $(MODULE_SOURCES) $(wildcard src/*.h)
	@mkdir -p fuzz/build
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(MODULE_SOURCES) $(LDLIBS)

# spoolgen on the defaults and a small spoolinject run under valgrind;
# definite leaks and memory errors fail. Never part of check.
MEMCHECK_PACKAGES = valgrind postfix

memcheck: deps
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="$(MEMCHECK_PACKAGES)"
	$(MAKE) programs
	tools/memcheck

check: deps
	$(MAKE) programs unit-tests
	tests/run $(UNIT_PROGRAMS)

# Runs the suite built with AddressSanitizer and UndefinedBehaviorSanitizer,
# then on the normal build, which stays in the tree. The second run goes
# ahead even when the first fails, and either failure fails the target.
check-all: deps
	@status=0; \
	echo "== make check SANITIZE=1"; \
	$(MAKE) --no-print-directory check SANITIZE=1 || status=1; \
	echo "== make check"; \
	$(MAKE) --no-print-directory check SANITIZE= || status=1; \
	if [ "$$status" -ne 0 ]; then \
		echo "check-all: failed, see the check lines above"; \
	fi; \
	exit $$status

install: programs
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/data \
		$(DESTDIR)$(DATADIR)/templates $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(PROGRAMS) $(DESTDIR)$(BINDIR)
	install -m 644 data/* $(DESTDIR)$(DATADIR)/data
	install -m 644 templates/* $(DESTDIR)$(DATADIR)/templates
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1

clean:
	rm -f $(PROGRAMS) src/*.o src/*.d src/libspool.a src/build-flags \
		$(UNIT_PROGRAMS) tests/unit/*.d
	rm -rf fuzz/build

.PHONY: all programs unit-tests deps run check check-all install clean \
	bench bench-deps bench-spoolgen bench-sendmail bench-inject fuzz \
	fuzz-build memcheck FORCE
.PRECIOUS: src/%.o

-include src/*.d tests/unit/*.d
