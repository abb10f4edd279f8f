# SPDX-License-Identifier: GPL-2.0-only
#
# make               the tool and the module for the running kernel if its
#                    headers are installed, else for every installed kernel
# make KVER=R        the module for kernel release R only
# make modules KVER=R KDIR=D   the module for release R, built against the
#                    kernel build tree D (such as the debug kernel's)
# make W=1 C=1       extra warnings and sparse, passed to Kbuild
# make check         install what is missing, build, run the tests: every
#                    test on 6.12, a subset on 6.1 and on the debug kernel
#                    (tools/check.sh says which); about 55 minutes
# make check-long    every test at full size on every kernel, the fuzzers
#                    for 10 minutes each: before every release, hours
# make demo          install what is missing, build, run the demo in a VM
# make bench         the performance comparison (tools/bench/run)
# make fuzz          ipsecctl's libFuzzer harnesses, 10 minutes each
#                    (tools/fuzz/run; make check runs them 30 s each)

BUILD := $(CURDIR)/build
# No built-in rules: the one for %.c from %.y would write ike/NAME.c over
# a source file beside ike/NAME.y.
MAKEFLAGS += -r
.SUFFIXES:
HOSTREL := $(shell uname -r)
ifeq ($(KVER),)
  ifneq ($(wildcard /lib/modules/$(HOSTREL)/build),)
    KVERS := $(HOSTREL)
  else
    KVERS := $(notdir $(patsubst %/build,%,$(wildcard /lib/modules/*/build)))
  endif
else
  KVERS := $(KVER)
endif

CFLAGS ?= -O2 -g
TOOL_CFLAGS := -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wstrict-prototypes \
	-Wmissing-prototypes -D_GNU_SOURCE -I$(CURDIR)/uapi \
	$(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null)
TOOL_LIBS := $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null) -lcrypto -ljansson
# The IKE daemon: tools/ipsecctl/ike/, its configuration grammar through bison.
IKE_GEN := $(BUILD)/ike-gen
IKE_Y := $(wildcard tools/ipsecctl/ike/*.y)
IKE_Y_C := $(patsubst tools/ipsecctl/ike/%.y,$(IKE_GEN)/%.tab.c,$(IKE_Y))
TOOL_SRCS := $(wildcard tools/ipsecctl/*.c) $(wildcard tools/ipsecctl/ike/*.c)
TOOL_HDRS := $(wildcard tools/ipsecctl/*.h) $(wildcard tools/ipsecctl/ike/*.h) uapi/linux/nfesp.h

.PHONY: all modules tool check check-long demo deps clean selftests bench fuzz
all: tool modules

tool: $(BUILD)/ipsecctl

$(BUILD)/ipsecctl: $(TOOL_SRCS) $(TOOL_HDRS) $(IKE_Y_C)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) $(TOOL_CFLAGS) -I$(IKE_GEN) -Itools/ipsecctl/ike -o $@ \
		$(TOOL_SRCS) $(IKE_Y_C) $(TOOL_LIBS)

$(IKE_GEN)/%.tab.c: tools/ipsecctl/ike/%.y
	@mkdir -p $(IKE_GEN)
	bison -Wall -Werror -d -o $@ $<

# Each kernel builds in its own tree of links under build/R/src, so that
# objects for different kernels never mix and kmod/ stays clean.
modules:
	@test -n "$(KVERS)" || { echo "no kernel headers in /lib/modules/*/build; run tools/deps.sh" >&2; exit 1; }
	@test -z "$(KDIR)" -o -n "$(KVER)" || { echo "KDIR needs KVER" >&2; exit 1; }
	@set -e; for r in $(KVERS); do \
		kdir=$(if $(KDIR),$(KDIR),/lib/modules/$$r/build); \
		test -d $$kdir || { echo "no headers for $$r" >&2; exit 1; }; \
		mkdir -p $(BUILD)/$$r/src; \
		cp -asf $(CURDIR)/Kbuild $(CURDIR)/kmod $(CURDIR)/uapi $(BUILD)/$$r/src/; \
		$(MAKE) -C $$kdir M=$(BUILD)/$$r/src W=$(W) C=$(C) modules; \
		cp $(BUILD)/$$r/src/nfesp.ko $(BUILD)/$$r/nfesp.ko; \
		echo "  MODULE  build/$$r/nfesp.ko"; \
	done

deps:
	@tools/deps.sh

# check.sh installs what is missing itself, so that a failure there still
# ends in its summary line.
check:
	@tools/check.sh

check-long:
	@tools/check.sh --long

demo: deps
	@$(MAKE) -s --no-print-directory all
	@tools/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@tools/bench/run

fuzz: deps
	@tools/fuzz/run

clean:
	rm -rf $(BUILD)
