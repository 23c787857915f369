# Sourced by the build scripts: where things live and which tools to use.
RKLP_CACHE=${RKLP_CACHE:-/var/cache/rklp}
RKLP_ROOT=${RKLP_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
KVER_PKG=linux-source-6.12
KSRC_TARBALL=/usr/src/linux-source-6.12.tar.xz
export LIBCLANG_PATH=/usr/lib/llvm-19/lib
RKLP_MAKE_TOOLS="RUSTC=/usr/bin/rustc HOSTRUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc BINDGEN=$RKLP_CACHE/bindgen/bin/bindgen"
# The cache key: kernel package version + config fragment.
rklp_kernel_key() {
	local v
	v=$(dpkg-query -W -f='${Version}' "$KVER_PKG" 2>/dev/null || echo unknown)
	echo "$v-$(cat "$RKLP_ROOT/configs/rklp-test.config" | sha256sum | cut -c1-12)"
}
