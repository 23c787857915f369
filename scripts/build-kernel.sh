#!/bin/bash
# Build (or reuse) the rklp test kernel: Debian's linux-source-6.12 (or
# linux-source-7.3 with RKLP_KERNEL=7.3, see env.sh) with tinyconfig + configs/rklp-test.config (+ configs/rklp-debug.config when
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
# 7.3's source is not an installed package: fetched from trixie-backports.
if [ "$KVER_PKG" = linux-source-7.3 ] && [ ! -f "$RKLP_CACHE/debian/$KVER_PKG.version" ]; then
	"$(dirname "$0")/fetch-debian.sh" source >&2
	key=$(rklp_kernel_key)
	KOUT=$RKLP_CACHE/kernel-$key
fi
ver=$(rklp_src_version)
KSRC=$RKLP_CACHE/src-$ver
if [ "${1:-}" = --print-src ]; then
	echo "$KSRC"
	exit 0
fi
# (debian-7.3: and its headers with the Rust artifacts still in the chroot)
if [ -f "$KOUT/.rklp-complete" ] && { [ "$RKLP_KERNEL" != debian-7.3 ] ||
	[ -f "$(cat "$KOUT/root")$(cat "$KOUT/kdir")/rust/libkernel.rmeta" ]; }; then
	echo "rklp: kernel cached in $KOUT"
	echo "$KOUT"
	exit 0
fi
# Debian's own kernel is not built: its headers get the Rust artifacts.
if [ "$RKLP_KERNEL" = debian-7.3 ]; then
	exec "$(dirname "$0")/build-debian-kdir.sh"
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
# Options this kernel version does not have (7.3 has no PROC_SYSCTL: SYSCTL
# is enough) are named and skipped.
grep -rhoE '^\s*(menu)?config [A-Za-z0-9_]+' --include='Kconfig*' "$KSRC" |
	awk '{ print "CONFIG_" $2 }' | sort -u >"$KOUT/.rklp-symbols"
while read -r line; do
	opt=${line#\# }; opt=${opt%%[= ]*}
	if ! grep -qx "$opt" "$KOUT/.rklp-symbols"; then
		echo "rklp: no $opt in Linux $RKLP_KERNEL: skipped"
		continue
	fi
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

# RKLP_KJOBS / RKLP_KNICE: share the machine (a kernel build beside others).
jobs=${RKLP_KJOBS:-$(( $(nproc) + 1 ))}
log=$KOUT/build.log
echo "rklp: building $RKLP_FLAVOUR $RKLP_KERNEL kernel in $KOUT (-j$jobs, ~11 min on 2 cores; log $log)"
start=$SECONDS
# shellcheck disable=SC2086
nice -n "${RKLP_KNICE:-0}" make -C "$KSRC" O="$KOUT" $RKLP_MAKE_TOOLS -j"$jobs" bzImage modules >"$log" 2>&1 &
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
# 7.x x86 ftrace jumps to an odd callback (DYNAMIC_FTRACE_WITH_JMP): a
# kernel whose list function is odd crashes when two ftrace users share a
# function (configs/rklp-7.3.config). Refused here, not in the guest.
# (the option, not ftrace_regs_caller_jmp: 6.12 has that label too, and
# there an odd list function is harmless)
if grep -q '^CONFIG_DYNAMIC_FTRACE_WITH_JMP=y' "$KOUT/.config" &&
	grep -qE '[13579bdf] [tT] ftrace_ops_list_func$' "$KOUT/System.map"; then
	echo "rklp: $KOUT: ftrace_ops_list_func is at an odd address, which this kernel's ftrace takes for a jump target: build it with aligned functions (-O2, or gcc >= 14)"
	exit 1
fi
touch "$KOUT/.rklp-complete"
echo "$KOUT"
