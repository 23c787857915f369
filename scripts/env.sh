# Sourced by the build scripts: where things live and which tools to use.
# RKLP_FLAVOUR selects the kernel: "test" (make check) or "debug" (make
# check-debug: lockdep, KASAN, ... built with clang, see configs/rklp-debug.config).
RKLP_CACHE=${RKLP_CACHE:-/var/cache/rklp}
RKLP_ROOT=${RKLP_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
RKLP_FLAVOUR=${RKLP_FLAVOUR:-test}
KVER_PKG=linux-source-6.12
KSRC_TARBALL=/usr/src/linux-source-6.12.tar.xz
export LIBCLANG_PATH=/usr/lib/llvm-19/lib
RKLP_MAKE_TOOLS="RUSTC=/usr/bin/rustc HOSTRUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc BINDGEN=$RKLP_CACHE/bindgen/bin/bindgen"
case "$RKLP_FLAVOUR" in
test) RKLP_FRAGMENTS="$RKLP_ROOT/configs/rklp-test.config" ;;
debug)
	RKLP_FRAGMENTS="$RKLP_ROOT/configs/rklp-test.config $RKLP_ROOT/configs/rklp-debug.config"
	# KASAN with Rust needs a clang-built kernel on 6.12.
	RKLP_MAKE_TOOLS="$RKLP_MAKE_TOOLS LLVM=-19"
	;;
*) echo "rklp: unknown RKLP_FLAVOUR '$RKLP_FLAVOUR' (test or debug)" >&2; exit 2 ;;
esac
# Where the modules are built: the tree itself for the test kernel, a copy
# of it for the debug kernel (out-of-tree builds write next to the sources).
if [ "$RKLP_FLAVOUR" = debug ]; then
	RKLP_MODDIR=$RKLP_ROOT/build/debug-tree
else
	RKLP_MODDIR=$RKLP_ROOT
fi
# The cache key: kernel package version + config fragments (+ flavour).
rklp_kernel_key() {
	local v
	v=$(dpkg-query -W -f='${Version}' "$KVER_PKG" 2>/dev/null || echo unknown)
	# shellcheck disable=SC2086
	if [ "$RKLP_FLAVOUR" = test ]; then
		echo "$v-$(cat $RKLP_FRAGMENTS | sha256sum | cut -c1-12)"
	else
		echo "$RKLP_FLAVOUR-$v-$( (cat $RKLP_FRAGMENTS; echo "$RKLP_MAKE_TOOLS") | sha256sum | cut -c1-12)"
	fi
}
