// SPDX-License-Identifier: GPL-2.0
/*
 * Target module for rklp tests: /proc/rklp_test_target prints the output of
 * rklp_test_target_show(), which test patches replace.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

int rklp_test_target_show(struct seq_file *m, void *v);

static struct proc_dir_entry *entry;

noinline int rklp_test_target_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s: original output\n", KBUILD_MODNAME);
	return 0;
}

/* This module's struct module, for a patch module that passes another
 * module's to rklp_enable_patch() (test_rklp_bad_abi mode=wrongmod). */
struct module *rklp_test_target_module(void);
struct module *rklp_test_target_module(void)
{
	return THIS_MODULE;
}
EXPORT_SYMBOL_GPL(rklp_test_target_module);

static int __init rklp_test_target_init(void)
{
	pr_info("%s\n", __func__);
	entry = proc_create_single("rklp_test_target", 0444, NULL, rklp_test_target_show);
	return entry ? 0 : -ENOMEM;
}

static void __exit rklp_test_target_exit(void)
{
	proc_remove(entry);
	pr_info("%s\n", __func__);
}

module_init(rklp_test_target_init);
module_exit(rklp_test_target_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rklp selftest: patch target module");
