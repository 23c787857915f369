# SPDX-License-Identifier: GPL-2.0
# rklp: live patching core for Linux 6.12 and 7.3, in Rust.
#
#   Every target takes KERNEL=6.12 (default), KERNEL=7.3 or KERNEL=debian-7.3.
#   make demo     install deps, build kernel + modules, show a live patch in QEMU
#   make check    same set-up, then run the selftests in QEMU
#   make check-debug  the selftests on the debug kernel (lockdep, KASAN, ...)
#   make check-sign  module signatures enforced: signed rklp.ko and patch
#                 loaded, an unsigned one refused (configs/rklp-sig.config)
#   make check-kdir  make KDIR=, make install and DKMS, as a user runs them
#   make check-nodirect  rklp built as for a kernel without ftrace direct
#                 calls (RKLP_NO_DIRECT_CALLS=1): a few suites in QEMU, and
#                 test-direct.sh checks that nothing settles
#   make check-all  what CI runs: unit, model, the suite on the 6.12 test and
#                 debug kernels, the 7.3 test kernel and Debian's stock 7.3
#                 kernel, the signing test and the short torture run, the
#                 QEMU guests in parallel shards (scripts/check-all.sh)
#   make bench    same set-up, then benchmark rklp against upstream livepatch
#                 (tools/bench; CSV in build/bench, plots and
#                 Documentation/benchmarks.rst redrawn by tools/bench/plot.sh)
#   make bench-quick  the same with N <= 100 and fewer rounds (build/bench-quick)
#   make bench-kernels  bench-quick on 6.12, 7.3 and Debian's 7.3, one table
#                 (Documentation/benchmarks-kernels.rst), with each kernel's
#                 mitigations
#   make modules  build rklp.ko, the sample and the test modules
#   make kernel   build (or reuse) the cached test kernel
#   make model    model-check the transition protocol with spin (host only)
#   make model-full  the same and the checks too big for CI (see tools/model/README.md)
#   make unit     host unit and property tests of the pure modules (seconds,
#                 no kernel; tools/unit, cargo test) and of the rklp tool
#   make tools    build the rklp command-line tool (tools/rklp-cli, static)
#   make install  install it as $(DESTDIR)$(PREFIX)/sbin/rklp (PREFIX=/usr/local),
#                 with rklp.service, the man page and bash completion
#   make man      the man page rklp(8) from Documentation/rklp.8.rst (build/rklp.8)
#
# The kernel build is cached in $(RKLP_CACHE) (default /var/cache/rklp).

RKLP_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
export RKLP_DIR
# The kernel: 6.12 (bookworm's linux-source-6.12, rebuilt with the test
# config), 7.3 (trixie-backports' linux-source-7.3, the same config), or
# debian-7.3 (Debian's own 7.3 kernel, unmodified: modules built against
# its headers plus the Rust artifacts it lacks, in a trixie chroot with
# Debian's toolchain). scripts/env.sh has the details.
KERNEL ?= 6.12
export RKLP_KERNEL := $(KERNEL)
RKLP_CACHE ?= /var/cache/rklp
export RKLP_CACHE
BUILD := $(RKLP_DIR)/build

.PHONY: all deps kernel modules demo check check-debug check-sign check-kdir check-nodirect check-all tools install man sign bench bench-quick bench-kernels bench-plot fuzz torture model model-full clean fmt fmt-check unit

ifdef KDIR
# Any prepared kernel build directory with Rust support (a built tree, or a
# distribution's headers plus the Rust artifacts they lack): rklp.ko and the
# sample only; Kbuild names a missing kernel option. `make install KDIR=..`
# puts them in /lib/modules/<release>/updates (the rklp tool, its unit and
# man page: `make install` without KDIR).
all modules:
	$(MAKE) -C $(KDIR) M=$(RKLP_DIR) RKLP_CORE_ONLY=1 modules

install:
	$(MAKE) -C $(KDIR) M=$(RKLP_DIR) RKLP_CORE_ONLY=1 INSTALL_MOD_DIR=updates modules_install

