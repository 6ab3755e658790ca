# lab.mk - the build rules shared by every lab and solution directory.
#
# A lab's Makefile sets PROGRAMS (one program per .c file of the same name)
# and includes this file:
#
#     PROGRAMS := echo_server echo_client
#     SOCKLAB ?= ../..
#     include $(SOCKLAB)/common/lab.mk
#
# A lab whose programs share modules of its own (lab 07's framework) lists
# their sources in LAB_SOURCES and their headers in LAB_HEADERS: each
# program is linked with them.
#
# A lab with tests of its own modules (lab 07's framework) names the test
# program in TEST_PROGRAM and its CUnit sources in TEST_SOURCE: `make test`
# builds it against LAB_SOURCES (or TEST_LAB_SOURCES and TEST_LAB_HEADERS,
# when the tests need only some of them: lab 08's parser tests, which do
# not need lab 07's framework), with the kit's CUnit runner,
# and runs it; `make TEST_PROGRAM` only builds it (the grader does, with its
# sanitizers).
#
# SOCKLAB is the top of the socklab tree. Run from anywhere else (a copy of the
# lab directory, a grading sandbox), pass it: make SOCKLAB=/path/to/socklab.
# EXTRA_CFLAGS and EXTRA_LDFLAGS add flags, e.g. sanitizers. V=1 shows the
# compiler's command lines; otherwise each program gets one line that says
# which copy of the lab it is built from.

CC       ?= cc
CFLAGS   ?= -O1 -g
WARN     := -std=gnu11 -Wall -Wextra -Werror
CPPFLAGS += -I$(SOCKLAB)/common
LIBSOCKLAB := $(SOCKLAB)/build/libsocklab.a

ifeq ($(V),1)
Q :=
else
Q := @
endif
# labs/NN-name is the student's copy, solutions/NN-name the reference one.
LAB_HOME  := $(notdir $(patsubst %/,%,$(dir $(CURDIR))))
LAB_COPY  := $(if $(filter labs,$(LAB_HOME)),your lab,$(if $(filter solutions,$(LAB_HOME)),the reference solution))
LAB_SHOWN  = $(if $(LAB_COPY),$(notdir $(CURDIR))/$@ ($(LAB_COPY)),$@)

.PHONY: all clean socklab-lib test

all: $(PROGRAMS)

# Rebuild the library if its sources changed; relinks only when it did.
$(LIBSOCKLAB): socklab-lib
socklab-lib:
	@$(MAKE) --no-print-directory -C $(SOCKLAB) lib

%: %.c $(LAB_SOURCES) $(LAB_HEADERS) $(LIBSOCKLAB)
	@echo "  CC      $(LAB_SHOWN)"
	$(Q)$(CC) $(WARN) $(CFLAGS) $(EXTRA_CFLAGS) $(CPPFLAGS) -o $@ $< $(LAB_SOURCES) $(LIBSOCKLAB) $(EXTRA_LDFLAGS) $(LDLIBS)

ifneq ($(TEST_PROGRAM),)
CUNIT_CFLAGS = $(shell pkg-config --cflags cunit)
CUNIT_LIBS   = $(shell pkg-config --libs cunit)
CU_RUN := $(SOCKLAB)/common/tests/cu_run.c
TEST_LAB_SOURCES ?= $(LAB_SOURCES)
TEST_LAB_HEADERS ?= $(LAB_HEADERS)

test: $(TEST_PROGRAM)
	./$(TEST_PROGRAM)

$(TEST_PROGRAM): $(TEST_SOURCE) $(CU_RUN) $(TEST_LAB_SOURCES) $(TEST_LAB_HEADERS) $(LIBSOCKLAB)
	@echo "  CC      $(LAB_SHOWN)"
	$(Q)$(CC) $(WARN) $(CFLAGS) $(EXTRA_CFLAGS) $(CPPFLAGS) -I. -I$(SOCKLAB)/common/tests $(CUNIT_CFLAGS) -o $@ $(TEST_SOURCE) $(CU_RUN) $(TEST_LAB_SOURCES) $(LIBSOCKLAB) $(EXTRA_LDFLAGS) $(CUNIT_LIBS) $(LDLIBS)
else
test:
	@echo "this lab has no tests of its own: grade it with bin/grade"
endif

clean:
	rm -f $(PROGRAMS) $(TEST_PROGRAM)
