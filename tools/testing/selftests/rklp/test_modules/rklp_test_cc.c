// SPDX-License-Identifier: GPL-2.0
/*
 * Consistency checker target. Two kthreads per CPU call rklp_cc_outer(),
 * which calls rklp_cc_inner() twice with a pause in between. The original
 * outer expects the original inner (1) both times; the patched outer
 * (test_rklp_cc) expects the patched inner (2). A task must never see one
 * version of outer with the other version of inner, nor two different
 * inners within one outer. /proc/rklp_test_cc reports the counts.
 * With irq=1 (test-torture.sh), a timer (softirq) and an hrtimer (hard
 * IRQ) call rklp_cc_outer() too, every jiffy and every 500 us.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include "compat.h"
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

int rklp_cc_inner(void);
void rklp_cc_pause(void);
void rklp_cc_record(int version, int a, int b);
int rklp_cc_outer(void);

static atomic64_t calls[3], mismatches;
static struct task_struct **threads;
static unsigned int nr_threads;
static struct proc_dir_entry *entry;
static bool irq;
module_param(irq, bool, 0444);
static struct timer_list cc_timer;
static struct hrtimer cc_hrtimer;

noinline __attribute__((__noipa__)) int rklp_cc_inner(void)
{
	return 1;
}
EXPORT_SYMBOL_GPL(rklp_cc_inner);

/* Called by both versions of outer, between the two inner calls. */
noinline void rklp_cc_pause(void)
{
	if (in_task())
		usleep_range(50, 200);
	else
		udelay(1);
}
EXPORT_SYMBOL_GPL(rklp_cc_pause);

void rklp_cc_record(int version, int a, int b)
{
	atomic64_inc(&calls[version & 1 ? 1 : 2]);
	if (a != version || b != version) {
		atomic64_inc(&mismatches);
		pr_err("MISMATCH: outer v%d saw inner v%d then v%d\n", version, a, b);
	}
}
EXPORT_SYMBOL_GPL(rklp_cc_record);

noinline __attribute__((__noipa__)) int rklp_cc_outer(void)
{
	int a = rklp_cc_inner();

	rklp_cc_pause();
	rklp_cc_record(1, a, rklp_cc_inner());
	return 0;
}

static int cc_thread(void *data)
{
	while (!kthread_should_stop()) {
		rklp_cc_outer();
		usleep_range(100, 300);
	}
	return 0;
}

static void cc_timer_fn(struct timer_list *t)
{
	rklp_cc_outer();
	mod_timer(&cc_timer, jiffies + 1);
}

static enum hrtimer_restart cc_hrtimer_fn(struct hrtimer *t)
{
	rklp_cc_outer();
	hrtimer_forward_now(t, ns_to_ktime(500 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static int cc_show(struct seq_file *m, void *v)
{
	seq_printf(m, "old %lld new %lld mismatches %lld\n",
		   atomic64_read(&calls[1]), atomic64_read(&calls[2]),
		   atomic64_read(&mismatches));
	return 0;
}

static int __init rklp_test_cc_init(void)
{
	unsigned int cpu, i = 0;

	threads = kcalloc(2 * num_possible_cpus(), sizeof(*threads), GFP_KERNEL);
	if (!threads)
		return -ENOMEM;
	for_each_online_cpu(cpu) {
		for (int j = 0; j < 2; j++) {
			struct task_struct *t;

			t = kthread_run_on_cpu(cc_thread, NULL, cpu, "rklp_cc/%u");
			if (IS_ERR(t))
				continue;
			threads[i++] = t;
		}
	}
	nr_threads = i;
	entry = proc_create_single("rklp_test_cc", 0444, NULL, cc_show);
	if (irq) {
		timer_setup(&cc_timer, cc_timer_fn, 0);
		mod_timer(&cc_timer, jiffies + 1);
		hrtimer_setup(&cc_hrtimer, cc_hrtimer_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
		hrtimer_start(&cc_hrtimer, ns_to_ktime(500 * NSEC_PER_USEC), HRTIMER_MODE_REL_HARD);
	}
	pr_info("%u checker threads\n", nr_threads);
	return 0;
}

static void __exit rklp_test_cc_exit(void)
{
	if (irq) {
		timer_shutdown_sync(&cc_timer);
		hrtimer_cancel(&cc_hrtimer);
	}
	for (unsigned int i = 0; i < nr_threads; i++)
		kthread_stop(threads[i]);
	kfree(threads);
	proc_remove(entry);
}

module_init(rklp_test_cc_init);
module_exit(rklp_test_cc_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rklp selftest: consistency checker target");
