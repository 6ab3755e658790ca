# lab.mk - the build rules shared by every lab and solution directory.
#
# A lab's Makefile sets PROGRAMS (one program per .c file of the same name)
# and includes this file:
#
#     PROGRAMS := echo_server echo_client
#     SOCKLAB ?= ../..
#     include $(SOCKLAB)/common/lab.mk
#
# SOCKLAB is the top of the socklab tree. Run from anywhere else (a copy of the
# lab directory, a grading sandbox), pass it: make SOCKLAB=/path/to/socklab.
# EXTRA_CFLAGS and EXTRA_LDFLAGS add flags, e.g. sanitizers.

CC       ?= cc
CFLAGS   ?= -O1 -g
WARN     := -std=gnu11 -Wall -Wextra -Werror
CPPFLAGS += -I$(SOCKLAB)/common
LIBSOCKLAB := $(SOCKLAB)/build/libsocklab.a

.PHONY: all clean socklab-lib

all: $(PROGRAMS)

# Rebuild the library if its sources changed; relinks only when it did.
$(LIBSOCKLAB): socklab-lib
socklab-lib:
	@$(MAKE) --no-print-directory -C $(SOCKLAB) lib

%: %.c $(LIBSOCKLAB)
	$(CC) $(WARN) $(CFLAGS) $(EXTRA_CFLAGS) $(CPPFLAGS) -o $@ $< $(LIBSOCKLAB) $(EXTRA_LDFLAGS) $(LDLIBS)

clean:
	rm -f $(PROGRAMS)
