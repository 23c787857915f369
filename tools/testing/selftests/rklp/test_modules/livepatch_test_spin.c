// SPDX-License-Identifier: GPL-2.0
/*
 * The upstream-livepatch twin of test_rklp_spin (test-preempt.sh): replaces
 * rklp_test_spin_func() in rklp_test_resched.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>

void rklp_test_spin_count_new(void);

static noinline void livepatch_test_spin_func(void)
{
	rklp_test_spin_count_new();
}

static struct klp_func funcs[] = {
	{
		.old_name = "rklp_test_spin_func",
		.new_func = livepatch_test_spin_func,
	}, { }
};

static struct klp_object objs[] = {
	{
		.name = "rklp_test_resched",
		.funcs = funcs,
	}, { }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

static int livepatch_test_spin_init(void)
{
	return klp_enable_patch(&patch);
}

static void livepatch_test_spin_exit(void)
{
}

module_init(livepatch_test_spin_init);
module_exit(livepatch_test_spin_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rklp selftest: upstream livepatch of rklp_test_spin_func");
MODULE_INFO(livepatch, "Y");
