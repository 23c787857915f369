#!/bin/bash
# Build rklp.ko, the sample and the test modules against the cached kernel
# (RKLP_FLAVOUR=debug: against the debug kernel, in a copy of the tree).
set -euo pipefail
. "$(dirname "$0")/env.sh"
KOUT=$RKLP_CACHE/kernel-$(rklp_kernel_key)
[ -f "$KOUT/.rklp-complete" ] || { echo "rklp: no kernel in $KOUT; run 'make kernel'"; exit 1; }
if [ "$RKLP_MODDIR" != "$RKLP_ROOT" ]; then
	mkdir -p "$RKLP_MODDIR"
	# Skip what git ignores (build products, and generated sources such as
	# rklp's private bindings, which differ between the two kernels).
	rsync -a --delete --exclude=/.git --exclude-from="$RKLP_ROOT/.gitignore" \
		"$RKLP_ROOT/" "$RKLP_MODDIR/"
fi
export RKLP_DIR=$RKLP_MODDIR
start=$SECONDS
# shellcheck disable=SC2086
make -C "$KOUT" $RKLP_MAKE_TOOLS M="$RKLP_MODDIR" -j"$(nproc)" modules
echo "rklp: modules built in $(( SECONDS - start )) s"
# A frame over 2 KB (e.g. a patch init that grows with its number of
# functions) can overflow the 16 KB kernel stack: fail the build.
"$RKLP_ROOT/scripts/check-frames.sh"
