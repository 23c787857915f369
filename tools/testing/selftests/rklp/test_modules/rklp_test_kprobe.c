// SPDX-License-Identifier: GPL-2.0
/*
 * rklp selftest helper after upstream's (7.x) test_klp_kprobe.c: a kprobe
 * on cmdline_proc_show (or on the function "func"), with a post_handler
 * (kprobes then attach through an IPMODIFY ftrace_ops, which conflicts with
 * a live patch) or without (it coexists). rklp_test_kprobe2.c builds the
 * same module a second time, for two kprobes at once.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/kprobes.h>

static bool has_post_handler = true;
module_param(has_post_handler, bool, 0444);
MODULE_PARM_DESC(has_post_handler, "register a post_handler (default=true)");

static void __kprobes post_handler(struct kprobe *k, struct pt_regs *r,
				   unsigned long flags)
{
}

static char *func = "cmdline_proc_show";
module_param(func, charp, 0444);
MODULE_PARM_DESC(func, "the probed function (default cmdline_proc_show)");

static struct kprobe kp;

static int __init rklp_test_kprobe_init(void)
{
	kp.symbol_name = func;
	if (has_post_handler)
		kp.post_handler = post_handler;
	return register_kprobe(&kp);
}

static void __exit rklp_test_kprobe_exit(void)
{
	unregister_kprobe(&kp);
}

module_init(rklp_test_kprobe_init);
module_exit(rklp_test_kprobe_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rklp selftest: a kprobe on cmdline_proc_show or another function");
