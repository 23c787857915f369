#!/bin/bash
# Build rklp.ko, the sample and the test modules against the cached kernel.
set -euo pipefail
. "$(dirname "$0")/env.sh"
KOUT=$RKLP_CACHE/kernel-$(rklp_kernel_key)
[ -f "$KOUT/.rklp-complete" ] || { echo "rklp: no kernel in $KOUT; run 'make kernel'"; exit 1; }
export RKLP_DIR=$RKLP_ROOT
start=$SECONDS
# shellcheck disable=SC2086
make -C "$KOUT" $RKLP_MAKE_TOOLS M="$RKLP_ROOT" -j"$(nproc)" modules
echo "rklp: modules built in $(( SECONDS - start )) s"
