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
# make install       ipsecctl, its man pages, the UAPI header, the systemd
#                    units and examples, under DESTDIR and PREFIX (/usr/local)
# make uninstall     removes what make install put there (not /etc/nfesp's files)
# make modules_install   build/KVER/nfesp.ko to /lib/modules/KVER/updates
#                    (INSTALL_MOD_PATH or DESTDIR first), then depmod
# make dkms-install  the module's source to /usr/src/nfesp-VERSION, then
#                    dkms add, build and install (only the copy with DESTDIR);
#                    make dkms-uninstall undoes it

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

# One version for the tool, the module and DKMS: the file VERSION, or if it
# is missing, what git says.
VERSION := $(shell cat $(CURDIR)/VERSION 2>/dev/null || git describe --tags --always 2>/dev/null)

CFLAGS ?= -O2 -g
TOOL_CFLAGS := -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wstrict-prototypes \
	-Wmissing-prototypes -D_GNU_SOURCE -I$(CURDIR)/uapi \
	-DIPSECCTL_VERSION='"$(VERSION)"' \
	$(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null)
TOOL_LIBS := $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null) -lcrypto -ljansson
# The IKE daemon: tools/ipsecctl/ike/, its configuration grammar through bison.
IKE_GEN := $(BUILD)/ike-gen
IKE_Y := $(wildcard tools/ipsecctl/ike/*.y)
IKE_Y_C := $(patsubst tools/ipsecctl/ike/%.y,$(IKE_GEN)/%.tab.c,$(IKE_Y))
TOOL_SRCS := $(wildcard tools/ipsecctl/*.c) $(wildcard tools/ipsecctl/ike/*.c)
TOOL_HDRS := $(wildcard tools/ipsecctl/*.h) $(wildcard tools/ipsecctl/ike/*.h) uapi/linux/nfesp.h

.PHONY: all modules tool check check-long demo deps clean selftests bench fuzz \
	install uninstall modules_install dkms-install dkms-uninstall
all: tool modules

tool: $(BUILD)/ipsecctl

$(BUILD)/ipsecctl: $(TOOL_SRCS) $(TOOL_HDRS) $(IKE_Y_C) VERSION
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
		cp -asf $(CURDIR)/Kbuild $(CURDIR)/VERSION $(CURDIR)/kmod $(CURDIR)/uapi $(BUILD)/$$r/src/; \
		$(MAKE) -C $$kdir M=$(BUILD)/$$r/src W=$(W) C=$(C) modules; \
		cp $(BUILD)/$$r/src/nfesp.ko $(BUILD)/$$r/nfesp.ko; \
		echo "  MODULE  build/$$r/nfesp.ko"; \
	done

# ---- Installing ----
# make install DESTDIR=D PREFIX=P; every directory below may be overridden.
# systemd, systemd-modules-load and systemd-sysctl also read
# /usr/local/lib/..., so the default PREFIX works as it is.
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
INCLUDEDIR ?= $(PREFIX)/include
DOCDIR ?= $(DATADIR)/doc/nfesp
COMPLETIONDIR ?= $(DATADIR)/bash-completion/completions
SYSCONFDIR ?= /etc
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
MODULESLOADDIR ?= $(PREFIX)/lib/modules-load.d
SYSCTLDIR ?= $(PREFIX)/lib/sysctl.d
UNITS := nfesp.service nfesp@.service nfesp-iked.service nfesp-iked@.service
EXAMPLES := nfesp.conf ike.conf
# Written by another part of the tree; installed when it is there.
COMPLETION := $(wildcard tools/completion/ipsecctl)
# Every file make install writes, for make uninstall.
INSTALLED := $(SBINDIR)/ipsecctl $(MANDIR)/man8/ipsecctl.8 \
	$(MANDIR)/man5/ipsecctl.conf.5 $(INCLUDEDIR)/linux/nfesp.h \
	$(addprefix $(SYSTEMDUNITDIR)/,$(UNITS)) $(MODULESLOADDIR)/nfesp.conf \
	$(SYSCTLDIR)/60-nfesp.conf $(DOCDIR)/README.md \
	$(addprefix $(DOCDIR)/examples/,$(EXAMPLES)) $(COMPLETIONDIR)/ipsecctl

install: tool
	install -D -m 0755 $(BUILD)/ipsecctl $(DESTDIR)$(SBINDIR)/ipsecctl
	install -D -m 0644 tools/ipsecctl/ipsecctl.8 $(DESTDIR)$(MANDIR)/man8/ipsecctl.8
	install -D -m 0644 tools/ipsecctl/ipsecctl.conf.5 $(DESTDIR)$(MANDIR)/man5/ipsecctl.conf.5
	install -D -m 0644 uapi/linux/nfesp.h $(DESTDIR)$(INCLUDEDIR)/linux/nfesp.h
	@# The units with this installation's paths (written in place: a root
	@# make install leaves no root-owned file in build/).
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	@set -e; for u in $(UNITS); do \
		echo "sed tools/systemd/$$u > $(DESTDIR)$(SYSTEMDUNITDIR)/$$u"; \
		sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
			tools/systemd/$$u >$(DESTDIR)$(SYSTEMDUNITDIR)/$$u; \
		chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$u; \
	done
	install -D -m 0644 tools/systemd/modules-load.conf $(DESTDIR)$(MODULESLOADDIR)/nfesp.conf
	install -D -m 0644 tools/systemd/sysctl.conf $(DESTDIR)$(SYSCTLDIR)/60-nfesp.conf
	install -D -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -D -m 0644 -t $(DESTDIR)$(DOCDIR)/examples $(addprefix tools/examples/,$(EXAMPLES))
	$(if $(COMPLETION),install -D -m 0644 $(COMPLETION) $(DESTDIR)$(COMPLETIONDIR)/ipsecctl)
	@# Configuration and keys: made if missing, never overwritten.
	test -d $(DESTDIR)$(SYSCONFDIR)/nfesp || install -d -m 0700 $(DESTDIR)$(SYSCONFDIR)/nfesp

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null
	@# What the operator wrote in $(SYSCONFDIR)/nfesp stays.
	-rmdir $(DESTDIR)$(SYSCONFDIR)/nfesp 2>/dev/null

# The module in updates/, which depmod prefers to the kernel's own
# directories. depmod runs unless DESTDIR is set (a package's staging tree).
MOD_ROOT := $(or $(INSTALL_MOD_PATH),$(DESTDIR))
modules_install:
	@test -n "$(KVERS)" || { echo "no kernel headers in /lib/modules/*/build; run tools/deps.sh" >&2; exit 1; }
	@set -e; for r in $(KVERS); do \
		test -f $(BUILD)/$$r/nfesp.ko || { echo "no build/$$r/nfesp.ko: make modules KVER=$$r first" >&2; exit 1; }; \
		install -D -m 0644 $(BUILD)/$$r/nfesp.ko $(MOD_ROOT)/lib/modules/$$r/updates/nfesp.ko; \
		echo "  INSTALL $(MOD_ROOT)/lib/modules/$$r/updates/nfesp.ko"; \
		if [ -z "$(DESTDIR)" ]; then \
			depmod -a $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $$r; \
		fi; \
	done

# DKMS rebuilds the module for every kernel installed later (dkms.conf).
# Only what the module's build needs goes to /usr/src/nfesp-VERSION.
DKMS_SRC := /usr/src/nfesp-$(VERSION)
dkms-install:
	@test -n "$(VERSION)" || { echo "no VERSION file and no git: the version is unknown" >&2; exit 1; }
	@# The same version again replaces the first: its module and its source.
	@if [ -z "$(DESTDIR)" ] && dkms status nfesp/$(VERSION) | grep -q .; then \
		echo "dkms remove nfesp/$(VERSION) --all"; dkms remove nfesp/$(VERSION) --all; \
	fi
	rm -rf $(DESTDIR)$(DKMS_SRC)
	install -d $(DESTDIR)$(DKMS_SRC)/kmod $(DESTDIR)$(DKMS_SRC)/uapi/linux
	install -m 0644 Makefile Kbuild VERSION $(DESTDIR)$(DKMS_SRC)/
	sed 's/^PACKAGE_VERSION=.*/PACKAGE_VERSION="$(VERSION)"/' dkms.conf >$(DESTDIR)$(DKMS_SRC)/dkms.conf
	install -m 0644 kmod/*.c kmod/*.h $(DESTDIR)$(DKMS_SRC)/kmod/
	install -m 0644 uapi/linux/nfesp.h $(DESTDIR)$(DKMS_SRC)/uapi/linux/
	@set -e; if [ -z "$(DESTDIR)" ]; then \
		dkms add nfesp/$(VERSION); \
		dkms build nfesp/$(VERSION); \
		dkms install nfesp/$(VERSION); \
	fi

dkms-uninstall:
	-$(if $(DESTDIR),true,dkms remove nfesp/$(VERSION) --all)
	rm -rf $(DESTDIR)$(DKMS_SRC)

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
