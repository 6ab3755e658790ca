# socklab - top-level Makefile (GNU make).
#
#   make              build the library, the grader, every lab skeleton and solution
#   make demo         grade the reference solution of every lab and print a scorecard
#   make check        unit tests, grader self-tests and the docs build
#   make fuzz         lab 08's parser under libFuzzer for FUZZ_TIME seconds (300)
#   make grade LAB=01 grade your work in labs/01-* (same as bin/grade 01)
#   make bench LAB=05 throughput and latency of a lab's reference servers (bin/bench)
#   make bench LAB=08 the HTTP server against nginx with wrk (req/s, p50, p99, ratio)
#   make bench LAB=10 the TLS server against openssl s_server and socat (handshakes/s, MiB/s)
#   make soak LAB=05  grade a lab's solution 20 times in a row (RUNS=N): no flaky check
#   make docs         API docs and guides with Doxygen, into docs/api/html
#   make deps         install the system packages socklab needs (or say how)
#   make handout      the students' tarball, no solutions or hidden checks
#   make gradescope LAB=01  a Gradescope autograder zip for one lab
#   make classroom LAB=01   a GitHub Classroom workflow for one lab
#   make clean        remove everything the build made
#
# Variables: SANITIZE=address,undefined builds everything with those sanitizers;
# V=1 shows full command lines.

SHELL := /bin/sh
.DEFAULT_GOAL := all

CC      ?= cc
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
WARN    := -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes
ifneq ($(SANITIZE),)
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
endif
ALL_CFLAGS = $(WARN) $(CFLAGS) $(SANFLAGS) -MMD -MP
# Labs and solutions get the sanitizers too, through common/lab.mk.
LAB_MAKE_FLAGS = SOCKLAB=$(CURDIR) $(if $(SANFLAGS),EXTRA_CFLAGS='$(SANFLAGS)' EXTRA_LDFLAGS='$(SANFLAGS)')
LDFLAGS_ALL = $(SANFLAGS) $(LDFLAGS)

# Deferred (=) so that pkg-config runs after `deps` has had a chance to install.
PKG_BUILD = openssl jansson libxml-2.0 zlib
PKG_CFLAGS = $(shell pkg-config --cflags $(PKG_BUILD))
PKG_LIBS   = $(shell pkg-config --libs $(PKG_BUILD))
CUNIT_CFLAGS = $(shell pkg-config --cflags cunit)
CUNIT_LIBS   = $(shell pkg-config --libs cunit)
# libsocklab's TLS transport (common/xport_tls.c) needs OpenSSL's headers;
# a program that uses it links with OpenSSL.
OPENSSL_CFLAGS = $(shell pkg-config --cflags openssl)
OPENSSL_LIBS   = $(shell pkg-config --libs openssl)

ifeq ($(V),1)
Q :=
else
Q := @
endif

BUILD := build
BIN   := bin
DEPS  := common/scripts/deps.sh

COMMON_SRC := $(wildcard common/*.c)
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)
LIBSOCKLAB := $(BUILD)/libsocklab.a

# The grader, in folders by concern (grader/README.md is the map). A lab's
# folder holds its checks (every .c at its top) and, apart, its self-tests:
# selftest.c (the suite) and selftest/ (the programs it grades).
GRADER_DIRS := engine os text net kit peers report batch labs
GRADER_SRC  := $(foreach d,$(GRADER_DIRS),$(wildcard grader/$(d)/*.c)) \
               $(filter-out %/selftest.c,$(wildcard grader/labs/*/*.c))
GRADER_OBJ  := $(GRADER_SRC:%.c=$(BUILD)/%.o)
GRADER      := $(BIN)/grade
BENCH       := $(BIN)/bench

