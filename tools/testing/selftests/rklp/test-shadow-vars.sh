#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Shadow variables: upstream's test-shadow-vars.sh, ported (the module calls
# rklp's C ABI, upstream's klp_shadow_* signatures, and prints upstream's
# lines), plus rklp's typed Rust API (klp::Shadow<T>).
. ./functions.sh

MOD_TEST=test_rklp_shadow_vars_abi
MOD_TYPED=test_rklp_shadow_vars


# - load a module that exercises the shadow variable API

start_test "basic shadow variable API"

load_mod $MOD_TEST
unload_mod $MOD_TEST

check_result "% insmod $MOD_TEST.ko 
$MOD_TEST: klp_shadow_get(obj=PTR1, id=0x1234) = PTR0
$MOD_TEST:   got expected NULL result
$MOD_TEST: shadow_ctor: PTR3 -> PTR2
$MOD_TEST: klp_shadow_get_or_alloc(obj=PTR1, id=0x1234, size=8, gfp_flags=GFP_KERNEL), ctor=PTR4, ctor_data=PTR2 = PTR3
$MOD_TEST: shadow_ctor: PTR6 -> PTR5
$MOD_TEST: klp_shadow_alloc(obj=PTR1, id=0x1235, size=8, gfp_flags=GFP_KERNEL), ctor=PTR4, ctor_data=PTR5 = PTR6
$MOD_TEST: shadow_ctor: PTR8 -> PTR7
$MOD_TEST: klp_shadow_alloc(obj=PTR9, id=0x1234, size=8, gfp_flags=GFP_KERNEL), ctor=PTR4, ctor_data=PTR7 = PTR8
$MOD_TEST: shadow_ctor: PTR11 -> PTR10
$MOD_TEST: klp_shadow_alloc(obj=PTR9, id=0x1235, size=8, gfp_flags=GFP_KERNEL), ctor=PTR4, ctor_data=PTR10 = PTR11
$MOD_TEST: shadow_ctor: PTR13 -> PTR12
$MOD_TEST: klp_shadow_get_or_alloc(obj=PTR14, id=0x1234, size=8, gfp_flags=GFP_KERNEL), ctor=PTR4, ctor_data=PTR12 = PTR13
$MOD_TEST: shadow_ctor: PTR16 -> PTR15
$MOD_TEST: klp_shadow_alloc(obj=PTR14, id=0x1235, size=8, gfp_flags=GFP_KERNEL), ctor=PTR4, ctor_data=PTR15 = PTR16
$MOD_TEST: klp_shadow_get(obj=PTR1, id=0x1234) = PTR3
$MOD_TEST:   got expected PTR3 -> PTR2 result
$MOD_TEST: klp_shadow_get(obj=PTR1, id=0x1235) = PTR6
$MOD_TEST:   got expected PTR6 -> PTR5 result
$MOD_TEST: klp_shadow_get(obj=PTR9, id=0x1234) = PTR8
$MOD_TEST:   got expected PTR8 -> PTR7 result
$MOD_TEST: klp_shadow_get(obj=PTR9, id=0x1235) = PTR11
$MOD_TEST:   got expected PTR11 -> PTR10 result
$MOD_TEST: klp_shadow_get(obj=PTR14, id=0x1234) = PTR13
$MOD_TEST:   got expected PTR13 -> PTR12 result
$MOD_TEST: klp_shadow_get(obj=PTR14, id=0x1235) = PTR16
$MOD_TEST:   got expected PTR16 -> PTR15 result
$MOD_TEST: klp_shadow_get_or_alloc(obj=PTR1, id=0x1234, size=8, gfp_flags=GFP_KERNEL), ctor=PTR4, ctor_data=PTR2 = PTR3
$MOD_TEST:   got expected PTR3 -> PTR2 result
$MOD_TEST: klp_shadow_get_or_alloc(obj=PTR9, id=0x1234, size=8, gfp_flags=GFP_KERNEL), ctor=PTR4, ctor_data=PTR7 = PTR8
$MOD_TEST:   got expected PTR8 -> PTR7 result
$MOD_TEST: klp_shadow_get_or_alloc(obj=PTR14, id=0x1234, size=8, gfp_flags=GFP_KERNEL), ctor=PTR4, ctor_data=PTR12 = PTR13
$MOD_TEST:   got expected PTR13 -> PTR12 result
$MOD_TEST: shadow_dtor(obj=PTR1, shadow_data=PTR3)
$MOD_TEST: klp_shadow_free(obj=PTR1, id=0x1234, dtor=PTR17)
$MOD_TEST: klp_shadow_get(obj=PTR1, id=0x1234) = PTR0
$MOD_TEST:   got expected NULL result
$MOD_TEST: shadow_dtor(obj=PTR9, shadow_data=PTR8)
$MOD_TEST: klp_shadow_free(obj=PTR9, id=0x1234, dtor=PTR17)
$MOD_TEST: klp_shadow_get(obj=PTR9, id=0x1234) = PTR0
$MOD_TEST:   got expected NULL result
$MOD_TEST: shadow_dtor(obj=PTR14, shadow_data=PTR13)
$MOD_TEST: klp_shadow_free(obj=PTR14, id=0x1234, dtor=PTR17)
$MOD_TEST: klp_shadow_get(obj=PTR14, id=0x1234) = PTR0
$MOD_TEST:   got expected NULL result
$MOD_TEST: klp_shadow_get(obj=PTR1, id=0x1235) = PTR6
$MOD_TEST:   got expected PTR6 -> PTR5 result
$MOD_TEST: klp_shadow_get(obj=PTR9, id=0x1235) = PTR11
$MOD_TEST:   got expected PTR11 -> PTR10 result
$MOD_TEST: klp_shadow_get(obj=PTR14, id=0x1235) = PTR16
$MOD_TEST:   got expected PTR16 -> PTR15 result
$MOD_TEST: klp_shadow_free_all(id=0x1235, dtor=PTR0)
$MOD_TEST: klp_shadow_get(obj=PTR1, id=0x1235) = PTR0
$MOD_TEST:   got expected NULL result
$MOD_TEST: klp_shadow_get(obj=PTR9, id=0x1235) = PTR0
$MOD_TEST:   got expected NULL result
$MOD_TEST: klp_shadow_get(obj=PTR14, id=0x1235) = PTR0
$MOD_TEST:   got expected NULL result
% rmmod $MOD_TEST"
end_test


