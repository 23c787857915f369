#!/bin/bash
# Build the rklp command-line tool (tools/rklp-cli) with cargo, static
# (crt-static: it runs in the busybox test guest too), unless the binary is
# newer than every one of its sources. Prints nothing on success when
# nothing changed; with --print-bin, prints the binary's path only.
#   build-tools.sh [--print-bin]
set -euo pipefail
. "$(dirname "$0")/env.sh"
src=$RKLP_ROOT/tools/rklp-cli
target=$RKLP_ROOT/build/rklp-cli
bin=$target/x86_64-unknown-linux-gnu/release/rklp
if [ "${1:-}" = --print-bin ]; then
	echo "$bin"
	exit 0
fi
# The machine's rustup cargo (the kernel's /usr/bin/rustc is another one).
cargo=${CARGO:-}
[ -n "$cargo" ] || cargo=$HOME/.cargo/bin/cargo
[ -x "$cargo" ] || cargo=$(command -v cargo) || { echo "rklp: no cargo (install rustup's)" >&2; exit 1; }
if [ -x "$bin" ] && [ -z "$(find "$src" -newer "$bin" -not -path '*/target/*' -print -quit)" ]; then
	exit 0
fi
echo "rklp: building the rklp tool (tools/rklp-cli)"
# RUSTC from the environment (the kernel's rustc) must not reach cargo.
(cd "$src" && env -u RUSTC -u RUSTFLAGS CARGO_TARGET_DIR="$target" "$cargo" build --release --locked --quiet)
touch "$bin"
