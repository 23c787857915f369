# SPDX-License-Identifier: GPL-2.0
# rklp: live patching core for Linux 6.12, in Rust.
#
#   make demo     install deps, build kernel + modules, show a live patch in QEMU
#   make check    same set-up, then run the selftests in QEMU
#   make check-debug  the selftests on the debug kernel (lockdep, KASAN, ...)
#   make check-all  what CI runs: unit, model, the suite on the test and the
#                 debug kernel and the short torture run, the QEMU guests in
#                 parallel shards (scripts/check-all.sh)
#   make bench    same set-up, then benchmark rklp against upstream livepatch
#                 (tools/bench; CSV in build/bench, plots and
#                 Documentation/benchmarks.rst redrawn by tools/bench/plot.sh)
#   make bench-quick  the same with N <= 100 and fewer rounds (build/bench-quick)
#   make modules  build rklp.ko, the sample and the test modules
#   make kernel   build (or reuse) the cached test kernel
#   make model    model-check the transition protocol with spin (host only)
#   make unit     host unit and property tests of the pure modules (seconds,
#                 no kernel; tools/unit, cargo test) and of the rklp tool
#   make tools    build the rklp command-line tool (tools/rklp-cli, static)
#   make install  install it as $(DESTDIR)$(PREFIX)/sbin/rklp (PREFIX=/usr/local)
#
# The kernel build is cached in $(RKLP_CACHE) (default /var/cache/rklp).

RKLP_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
export RKLP_DIR
RKLP_CACHE ?= /var/cache/rklp
export RKLP_CACHE
BUILD := $(RKLP_DIR)/build

.PHONY: all deps kernel modules demo check check-debug check-all tools install bench bench-quick bench-plot fuzz torture model clean fmt fmt-check unit

all: modules tools

deps:
	@$(RKLP_DIR)/scripts/install-deps.sh

kernel: deps
	@$(RKLP_DIR)/scripts/build-kernel.sh

modules: kernel
	@$(RKLP_DIR)/scripts/build-modules.sh

# The rklp command-line tool (tools/rklp-cli; Documentation/rklp-tool.rst):
# cargo build --release --locked, statically linked, in build/rklp-cli.
# The guest runs it as /bin/rklp (scripts/run-guest.sh).
tools:
	@CARGO=$(CARGO) $(RKLP_DIR)/scripts/build-tools.sh

PREFIX ?= /usr/local
install: tools
	install -D -m 0755 $$($(RKLP_DIR)/scripts/build-tools.sh --print-bin) $(DESTDIR)$(PREFIX)/sbin/rklp

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
bench: export RKLP_BENCH_NS = 1 10 100 1000 5000
bench: modules tools
	@$(RKLP_DIR)/scripts/run-guest.sh bench
	@$(RKLP_DIR)/tools/bench/plot.sh $(BUILD)/bench

bench-quick: modules tools
	@RKLP_BENCH=quick $(RKLP_DIR)/scripts/run-guest.sh bench
	@$(RKLP_DIR)/tools/bench/plot.sh $(BUILD)/bench-quick $(BUILD)/bench-quick

# Redraw the plots and the table from the CSV files of the last run.
bench-plot:
	@$(RKLP_DIR)/tools/bench/plot.sh $(BUILD)/bench

# The Promela model of the transition protocol and immediate mode
# (tools/model/README.md); needs only spin and gcc, not the kernel.
model:
	@$(RKLP_DIR)/tools/model/check.sh

# The rules that need no kernel (the modules that use only `core`, listed
# in tools/unit/src/lib.rs), tested on the host with cargo test and
# proptest. Needs the crates in tools/unit/Cargo.lock: fetched once, then
# cached by cargo. The properties draw their cases from a fixed seed, so a
# run is reproducible; `make unit PROPTEST_RNG_SEED=$$RANDOM` explores.
# Then the rklp tool's host tests (parsing, JSON, status, refusals over
# fake sysfs trees; tools/rklp-cli).
CARGO ?= $(shell command -v cargo 2>/dev/null || echo $(HOME)/.cargo/bin/cargo)
PROPTEST_RNG_SEED ?= 1
unit:
	@cd $(RKLP_DIR)/tools/unit && PROPTEST_RNG_SEED=$(PROPTEST_RNG_SEED) $(CARGO) test --locked --quiet
	@cd $(RKLP_DIR)/tools/rklp-cli && CARGO_TARGET_DIR=$(BUILD)/rklp-cli $(CARGO) test --locked --quiet

# rustfmt with the kernel's .rustfmt.toml (crate roots pull in their modules).
RUST_ROOTS := src/rklp_core.rs samples/*.rs tools/testing/selftests/rklp/test_modules/*.rs tools/bench/modules/test_rklp_bench*.rs include/rklp/*.rs tools/unit/src/lib.rs
# The rklp tool (a user-space cargo package) with cargo's default style.
fmt:
	rustfmt --edition 2021 --config-path $$($(RKLP_DIR)/scripts/build-kernel.sh --print-src)/.rustfmt.toml $(RUST_ROOTS)
	cd $(RKLP_DIR)/tools/rklp-cli && $(CARGO) fmt

fmt-check:
	rustfmt --check --edition 2021 --config-path $$($(RKLP_DIR)/scripts/build-kernel.sh --print-src)/.rustfmt.toml $(RUST_ROOTS)
	cd $(RKLP_DIR)/tools/rklp-cli && $(CARGO) fmt --check

clean:
	@KDIR=$$($(RKLP_DIR)/scripts/build-kernel.sh --print-dir 2>/dev/null) ; \
	[ -z "$$KDIR" ] || $(MAKE) -C $$KDIR M=$(RKLP_DIR) clean
	rm -rf $(BUILD)
