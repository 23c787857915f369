#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make fuzz: generated bad input, reproducible from a seed (rklp_seed=S on
# the kernel command line, RKLP_SEED on the host). Scale: rklp_scale (1 =
# CI's short run, 10 = the default long run).
#
#  - every writable sysfs file and module parameter of rklp, and the
#    read-only ones: edge-case and random bytes, NULs, a page and more,
#    partial writes, concurrent writers and readers, writes during a
#    transition, non-root writers, writes through a descriptor opened
#    before its patch was removed (rklp_fuzz.c, with the parsers' oracle);
#  - broken patch descriptors built at run time (test_rklp_fuzz_desc.ko,
#    one corruption or a seeded combination per load), registration twice,
#    from a module whose init then fails, during a transition;
#  - the rklp command-line tool with hostile names and arguments.
#
# After each: the expected -errno, a dmesg line for refused descriptors,
# nothing patched (sysfs, ftrace's enabled_functions), refcounts and the
# module list unchanged; kmemleak at the end of the run (guest-init.sh).
# Prints "# fuzz: seed S bad inputs N (...) crashes 0 leftovers L".
. ./functions.sh

SEED=${rklp_seed:-1}
SCALE=${rklp_scale:-1}
FUZZ=./rklp_fuzz
BUSY=/sys/module/rklp_test_busy/parameters
TOTAL=0
LEFTOVERS=0

# What must be the same before and after each bad input: rklp's sysfs
# trees, its refcount, ftrace's enabled functions (by name), the loaded modules, the
# kick delay, the patched /proc files.
snapshot() {
	find $SYSFS_RKLP /sys/module/rklp/transition /sys/module/rklp/parameters | sort
	echo "refcnt $(cat /sys/module/rklp/refcnt)"
	# By name: a function that settles onto its direct call (the settle
	# work, asynchronously, settle_delay_ms after a switch) changes its
	# line, not its name.
	ftrace_enabled_functions | awk '{ print $1 }'
	lsmod | awk 'NR > 1 { print $1 }' | sort
	cat $RKLP_KICK_DELAY
	cat /proc/cmdline /proc/version
}

# check_snapshot WHAT: the state is still that of $BASE.
check_snapshot() {
	snapshot >/tmp/fuzz_now
	if ! cmp -s /tmp/fuzz_base /tmp/fuzz_now; then
		LEFTOVERS=$((LEFTOVERS + 1))
		fail "$1: the system is not as it was"
		diff /tmp/fuzz_base /tmp/fuzz_now | head -20 | sed 's/^/# /'
	fi
}

# run_fuzz ARGS...: rklp_fuzz, its UNEXPECTED lines shown, its counts added.
run_fuzz() {
	out=$($FUZZ "$@" 2>&1)
	rc=$?
	echo "$out" | grep '^# UNEXPECTED' | head -20
	last=$(echo "$out" | tail -1)
	echo "# rklp_fuzz $1: $last"
	set -- $last
	if [ $rc != 0 ] || [ "$1" != inputs ]; then
		fail "rklp_fuzz failed: $out"
		return
	fi
	TOTAL=$((TOTAL + $4))
	check_eq "unexpected answers" "$6" 0
}

# took: seconds since the last call (the run must fit CI's budget).
took() {
	_t=$(now_ms)
	echo "# took $(((_t - ${_took:-$_t}) / 1000)) s"
	_took=$_t
}
echo "# fuzz: seed $SEED scale $SCALE"
took >/dev/null
N=$((100 * SCALE))

start_test "fuzz: sysfs files and parameters of an enabled patch, concurrent writers and readers (seed $SEED)"
load_lp rklp_sample
P=$SYSFS_RKLP/rklp_sample
snapshot >/tmp/fuzz_base
run_fuzz write "$SEED" $N 3 2 enabled=$P/enabled force=$P/force ro=$P/transition \
	ro=$P/replace ro=$P/stack_order ro=$P/vmlinux/patched ro=$RKLP_STALLED \
	pid=$RKLP_PATCH_STATE uint=$RKLP_KICK_DELAY
check_snapshot "sysfs fuzz"
check_file /proc/cmdline "this has been live patched"
took; end_test

start_test "fuzz: the same files written by user nobody"
load_lp rklp_sample
snapshot >/tmp/fuzz_base
run_fuzz nobody "$SEED" $((N / 2)) enabled=$P/enabled force=$P/force ro=$P/transition \
	ro=$RKLP_STALLED pid=$RKLP_PATCH_STATE uint=$RKLP_KICK_DELAY
