# Sourced by the build scripts: where things live and which tools to use.
# RKLP_FLAVOUR selects the kernel: "test" (make check) or "debug" (make
# check-debug: lockdep, KASAN, ... built with clang, see configs/rklp-debug.config).
RKLP_CACHE=${RKLP_CACHE:-/var/cache/rklp}
RKLP_ROOT=${RKLP_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
RKLP_FLAVOUR=${RKLP_FLAVOUR:-test}
# RKLP_KERNEL (make KERNEL=...) selects the kernel:
#   6.12        Debian bookworm's linux-source-6.12 (installed by install-deps.sh)
#   7.3         trixie-backports' linux-source-7.3, fetched and unpacked into
#               $RKLP_CACHE/debian by fetch-debian.sh (not installed)
#   debian-7.3  Debian's own binary kernel linux-image-$RKLP_DEBIAN_KABI-amd64,
#               not rebuilt; modules built against its headers plus the Rust
#               artifacts made in a trixie chroot (build-debian-kdir.sh)
RKLP_KERNEL=${RKLP_KERNEL:-6.12}
RKLP_DEBIAN_KABI=${RKLP_DEBIAN_KABI:-7.3.4+deb13}
case "$RKLP_KERNEL" in
6.12)
	KVER_PKG=linux-source-6.12
	KSRC_TARBALL=/usr/src/linux-source-6.12.tar.xz
	rklp_src_version() { dpkg-query -W -f='${Version}' "$KVER_PKG" 2>/dev/null || echo unknown; }
	;;
7.3|debian-7.3)
	KVER_PKG=linux-source-7.3
	KSRC_TARBALL=$RKLP_CACHE/debian/linux-source-7.3/usr/src/linux-source-7.3.tar.xz
	rklp_src_version() { cat "$RKLP_CACHE/debian/$KVER_PKG.version" 2>/dev/null || echo unknown; }
	;;
*) echo "rklp: unknown KERNEL '$RKLP_KERNEL' (6.12, 7.3 or debian-7.3)" >&2; exit 2 ;;
esac
export LIBCLANG_PATH=/usr/lib/llvm-19/lib
RKLP_MAKE_TOOLS="RUSTC=/usr/bin/rustc HOSTRUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc BINDGEN=$RKLP_CACHE/bindgen/bin/bindgen"
case "$RKLP_FLAVOUR" in
test) RKLP_FRAGMENTS="$RKLP_ROOT/configs/rklp-test.config" ;;
debug)
	RKLP_FRAGMENTS="$RKLP_ROOT/configs/rklp-test.config $RKLP_ROOT/configs/rklp-debug.config"
	# KASAN with Rust needs a clang-built kernel on 6.12.
	RKLP_MAKE_TOOLS="$RKLP_MAKE_TOOLS LLVM=-19"
	;;
# The signing test's kernel (make check-sign): module signatures, and a
# key of its own that it trusts.
sig) RKLP_FRAGMENTS="$RKLP_ROOT/configs/rklp-test.config $RKLP_ROOT/configs/rklp-sig.config" ;;
*) echo "rklp: unknown RKLP_FLAVOUR '$RKLP_FLAVOUR' (test, debug or sig)" >&2; exit 2 ;;
esac
# 7.3: built at -O2, so that its functions are aligned (configs/rklp-7.3.config).
[ "$RKLP_KERNEL" != 7.3 ] || RKLP_FRAGMENTS="$RKLP_FRAGMENTS $RKLP_ROOT/configs/rklp-7.3.config"
# Where the modules are built: the tree itself for the test kernel, a copy
# of it for the other flavours (debug, sig) and for every kernel but 6.12
# (out-of-tree builds write next to the sources).
RKLP_KSUFFIX=""
[ "$RKLP_KERNEL" = 6.12 ] || RKLP_KSUFFIX=-$RKLP_KERNEL
if [ "$RKLP_FLAVOUR" != test ]; then
	RKLP_MODDIR=$RKLP_ROOT/build/$RKLP_FLAVOUR-tree$RKLP_KSUFFIX
elif [ "$RKLP_KERNEL" != 6.12 ]; then
	RKLP_MODDIR=$RKLP_ROOT/build/tree$RKLP_KSUFFIX
else
	RKLP_MODDIR=$RKLP_ROOT
fi
# RKLP_NO_DIRECT_CALLS=1 (make check-nodirect): rklp built as for a kernel
# without ftrace direct calls (rust/compat.mk), in a tree of its own, so
# that the normal build is neither used nor overwritten.
if [ "${RKLP_NO_DIRECT_CALLS:-0}" = 1 ]; then
	RKLP_MODDIR=$RKLP_ROOT/build/nodirect-$RKLP_FLAVOUR-tree$RKLP_KSUFFIX
fi
# The cache key: kernel package version + config fragments (+ flavour).
# (6.12 keys are unchanged; the source version names the kernel version.)
rklp_kernel_key() {
	local v
	v=$(rklp_src_version)
	if [ "$RKLP_KERNEL" = debian-7.3 ]; then
		# Debian's binary kernel: the key is its ABI name and the
		# package version of the sources the Rust artifacts come from.
		echo "debian-$RKLP_DEBIAN_KABI-amd64-$v"
		return
	fi
	# shellcheck disable=SC2086
	if [ "$RKLP_FLAVOUR" = test ]; then
		echo "$v-$(cat $RKLP_FRAGMENTS | sha256sum | cut -c1-12)"
	else
		echo "$RKLP_FLAVOUR-$v-$( (cat $RKLP_FRAGMENTS; echo "$RKLP_MAKE_TOOLS") | sha256sum | cut -c1-12)"
	fi
}
