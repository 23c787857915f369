#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Symbol references (KlpSym, struct rklp_sym_desc): a patch names the
# unexported functions and variables of an object that its replacements use;
# rklp resolves them in that object when it patches it (at enable, or when
# the module loads later, before its init) and clears them when the module
# goes; a missing or ambiguous name, or one of another object, is refused.
. ./functions.sh

P=/proc/rklp_test_sym
SLOTS=/sys/module/test_rklp_sym_c/parameters/slots

start_test "Rust KlpSym: the replacement uses a static function and variable of a module loaded before the patch"
load_mod rklp_test_sym
check_file $P "rklp_test_sym: original calls=1 scale(1)=10 twice=1,2"
check_file $P "rklp_test_sym: original calls=2 scale(1)=10 twice=1,2"
load_lp test_rklp_sym
# The count goes on in the module's static variable; twice is the second.
check_file $P "test_rklp_sym: patched calls=3 scale(4)=40 twice=2"
check_file $P "test_rklp_sym: patched calls=4 scale(4)=40 twice=2"
disable_lp test_rklp_sym
check_file $P "rklp_test_sym: original calls=5 scale(1)=10 twice=1,2"
unload_mod test_rklp_sym
unload_mod rklp_test_sym
check_no_leftovers test_rklp_sym
end_test

start_test "Rust KlpSym: the same with the module loaded after the patch"
load_lp test_rklp_sym
load_mod rklp_test_sym
check_file $P "test_rklp_sym: patched calls=1 scale(4)=40 twice=2"
# Unloaded and loaded again (another address): resolved again.
unload_mod rklp_test_sym
load_mod rklp_test_sym
check_file $P "test_rklp_sym: patched calls=1 scale(4)=40 twice=2"
unload_mod rklp_test_sym
disable_lp test_rklp_sym
unload_mod test_rklp_sym
check_no_leftovers test_rklp_sym
end_test

start_test "C rklp_sym_desc: slots filled when the module loads, cleared when it goes"
load_lp test_rklp_sym_c
check_file $SLOTS "0 0 0"
load_mod rklp_test_sym
check_file $SLOTS "1 1 1"
check_file $P "test_rklp_sym_c: patched calls=1 scale(3)=30 twice=2"
unload_mod rklp_test_sym
check_file $SLOTS "0 0 0"
disable_lp test_rklp_sym_c
unload_mod test_rklp_sym_c
check_no_leftovers test_rklp_sym_c
end_test

start_test "C rklp_sym_desc: a module loaded before the patch"
load_mod rklp_test_sym
load_lp test_rklp_sym_c
check_file $SLOTS "1 1 1"
check_file $P "test_rklp_sym_c: patched calls=1 scale(3)=30 twice=2"
disable_lp test_rklp_sym_c
unload_mod test_rklp_sym_c
unload_mod rklp_test_sym
check_no_leftovers test_rklp_sym_c
end_test

# sym_refusal MODE "desc" "expected rklp lines": test_rklp_sym_c mode=MODE
# is refused at enable with rklp_test_sym loaded.
sym_refusal() {
	start_test "$2"
	load_mod rklp_test_sym
	load_failing_mod test_rklp_sym_c mode=$1
	check_no_leftovers test_rklp_sym_c
	check_result "% insmod rklp_test_sym.ko 
% insmod test_rklp_sym_c.ko mode=$1
$3
insmod: ERROR: could not insert module $MODDIR/test_rklp_sym_c.ko: Invalid parameters"
	end_test
}

sym_refusal ambiguous "refuse an ambiguous symbol reference without sympos" \
	"rklp: unresolvable ambiguity for symbol 'rklp_test_sym_twice' in object 'rklp_test_sym'
rklp: 'rklp_test_sym_twice' occurs 2 times in 'rklp_test_sym': set its sympos"
sym_refusal nopos "refuse a symbol reference's sympos that does not exist" \
	"rklp: symbol position 3 for symbol 'rklp_test_sym_twice' in object 'rklp_test_sym' not found"
sym_refusal missing "refuse a symbol reference that does not exist" \
	"rklp: symbol 'rklp_test_sym_nosuch' not found in object 'rklp_test_sym'"
sym_refusal other "refuse a symbol reference of another object" \
	"rklp: symbol 'cmdline_proc_show' not found in object 'rklp_test_sym'
rklp: 'cmdline_proc_show' is in object 'vmlinux': a patch names a symbol under the object that has it"

start_test "refuse a symbol reference whose slot is read-only data"
load_failing_mod test_rklp_sym_c mode=roslot
check_no_leftovers test_rklp_sym_c
check_result "% insmod test_rklp_sym_c.ko mode=roslot
rklp: patch 'test_rklp_sym_c': object 'rklp_test_sym': the slot of symbol 'rklp_test_sym_twice' is not a pointer variable of the patch module's data
insmod: ERROR: could not insert module $MODDIR/test_rklp_sym_c.ko: Invalid parameters"
end_test

