#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Shadow variables (upstream test-shadow-vars.sh, adapted: the Rust API is
# typed, so the test prints values instead of pointer ids).
. ./functions.sh

start_test "basic shadow variable API"
load_mod test_rklp_shadow_vars
unload_mod test_rklp_shadow_vars
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