# Self-test programs: each lab's in grader/labs/NN-name/selftest/, the ones
# no lab owns in grader/tests/programs/. Each builds to build/selftest/NAME.
SELFTEST_SRC := $(wildcard grader/labs/*/selftest/*.c grader/tests/programs/*.c)
SELFTEST_BIN := $(addprefix $(BUILD)/selftest/,$(basename $(notdir $(SELFTEST_SRC))))

TEST_COMMON_SRC := $(wildcard common/tests/*.c)
TEST_GRADER_SRC := $(wildcard grader/tests/*.c grader/tests/unit/*.c grader/tests/e2e/*.c) \
                   $(wildcard grader/labs/*/selftest.c)
TESTS := $(BUILD)/tests/test_common $(BUILD)/tests/test_grader $(BUILD)/tests/test_fuzz

# Lab 08's parser fuzzer (grader/labs/08-http-server/api/fuzz_http_parser.c),
# built with clang's libFuzzer against the reference parser (in a hand-out,
# the student's; FUZZ_LAB=labs/08-http-server picks it in the full kit too).
# `make check` runs it for 20 s (test_fuzz, which skips when the runtime is
# missing); `make fuzz` for FUZZ_TIME seconds.
FUZZ_CC    ?= clang
FUZZ_TIME  ?= 300
FUZZ_API   := grader/labs/08-http-server/api
FUZZ_LAB   ?= $(firstword $(wildcard solutions/08-http-server) labs/08-http-server)
FUZZ_SRC   := $(FUZZ_API)/fuzz_http_parser.c $(addprefix $(FUZZ_LAB)/,http_parse.c http_chunked.c http_fields.c)
FUZZ_BIN   := $(BUILD)/fuzz/$(subst /,-,$(FUZZ_LAB))/fuzz_http_parser
FUZZ_SEEDS := $(FUZZ_API)/fuzz_seeds
# Can $(FUZZ_CC) link a fuzzer? (clang without libclang-rt-NN-dev cannot.)
FUZZ_PROBE := printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n; }\n' | \
              $(FUZZ_CC) -x c -fsanitize=fuzzer -o /dev/null - >/dev/null 2>&1

LAB_DIRS      := $(patsubst %/Makefile,%,$(wildcard labs/*/Makefile))
SOLUTION_DIRS := $(patsubst %/Makefile,%,$(wildcard solutions/*/Makefile))

.PHONY: all lib grader labs solutions tests selftest check grade bench demo soak docs deps \
        deps-build deps-check deps-docs deps-bench deps-browser clean help handout gradescope classroom fuzz fuzz-bin

all: lib grader labs solutions

help:
	@sed -n '3,20p' Makefile | sed 's/^# \{0,1\}//'

# ---- system packages ---------------------------------------------------------
# Order-only prerequisites: they run every time (a few pkg-config calls) but
# never force a rebuild.
deps: ; @$(DEPS) --install build check docs tools fuzz browser
deps-build: ; @$(DEPS) --install build
deps-check: ; @$(DEPS) --install check
deps-docs:  ; @$(DEPS) --install docs
deps-bench: ; @$(DEPS) --install bench
deps-browser: ; @$(DEPS) --install browser

# ---- libsocklab --------------------------------------------------------------
lib: $(LIBSOCKLAB)

$(BUILD)/common/%.o: common/%.c | deps-build
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -Icommon $(OPENSSL_CFLAGS) -c -o $@ $<

$(LIBSOCKLAB): $(COMMON_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

# ---- grader ------------------------------------------------------------------
grader: $(GRADER) $(BENCH) $(SELFTEST_BIN)

$(BUILD)/grader/%.o: grader/%.c | deps-build
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -Icommon -Igrader $(PKG_CFLAGS) -c -o $@ $<

$(GRADER): $(BUILD)/grader/cli/grade.o $(GRADER_OBJ) $(LIBSOCKLAB)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) -lpthread

# The load generator of `make bench` (grader/cli/bench.c).
$(BENCH): $(BUILD)/grader/cli/bench.o $(GRADER_OBJ) $(LIBSOCKLAB)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) -lpthread

