// SPDX-License-Identifier: GPL-2.0
/*
 * Loaded during a transition by the selftests: registers
 * rklp_test_late_func() as rklp_test_hold's hook (see rklp_test_hold.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/module.h>

bool rklp_test_late_blocked(void);
void rklp_test_hold_enter(int version);
void rklp_test_hold_set_hook(void (*fn)(void));

/* Patch target; sleeps in its own frame while late_block is set. */
void rklp_test_late_func(void);
noinline void rklp_test_late_func(void)
{
	rklp_test_hold_enter(1);
	while (rklp_test_late_blocked())
		msleep_interruptible(10);
}

static int __init rklp_test_late_init(void)
{
	rklp_test_hold_set_hook(rklp_test_late_func);
	return 0;
}

static void __exit rklp_test_late_exit(void)
{
	rklp_test_hold_set_hook(NULL);
}

module_init(rklp_test_late_init);
module_exit(rklp_test_late_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rklp selftest: a module loaded during a transition");