# Sign rklp.ko and the sample (or MODULES="a.ko b.ko", e.g. patch modules)
# with the kernel's sign-file, for kernels that enforce signatures
# (module.sig_enforce=1, lockdown): SIGN_KEY (PEM private key, or a PKCS#11
# URI) and SIGN_CERT (its X.509 certificate, which the kernel must trust).
SIGN_HASH ?= sha256
sign:
	@[ -n "$(SIGN_KEY)" ] && [ -n "$(SIGN_CERT)" ] || { echo "rklp: make sign KDIR=... SIGN_KEY=key.pem SIGN_CERT=cert.pem [MODULES=...]"; exit 2; }
	@[ -x $(KDIR)/scripts/sign-file ] || { echo "rklp: no $(KDIR)/scripts/sign-file (a kernel with CONFIG_MODULE_SIG builds it)"; exit 2; }
	@for m in $(or $(MODULES),rklp.ko samples/rklp_sample.ko); do \
		$(KDIR)/scripts/sign-file $(SIGN_HASH) $(SIGN_KEY) $(SIGN_CERT) $$m || exit 1; \
		echo "rklp: signed $$m"; \
	done
else
all: modules tools
endif

deps:
	@$(RKLP_DIR)/scripts/install-deps.sh

kernel: deps
	@$(RKLP_DIR)/scripts/build-kernel.sh

ifndef KDIR
modules: kernel
	@$(RKLP_DIR)/scripts/build-modules.sh
endif

# The rklp command-line tool (tools/rklp-cli; Documentation/rklp-tool.rst):
# cargo build --release --locked, statically linked, in build/rklp-cli.
# The guest runs it as /bin/rklp (scripts/run-guest.sh).
tools:
	@CARGO=$(CARGO) $(RKLP_DIR)/scripts/build-tools.sh

# The man page, with Debian's rst2man (python3-docutils, make deps), not
# another one on the PATH.
RST2MAN ?= /usr/bin/rst2man
man: $(BUILD)/rklp.8
$(BUILD)/rklp.8: $(RKLP_DIR)/Documentation/rklp.8.rst
	@[ -x $(RST2MAN) ] || { echo "rklp: no $(RST2MAN) (apt-get install python3-docutils, or make deps)" >&2; exit 1; }
	@mkdir -p $(BUILD)
	$(RST2MAN) --strict $< $@.tmp && mv $@.tmp $@

# install: the tool, rklp.service (boot: rklp load --all), the man page
# and bash completion (generated by the tool: clap_complete). The unit
# goes to $(PREFIX)/lib/systemd/system (/usr/local/lib/systemd/system, in
# systemd's search path for units the administrator installs), next to
# the binary under the same PREFIX, leaving /etc/systemd/system to the
# administrator's own units and overrides; its ExecStart names
# $(PREFIX)/sbin/rklp. 'systemctl daemon-reload; systemctl enable
# rklp.service' turns it on.
PREFIX ?= /usr/local
SYSTEMD_UNITDIR ?= $(PREFIX)/lib/systemd/system
ifndef KDIR
install: tools man
	install -D -m 0755 $$($(RKLP_DIR)/scripts/build-tools.sh --print-bin) $(DESTDIR)$(PREFIX)/sbin/rklp
	install -d $(DESTDIR)$(SYSTEMD_UNITDIR)
	sed 's|^ExecStart=/usr/local/sbin/rklp |ExecStart=$(PREFIX)/sbin/rklp |' $(RKLP_DIR)/tools/rklp-cli/rklp.service >$(DESTDIR)$(SYSTEMD_UNITDIR)/rklp.service
	chmod 0644 $(DESTDIR)$(SYSTEMD_UNITDIR)/rklp.service
	install -D -m 0644 $(BUILD)/rklp.8 $(DESTDIR)$(PREFIX)/share/man/man8/rklp.8
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	$$($(RKLP_DIR)/scripts/build-tools.sh --print-bin) completions bash >$(DESTDIR)$(PREFIX)/share/bash-completion/completions/rklp
endif

demo: modules tools
	@$(RKLP_DIR)/scripts/run-guest.sh demo

# The selftests need rklp.ko's test-only hooks (fault injection; Kbuild):
# a test build. Every other target builds the production rklp.ko.
check: export RKLP_TEST_HOOKS = 1
check: modules tools
	@$(RKLP_DIR)/scripts/run-guest.sh check

# The same suite on a kernel with lockdep, KASAN, UBSAN, kmemleak, debug
# objects, hung-task and lockup detectors (configs/rklp-debug.config).
check-debug: deps tools
	@RKLP_FLAVOUR=debug $(RKLP_DIR)/scripts/build-kernel.sh
	@RKLP_FLAVOUR=debug RKLP_TEST_HOOKS=1 $(RKLP_DIR)/scripts/build-modules.sh
	@RKLP_FLAVOUR=debug $(RKLP_DIR)/scripts/run-guest.sh check

