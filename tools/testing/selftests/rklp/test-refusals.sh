#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Bad patches are refused: insmod fails, dmesg says why, nothing is left.
. ./functions.sh

# refusal_test MODULE "desc" "expected rklp line(s)" "insmod error"
refusal_test() {
	start_test "$2"
	load_failing_mod "$1"
	check_no_leftovers "$1"
	check_result "% insmod $1.ko 
$3
insmod: ERROR: could not insert module $MODDIR/$1.ko: $4"
	end_test
}

refusal_test test_rklp_bad_nosym "refuse a symbol that does not exist" \
	"rklp: symbol 'rklp_no_such_function' not found in symbol table" "Invalid parameters"
refusal_test test_rklp_bad_ambiguous "refuse an ambiguous symbol without old_sympos" \
	"rklp: unresolvable ambiguity for symbol 'force_store' in object 'vmlinux'
rklp: 'force_store' occurs 2 times in 'vmlinux': set old_sympos" "Invalid parameters"
refusal_test test_rklp_bad_sympos "refuse an old_sympos that does not exist" \
	"rklp: symbol position 2 for symbol 'cmdline_proc_show' in object 'vmlinux' not found" "Invalid parameters"
refusal_test test_rklp_bad_notrace "refuse a function without ftrace location" \
	"rklp: failed to find location for function 'native_sched_clock'" "Invalid parameters"
refusal_test test_rklp_bad_dup "refuse the same function twice in one patch" \
	"rklp: patch 'test_rklp_bad_dup': function 'version_proc_show' is listed twice in object 'vmlinux'" "Invalid parameters"
refusal_test test_rklp_bad_state_dup "refuse the same system state twice in one patch" \
	"rklp: patch 'test_rklp_bad_state_dup': system state 7 is listed twice" "Invalid parameters"
refusal_test test_rklp_bad_state_id0 "refuse system state id 0" \
	"rklp: patch 'test_rklp_bad_state_id0': system state id 0 is reserved" "Invalid parameters"

# Code pointers (issue 8, item 13): a replacement or callback must be the
# start of a function in the patch module's own core text, and not the
# function it replaces; the module argument must be the calling module.
refusal_test test_rklp_bad_other "refuse a replacement in another module" \
	"rklp: patch 'test_rklp_bad_other': replacement of 'cmdline_proc_show' is not in the patch module's text" "Invalid parameters"
refusal_test test_rklp_bad_mid "refuse a replacement in the middle of a function" \
	"rklp: patch 'test_rklp_bad_mid': replacement of 'cmdline_proc_show' is not the start of a function" "Invalid parameters"
refusal_test test_rklp_bad_data "refuse a replacement that is data" \
	"rklp: patch 'test_rklp_bad_data': replacement of 'cmdline_proc_show' is not in the patch module's text" "Invalid parameters"

# abi_refusal_test MODE "desc" "expected rklp line(s)": test_rklp_bad_abi
# (raw C ABI) in MODE must be refused with -EINVAL, leaving nothing.
abi_refusal_test() {
	start_test "$2"
	load_failing_mod test_rklp_bad_abi mode=$1
	check_no_leftovers test_rklp_bad_abi
	check_result "% insmod test_rklp_bad_abi.ko mode=$1
$3
insmod: ERROR: could not insert module $MODDIR/test_rklp_bad_abi.ko: Invalid parameters"
	end_test
}

abi_refusal_test self "refuse a function as its own replacement" \
	"rklp: function 'test_rklp_bad_abi_func' cannot be its own replacement"
abi_refusal_test initcb "refuse a callback in .init.text" \
	"rklp: patch 'test_rklp_bad_abi': pre_patch callback of object 'vmlinux' is not in the patch module's text"

insmod $MODDIR/rklp_test_target.ko || echo "# cannot load rklp_test_target"
start_test "refuse another module as the patch's module"
log "% insmod test_rklp_bad_abi.ko mode=wrongmod"
if out=$(insmod $MODDIR/test_rklp_bad_abi.ko mode=wrongmod 2>&1); then
	fail "test_rklp_bad_abi mode=wrongmod loaded"
fi
log "$out"
check_no_leftovers test_rklp_bad_abi
[ ! -e $SYSFS_RKLP/rklp_test_target ] || fail "a patch was registered for rklp_test_target"
check_eq "rklp_test_target refcnt" "$(cat /sys/module/rklp_test_target/refcnt)" 0
check_result "% insmod test_rklp_bad_abi.ko mode=wrongmod
rklp: rklp_enable_patch: the module argument is not the calling module
insmod: ERROR: could not insert module $MODDIR/test_rklp_bad_abi.ko: Invalid parameters"
end_test

