// SPDX-License-Identifier: GPL-2.0
/*
 * Target of the symbol-reference tests (test-syms.sh): /proc/rklp_test_sym
 * prints what rklp_test_sym_show() computes from this module's static
 * function rklp_test_sym_scale() and static variable rklp_test_sym_calls,
 * neither exported, which the patches (test_rklp_sym, test_rklp_sym_c)
 * reach through symbol references (KlpSym, struct rklp_sym_desc). The
 * static function rklp_test_sym_twice() exists twice in this module (here,
 * returning 1, and in rklp_test_sym_dup.c, returning 2): its name is
 * ambiguous without a sympos.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

int rklp_test_sym_show(struct seq_file *m, void *v);
int rklp_test_sym_twice_dup(void);

static struct proc_dir_entry *entry;

/* Reads of /proc/rklp_test_sym, by either version of the show function. */
static int rklp_test_sym_calls;

/* Not inlined nor cloned (kallsyms keeps its name). */
static noinline __attribute__((__noipa__)) __used int rklp_test_sym_scale(int x)
{
	return x * 10;
}

static noinline __attribute__((__noipa__)) __used int rklp_test_sym_twice(void)
{
	return 1;
}

noinline int rklp_test_sym_show(struct seq_file *m, void *v)
{
	rklp_test_sym_calls++;
	seq_printf(m, "%s: original calls=%d scale(1)=%d twice=%d,%d\n", KBUILD_MODNAME,
		   rklp_test_sym_calls, rklp_test_sym_scale(1), rklp_test_sym_twice(),
		   rklp_test_sym_twice_dup());
	return 0;
}

static int __init rklp_test_sym_init(void)
{
	entry = proc_create_single("rklp_test_sym", 0444, NULL, rklp_test_sym_show);
	return entry ? 0 : -ENOMEM;
}

static void __exit rklp_test_sym_exit(void)
{
	proc_remove(entry);
}

module_init(rklp_test_sym_init);
module_exit(rklp_test_sym_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rklp selftest: target with static functions and variables");
