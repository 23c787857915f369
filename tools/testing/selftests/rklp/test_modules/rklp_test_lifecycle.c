// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers for test-lifecycle.sh (failures around a patch's life).
 *
 * - rklp_test_fail_nth(n): makes the n-th fault-injection point reached by
 *   the current task fail, as writing /proc/self/fail-nth does, and returns
 *   what was left of the previous count (0: it fired, or none was set).
 *   test_rklp_fail calls it around rklp_enable_patch() so that failslab
 *   fails exactly one allocation of rklp, not of the module loader.
 * - Reading /proc/rklp_test_kick sleeps uninterruptibly in
 *   rklp_test_kick_wait() (a patch target) while "hold_in" is set, then
 *   outside it while "hold_out" is set: a kick (TWA_SIGNAL) queued while it
 *   sleeps in the function stays pending until the read returns.
 * - With "kick_sym" (the name of rklp's kick function: the task work in
 *   which a user task switches itself) given at load and "stall_pid" set,
 *   that task, on entering the kick, spins for "stall_ms": the kick is in
 *   flight meanwhile (a kprobe handler runs with preemption off and cannot
 *   sleep, hence the spin). "stalls" counts the spins. (The kick takes no
 *   lock: the spin is at its entry, inside rklp's text.)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>

static bool hold_in;
module_param(hold_in, bool, 0644);
MODULE_PARM_DESC(hold_in, "keep /proc/rklp_test_kick readers in rklp_test_kick_wait()");

static bool hold_out;
module_param(hold_out, bool, 0644);
MODULE_PARM_DESC(hold_out, "then keep them sleeping outside it");

static char *kick_sym;
module_param(kick_sym, charp, 0444);
MODULE_PARM_DESC(kick_sym, "rklp's kick function (for stall_pid)");

static int stall_pid;
module_param(stall_pid, int, 0644);
MODULE_PARM_DESC(stall_pid, "task whose next kick stalls at its entry");

static int stall_ms = 2000;
module_param(stall_ms, int, 0644);
MODULE_PARM_DESC(stall_ms, "how long the kick stalls");

static int stalls;
module_param(stalls, int, 0444);
MODULE_PARM_DESC(stalls, "kicks stalled so far");

int rklp_test_fail_nth(int n);
int rklp_test_fail_nth(int n)
{
#ifdef CONFIG_FAULT_INJECTION
	int left = current->fail_nth;

	current->fail_nth = n;
	return left;
#else
	return -EOPNOTSUPP;
#endif
}
EXPORT_SYMBOL_GPL(rklp_test_fail_nth);

/* Patch target; returns 0 in this version. */
int rklp_test_kick_wait(void);
noinline int rklp_test_kick_wait(void)
{
	while (READ_ONCE(hold_in))
		msleep(20);
	return 0;
}

static int kick_show(struct seq_file *m, void *v)
{
	int ret = rklp_test_kick_wait();

	while (READ_ONCE(hold_out))
		msleep(20);
	seq_printf(m, "%s\n", ret ? "patched" : "original");
	return 0;
}

static int kick_entry(struct kprobe *p, struct pt_regs *regs)
{
	if (!stall_pid || current->pid != READ_ONCE(stall_pid))
		return 0;
	WRITE_ONCE(stall_pid, 0);
	pr_info("stalling the kick of pid %d for %d ms\n", current->pid, stall_ms);
	mdelay(stall_ms);
	stalls++;
	return 0;
}

static struct kprobe kick_kp = { .pre_handler = kick_entry };
static struct proc_dir_entry *kick_entry_pde;

static int __init rklp_test_lifecycle_init(void)
{
	int ret;

	kick_entry_pde = proc_create_single("rklp_test_kick", 0444, NULL, kick_show);
	if (!kick_entry_pde)
		return -ENOMEM;
	if (!kick_sym)
		return 0;
	kick_kp.symbol_name = kick_sym;
	ret = register_kprobe(&kick_kp);
	if (!ret)
		return 0;
	pr_err("cannot probe the kick (%d)\n", ret);
	proc_remove(kick_entry_pde);
	return ret;
}

static void __exit rklp_test_lifecycle_exit(void)
{
	WRITE_ONCE(hold_in, false);
	WRITE_ONCE(hold_out, false);
	if (kick_sym)
		unregister_kprobe(&kick_kp);
	proc_remove(kick_entry_pde);
}

module_init(rklp_test_lifecycle_init);
module_exit(rklp_test_lifecycle_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rklp selftest: helpers for failures around a patch's life");
