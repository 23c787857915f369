#!/bin/bash
# Host check of tools/rklp-cli/rklp.service (make unit): its ExecStart is
# where 'make install' puts the tool, and 'systemd-analyze verify' finds
# nothing wrong with it (a unit systemd would ignore or mis-parse shows up
# as a message naming it). verify needs ExecStart's binary to exist: a
# temporary copy of the unit points it at the built tool (make tools'
# release binary, else cargo test's debug one, else /bin/true, said so).
set -euo pipefail
. "$(dirname "$0")/env.sh"
unit=$RKLP_ROOT/tools/rklp-cli/rklp.service
installed=/usr/local/sbin/rklp
grep -qx "ExecStart=$installed load --all" "$unit" || {
	echo "rklp.service: ExecStart is not '$installed load --all' (where make install puts the tool)" >&2
	exit 1
}
if ! command -v systemd-analyze >/dev/null; then
	echo "SKIP: no systemd-analyze (rklp.service not verified)"
	exit 0
fi
target=$RKLP_ROOT/build/rklp-cli/x86_64-unknown-linux-gnu
bin=""
for b in "$target/release/rklp" "$target/debug/rklp"; do
	if [ -x "$b" ]; then bin=$b; break; fi
done
if [ -z "$bin" ]; then
	bin=/bin/true
	echo "rklp.service: the rklp tool is not built (make tools); verifying with ExecStart=/bin/true"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s|^ExecStart=$installed |ExecStart=$bin |" "$unit" >"$tmp/rklp.service"
# --man=no: Documentation= names man:rklp(8), which make install installs.
rc=0
out=$(cd "$tmp" && systemd-analyze verify --man=no "$tmp/rklp.service" 2>&1) || rc=$?
# Messages about other units (a container's own) are not ours.
ours=$(printf '%s\n' "$out" | grep -F rklp.service || true)
if [ $rc != 0 ] || [ -n "$ours" ]; then
	echo "rklp.service: systemd-analyze verify failed (exit $rc):" >&2
	printf '%s\n' "$out" >&2
	exit 1
fi
echo "rklp.service: systemd-analyze verify: ok"