# - the same calls through the typed Rust API (rklp only): the constructor
#   moves a value in, the destructor drops it, so values are printed

start_test "typed Rust shadow variable API (Shadow<T>)"
load_mod $MOD_TYPED
unload_mod $MOD_TYPED
RESULT_SED='s/<[^,]*, /<PTR, /' check_result "% insmod test_rklp_shadow_vars.ko 
test_rklp_shadow_vars: get(obj0, 0x1234): NULL
test_rklp_shadow_vars: get(obj0, 0x1234) == alloc: true
test_rklp_shadow_vars: get(obj1, 0x1234) == alloc: true
test_rklp_shadow_vars: get(obj2, 0x1234) == alloc: true
test_rklp_shadow_vars: dtor: unused (99)
test_rklp_shadow_vars: get_or_alloc(obj2, 0x1234) returns the existing one: true
rklp: Duplicate shadow variable <PTR, 1234>
test_rklp_shadow_vars: dtor: duplicate (100)
test_rklp_shadow_vars: duplicate alloc(obj0, 0x1234) refused: true
test_rklp_shadow_vars: dtor: obj0:1234 (1)
test_rklp_shadow_vars: get(obj0, 0x1234) after free: NULL
test_rklp_shadow_vars: get(obj1, 0x1234): obj1:1234 = 2
test_rklp_shadow_vars: dtor: second id (10)
test_rklp_shadow_vars: dtor: second id (11)
test_rklp_shadow_vars: dtor: second id (12)
test_rklp_shadow_vars: get(objN, 0x1235) after free_all: NULL
test_rklp_shadow_vars: get(objN, 0x1235) after free_all: NULL
test_rklp_shadow_vars: get(objN, 0x1235) after free_all: NULL
test_rklp_shadow_vars: dtor: obj1:1234 (2)
test_rklp_shadow_vars: dtor: obj2:1234 (3)
% rmmod test_rklp_shadow_vars"
end_test


# - shadow variables from IRQ context and from a constructor (issue 8,
#   item 12): lookups take no lock, changes keep interrupts off. The module
#   bounds each check in time (see rklp_test_shadow_irq.c): a deadlock
#   fails the load or, in hard IRQ, panics the guest within 5 s.

MOD_IRQ=rklp_test_shadow_irq

start_test "rklp_shadow_get from a constructor and from an interrupt raised in it"
load_mod $MOD_IRQ mode=ctor && unload_mod $MOD_IRQ
check_result "% insmod $MOD_IRQ.ko mode=ctor
$MOD_IRQ: constructor: rklp_shadow_get() of the variable being built: NULL, of another: found
$MOD_IRQ: interrupt raised in the constructor ran after it: rklp_shadow_get() found the new variable
$MOD_IRQ: rklp_shadow_get() on another CPU did not wait for the constructor: found
% rmmod $MOD_IRQ"
end_test

start_test "rklp_shadow_get in hard IRQ while the same CPU changes shadow variables"
load_mod $MOD_IRQ mode=irq_shadow && unload_mod $MOD_IRQ
check_result "% insmod $MOD_IRQ.ko mode=irq_shadow
$MOD_IRQ: rklp_shadow_get() in hard IRQ while the same CPU allocates and frees shadow variables: no deadlock
% rmmod $MOD_IRQ"
end_test

start_test "rklp_get_state in hard IRQ while the same CPU reads system states"
load_mod $MOD_IRQ mode=irq_state && unload_mod $MOD_IRQ
check_result "% insmod $MOD_IRQ.ko mode=irq_state
$MOD_IRQ: rklp_get_state() in hard IRQ while the same CPU calls rklp_get_state(): no deadlock
% rmmod $MOD_IRQ"
end_test
