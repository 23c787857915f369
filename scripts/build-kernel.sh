#!/bin/bash
# Build (or reuse) the rklp test kernel: Debian's linux-source-6.12 with
# tinyconfig + configs/rklp-test.config (+ configs/rklp-debug.config when
# RKLP_FLAVOUR=debug). The result lives in
# $RKLP_CACHE/kernel-<key>, keyed by package version and fragment, so a
# warm machine skips this step. Prints the build dir on the last line.
set -euo pipefail
. "$(dirname "$0")/env.sh"

key=$(rklp_kernel_key)
KOUT=$RKLP_CACHE/kernel-$key
if [ "${1:-}" = --print-dir ]; then
	echo "$KOUT"
	exit 0
fi
ver=$(dpkg-query -W -f='${Version}' "$KVER_PKG")
KSRC=$RKLP_CACHE/src-$ver
if [ "${1:-}" = --print-src ]; then
	echo "$KSRC"
	exit 0
fi
if [ -f "$KOUT/.rklp-complete" ]; then
	echo "rklp: kernel cached in $KOUT"
	echo "$KOUT"
	exit 0
fi

if [ ! -f "$KSRC/.rklp-unpacked" ]; then
	echo "rklp: unpacking $KSRC_TARBALL"
	rm -rf "$KSRC" && mkdir -p "$KSRC"
	tar -xJf "$KSRC_TARBALL" -C "$KSRC" --strip-components=1
	touch "$KSRC/.rklp-unpacked"
fi

mkdir -p "$KOUT"
# shellcheck disable=SC2086
mk() { make -C "$KSRC" O="$KOUT" $RKLP_MAKE_TOOLS "$@"; }
mk -s tinyconfig >/dev/null
# shellcheck disable=SC2086
"$KSRC/scripts/kconfig/merge_config.sh" -m -O "$KOUT" "$KOUT/.config" \
	$RKLP_FRAGMENTS >/dev/null
mk -s olddefconfig >/dev/null
# Every line of the fragments must have survived Kconfig (a later fragment
# overrides an earlier one: only the last line of each option counts).
bad=0
# shellcheck disable=SC2086
cat $RKLP_FRAGMENTS | grep -E '^(CONFIG_|# CONFIG_)' |
	sed -E 's/^# (CONFIG_[A-Za-z0-9_]+) is not set$/\1 &/; s/^(CONFIG_[A-Za-z0-9_]+)=.*/\1 &/' |
	awk '{ k = $1; sub(/^[^ ]+ /, ""); v[k] = $0; if (!(k in o)) { o[k] = n++ } }
	     END { for (k in v) print v[k] }' >"$KOUT/.rklp-expected"
while read -r line; do
	case "$line" in
	CONFIG_*=*) grep -qx "$line" "$KOUT/.config" || { echo "rklp: config lost: $line"; bad=1; } ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }; opt=${opt%% *}
		! grep -q "^$opt=" "$KOUT/.config" || { echo "rklp: config forced on: $opt"; bad=1; } ;;
	esac
done <"$KOUT/.rklp-expected"
if [ $bad = 1 ]; then
	mk rustavailable || true
	exit 1
fi

jobs=$(( $(nproc) + 1 ))
log=$KOUT/build.log
echo "rklp: building $RKLP_FLAVOUR kernel in $KOUT (-j$jobs, ~11 min on 2 cores; log $log)"
start=$SECONDS
mk -j"$jobs" bzImage modules >"$log" 2>&1 &
pid=$!
while kill -0 $pid 2>/dev/null; do
	sleep 30
	kill -0 $pid 2>/dev/null || break
	echo "rklp:   kernel build: $(( (SECONDS - start) / 60 ))m$(( (SECONDS - start) % 60 ))s, at: $(tail -n1 "$log" | cut -c1-70)"
done
if ! wait $pid; then
	tail -n 40 "$log"
	echo "rklp: kernel build FAILED"
	exit 1
fi
echo "rklp: kernel built in $(( SECONDS - start )) s"
touch "$KOUT/.rklp-complete"
echo "$KOUT"