check_snapshot "non-root writes"
took; end_test

start_test "fuzz: writes during a stalled transition"
stall_busy_patch test_rklp_busy
P=$SYSFS_RKLP/test_rklp_busy
snapshot >/tmp/fuzz_base
run_fuzz write "$SEED" $((N / 2)) 2 1 enabled=$P/enabled force_tr=$P/force \
	ro=$P/transition ro=$RKLP_STALLED pid=$RKLP_PATCH_STATE
check_snapshot "writes in a transition"
check_file $P/transition 1
echo 0 >$BUSY/block
loop_until "[ \"\$(cat $P/transition)\" = 0 ]" || fail "transition never finished"
took; end_test

start_test "fuzz: writes through descriptors opened before the patch was removed"
load_lp rklp_sample
run_fuzz stale "$SEED" 60 $SYSFS_RKLP/rklp_sample
unload_mod rklp_sample
check_no_leftovers rklp_sample
took; end_test

# try_desc CASE [COUNT]: test_rklp_fuzz_desc.ko case=CASE count=COUNT
# (cases CASE.., one after the other in one load) must be refused, each
# with a -errno and an rklp message, leaving nothing behind (the cheap
# checks here, the whole snapshot at the end of the test).
try_desc() {
	n=${2:-1}
	dmesg -c >/dev/null
	if out=$(insmod $MODDIR/test_rklp_fuzz_desc.ko case=$1 count=$n seed=$SEED 2>&1); then
		fail "descriptor case $1 (+$n) was accepted: $(dmesg | grep 'returned 0')"
		unload_mod test_rklp_fuzz_desc
		return
	fi
	# kmod's words for EINVAL, ENOENT, EEXIST, EBUSY, ENODEV.
	case "$out" in
	*"Invalid parameters"* | *"Unknown symbol"* | *"File exists"* | *"Device or resource busy"* | *"No such device"*) ;;
	*) fail "descriptor case $1: unexpected error: $out" ;;
	esac
	# Each case: a negative errno, after at least one line of rklp's.
	bad=$(dmesg | awk '/rklp: / { m++ }
		/test_rklp_fuzz_desc: case [0-9]* returned/ {
			if (m == 0 || $NF !~ /^-[0-9]+$/) print $(NF - 2); m = 0; n++ }
		END { if (n != '"$n"') print "count:" n }')
	[ -z "$bad" ] || fail "descriptor cases without a -errno and an rklp message: $bad"
	TOTAL=$((TOTAL + n))
	DESC=$((DESC + n))
	[ ! -e /sys/module/test_rklp_fuzz_desc ] || fail "case $1: module left loaded"
	[ "$(ls $SYSFS_RKLP)" = "$PATCHES" ] || { LEFTOVERS=$((LEFTOVERS + 1)); fail "case $1: patches left: $(ls $SYSFS_RKLP)"; }
	[ "$(ftrace_enabled_functions | wc -l)" = "$NFUNCS" ] || { LEFTOVERS=$((LEFTOVERS + 1)); fail "case $1: ftrace functions left"; }
	[ "$(cat /sys/module/rklp/refcnt)" = "$REFCNT" ] || { LEFTOVERS=$((LEFTOVERS + 1)); fail "case $1: rklp refcnt changed"; }
}

# desc_base: what try_desc compares with.
desc_base() {
	PATCHES=$(ls $SYSFS_RKLP)
	NFUNCS=$(ftrace_enabled_functions | wc -l)
	REFCNT=$(cat /sys/module/rklp/refcnt)
}

start_test "fuzz: broken patch descriptors (50 single corruptions, $((100 * SCALE)) seeded combinations)"
cleanup
snapshot >/tmp/fuzz_base
# The control: the valid descriptor is accepted (so refusals mean something).
load_lp test_rklp_fuzz_desc case=0
check_file /proc/cmdline "test_rklp_fuzz_desc: this has been live patched"
disable_lp test_rklp_fuzz_desc
unload_mod test_rklp_fuzz_desc
check_snapshot "the control patch"
desc_base
DESC=0
# One load per single corruption in the long run, all in one load in CI's.
if [ "$SCALE" -ge 10 ]; then
	c=1
	while [ $c -le 50 ]; do
		try_desc $c
		c=$((c + 1))
	done
else
	try_desc 1 50
fi
c=1000
while [ $c -lt $((1000 + 100 * SCALE)) ]; do
	try_desc $c 100
	c=$((c + 100))
