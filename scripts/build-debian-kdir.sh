#!/bin/bash
# Make Debian's own Linux 7.3 kernel (linux-image-$RKLP_DEBIAN_KABI-amd64,
# not rebuilt) a kernel rklp's modules build for (make ... KERNEL=debian-7.3):
#  1. fetch its packages from trixie-backports (fetch-debian.sh stock): the
#     vmlinuz, its config, linux-headers (+ -common, linux-kbuild) and
#     linux-source-7.3 of the same version;
#  2. the trixie chroot with Debian's toolchain (trixie-chroot.sh);
#  3. in it: the headers at their /usr/src paths, as the packages install
#     them, plus what they lack for Rust modules, built from linux-source-7.3
#     with Debian's .config by Debian's compilers (`make prepare`): rust/
#     (*.rmeta of core, compiler_builtins, ffi, pin_init, zerocopy, bindings,
#     uapi, build_error, kernel; the proc macros), scripts/target.json and
#     rust/bindgen_parameters (for rklp's private bindgen);
#  4. checks that it is Debian's ABI: the config came out of Kconfig
#     unchanged, and every Rust symbol the rebuilt `kernel` crate defines
#     is one Debian's vmlinux exports (its Module.symvers);
#  5. $RKLP_CACHE/kernel-debian-<kabi>-<version>/: vmlinuz, config, the
#     artifacts as a tarball (to unpack into /usr/src/linux-headers-<kabi>
#     on a Debian machine) and `kdir` (the headers' path in the chroot).
# Prints that directory on its last line.
set -euo pipefail
. "$(dirname "$0")/env.sh"
here=$(dirname "$0")
key=$(rklp_kernel_key)
KOUT=$RKLP_CACHE/kernel-$key
kabi=$RKLP_DEBIAN_KABI-amd64
HDR=/usr/src/linux-headers-$kabi
COMMON=/usr/src/linux-headers-$RKLP_DEBIAN_KABI-common
D=$RKLP_CACHE/debian
t0=$SECONDS
tick() { echo "rklp:   $1: $(( SECONDS - t ))s"; t=$SECONDS; }
t=$SECONDS

"$here/fetch-debian.sh" stock
tick fetch
ver=$(cat "$D/linux-source-7.3.version")
bver=$(cat "$D/linux-binary-$kabi.version")
[ "$ver" = "$bver" ] || {
	echo "rklp: linux-source-7.3 $ver is not the source of linux-image-$kabi $bver"
	exit 1
}
ROOT=$("$here/trixie-chroot.sh")
tick chroot
in_chroot() { "$here/trixie-chroot.sh" run "$RKLP_CACHE" -- "$@"; }

# The source, unpacked once for the 7.3 test kernel too.
KSRC=$(RKLP_KERNEL=7.3 "$here/build-kernel.sh" --print-src)
if [ ! -f "$KSRC/.rklp-unpacked" ]; then
	echo "rklp: unpacking $KSRC_TARBALL"
	rm -rf "$KSRC" && mkdir -p "$KSRC"
	tar -xJf "$KSRC_TARBALL" -C "$KSRC" --strip-components=1
	touch "$KSRC/.rklp-unpacked"
	tick unpack
fi

# 3. The headers, where the packages put them (their Makefile names
# /usr/src/... absolutely).
for p in linux-headers-$kabi linux-headers-$RKLP_DEBIAN_KABI-common linux-kbuild-$RKLP_DEBIAN_KABI; do
	cp -a "$D/$p/usr/." "$ROOT/usr/"
done

ART=$RKLP_CACHE/rust-artifacts-$kabi-$ver
mkdir -p "$ART"
cp "$ROOT$HDR/.config" "$ART/.config"
# Debian's compilers, as its headers' Makefile names them.
dmake=(make -C "$KSRC" O="$ART" CROSS_COMPILE=x86_64-linux-gnu- CC=x86_64-linux-gnu-gcc-14)
in_chroot "${dmake[@]}" -s olddefconfig
if ! diff -q <(grep -v '^#' "$ROOT$HDR/.config" | grep .) <(grep -v '^#' "$ART/.config" | grep .) >/dev/null; then
	diff <(grep -v '^#' "$ROOT$HDR/.config" | grep .) <(grep -v '^#' "$ART/.config" | grep .) | head -20
	echo "rklp: Debian's config does not come out of Kconfig unchanged with the chroot's toolchain"
	exit 1
fi
log=$ART/build.log
echo "rklp: building the Rust artifacts of Debian's $kabi in $ART (-j${RKLP_KJOBS:-2}; log $log)"
if ! in_chroot nice -n "${RKLP_KNICE:-0}" "${dmake[@]}" -j"${RKLP_KJOBS:-2}" prepare >"$log" 2>&1; then
	tail -30 "$log"
	echo "rklp: Rust artifacts build FAILED"
	exit 1
fi
tick "rust artifacts"

# 4. Same ABI: every Rust symbol of the kernel crate is exported by
# Debian's vmlinux under the same (v0-mangled, crate-hashed) name.
# (make prepare compiles the crates; rust/kernel.o holds their code.)
if [ -f "$ART/rust/kernel.o" ]; then
	nm --defined-only "$ART/rust/kernel.o" | awk '$2 ~ /^[TRDB]$/ && $3 ~ /^_R/ { print $3 }' | sort -u >"$ART/kernel-syms"
	awk '{ print $2 }' "$ROOT$HDR/Module.symvers" | sort -u >"$ART/debian-exports"
	n=$(wc -l <"$ART/kernel-syms")
	miss=$(comm -23 "$ART/kernel-syms" "$ART/debian-exports" | wc -l)
	echo "rklp: $((n - miss)) of $n Rust symbols of the rebuilt kernel crate are exported by Debian's vmlinux"
	if [ "$n" = 0 ] || [ "$miss" != 0 ]; then
		comm -23 "$ART/kernel-syms" "$ART/debian-exports" | head -5
		echo "rklp: NOT Debian's Rust ABI (another rustc, or other flags)"
		exit 1
	fi
fi

# Into the headers' tree: what an out-of-tree Rust module build reads.
mkdir -p "$ROOT$HDR/rust" "$ROOT$COMMON/rust"
(cd "$ART" && cp rust/*.rmeta rust/*.so "$ROOT$HDR/rust/")
cp "$ART/scripts/target.json" "$ROOT$HDR/scripts/target.json"
cp "$KSRC/rust/bindgen_parameters" "$ROOT$COMMON/rust/"

# 5. The kernel rklp boots and what a user needs.
mkdir -p "$KOUT"
cp "$D/linux-binary-$kabi/usr/lib/modules/$kabi/vmlinuz" "$KOUT/vmlinuz"
cp "$D/linux-base-$kabi/usr/lib/modules/$kabi/config" "$KOUT/config"
(cd "$ROOT" && tar -czf "$KOUT/rust-artifacts.tar.gz" \
	".$HDR/rust" ".$HDR/scripts/target.json" ".$COMMON/rust/bindgen_parameters")
echo "$HDR" >"$KOUT/kdir"
echo "$ROOT" >"$KOUT/root"
touch "$KOUT/.rklp-complete"
echo "rklp: Debian's $kabi ready in $(( SECONDS - t0 )) s"
echo "$KOUT"
