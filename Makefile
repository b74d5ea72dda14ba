# SPDX-License-Identifier: GPL-2.0-or-later
# vfsaudit build, in the libbpf-bootstrap shape: every output under $(OUTPUT),
# %.bpf.o -> %.skel.h, vmlinux.h generated from the running kernel's BTF.
#
#   make              build build/vfsaudit
#   make test         unit tests, then (as root) the end-to-end suite
#   make unit         unit tests only (no root)
#   make sanitize     unit tests under AddressSanitizer + UBSan
#   make tsan         the threaded modules' unit tests under ThreadSanitizer
#   make fuzz         libFuzzer targets (clang), a short run of each
#   make V=1          show the commands
#   VMLINUX_BTF=...   generate vmlinux.h from another BTF file

OUTPUT ?= build
CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

WARNINGS := -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes -Wshadow \
	    -Wformat=2 -Wno-unused-parameter
CFLAGS ?= -O2 -g
ALL_CFLAGS := $(CFLAGS) $(WARNINGS) -std=gnu11 -D_GNU_SOURCE -Isrc -Isrc/lib -I$(OUTPUT)
LIBS := -lbpf -lelf -lz -ljson-c -lsqlite3 -linih -lnettle -lpthread
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -I$(OUTPUT) -Isrc

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

LIB_SRCS := $(wildcard src/lib/*.c)
LIB_OBJS := $(patsubst src/lib/%.c,$(OUTPUT)/lib/%.o,$(LIB_SRCS))
CMD_SRCS := $(wildcard src/cmd/*.c)
CMD_OBJS := $(patsubst src/cmd/%.c,$(OUTPUT)/cmd/%.o,$(CMD_SRCS))
BPF_SRCS := $(wildcard src/bpf/*.bpf.c)
BPF_SKELS := $(patsubst src/bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all test unit e2e vm vm-systemd sanitize tsan fuzz clean format bench install valgrind FORCE

all: $(OUTPUT)/vfsaudit

$(OUTPUT) $(OUTPUT)/lib $(OUTPUT)/cmd $(OUTPUT)/tests:
	$(Q)mkdir -p $@

# The commit the binary is built from, for `vfsaudit --version`: the header is
# rewritten only when it changes, so that an unchanged tree rebuilds nothing.
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
$(OUTPUT)/version.h: FORCE | $(OUTPUT)
	$(Q)echo '#define VA_VERSION "$(VERSION)"' | cmp -s - $@ || \
		echo '#define VA_VERSION "$(VERSION)"' >$@
$(OUTPUT)/cmd/main.o: $(OUTPUT)/version.h
FORCE:

$(OUTPUT)/vmlinux.h: | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

$(OUTPUT)/%.bpf.o: src/bpf/%.bpf.c $(wildcard src/*.h src/bpf/*.h) $(OUTPUT)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(OUTPUT)/lib/%.o: src/lib/%.c $(wildcard src/*.h src/lib/*.h) $(BPF_SKELS) | $(OUTPUT)/lib
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(OUTPUT)/cmd/%.o: src/cmd/%.c $(wildcard src/*.h src/lib/*.h src/cmd/*.h) | $(OUTPUT)/cmd
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(OUTPUT)/libvfsaudit.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(OUTPUT)/vfsaudit: $(CMD_OBJS) $(OUTPUT)/libvfsaudit.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $^ $(LIBS) -o $@

$(OUTPUT)/tests/%: tests/unit/%.c $(OUTPUT)/libvfsaudit.a | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $< $(OUTPUT)/libvfsaudit.a $(LIBS) -lcmocka -o $@

$(OUTPUT)/tests/e2e: tests/e2e/*.c tests/e2e/*.h | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/e2e $(filter %.c,$^) -ljson-c -o $@

unit: $(UNIT_BINS)
	$(Q)tests/run-unit $(UNIT_BINS)

e2e: $(OUTPUT)/vfsaudit $(OUTPUT)/tests/e2e
	$(Q)$(OUTPUT)/tests/e2e --binary $(OUTPUT)/vfsaudit

vm: $(OUTPUT)/vfsaudit
	$(Q)tests/vm/run $(OUTPUT)/vfsaudit

# dist/vfsaudit.service under systemd as PID 1 in a Debian 12 guest (root;
# builds a root file system once, then about 70 s a run). Also run by test.
vm-systemd: $(OUTPUT)/vfsaudit
	$(Q)tests/vm/systemd-check $(OUTPUT)/vfsaudit

# The README's test command: unit tests, the end-to-end suite, vm, vm-systemd. All
# print their counts; tests/run-all adds them into the one final line.
test: $(OUTPUT)/vfsaudit $(UNIT_BINS) $(OUTPUT)/tests/e2e
	$(Q)tests/run-all $(OUTPUT)

sanitize:
	$(MAKE) OUTPUT=build-san CC=clang CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" unit

# The store writer, its backlog's spill thread and the sinks' threads. Left
# out: test_jsonlog_faults, which interposes calls ThreadSanitizer intercepts.
TSAN_TESTS := $(addprefix build-tsan/tests/,test_backlog test_backlog_drop test_writer test_sinks)
tsan:
	$(MAKE) OUTPUT=build-tsan CC=clang CFLAGS="-O1 -g -fsanitize=thread -fno-omit-frame-pointer" $(TSAN_TESTS)
	$(Q)tests/run-unit $(TSAN_TESTS)

fuzz:
	$(Q)tests/fuzz/run $(OUTPUT)

bench: $(OUTPUT)/vfsaudit
	$(Q)bench/run $(OUTPUT)/vfsaudit

# vfsaudit against auditd, fatrace and inotifywait (root; sudo bench/setup
# first). Options through COMPARE, e.g. make bench-compare COMPARE=--quick
.PHONY: bench-compare
# A copy is measured: a rebuild during the run must not change the binary.
bench-compare: $(OUTPUT)/vfsaudit
	$(Q)cp $(OUTPUT)/vfsaudit $(OUTPUT)/vfsaudit-bench
	$(Q)bench/compare --bin $(OUTPUT)/vfsaudit-bench $(COMPARE)

PREFIX ?= /usr/local
install: $(OUTPUT)/vfsaudit
	install -D -m 0755 $(OUTPUT)/vfsaudit $(DESTDIR)$(PREFIX)/sbin/vfsaudit
	install -D -m 0644 dist/vfsaudit.service $(DESTDIR)/etc/systemd/system/vfsaudit.service
	[ -e $(DESTDIR)/etc/vfsaudit/vfsaudit.conf ] || \
		install -D -m 0644 dist/vfsaudit.conf $(DESTDIR)/etc/vfsaudit/vfsaudit.conf

valgrind: $(OUTPUT)/vfsaudit
	$(Q)tests/valgrind/run $(OUTPUT)/vfsaudit

format:
	clang-format -i $(wildcard src/*.h src/lib/*.[ch] src/cmd/*.[ch] src/bpf/*.[ch] tests/*/*.[ch])

clean:
	rm -rf build build-san build-tsan build-fuzz