# Module signatures enforced (configs/rklp-sig.config: a test kernel that
# trusts the key its build made): rklp.ko and the sample signed with
# `make sign`, the guest booted with module.sig_enforce=1, test-signing.sh.
check-sign: deps tools
	@RKLP_FLAVOUR=sig $(RKLP_DIR)/scripts/build-kernel.sh
	@RKLP_FLAVOUR=sig RKLP_TEST_HOOKS=1 $(RKLP_DIR)/scripts/build-modules.sh
	@$(RKLP_DIR)/scripts/sign-modules.sh
	@RKLP_FLAVOUR=sig RKLP_TESTS=test-signing.sh RKLP_APPEND="module.sig_enforce=1 $(RKLP_APPEND)" $(RKLP_DIR)/scripts/run-guest.sh check

# Out-of-tree builds as a user makes them: make KDIR=.. and make install
# against the 7.3 test kernel's build directory, and the errors (or, for
# direct calls, the warning) of kernels lacking an option rklp needs, made
# from copies of it (scripts/test-kdir.sh); and
# DKMS against Debian's 7.3 headers plus the Rust artifacts, in the trixie
# chroot (scripts/test-dkms.sh).
check-kdir: deps
	@$(RKLP_DIR)/scripts/test-kdir.sh
	@$(RKLP_DIR)/scripts/test-dkms.sh

# rklp as built for a kernel without ftrace direct calls (x86 always has
# them; rust/compat.mk), in a tree of its own (build/nodirect-*): it must
# patch as usual on its handler and never settle. The core suites, and
# test-direct.sh, which checks that and skips its settling cases
# (RKLP_TESTS=... runs others).
NODIRECT_TESTS := test-livepatch.sh,test-callbacks.sh,test-replace.sh,test-direct.sh
check-nodirect: export RKLP_TEST_HOOKS = 1
check-nodirect: export RKLP_NO_DIRECT_CALLS = 1
check-nodirect: kernel tools
	@$(RKLP_DIR)/scripts/build-modules.sh
	@RKLP_TESTS=$(or $(RKLP_TESTS),$(NODIRECT_TESTS)) $(RKLP_DIR)/scripts/run-guest.sh check

# Everything CI checks, in parallel guests (scripts/check-all.sh): builds
# what is missing, then runs the shards; ends with "N passed, N failed".
check-all: deps
	@$(RKLP_DIR)/scripts/check-all.sh

# Generated bad input (fuzz) and the torture loop, on the debug kernel
# unless RKLP_FLAVOUR=test: SEED=S reproduces a run, SCALE=1 is CI's short
# run (default 10), CYCLES=N torture's cycles, TCG=multi one host thread
# per vCPU (real parallelism; see Documentation/rklp.rst on its int3 artefact).
GEN_FLAVOUR = $(or $(RKLP_FLAVOUR),debug)
fuzz torture: deps tools
	@RKLP_FLAVOUR=$(GEN_FLAVOUR) $(RKLP_DIR)/scripts/build-kernel.sh
	@RKLP_FLAVOUR=$(GEN_FLAVOUR) RKLP_TEST_HOOKS=1 $(RKLP_DIR)/scripts/build-modules.sh
	@RKLP_FLAVOUR=$(GEN_FLAVOUR) RKLP_SEED=$(SEED) RKLP_SCALE=$(SCALE) RKLP_CYCLES=$(CYCLES) \
		RKLP_TCG_THREAD=$(or $(TCG),$(RKLP_TCG_THREAD)) $(RKLP_DIR)/scripts/run-guest.sh $@

# Not part of check: prints ratios of rklp against upstream livepatch.
# The generated N-function modules up to N = 5000 (tools/bench/modules/Kbuild
# builds N <= 100 otherwise).
# The CSV directory of a run on KERNEL (run-guest.sh's tag): build/bench,
# build/bench-7.3, build/bench-quick-debian-7.3, ...
KSUFFIX := $(if $(filter 6.12,$(KERNEL)),,-$(KERNEL))
bench: export RKLP_BENCH_NS = 1 10 100 1000 5000
bench: modules tools
	@$(RKLP_DIR)/scripts/run-guest.sh bench
	@$(RKLP_DIR)/tools/bench/plot.sh $(BUILD)/bench$(KSUFFIX) $(if $(KSUFFIX),$(BUILD)/bench$(KSUFFIX))

bench-quick: modules tools
	@RKLP_BENCH=quick $(RKLP_DIR)/scripts/run-guest.sh bench
	@$(RKLP_DIR)/tools/bench/plot.sh $(BUILD)/bench-quick$(KSUFFIX) $(BUILD)/bench-quick$(KSUFFIX)

