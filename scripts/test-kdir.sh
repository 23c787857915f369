#!/bin/bash
# The KDIR test: from this tree's HEAD (git archive, a fresh directory),
# `make KDIR=<the 7.3 test kernel's build directory>` must build rklp.ko
# and the sample and nothing else (no test or bench modules), and `make
# install KDIR=.. DESTDIR=..` must put both under
# /lib/modules/<release>/updates. Prints "kdir: OK" or fails. (DKMS:
# scripts/test-dkms.sh.)
set -euo pipefail
export RKLP_KERNEL=${RKLP_KERNEL:-7.3}
. "$(dirname "$0")/env.sh"
KOUT=$("$RKLP_ROOT/scripts/build-kernel.sh" | tail -1)
rel=$(cat "$KOUT/include/config/kernel.release")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/src" "$tmp/dest"
git -C "$RKLP_ROOT" archive HEAD | tar -x -C "$tmp/src"
# shellcheck disable=SC2086
make -s -C "$tmp/src" KDIR="$KOUT" $RKLP_MAKE_TOOLS >"$tmp/build.log" 2>&1 || { tail -30 "$tmp/build.log"; echo "kdir: make KDIR=$KOUT failed"; exit 1; }
built=$(cd "$tmp/src" && find . -name '*.ko' | sort | tr '\n' ' ')
[ "$built" = "./rklp.ko ./samples/rklp_sample.ko " ] || { echo "kdir: built '$built', expected rklp.ko and samples/rklp_sample.ko only"; exit 1; }
# shellcheck disable=SC2086
make -s -C "$tmp/src" install KDIR="$KOUT" $RKLP_MAKE_TOOLS DESTDIR="$tmp/dest" INSTALL_MOD_PATH="$tmp/dest" >"$tmp/install.log" 2>&1 || { tail -30 "$tmp/install.log"; echo "kdir: make install failed"; exit 1; }
for m in rklp.ko samples/rklp_sample.ko; do
	f=$tmp/dest/lib/modules/$rel/updates/$m
	[ -f "$f" ] || { echo "kdir: no $m in /lib/modules/$rel/updates"; exit 1; }
	modinfo -F vermagic "$f" | grep -q "^$rel " || { echo "kdir: $m: vermagic '$(modinfo -F vermagic "$f")', not $rel"; exit 1; }
done
echo "kdir: OK (make KDIR: rklp.ko and the sample only; make install: /lib/modules/$rel/updates)"
