// SPDX-License-Identifier: GPL-2.0
/*
 * The upstream-livepatch side of the rklp benchmarks: replaces
 * rklp_bench_fn() in rklp_bench_target with an equivalent function, as
 * samples/livepatch/livepatch-sample.c does. livepatch_bench2.c and
 * livepatch_bench3.c include this file with LIVEPATCH_BENCH_NEW set, for a
 * stack of three patches.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>

#ifndef LIVEPATCH_BENCH_NEW
#define LIVEPATCH_BENCH_NEW livepatch_bench_fn
#endif

static noinline unsigned long LIVEPATCH_BENCH_NEW(unsigned long x)
{
	return x * 3 + 1;
}

static struct klp_func funcs[] = {
	{
		.old_name = "rklp_bench_fn",
		.new_func = LIVEPATCH_BENCH_NEW,
	}, { }
};

static struct klp_object objs[] = {
	{
		.name = "rklp_bench_target",
		.funcs = funcs,
	}, { }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

static int livepatch_bench_init(void)
{
	return klp_enable_patch(&patch);
}

static void livepatch_bench_exit(void)
{
}

module_init(livepatch_bench_init);
module_exit(livepatch_bench_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rklp benchmark: upstream livepatch of rklp_bench_fn");
MODULE_INFO(livepatch, "Y");