# Descriptors (issue 8, item 14): names are read only up to the kernel's
# length limits and counts are capped, so a name without NUL before an
# unmapped page, or a count far beyond the array, is refused, not followed.
abi_refusal_test longname "refuse an unterminated function name" \
	"rklp: patch descriptor: object 0 function 0: name not NUL-terminated within 512 bytes
rklp: invalid patch descriptor"
abi_refusal_test objname "refuse an unterminated object name" \
	"rklp: patch descriptor: object 0: name not NUL-terminated within 56 bytes
rklp: invalid patch descriptor"
abi_refusal_test count "refuse an absurd function count" \
	"rklp: patch descriptor: object 0: 1099511627776 functions (at most 65536)
rklp: invalid patch descriptor"

# Object and function names (issue 17, item 11): a module object's name
# names a sysfs directory (<patch>/<object>/) and is printed: ".", "..", a
# '/' or a control character (a newline forges lines) are refused, as empty
# names are (and, above, unterminated ones).
abi_refusal_test objdot "refuse an object named '.'" \
	"rklp: patch 'test_rklp_bad_abi': object 0: name is '.' or '..'"
abi_refusal_test objdotdot "refuse an object named '..'" \
	"rklp: patch 'test_rklp_bad_abi': object 0: name is '.' or '..'"
abi_refusal_test objslash "refuse an object name with a '/'" \
	"rklp: patch 'test_rklp_bad_abi': object 0: name contains a '/'"
abi_refusal_test objnewline "refuse an object name with a newline" \
	"rklp: patch 'test_rklp_bad_abi': object 0: name contains a control character"
abi_refusal_test objempty "refuse an empty object name" \
	"rklp: patch 'test_rklp_bad_abi': object 0: name is empty"
abi_refusal_test funcslash "refuse a function name with a '/'" \
	"rklp: patch 'test_rklp_bad_abi': object 0 function 0: name contains a '/'"

# Patch modules are marked (issue 17, item 11): the API (api.rs, rklp.h)
# adds "rklp: Y" to their modinfo, and rklp refuses a patch from a module
# without it, as upstream's klp_enable_patch() refuses one without
# "livepatch: Y".
start_test "patch modules built with the API carry rklp: Y"
for m in rklp_sample test_rklp_bad_abi test_rklp_no_import; do
	check_eq "modinfo -F rklp $m.ko" "$(modinfo -F rklp $MODDIR/$m.ko)" Y
done
check_eq "modinfo -F rklp test_rklp_untagged.ko" "$(modinfo -F rklp $MODDIR/test_rklp_untagged.ko)" ""
end_test
refusal_test test_rklp_untagged "refuse a patch from a module not marked as a patch module" \
	"rklp: module 'test_rklp_untagged' is not marked as a patch module (no 'rklp=Y' in its modinfo: build it with include/rklp/api.rs or rklp.h)" \
	"Invalid parameters"

# rklp's exports are in the symbol namespace RKLP (issue 17, item 11),
# which the API imports: the loader refuses a module that does not.
start_test "rklp's ABI is in the namespace RKLP, imported by the API"
for m in rklp_sample test_rklp_bad_abi test_rklp_untagged; do
	check_eq "modinfo -F import_ns $m.ko" "$(modinfo -F import_ns $MODDIR/$m.ko)" RKLP
done
end_test
refusal_test test_rklp_no_import "refuse a patch module that does not import the namespace RKLP" \
	"test_rklp_no_import: module uses symbol (rklp_enable_patch) from namespace RKLP, but does not import it.
test_rklp_no_import: Unknown symbol rklp_enable_patch (err -22)" \
	"Invalid parameters"

start_test "refuse rmmod rklp while a patch exists"
load_lp rklp_sample
log "% rmmod rklp"
if out=$(rmmod rklp 2>&1); then
	fail "rmmod rklp succeeded with a patch enabled"
else
	log "$out"
fi
check_file /proc/cmdline "this has been live patched"
check_file $SYSFS_RKLP/rklp_sample/enabled 1
disable_lp rklp_sample
unload_mod rklp_sample
check_no_leftovers rklp_sample
log "% rmmod rklp"
out=$(rmmod rklp 2>&1) || fail "rmmod rklp after the patch is gone: $out"
[ ! -e /sys/kernel/rklp ] || fail "/sys/kernel/rklp left after rmmod rklp"
insmod $MODDIR/rklp.ko || fail "reloading rklp"
end_test

start_test "refuse a patch module when rklp is not loaded"
rmmod rklp
log "% insmod rklp_sample.ko"
if out=$(insmod $MODDIR/rklp_sample.ko 2>&1); then
	fail "rklp_sample loaded without rklp"
fi
[ ! -e /sys/module/rklp_sample ] || fail "rklp_sample loaded"
insmod $MODDIR/rklp.ko || fail "reloading rklp"
end_test