# The quick bench on each kernel in BENCH_KERNELS, one boot each, then one
# table of their goals side by side (Documentation/benchmarks-kernels.rst).
BENCH_KERNELS ?= 6.12 7.3 debian-7.3
# A kernel whose run reported a problem (a warning in its log) still gets
# its column, if its figures were written; make fails at the end.
bench-kernels:
	@bad=; for k in $(BENCH_KERNELS); do \
		$(MAKE) --no-print-directory bench-quick KERNEL=$$k || { bad="$$bad $$k"; \
		$(RKLP_DIR)/tools/bench/plot.sh $(BUILD)/bench-quick$$([ $$k = 6.12 ] || echo -$$k) \
			$(BUILD)/bench-quick$$([ $$k = 6.12 ] || echo -$$k) || true; }; \
	done; \
	$(RKLP_DIR)/tools/bench/kernels.sh $(RKLP_DIR)/Documentation/benchmarks-kernels.rst \
		$(foreach k,$(BENCH_KERNELS),$(k)=$(BUILD)/bench-quick$(if $(filter 6.12,$(k)),,-$(k))); \
	[ -z "$$bad" ] || { echo "rklp: bench-kernels: the run on$$bad reported a problem (see its guest log)"; exit 1; }

# Redraw the plots and the table from the CSV files of the last run.
bench-plot:
	@$(RKLP_DIR)/tools/bench/plot.sh $(BUILD)/bench

# The Promela model of the transition protocol and immediate mode
# (tools/model/README.md); needs only spin and gcc, not the kernel.
model:
	@$(RKLP_DIR)/tools/model/check.sh

# The same, and the checks too big for CI (tens of minutes, several GB:
# the tasks' own switches with a module, a reversal or a force).
model-full:
	@$(RKLP_DIR)/tools/model/check.sh --full

# The rules that need no kernel (the modules that use only `core`, listed
# in tools/unit/src/lib.rs), tested on the host with cargo test and
# proptest. Needs the crates in tools/unit/Cargo.lock: fetched once, then
# cached by cargo. The properties draw their cases from a fixed seed, so a
# run is reproducible; `make unit PROPTEST_RNG_SEED=$$RANDOM` explores.
# Then the rklp tool's host tests (parsing, JSON, status, refusals, the
# install store over fake sysfs trees and stores; tools/rklp-cli), and
# systemd-analyze verify on rklp.service (scripts/check-unit.sh; SKIP
# without systemd-analyze).
CARGO ?= $(shell command -v cargo 2>/dev/null || echo $(HOME)/.cargo/bin/cargo)
PROPTEST_RNG_SEED ?= 1
unit:
	@cd $(RKLP_DIR)/tools/unit && PROPTEST_RNG_SEED=$(PROPTEST_RNG_SEED) $(CARGO) test --locked --quiet
	@cd $(RKLP_DIR)/tools/rklp-cli && CARGO_TARGET_DIR=$(BUILD)/rklp-cli $(CARGO) test --locked --quiet
	@$(RKLP_DIR)/scripts/check-unit.sh

# rustfmt with the kernel's .rustfmt.toml (crate roots pull in their modules).
RUST_ROOTS := src/rklp_core.rs samples/*.rs tools/testing/selftests/rklp/test_modules/*.rs tools/bench/modules/test_rklp_bench*.rs include/rklp/*.rs tools/unit/src/lib.rs
# The rklp tool (a user-space cargo package) with cargo's default style.
fmt:
	rustfmt --edition 2021 --config-path $$($(RKLP_DIR)/scripts/build-kernel.sh --print-src)/.rustfmt.toml $(RUST_ROOTS)
	cd $(RKLP_DIR)/tools/rklp-cli && $(CARGO) fmt

fmt-check:
	rustfmt --check --edition 2021 --config-path $$($(RKLP_DIR)/scripts/build-kernel.sh --print-src)/.rustfmt.toml $(RUST_ROOTS)
	cd $(RKLP_DIR)/tools/rklp-cli && $(CARGO) fmt --check

ifdef KDIR
clean:
	$(MAKE) -C $(KDIR) M=$(RKLP_DIR) RKLP_CORE_ONLY=1 clean
else
clean:
	@KDIR=$$($(RKLP_DIR)/scripts/build-kernel.sh --print-dir 2>/dev/null) ; \
	[ -z "$$KDIR" ] || $(MAKE) -C $$KDIR M=$(RKLP_DIR) clean
	rm -rf $(BUILD)
endif
