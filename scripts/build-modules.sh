#!/bin/bash
# Build rklp.ko, the sample and the test modules against the cached kernel
# (RKLP_FLAVOUR=debug: against the debug kernel, in a copy of the tree).
set -euo pipefail
. "$(dirname "$0")/env.sh"
KOUT=$RKLP_CACHE/kernel-$(rklp_kernel_key)
[ -f "$KOUT/.rklp-complete" ] || { echo "rklp: no kernel in $KOUT; run 'make kernel'"; exit 1; }
[ -z "${RKLP_MAKE_ARGS:-}" ] || echo "rklp: make $RKLP_MAKE_ARGS"
if [ "$RKLP_MODDIR" != "$RKLP_ROOT" ]; then
	mkdir -p "$RKLP_MODDIR"
	# Skip what git ignores (build products, and generated sources such as
	# rklp's private bindings, which differ between the two kernels).
	rsync -a --delete --exclude=/.git --exclude-from="$RKLP_ROOT/.gitignore" \
		"$RKLP_ROOT/" "$RKLP_MODDIR/"
fi
export RKLP_DIR=$RKLP_MODDIR
start=$SECONDS
# RKLP_TEST_HOOKS=1 (make check, ...): rklp.ko with its test-only hooks (Kbuild).
export RKLP_TEST_HOOKS=${RKLP_TEST_HOOKS:-0}
# RKLP_NO_DIRECT_CALLS=1: rklp.ko without ftrace direct calls (rust/compat.mk).
export RKLP_NO_DIRECT_CALLS=${RKLP_NO_DIRECT_CALLS:-0}
if [ "$RKLP_KERNEL" = debian-7.3 ]; then
	# Debian's kernel: against its headers (+ the Rust artifacts), with
	# Debian's compilers, in the trixie chroot (build-debian-kdir.sh; it
	# starts with an empty environment, so what Kbuild reads is passed).
	kdir=$(cat "$KOUT/kdir")
	in_chroot() { "$RKLP_ROOT/scripts/trixie-chroot.sh" run "$RKLP_MODDIR" "$KOUT" -- "$@"; }
	# Debian ships no samples: upstream's samples/livepatch from the same
	# source, for upstream's builds (test-upstream.sh, test-compat.sh,
	# below) and for rklp's (lp_samples/ takes its sources from here).
	lps=$KOUT/samples/livepatch
	lp_src=$(RKLP_KERNEL=7.3 "$RKLP_ROOT/scripts/build-kernel.sh" --print-src)/samples/livepatch
	mkdir -p "$lps"
	cp "$lp_src"/*.c "$lps/"
	kmake() {
		in_chroot env RKLP_DIR="$RKLP_MODDIR" RKLP_TEST_HOOKS="$RKLP_TEST_HOOKS" \
			RKLP_NO_DIRECT_CALLS="$RKLP_NO_DIRECT_CALLS" \
			make -C "$kdir" RKLP_LP_SAMPLES_SRC="$lps" "$@"
	}
else
	# shellcheck disable=SC2086
	kmake() { make -C "$KOUT" $RKLP_MAKE_TOOLS "$@"; }
fi
# shellcheck disable=SC2086
kmake M="$RKLP_MODDIR" -j"$(nproc)" ${RKLP_MAKE_ARGS:-} modules
# A patch module that does not import rklp's namespace (test-refusals.sh):
# modpost refuses it, so it is built apart, with modpost in its nsdeps mode
# (KBUILD_NSDEPS=1: a missing import is a warning, listed in modules.nsdeps;
# sources are edited only by 'make nsdeps', never run here).
kmake M="$RKLP_MODDIR/tools/testing/selftests/rklp/test_modules/no_import" \
	KBUILD_EXTRA_SYMBOLS="$RKLP_MODDIR/Module.symvers" KBUILD_NSDEPS=1 modules 2>&1 |
	grep -v "does not import it" || true
[ -f "$RKLP_MODDIR/tools/testing/selftests/rklp/test_modules/no_import/test_rklp_no_import.ko" ] ||
	{ echo "rklp: test_rklp_no_import.ko was not built"; exit 1; }
if [ "$RKLP_KERNEL" = debian-7.3 ]; then
	# Upstream's builds of its samples, out of tree (copied above).
	# shellcheck disable=SC2012
	echo "obj-m := $(ls "$lp_src" | sed -n 's/\.c$/.o/p' | tr '\n' ' ')" >"$lps/Kbuild"
	in_chroot make -C "$kdir" M="$lps" modules
fi
echo "rklp: modules built in $(( SECONDS - start )) s"
# The production rklp.ko has no test-only hooks, a test build has them.
kconfig=$KOUT/.config
[ "$RKLP_KERNEL" != debian-7.3 ] || kconfig=$KOUT/config
"$RKLP_ROOT/scripts/check-hooks.sh" "$RKLP_MODDIR/rklp.ko" "$kconfig"
# A frame over 2 KB (e.g. a patch init that grows with its number of
# functions) can overflow the 16 KB kernel stack: fail the build.
"$RKLP_ROOT/scripts/check-frames.sh"