start_test "refuse to load a module whose symbol reference is ambiguous, missing or of another object"
for mode in ambiguous missing other; do
	load_lp test_rklp_sym_c mode=$mode
	log "% insmod rklp_test_sym.ko"
	if out=$(insmod $MODDIR/rklp_test_sym.ko 2>&1); then
		fail "rklp_test_sym loaded with mode=$mode"
	fi
	log "$out"
	[ ! -e /sys/module/rklp_test_sym ] || fail "rklp_test_sym loaded (mode=$mode)"
	check_file $SLOTS "0 0 0"
	disable_lp test_rklp_sym_c
	unload_mod test_rklp_sym_c
done
check_no_leftovers test_rklp_sym_c
check_result "% insmod test_rklp_sym_c.ko mode=ambiguous
rklp: enabling patch 'test_rklp_sym_c'
rklp: 'test_rklp_sym_c': initializing patching transition
rklp: 'test_rklp_sym_c': starting patching transition
rklp: 'test_rklp_sym_c': completing patching transition
rklp: 'test_rklp_sym_c': patching complete
% insmod rklp_test_sym.ko
rklp: applying patch 'test_rklp_sym_c' to loading module 'rklp_test_sym'
rklp: unresolvable ambiguity for symbol 'rklp_test_sym_twice' in object 'rklp_test_sym'
rklp: 'rklp_test_sym_twice' occurs 2 times in 'rklp_test_sym': set its sympos
rklp: failed to initialize patch 'test_rklp_sym_c' for module 'rklp_test_sym' (-22)
rklp: patch 'test_rklp_sym_c' failed for module 'rklp_test_sym', refusing to load module 'rklp_test_sym'
insmod: ERROR: could not insert module $MODDIR/rklp_test_sym.ko: Invalid parameters
% echo 0 > $SYSFS_RKLP/test_rklp_sym_c/enabled
rklp: 'test_rklp_sym_c': initializing unpatching transition
rklp: 'test_rklp_sym_c': starting unpatching transition
rklp: 'test_rklp_sym_c': completing unpatching transition
rklp: 'test_rklp_sym_c': unpatching complete
% rmmod test_rklp_sym_c
% insmod test_rklp_sym_c.ko mode=missing
rklp: enabling patch 'test_rklp_sym_c'
rklp: 'test_rklp_sym_c': initializing patching transition
rklp: 'test_rklp_sym_c': starting patching transition
rklp: 'test_rklp_sym_c': completing patching transition
rklp: 'test_rklp_sym_c': patching complete
% insmod rklp_test_sym.ko
rklp: applying patch 'test_rklp_sym_c' to loading module 'rklp_test_sym'
rklp: symbol 'rklp_test_sym_nosuch' not found in object 'rklp_test_sym'
rklp: failed to initialize patch 'test_rklp_sym_c' for module 'rklp_test_sym' (-22)
rklp: patch 'test_rklp_sym_c' failed for module 'rklp_test_sym', refusing to load module 'rklp_test_sym'
insmod: ERROR: could not insert module $MODDIR/rklp_test_sym.ko: Invalid parameters
% echo 0 > $SYSFS_RKLP/test_rklp_sym_c/enabled
rklp: 'test_rklp_sym_c': initializing unpatching transition
rklp: 'test_rklp_sym_c': starting unpatching transition
rklp: 'test_rklp_sym_c': completing unpatching transition
rklp: 'test_rklp_sym_c': unpatching complete
% rmmod test_rklp_sym_c
% insmod test_rklp_sym_c.ko mode=other
rklp: enabling patch 'test_rklp_sym_c'
rklp: 'test_rklp_sym_c': initializing patching transition
rklp: 'test_rklp_sym_c': starting patching transition
rklp: 'test_rklp_sym_c': completing patching transition
rklp: 'test_rklp_sym_c': patching complete
% insmod rklp_test_sym.ko
rklp: applying patch 'test_rklp_sym_c' to loading module 'rklp_test_sym'
rklp: symbol 'cmdline_proc_show' not found in object 'rklp_test_sym'
rklp: 'cmdline_proc_show' is in object 'vmlinux': a patch names a symbol under the object that has it
rklp: failed to initialize patch 'test_rklp_sym_c' for module 'rklp_test_sym' (-22)
rklp: patch 'test_rklp_sym_c' failed for module 'rklp_test_sym', refusing to load module 'rklp_test_sym'
insmod: ERROR: could not insert module $MODDIR/rklp_test_sym.ko: Invalid parameters
% echo 0 > $SYSFS_RKLP/test_rklp_sym_c/enabled
rklp: 'test_rklp_sym_c': initializing unpatching transition
rklp: 'test_rklp_sym_c': starting unpatching transition
rklp: 'test_rklp_sym_c': completing unpatching transition
rklp: 'test_rklp_sym_c': unpatching complete
% rmmod test_rklp_sym_c"
end_test
