#!/bin/bash
# The DKMS test: in the trixie chroot, against Debian's 7.3 headers plus the
# Rust artifacts (build-debian-kdir.sh), `dkms add`, `build` and `install`
# rklp from this tree's HEAD (git archive), check that rklp.ko and
# rklp_sample.ko landed in /lib/modules/<release>/updates and that they are
# the kernel's (vermagic), then `dkms remove`. Prints "dkms: OK" or fails.
set -euo pipefail
export RKLP_KERNEL=debian-7.3
. "$(dirname "$0")/env.sh"
KOUT=$("$RKLP_ROOT/scripts/build-kernel.sh" | tail -1)
ROOT=$(cat "$KOUT/root")
kabi=$RKLP_DEBIAN_KABI-amd64
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$RKLP_ROOT/dkms.conf")
chroot "$ROOT" dpkg-query -W dkms >/dev/null 2>&1 ||
	chroot "$ROOT" sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dkms' >/dev/null
rm -rf "$ROOT/usr/src/rklp-$ver"
mkdir -p "$ROOT/usr/src/rklp-$ver" "$ROOT/lib/modules/$kabi"
git -C "$RKLP_ROOT" archive HEAD | tar -x -C "$ROOT/usr/src/rklp-$ver"
ln -sfn "$(cat "$KOUT/kdir")" "$ROOT/lib/modules/$kabi/build"
start=$SECONDS
"$RKLP_ROOT/scripts/trixie-chroot.sh" run -- sh -ec "
	dkms remove rklp/$ver --all >/dev/null 2>&1 || true
	dkms add rklp/$ver
	dkms build rklp/$ver -k $kabi || { cat /var/lib/dkms/rklp/$ver/build/make.log | tail -30; exit 1; }
	dkms install rklp/$ver -k $kabi
	dkms status rklp
	for m in rklp rklp_sample; do
		f=\$(find /lib/modules/$kabi/updates -name \$m.ko\\* | head -1)
		[ -n \"\$f\" ] || { echo \"dkms: no \$m.ko in /lib/modules/$kabi/updates\"; exit 1; }
		echo \"dkms: \$f: \$(modinfo -F vermagic \$f)\"
		modinfo -F vermagic \$f | grep -q '^$kabi ' || { echo 'dkms: wrong vermagic'; exit 1; }
	done
	dkms remove rklp/$ver --all
"
echo "dkms: OK ($(( SECONDS - start )) s)"
