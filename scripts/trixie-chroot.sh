#!/bin/bash
# Debian 13 (trixie) chroot with the toolchain Debian built its 7.3 kernel
# with (rustc 1.85.1, bindgen 0.71.1, libclang 19, gcc 14; the kernel's
# CONFIG_RUSTC_VERSION_TEXT and CONFIG_CC_VERSION_TEXT name them), made with
# debootstrap from Debian's archive and cached in $RKLP_CACHE/trixie-root.
#   trixie-chroot.sh                     make it (if missing), print its path
#   trixie-chroot.sh run DIR... -- CMD   run CMD in it (as root, in a private
#                                        mount namespace) with each DIR
#                                        bind-mounted at the same path
set -euo pipefail
. "$(dirname "$0")/env.sh"
ROOT=$RKLP_CACHE/trixie-root
# (openssl: Kconfig asks it for ML-DSA support; dwarves: for pahole's version)
PKGS=rustc,rust-src,bindgen,libclang-19-dev,gcc-14,make,flex,bison,bc,libelf-dev,libssl-dev,openssl,kmod,cpio,python3,rsync,xz-utils,dwarves,libc6-dev

if [ ! -f "$ROOT/.rklp-complete" ]; then
	command -v debootstrap >/dev/null || {
		echo "rklp: apt-get install debootstrap"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
	}
	uri=$(sed -n 's/^URIs: *\(.*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
	uri=${uri:-http://deb.debian.org/debian}
	echo "rklp: debootstrap trixie into $ROOT (about 4 min)" >&2
	start=$SECONDS
	rm -rf "$ROOT.tmp"
	debootstrap --variant=minbase --include=$PKGS trixie "$ROOT.tmp" "$uri" >"$RKLP_CACHE/trixie-root.log" 2>&1 || {
		tail -20 "$RKLP_CACHE/trixie-root.log" >&2
		echo "rklp: debootstrap FAILED (log $RKLP_CACHE/trixie-root.log)" >&2
		exit 1
	}
	rm -rf "$ROOT" && mv "$ROOT.tmp" "$ROOT"
	chroot "$ROOT" dpkg-query -W rustc rust-src bindgen libclang-19-dev gcc-14 >"$ROOT/.rklp-complete"
	echo "rklp: trixie chroot made in $(( SECONDS - start )) s" >&2
fi

# A package added to PKGS since the chroot was made.
# shellcheck disable=SC2086
if ! chroot "$ROOT" dpkg-query -W ${PKGS//,/ } >/dev/null 2>&1; then
	echo "rklp: apt-get install in the trixie chroot: ${PKGS//,/ }" >&2
	chroot "$ROOT" sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${PKGS//,/ }" >&2
fi

if [ "${1:-}" != run ]; then
	echo "$ROOT"
	exit 0
fi
shift
dirs=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do dirs+=("$1"); shift; done
[ "${1:-}" = -- ] && shift
# One private mount namespace per call: the binds go away with it.
binds=""
for d in "${dirs[@]}"; do
	binds="$binds mkdir -p '$ROOT$d' && mount --bind '$d' '$ROOT$d' &&"
done
exec unshare -m sh -c "$binds mount -t proc proc '$ROOT/proc' && exec chroot '$ROOT' env -i \
	PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
	LIBCLANG_PATH=/usr/lib/llvm-19/lib \"\$@\"" sh "$@"