done
try_desc 100000 # registration twice
try_desc 100001 # init fails after the patch was enabled
check_snapshot "broken descriptors"
took; end_test

start_test "fuzz: a valid descriptor during another patch's transition"
stall_busy_patch test_rklp_busy
snapshot >/tmp/fuzz_base
desc_base
try_desc 0 # during a transition
echo 0 >$BUSY/block
loop_until "[ \"\$(cat $SYSFS_RKLP/test_rklp_busy/transition)\" = 0 ]" || fail "transition never finished"
took; end_test
echo "# fuzz: $DESC broken descriptors refused"

# try_cli ARGS...: the tool must fail with a message and change nothing.
try_cli() {
	out=$(cd /tmp/fuzz_cli && rklp "$@" 2>&1 </dev/null)
	rc=$?
	CLI=$((CLI + 1))
	TOTAL=$((TOTAL + 1))
	if [ $rc != 1 ] && [ $rc != 2 ]; then
		fail "rklp $*: exit status $rc: $out"
	fi
	case "$out" in
	*rklp:* | *"rklp list"*) ;;
	*) fail "rklp $*: no message: $out" ;;
	esac
	if [ -e /tmp/pwned ] || [ -n "$(ls -A /tmp/fuzz_cli)" ]; then
		fail "rklp $*: ran shell code from its arguments"
		rm -f /tmp/pwned /tmp/fuzz_cli/*
	fi
}

start_test "fuzz: the command-line tool with hostile names and arguments"
load_lp rklp_sample
snapshot >/tmp/fuzz_base
mkdir -p /tmp/fuzz_cli
CLI=0
long=$(printf '%0600d' 0 | tr 0 a)
nl='a
b'
for a in "" "-" "--" "-t" "-x" "-rf" "." ".." "../rklp_sample" "/sys/kernel/rklp/rklp_sample" \
	"rklp_sample/../rklp_sample" "a b" "a;touch /tmp/pwned" '$(touch /tmp/pwned)' \
	'`touch /tmp/pwned`' "a|touch /tmp/pwned" "a&&touch /tmp/pwned" "*" "?" "[a]" "'" '"' '\' \
	"$nl" "	" "$long" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"rklp" "rklp_test_busy" "no_such_patch" "-1" "1e9" "0x10" "%s%n" "é" "rklp_sample " \
	" rklp_sample" "RKLP_SAMPLE" "rklp-sample" "$SYSFS_RKLP"; do
	# Every command with every value in the long run; CI's short run
	# takes three commands per value, in turn (a fork costs on the debug
	# kernel).
	k=0
	for cmd in info enable disable unload force state kick-delay "" "disable -t" load; do
		k=$((k + 1))
		[ "$SCALE" -lt 10 ] && [ $(((k + CLI) % 3)) != 0 ] && continue
		# (not the valid ones: disabling the patch, reading the delay,
		# setting a number)
		case "$cmd $a" in
		"disable rklp_sample" | "kick-delay ") continue ;;
		"state " | "state "*[!0-9]* | "kick-delay "*[!0-9]*) ;;
		state* | kick-delay*) continue ;;
		esac
		case "$cmd" in
		"") try_cli "$a" rklp_sample ;;
		"disable -t") try_cli disable -t "$a" rklp_sample ;;
		*) try_cli $cmd "$a" ;;
		esac
	done
done
# enable on an enabled patch; extra arguments; modules that are not patches.
try_cli enable rklp_sample
try_cli force rklp_sample
try_cli load /etc/passwd
try_cli load /tmp
try_cli load $MODDIR/rklp.ko
try_cli load $MODDIR/rklp_sample.ko
try_cli load $MODDIR/test_rklp_fuzz_desc.ko case=7
try_cli load $MODDIR/test_rklp_fuzz_desc.ko case=abc
try_cli load $MODDIR/test_rklp_fuzz_desc.ko 'case=$(touch /tmp/pwned)'
try_cli state 99999999999
try_cli kick-delay 99999999999
try_cli kick-delay 4294967296
check_snapshot "hostile CLI arguments"
echo "# fuzz: $CLI hostile command lines refused"
took; end_test

# Leaks: guest-init.sh's kmemleak scan at the end of the run (debug
# kernel), which fails the run on any report (run-guest.sh).
# Crashes: the guest would not get here; run-guest.sh fails on any splat.
echo "# fuzz: seed $SEED bad inputs $TOTAL (descriptors $DESC, cli $CLI) crashes 0 leftovers $LEFTOVERS"
