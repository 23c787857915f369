#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Upstream's samples/livepatch modules on rklp (issue 19, item 3): the patch
# modules built from the kernel's source with only their include swapped
# for include/rklp/livepatch.h (lp_samples/Kbuild), run in the same boot as
# upstream's builds on the kernel's livepatch, the same steps on each: they
# must behave the same (the samples' own messages, /proc/cmdline).
. ./functions.sh

LP=$MODDIR/livepatch	# upstream's builds (patches and targets)
COMPAT=$MODDIR/compat	# the patches built for rklp

# side_dir SIDE / side_sysfs SIDE: where SIDE's patch modules and patch
# directories are.
side_dir() { [ "$1" = livepatch ] && echo $LP || echo $COMPAT; }
side_sysfs() { [ "$1" = livepatch ] && echo $SYSFS_KLP || echo $SYSFS_RKLP; }

# load_patch SIDE NAME: load SIDE's build of patch NAME (a file name) and
# wait for its transition.
load_patch() {
	_m=$(echo "$2" | tr - _)
	log "% insmod $1/$2.ko"
	out=$(insmod "$(side_dir $1)/$2.ko" 2>&1) || { fail "$1: insmod $2: $out"; return 1; }
	loop_until "[ -d $(side_sysfs $1)/$_m ]" || { fail "$1: no $_m directory"; return 1; }
	loop_until "[ \"\$(cat $(side_sysfs $1)/$_m/transition)\" = 0 ]" || fail "$1: $_m transition stuck"
}

# unload_patch SIDE NAME: disable SIDE's patch NAME (a module name) and
# remove its module.
unload_patch() {
	log "% echo 0 > $1 $2/enabled"
	echo 0 >"$(side_sysfs $1)/$2/enabled" || fail "$1: disabling $2"
	loop_until "[ ! -d $(side_sysfs $1)/$2 ]" || fail "$1: $2 still there"
	unload_mod "$2"
}

# The samples' own messages since the canary (modules named livepatch_*),
# without timestamps; pointers and numbers as P and N with SIDE's patch
# module names made the same.
sample_lines() {
	test_dmesg | grep -E '^livepatch_[a-z0-9_]+: ' |
		sed -E 's/[0-9a-f]{8,}/P/g; s/[0-9]+/N/g'
}

# compare TITLE: the two sides' sample lines (files /tmp/compat.livepatch
# and /tmp/compat.rklp) must be the same, shown side by side.
compare() {
	echo "# $1: livepatch | rklp"
	paste -d'|' /tmp/compat.livepatch /tmp/compat.rklp | sed 's/^/#   /'
	if ! cmp -s /tmp/compat.livepatch /tmp/compat.rklp; then
		fail "$1: the samples behave differently on livepatch and on rklp"
		diff -u /tmp/compat.livepatch /tmp/compat.rklp | sed 's/^/# /'
	fi
}

start_test "upstream's livepatch-sample on rklp, include swapped"
check_eq "modinfo -F rklp" "$(modinfo -F rklp $COMPAT/livepatch-sample.ko)" Y
orig=$(cat /proc/cmdline)
for side in livepatch rklp; do
	CANARY="rklp selftest: compat sample $side $(cut -d' ' -f1 /proc/uptime)"
	log "$CANARY"
	load_patch $side livepatch-sample
	check_file /proc/cmdline "this has been live patched"
	unload_patch $side livepatch_sample
	check_file /proc/cmdline "$orig"
done
end_test

start_test "upstream's livepatch-callbacks-demo on rklp, include swapped"
for side in livepatch rklp; do
	CANARY="rklp selftest: compat callbacks $side $(cut -d' ' -f1 /proc/uptime)"
	log "$CANARY"
	loop_until 'dmesg | grep -qF "$CANARY"'
	# Documentation/livepatch/callbacks.rst: a target loaded before the
	# patch, one loaded after it (its work function is patched), both
	# removed, then the patch.
	load_mod livepatch/livepatch-callbacks-mod
	load_patch $side livepatch-callbacks-demo
	load_mod livepatch/livepatch-callbacks-busymod
	loop_until 'test_dmesg | grep -q "livepatch_callbacks_demo: patched_work_func"' ||
		fail "$side: the patched work function did not run"
	unload_mod livepatch_callbacks_busymod
	unload_patch $side livepatch_callbacks_demo
	unload_mod livepatch_callbacks_mod
	sample_lines >/tmp/compat.$side
done
compare "callbacks"
end_test

start_test "upstream's livepatch-shadow-fix1/-fix2 on rklp, include swapped"
# Upstream's livepatch-shadow-mod leaks by design ("Oops, forgot to save
# leak!"): an int for each dummy its work allocates while dummy_alloc is
# unpatched. So fix1 is loaded first (a patch of a module that is not
# loaded yet, applied when it comes) and the module goes before the fixes:
# it never runs unpatched and nothing leaks. (It was loaded first and
# unloaded last, and the ints it leaked in between were cleared from
# kmemleak's list; one still referenced from a stale stack slot at the
# clear was reported at the end of the run: the 7.3 debug kernel, test-compat
# in the same boot as test-direct, an 8-byte object from
# livepatch-shadow-mod's alloc_work_func -> dummy_alloc.)
# With kmemleak (the debug kernel), anything suspected before the case or
# after it fails it.
KML=/sys/kernel/debug/kmemleak
kml_suspects() {
	sleep 6
	echo scan >$KML
	sleep 6
	echo scan >$KML
	grep '^unreferenced object' $KML
}
if [ -w $KML ]; then
	kml_suspects >/tmp/kml.before
	check_eq "kmemleak suspects before upstream's shadow samples" "$(wc -l </tmp/kml.before)" 0
fi
for side in livepatch rklp; do
	CANARY="rklp selftest: compat shadow $side $(cut -d' ' -f1 /proc/uptime)"
	log "$CANARY"
	loop_until 'dmesg | grep -qF "$CANARY"'
	load_patch $side livepatch-shadow-fix1
	load_mod livepatch/livepatch-shadow-mod
	# A dummy allocated under fix1 expires (12 s) and is freed with its
	# shadow leak (fix1's destructor says so).
	loop_until 'test_dmesg | grep -q "livepatch_shadow_fix1: livepatch_fix1_dummy_leak_dtor: dummy @ .*, prevented leak"' ||
		fail "$side: fix1 never freed a shadow leak"
	load_patch $side livepatch-shadow-fix2
	# fix2 counts checks in a second shadow variable, shown when a dummy
	# is freed.
	loop_until 'test_dmesg | grep -q "livepatch_shadow_fix2: livepatch_fix2_dummy_free: dummy @ .*, check counter"' ||
		fail "$side: fix2 never counted"
	unload_mod livepatch_shadow_mod
	unload_patch $side livepatch_shadow_fix2
	unload_patch $side livepatch_shadow_fix1
	# What the fixes did, not how often or in which order (timing): each
	# kind of line of theirs once.
	sample_lines | grep -E '^livepatch_shadow_fixN: .*(prevented leak|check counter)' |
		sort -u >/tmp/compat.$side
done
compare "shadow variables"
if [ -w $KML ]; then
	kml_suspects >/tmp/kml.after
	check_eq "kmemleak suspects after upstream's shadow samples" "$(wc -l </tmp/kml.after)" 0
fi
end_test
