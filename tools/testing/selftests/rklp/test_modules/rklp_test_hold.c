// SPDX-License-Identifier: GPL-2.0
/*
 * Target module for the "module loaded during a transition" tests, with
 * rklp_test_late (the module loaded mid-transition).
 *
 * A kthread "rklp_hold" loops: rklp_test_hold_func() (which sleeps while the
 * parameter "block" is set, so a transition that changes it stalls), then the
 * hook that rklp_test_late registers (rklp_test_late_func(), which sleeps
 * while "late_block" is set). Both versions of rklp_test_hold_func() leave
 * with preemption disabled and both versions of rklp_test_late_func()
 * re-enable it first: the kthread goes from one to the other without a point
 * at which the transition could switch it, so it enters the late function
 * deterministically with the state it had in the hold function.
 * "late_version" says which version of the late function it entered last
 * (1: original, 2: patched).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>

static bool block;
module_param(block, bool, 0644);
MODULE_PARM_DESC(block, "keep the kthread inside rklp_test_hold_func()");

static bool late_block = true;
module_param(late_block, bool, 0644);
MODULE_PARM_DESC(late_block, "keep the kthread inside rklp_test_late_func()");

static int late_version;
module_param(late_version, int, 0444);
MODULE_PARM_DESC(late_version, "version of rklp_test_late_func() entered last");

static struct task_struct *hold_thread;
static void (*hook)(void);
static int in_hook;
static int unhooking;

/*
 * While "block" is set: true. Then false, with preemption disabled (the
 * caller returns to the kthread, which calls the hook, which re-enables it).
 */
bool rklp_test_hold_blocked(void);
bool rklp_test_hold_blocked(void)
{
	if (READ_ONCE(block) && !kthread_should_stop())
		return true;
	preempt_disable();
	return false;
}
EXPORT_SYMBOL_GPL(rklp_test_hold_blocked);

/* Patch target; sleeps in its own frame while "block" is set. */
void rklp_test_hold_func(void);
noinline void rklp_test_hold_func(void)
{
	while (rklp_test_hold_blocked())
		msleep_interruptible(10);
}

/* First call of every version of the hook: records it, allows preemption. */
void rklp_test_hold_enter(int version);
void rklp_test_hold_enter(int version)
{
	WRITE_ONCE(late_version, version);
	preempt_enable();
}
EXPORT_SYMBOL_GPL(rklp_test_hold_enter);

bool rklp_test_late_blocked(void);
bool rklp_test_late_blocked(void)
{
	return READ_ONCE(late_block) && !READ_ONCE(unhooking) &&
	       !kthread_should_stop();
}
EXPORT_SYMBOL_GPL(rklp_test_late_blocked);

/* Sets the hook; with NULL, waits until the kthread has left the old one. */
void rklp_test_hold_set_hook(void (*fn)(void));
void rklp_test_hold_set_hook(void (*fn)(void))
{
	WRITE_ONCE(hook, fn);
	if (fn)
		return;
	WRITE_ONCE(unhooking, 1);
	smp_mb(); /* hook = NULL before reading in_hook; pairs with the kthread's */
	while (READ_ONCE(in_hook))
		msleep(1);
	WRITE_ONCE(unhooking, 0);
}
EXPORT_SYMBOL_GPL(rklp_test_hold_set_hook);

static int hold_thread_fn(void *data)
{
	while (!kthread_should_stop()) {
		void (*h)(void);

		rklp_test_hold_func(); /* returns with preemption disabled */
		WRITE_ONCE(in_hook, 1);
		smp_mb(); /* in_hook = 1 before reading hook */
		h = READ_ONCE(hook);
		if (h)
			h();
		else
			preempt_enable();
		WRITE_ONCE(in_hook, 0);
		schedule_timeout_interruptible(msecs_to_jiffies(10));
	}
	return 0;
}

static int __init rklp_test_hold_init(void)
{
	hold_thread = kthread_run(hold_thread_fn, NULL, "rklp_hold");
	return PTR_ERR_OR_ZERO(hold_thread);
}

static void __exit rklp_test_hold_exit(void)
{
	kthread_stop(hold_thread);
}

module_init(rklp_test_hold_init);
module_exit(rklp_test_hold_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rklp selftest: a kthread that enters a late module's function");
