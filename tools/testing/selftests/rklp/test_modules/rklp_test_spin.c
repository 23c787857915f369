// SPDX-License-Identifier: GPL-2.0
/*
 * Holds back RCU Tasks grace periods on demand: while "spin" is set, a
 * kthread loops in the kernel without ever sleeping (it is only preempted,
 * which is no RCU Tasks quiescent state), for at most "max_ms". An ftrace
 * direct call's unregistration waits for such a grace period, so this
 * widens the time rklp takes to release a batch of direct calls to what the
 * test wants (test-direct.sh).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

static bool spin;
module_param(spin, bool, 0644);
MODULE_PARM_DESC(spin, "loop without sleeping (an RCU Tasks holdout)");

static uint max_ms = 15000;
module_param(max_ms, uint, 0644);
MODULE_PARM_DESC(max_ms, "longest spin, in ms (then spin is cleared)");

static bool spinning;
module_param(spinning, bool, 0444);
MODULE_PARM_DESC(spinning, "the kthread is spinning now");

static struct task_struct *thread;

static int spinner(void *data)
{
	while (!kthread_should_stop()) {
		if (READ_ONCE(spin)) {
			unsigned long end = jiffies + msecs_to_jiffies(READ_ONCE(max_ms));

			WRITE_ONCE(spinning, true);
			while (READ_ONCE(spin) && time_before(jiffies, end) &&
			       !kthread_should_stop())
				cpu_relax();
			WRITE_ONCE(spin, false);
			WRITE_ONCE(spinning, false);
		}
		schedule_timeout_interruptible(msecs_to_jiffies(10));
	}
	return 0;
}

static int __init rklp_test_spin_init(void)
{
	thread = kthread_run(spinner, NULL, "rklp_spin");
	return PTR_ERR_OR_ZERO(thread);
}

static void __exit rklp_test_spin_exit(void)
{
	WRITE_ONCE(spin, false);
	kthread_stop(thread);
}

module_init(rklp_test_spin_init);
module_exit(rklp_test_spin_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rklp selftest: an RCU Tasks holdout on demand");
