// SPDX-License-Identifier: GPL-2.0
/*
 * Target module for rklp's consistency-model tests.
 *
 * - A kthread "rklp_busy" calls rklp_test_busy_func() every 10 ms; while
 *   the parameter "block" is set, the function does not return (it sleeps
 *   in rklp_test_busy_wait()), so a transition that changes it stalls.
 * - Reading /proc/rklp_test_sleep sleeps interruptibly in
 *   rklp_test_sleep_wait() until "sleep_block" is cleared or a signal (or a
 *   TWA_SIGNAL task_work) arrives, then prints which version answered.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/wait.h>

static bool block;
module_param(block, bool, 0644);
MODULE_PARM_DESC(block, "keep the busy kthread inside rklp_test_busy_func()");

static bool sleep_block = true;
module_param(sleep_block, bool, 0644);
MODULE_PARM_DESC(sleep_block, "keep /proc/rklp_test_sleep readers sleeping");

/* Patch targets; non-static so that they keep their names in kallsyms. */
void rklp_test_busy_func(void);
int rklp_test_sleep_wait(void);

static struct task_struct *busy_thread;
static struct proc_dir_entry *sleep_entry;
static DECLARE_WAIT_QUEUE_HEAD(sleep_wq);

/* For the new version of the busy func: whether to keep sleeping. */
bool rklp_test_busy_blocked(void);
bool rklp_test_busy_blocked(void)
{
	return READ_ONCE(block) && !kthread_should_stop();
}
EXPORT_SYMBOL_GPL(rklp_test_busy_blocked);

/* Sleeps in its own frame (no tail call) while "block" is set. */
noinline void rklp_test_busy_func(void)
{
	while (rklp_test_busy_blocked())
		msleep_interruptible(10);
}

static int busy_thread_fn(void *data)
{
	while (!kthread_should_stop()) {
		rklp_test_busy_func();
		schedule_timeout_interruptible(msecs_to_jiffies(10));
	}
	return 0;
}

/* Returns 0 (original version) or a negative errno if interrupted. */
noinline int rklp_test_sleep_wait(void)
{
	return wait_event_interruptible(sleep_wq, !READ_ONCE(sleep_block));
}

static int sleep_show(struct seq_file *m, void *v)
{
	int ret = rklp_test_sleep_wait();

	if (ret < 0)
		return ret;
	seq_printf(m, "%s\n", ret ? "patched" : "original");
	return 0;
}

static int __init rklp_test_busy_init(void)
{
	sleep_entry = proc_create_single("rklp_test_sleep", 0444, NULL, sleep_show);
	if (!sleep_entry)
		return -ENOMEM;
	busy_thread = kthread_run(busy_thread_fn, NULL, "rklp_busy");
	if (IS_ERR(busy_thread)) {
		proc_remove(sleep_entry);
		return PTR_ERR(busy_thread);
	}
	return 0;
}

static void __exit rklp_test_busy_exit(void)
{
	WRITE_ONCE(sleep_block, false);
	wake_up_all(&sleep_wq);
	kthread_stop(busy_thread);
	proc_remove(sleep_entry);
}

module_init(rklp_test_busy_init);
module_exit(rklp_test_busy_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rklp selftest: busy kthread and sleeping reader");
