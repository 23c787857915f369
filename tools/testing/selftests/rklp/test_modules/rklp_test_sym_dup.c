// SPDX-License-Identifier: GPL-2.0
/*
 * The second rklp_test_sym_twice() of rklp_test_sym (see
 * rklp_test_sym_main.c): the same static name in another file of the
 * module, second in its kallsyms (link order).
 */
#include <linux/compiler.h>

int rklp_test_sym_twice_dup(void);

static noinline __attribute__((__noipa__)) __used int rklp_test_sym_twice(void)
{
	return 2;
}

noinline int rklp_test_sym_twice_dup(void)
{
	return rklp_test_sym_twice();
}
