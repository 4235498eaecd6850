# kin: one Makefile. `make` builds every program into $(O)/bin; `make check`
# runs every test through prove; `make SANITIZE=address,undefined check`
# builds into its own directory and runs the same tests.

CC ?= cc
VERSION = 0.1.0
SANITIZE ?=
comma := ,
O := build/$(if $(SANITIZE),san-$(subst $(comma),-,$(SANITIZE)),default)

WARN = -Wall -Wextra -Wpedantic -Werror -Wstrict-prototypes \
       -Wmissing-prototypes -Wvla -Wwrite-strings -fno-common
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -DKIN_VERSION='"$(VERSION)"' $(WARN) $(CFLAGS) -Ilibcommon \
	     -I/usr/include/postgresql \
	     $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer \
	       -fno-sanitize-recover=all)
LDFLAGS_SAN = $(if $(SANITIZE),-fsanitize=$(SANITIZE))
LIBS = -lyajl -lzstd -lz -lsnappy
# Per-program libraries: LIBS_<prog>.
LIBS_kfirehose = -lcurl -ljq -lpq
LIBS_ksql = -lm
LIBS_kvideo-ingest = -lavdevice -lavformat -lavcodec -lavutil
LIBS_kvideo = -lavformat -lavcodec -lavutil -lswscale

# Every folder under cmd/ is a program.
PROGS = $(notdir $(wildcard cmd/*))
LIB_SRC = $(wildcard libcommon/*.c)
LIB_OBJ = $(LIB_SRC:%.c=$(O)/%.o)
UNIT_SRC = $(wildcard tests/unit/*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(O)/unit/%.t)
BINS = $(PROGS:%=$(O)/bin/%)

DEPS_STAMP = build/.deps-ok

.PHONY: all check demo deps clean format man-lint banned-lint bench install
all: $(BINS) $(UNIT_BIN)

# Install missing system packages once per checkout (scripts/install-deps is
# idempotent and fast; the stamp only saves the dpkg queries).
deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/install-deps
	@scripts/install-deps
	@mkdir -p build && touch $@

$(O)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(O)/libcommon.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

.SECONDARY:
.SECONDEXPANSION:
$(O)/bin/%: $$(addprefix $(O)/,$$(addsuffix .o,$$(basename $$(wildcard cmd/$$*/*.c)))) \
	     $(O)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_SAN) $(LDFLAGS) -o $@ $^ $(LIBS_$*) $(LIBS)

$(O)/unit/%.t: $(O)/tests/unit/%.o $(O)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_SAN) $(LDFLAGS) -o $@ $^ $(LIBS)

# Unit tests of one program's modules (tests/unit/ksql_*.c) link that
# program's objects except its main.c.
KSQL_OBJ = $(patsubst %.c,$(O)/%.o,$(filter-out cmd/ksql/main.c,$(wildcard cmd/ksql/*.c)))
$(O)/unit/ksql_%.t: $(O)/tests/unit/ksql_%.o $(KSQL_OBJ) $(O)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_SAN) $(LDFLAGS) -o $@ $^ $(LIBS_ksql) $(LIBS)

check: all man-lint banned-lint
	KIN_BIN=$(abspath $(O)/bin) prove -j2 $(if $(V),-v) tests/*.t $(O)/unit/*.t

demo: $(BINS)
	@KIN_BIN=$(abspath $(O)/bin) sh scripts/demo

bench: $(BINS)
	KIN_BIN=$(abspath $(O)/bin) scripts/bench/streams
	KIN_BIN=$(abspath $(O)/bin) scripts/bench/firehose
	KIN_BIN=$(abspath $(O)/bin) scripts/bench/sql
	KIN_BIN=$(abspath $(O)/bin) scripts/bench/video

# `make install [PREFIX=/usr/local] [DESTDIR=...]`: the programs, their man
# pages, and the hls.js that `kvideo hls` copies beside its player page
# (BINDIR/../share/kin/hls.min.js).
PREFIX ?= /usr/local
HLSJS = tests/node/node_modules/hls.js/dist/hls.min.js
install: $(BINS) | $(DEPS_STAMP)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/kin
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 644 $(HLSJS) $(DESTDIR)$(PREFIX)/share/kin/hls.min.js

# Every C file includes banned.h after its system headers (git's rule).
banned-lint:
	@f=$$(grep -L '#include "banned.h"' libcommon/*.c cmd/*/*.c tests/unit/*.c); \
	if [ -n "$$f" ]; then echo "banned.h not included by: $$f" >&2; exit 1; fi

man-lint: | $(DEPS_STAMP)
	mandoc -Tlint -W warning man/*.[1-8]

format:
	clang-format -i libcommon/*.[ch] cmd/*/*.[ch] tests/unit/*.[ch]

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(wildcard $(O)/cmd/*/*.d) $(wildcard $(O)/tests/unit/*.d)

# --- Fuzzing -----------------------------------------------------------------
# `make fuzz` builds the libFuzzer harnesses fuzz/*.c into build/fuzz/ with
# clang, against libcommon compiled by clang with the same warnings plus
# coverage, ASan and UBSan. tests/t0800-fuzz.t runs them.
FUZZ_CC = clang
FUZZ_O = build/fuzz
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -DKIN_VERSION='"$(VERSION)"' $(WARN) -O1 -g \
	      -Ilibcommon -fno-omit-frame-pointer -fno-sanitize-recover=all \
	      -fsanitize=address,undefined
FUZZ_LIB_OBJ = $(LIB_SRC:%.c=$(FUZZ_O)/%.o)
FUZZ_BINS = $(patsubst fuzz/%.c,$(FUZZ_O)/%,$(wildcard fuzz/*.c))

.PHONY: fuzz
fuzz: $(FUZZ_BINS)

$(FUZZ_LIB_OBJ): $(FUZZ_O)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_O)/libcommon.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BINS): $(FUZZ_O)/%: fuzz/%.c $(FUZZ_O)/libcommon.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP -MF $@.d -o $@ $< $(FUZZ_O)/libcommon.a $(LIBS)

-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_BINS:=.d)