# Small deliberately buggy (and a few correct) servers for the self-tests.
# A program sees the headers of its own folder and grader/tests/programs/.
define selftest_rule
$(BUILD)/selftest/$(basename $(notdir $(1))): $(1) $(wildcard $(dir $(1))*.h grader/tests/programs/*.h) $(LIBSOCKLAB) | deps-build
	@mkdir -p $$(@D)
	@echo "  CC      $(1)"
	$$(Q)$$(CC) $$(WARN) $$(CFLAGS) $$(SANFLAGS) -Icommon $$(OPENSSL_CFLAGS) -I$(dir $(1)) -Igrader/tests/programs -o $$@ $(1) $$(LIBSOCKLAB) $$(OPENSSL_LIBS) -lpthread
endef
$(foreach src,$(SELFTEST_SRC),$(eval $(call selftest_rule,$(src))))

# ---- labs and solutions ------------------------------------------------------
# Each lab directory has its own Makefile (it includes common/lab.mk), so a
# student can also run plain `make` inside it.
labs: $(LIBSOCKLAB)
	$(Q)for d in $(LAB_DIRS); do \
	    $(MAKE) --no-print-directory -C $$d $(LAB_MAKE_FLAGS) || exit 1; done

solutions: $(LIBSOCKLAB)
	$(Q)for d in $(SOLUTION_DIRS); do \
	    $(MAKE) --no-print-directory -C $$d $(LAB_MAKE_FLAGS) || exit 1; done

# ---- tests -------------------------------------------------------------------
$(BUILD)/tests/%.o: %.c | deps-build deps-check
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -Icommon -Igrader -Icommon/tests $(PKG_CFLAGS) $(CUNIT_CFLAGS) -c -o $@ $<

$(BUILD)/tests/test_common: $(TEST_COMMON_SRC:%.c=$(BUILD)/tests/%.o) $(LIBSOCKLAB)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(CUNIT_LIBS) $(OPENSSL_LIBS) -lpthread

$(BUILD)/tests/test_grader: $(TEST_GRADER_SRC:%.c=$(BUILD)/tests/%.o) \
        $(BUILD)/tests/common/tests/cu_run.o $(GRADER_OBJ) $(LIBSOCKLAB)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) $(CUNIT_LIBS) -lpthread

$(BUILD)/tests/test_fuzz: $(FUZZ_API)/test_fuzz.c common/tests/cu_run.c | deps-check
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(WARN) $(CFLAGS) -Icommon/tests $(CUNIT_CFLAGS) -DFUZZ_BIN='"$(CURDIR)/$(FUZZ_BIN)"' \
	    -DFUZZ_SEEDS='"$(CURDIR)/$(FUZZ_SEEDS)"' -o $@ $^ $(CUNIT_LIBS) -lpthread

$(FUZZ_BIN): $(FUZZ_SRC) $(FUZZ_LAB)/http_parse.h
	@mkdir -p $(@D)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -g -O1 \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	    -I$(FUZZ_LAB) -o $@ $(FUZZ_SRC)

# The fuzzer if clang can build one; otherwise a note (test_fuzz then skips).
fuzz-bin:
	@if $(FUZZ_PROBE); then $(MAKE) --no-print-directory $(FUZZ_BIN); \
	else echo "  SKIP    $(FUZZ_BIN): $(FUZZ_CC) cannot link a libFuzzer program (make deps installs clang and libclang-rt-14-dev)"; fi

tests: $(TESTS) fuzz-bin

fuzz:
	@$(DEPS) --install fuzz
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BIN)
	@mkdir -p $(FUZZ_BIN)-corpus
	$(FUZZ_BIN) -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
	    -artifact_prefix=$(dir $(FUZZ_BIN)) $(FUZZ_BIN)-corpus $(FUZZ_SEEDS)

# ---- check -------------------------------------------------------------------
# Every test program ends with a line "NAME: N passed, M failed"; the last
# line of `make check` adds them up.
# Suites three at a time on two cores: they mostly wait on the servers they
# grade (about 45% CPU at two), and the ones that time a server after them.
# 651 s at two jobs, 568 s at three with labs 08 and 09 in. At four (463 s)
# CI twice lost the SIGPIPE hint of lab 06 in one of its three checks: not
# until that is understood. The suites that time a server run two at a time
# (ALONE_JOBS): side by side they took what they take alone (95 s for the
# seven of them, 177 s one after another). The hostile submissions' suite
# (a fork bomb, a memory hog: 14 s) runs last with nothing beside it: beside
# lab 03's steps it made a correct ping client miss its 500 ms timeout.
CHECK_JOBS ?= 3
ALONE_JOBS ?= 2
check: all tests docs
	$(Q)common/scripts/check.sh --jobs $(CHECK_JOBS) --alone-jobs $(ALONE_JOBS) $(TESTS)

# ---- grading -----------------------------------------------------------------
grade: all
	@if [ -z "$(LAB)" ]; then echo "usage: make grade LAB=01 (see bin/grade --help)" >&2; exit 2; fi
	$(Q)$(GRADER) $(LAB) $(GRADE_FLAGS)

# Figures, not a verdict: bounded loopback load on a lab's reference servers
# (the students' own in a hand-out, which has no solutions/). BENCH_FLAGS
# passes options, e.g. BENCH_FLAGS='--clients 500'.
bench: all
	@case "$(LAB)" in \
	    05|5|select|05-select) d=solutions/05-select; [ -d $$d ] || d=labs/05-select; \
	        $(BENCH) --dir $$d $(BENCH_FLAGS) ;; \
	    08|8|http|08-http-server) d=solutions/08-http-server; [ -d $$d ] || d=labs/08-http-server; \
	        $(DEPS) --install bench && common/scripts/bench-http.sh $(BENCH_FLAGS) $$d ;; \
	    10|tls|10-tls) d=solutions/10-tls; [ -d $$d ] || d=labs/10-tls; \
	        common/scripts/bench-tls.sh $(BENCH_FLAGS) $$d ;; \
	    *) echo "usage: make bench LAB=05|08|10 (the labs with a benchmark: 05, 08, 10)" >&2; exit 2 ;; \
	esac

demo: all
	$(Q)common/scripts/demo.sh $(GRADER) $(SOLUTION_DIRS)

# The evidence `make check` cannot give in its time: many runs in a row.
soak: all
	@if [ -z "$(LAB)" ]; then echo "usage: make soak LAB=05 [RUNS=20]" >&2; exit 2; fi
	$(Q)common/scripts/soak.sh $(GRADER) $(LAB) $(RUNS)

# ---- hand-out and classroom platforms (docs/INSTRUCTORS.md) ------------------
handout: ; $(Q)common/scripts/handout.sh
gradescope: ; $(Q)common/scripts/gradescope.sh $(LAB)
classroom: ; $(Q)common/scripts/classroom.sh $(LAB)

# A students' hand-out has no solutions/, which demo and check run over.
ifeq ($(wildcard solutions/*/Makefile),)
ifneq ($(filter demo check soak,$(MAKECMDGOALS)),)
$(error this is the students' copy of socklab, without solutions/: `make demo` and \
`make check` need the full kit. Here, build with `make` and grade your work with `make grade LAB=01`)
endif
endif

# ---- docs --------------------------------------------------------------------
docs: | deps-docs
	@mkdir -p $(BUILD)
	@echo "  DOXYGEN docs/Doxyfile"
	$(Q)doxygen docs/Doxyfile >$(BUILD)/doxygen.log 2>&1 || { cat $(BUILD)/doxygen.log; exit 1; }
	@echo "  API docs and guides: docs/api/html/index.html"

# ---- clean -------------------------------------------------------------------
clean:
	$(Q)for d in $(LAB_DIRS) $(SOLUTION_DIRS); do \
	    $(MAKE) --no-print-directory -C $$d SOCKLAB=$(CURDIR) clean || exit 1; done
	rm -rf $(BUILD) $(BIN) docs/api

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
