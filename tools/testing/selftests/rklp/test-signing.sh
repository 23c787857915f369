#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Module signatures (make check-sign): the signing test kernel
# (configs/rklp-sig.config) trusts the key its build made, and the guest
# boots with module.sig_enforce=1. rklp.ko and the sample were signed with
# that key by `make sign` (scripts/check-all.sh, scripts/check-sign.sh); the
# other test modules were not. On a kernel that does not enforce
# signatures every case skips, saying so.
. ./functions.sh

ENFORCE=/sys/module/module/parameters/sig_enforce
enforced() {
	file_is $ENFORCE Y && return 0
	skip "the kernel does not enforce module signatures (boot the signing test kernel with module.sig_enforce=1: make check-sign)"
	return 1
}

start_test "signatures enforced: rklp.ko is loaded, signed, and the kernel is not tainted by an unsigned module"
if enforced; then
	[ -d /sys/module/rklp ] || fail "rklp.ko is not loaded"
	read -r t </proc/sys/kernel/tainted
	# TAINT_UNSIGNED_MODULE is bit 13 ("E").
	[ $(((t >> 13) & 1)) = 0 ] || fail "the kernel is tainted E (an unsigned module was loaded): tainted=$t"
	modinfo -F sig_id "$MODDIR/rklp.ko" | grep -q PKCS#7 ||
		fail "rklp.ko carries no PKCS#7 signature ($(modinfo -F sig_id "$MODDIR/rklp.ko"))"
fi
end_test

start_test "signatures enforced: an unsigned patch module is refused, nothing patched"
if enforced; then
	if load_failing_mod test_rklp_atomic_replace; then
		case $out in
		*"Key was rejected by service"*) ;;
		*) fail "insmod of the unsigned patch failed, but not with EKEYREJECTED: $out" ;;
		esac
	fi
	[ ! -d $SYSFS_RKLP/test_rklp_atomic_replace ] || fail "the unsigned patch has a sysfs directory"
	grep -q '^test_rklp_atomic_replace ' /proc/modules && fail "the unsigned patch is loaded"
	check_no_leftovers test_rklp_atomic_replace
fi
end_test

start_test "signatures enforced: a signed patch module loads with the rklp tool and patches"
if enforced; then
	rklp load "$MODDIR/rklp_sample.ko" >/tmp/rklp_sign.out 2>&1 ||
		{ read_file /tmp/rklp_sign.out; fail "rklp load of the signed sample failed: $_rf"; }
	loop_until "file_is $SYSFS_RKLP/rklp_sample/transition 0" || fail "the sample's transition did not end"
	check_file /proc/cmdline "this has been live patched"
	disable_lp rklp_sample
	unload_mod rklp_sample
	check_no_leftovers rklp_sample
fi
end_test
