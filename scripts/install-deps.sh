#!/bin/bash
# Install everything rklp needs on Debian 12 (bookworm): kernel source, a
# rustc with rust-src, libclang, bindgen-cli, kernel build deps, QEMU from
# bookworm-backports, a static busybox for the initramfs, spin (make model),
# gnuplot (make bench draws its plots), docutils' rst2man (make man: the
# rklp tool's man page) and e2fsprogs (mke2fs: the disk image
# test-reboot.sh boots twice from, made without root).
# Idempotent: a warm machine returns in about a second.
set -euo pipefail

RKLP_CACHE=${RKLP_CACHE:-/var/cache/rklp}
BINDGEN_ROOT=$RKLP_CACHE/bindgen
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo

PKGS="linux-source-6.12 rustc-web rust-web-src libclang-19-dev flex bison bc
      libelf-dev libssl-dev cpio dwarves kmod rsync busybox-static xz-utils
      make gcc libc6-dev clang-19 lld-19 llvm-19 spin gnuplot-nox
      python3-docutils e2fsprogs"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
need_qemu=0
if ! command -v qemu-system-x86_64 >/dev/null; then need_qemu=1; fi

if [ -n "$missing" ] || [ $need_qemu = 1 ]; then
	# QEMU comes from bookworm-backports (bookworm's 7.2 conflicts with the
	# image's qemu-utils 10.0 from backports).
	if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
		uri=$(sed -n 's/^URIs: *\(.*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
		uri=${uri:-http://deb.debian.org/debian}
		echo "rklp: adding bookworm-backports ($uri)"
		printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" |
			$SUDO tee /etc/apt/sources.list.d/rklp-backports.sources >/dev/null
	fi
	echo "rklp: apt-get install$missing qemu-system-x86"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
	if [ $need_qemu = 1 ]; then
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
			-t bookworm-backports qemu-system-x86 >/dev/null
	fi
fi

if [ ! -x "$BINDGEN_ROOT/bin/bindgen" ]; then
	echo "rklp: cargo install bindgen-cli (about 75 s)"
	mkdir -p "$BINDGEN_ROOT"
	cargo install bindgen-cli --version 0.73.2 --locked --root "$BINDGEN_ROOT" -q ||
		cargo install bindgen-cli --locked --root "$BINDGEN_ROOT" -q
fi
echo "rklp: dependencies ready"
