// SPDX-License-Identifier: GPL-2.0
/*
 * rklp's shadow variables and system states from interrupt context and
 * from a constructor (issue 8, item 12).
 *
 * mode=ctor: checks around a constructor, which runs while rklp holds its
 *   shadow lock, each bounded in time even if rklp deadlocks there:
 *   - an interrupt raised in the constructor must not run before rklp has
 *     released its lock (it would find the lock held by the code it
 *     interrupted: an rklp_shadow_get() there would spin forever, so the
 *     interrupt only records that it came too early);
 *   - rklp_shadow_get() on another CPU must not wait for the constructor
 *     (the constructor waits one second at most);
 *   then (only if both hold, as it would deadlock otherwise)
 *   rklp_shadow_get() from the constructor itself, and from the interrupt
 *   once the constructor returned.
 * mode=irq_shadow: for 2 s (and 200 interrupts) an hrtimer on this CPU calls rklp_shadow_get()
 *   in hard IRQ every 100 us while this task, on the same CPU, allocates
 *   and frees shadow variables.
 * mode=irq_state: the same with rklp_get_state().
 *   A deadlock in hard IRQ cannot be undone: a watchdog thread on another
 *   CPU panics if the looping CPU makes no progress for 5 s, so the suite
 *   fails at once instead of hanging.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include "compat.h"
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/workqueue.h>
#include <rklp/rklp.h>

static char *mode = "";
module_param(mode, charp, 0);

#define SV_ID 0x5a5a
static int obj_a, obj_b;	/* objects the shadow variables belong to */

/* --- mode=ctor --- */

static atomic_t in_ctor, irq_too_early, irq_done, remote_done;
static void *irq_result, *remote_result;

static void probe_irq_fn(struct irq_work *w)
{
	if (atomic_read(&in_ctor)) {
		atomic_set(&irq_too_early, 1);
		return;
	}
	irq_result = rklp_shadow_get(&obj_a, SV_ID);
	atomic_set(&irq_done, 1);
}
static struct irq_work probe_irq = IRQ_WORK_INIT_HARD(probe_irq_fn);

static void remote_fn(struct work_struct *w)
{
	remote_result = rklp_shadow_get(&obj_b, SV_ID);
	atomic_set(&remote_done, 1);
}
static DECLARE_WORK(remote_work, remote_fn);

struct ctor_ctx {
	int err;
	void *get_self, *get_other;
};

static int probe_ctor(void *obj, void *data, void *arg)
{
	struct ctor_ctx *c = arg;
	int cpu = raw_smp_processor_id();
	unsigned int other = cpumask_any_but(cpu_online_mask, cpu);
	int i;

	atomic_set(&in_ctor, 1);
	irq_work_queue(&probe_irq);
	for (i = 0; i < 20 && !atomic_read(&irq_too_early); i++)
		mdelay(1);
	if (atomic_read(&irq_too_early)) {
		pr_err("an interrupt ran inside the constructor, with rklp's lock held: rklp_shadow_get() there would deadlock\n");
		c->err = -EDEADLK;
	}
	if (other >= nr_cpu_ids) {
		pr_err("needs a second online CPU\n");
		c->err = -ENODEV;
	} else {
		schedule_work_on(other, &remote_work);
		for (i = 0; i < 1000 && !atomic_read(&remote_done); i++)
			mdelay(1);
		if (!atomic_read(&remote_done)) {
			pr_err("rklp_shadow_get() on another CPU waited for the constructor: rklp_shadow_get() in a constructor would deadlock\n");
			c->err = -EDEADLK;
		}
	}
	atomic_set(&in_ctor, 0);
	if (c->err)
		return 0;
	c->get_self = rklp_shadow_get(obj, SV_ID);
	c->get_other = rklp_shadow_get(&obj_b, SV_ID);
	*(int *)data = 42;
	return 0;
}

static int run_ctor(void)
{
	struct ctor_ctx c = {};
	void *a, *b;
	int ret = 0;

	b = rklp_shadow_alloc(&obj_b, SV_ID, sizeof(int), GFP_KERNEL, NULL, NULL);
	if (!b)
		return -ENOMEM;
	a = rklp_shadow_alloc(&obj_a, SV_ID, sizeof(int), GFP_KERNEL, probe_ctor, &c);
	/* Nothing of ours may run once init returns. */
	irq_work_sync(&probe_irq);
	flush_work(&remote_work);
	if (!a) {
		ret = -ENOMEM;
		goto out;
	}
	if (c.err) {
		ret = -EINVAL;
		goto out;
	}
	pr_info("constructor: rklp_shadow_get() of the variable being built: %s, of another: %s\n",
		c.get_self ? "found" : "NULL", c.get_other == b ? "found" : "wrong");
	pr_info("interrupt raised in the constructor ran after it: rklp_shadow_get() %s\n",
		!atomic_read(&irq_done) ? "did not run" :
		irq_result == a ? "found the new variable" : "did not find it");
	pr_info("rklp_shadow_get() on another CPU did not wait for the constructor: %s\n",
		remote_result == b ? "found" : "wrong");
	if (c.get_self || c.get_other != b || !atomic_read(&irq_done) ||
	    irq_result != a || remote_result != b)
		ret = -EINVAL;
out:
	rklp_shadow_free(&obj_a, SV_ID, NULL);
	rklp_shadow_free(&obj_b, SV_ID, NULL);
	return ret;
}

/* --- mode=irq_shadow, mode=irq_state --- */

#define PERIOD_NS (100 * NSEC_PER_USEC)

static struct hrtimer timer;
static bool state_mode;
static atomic_t nr_timer_irqs;
static atomic_long_t progress;
static int loop_cpu;

static enum hrtimer_restart timer_fn(struct hrtimer *t)
{
	if (state_mode)
		rklp_get_state(THIS_MODULE, 1);
	else
		rklp_shadow_get(&obj_a, SV_ID);
	atomic_inc(&nr_timer_irqs);
	hrtimer_forward_now(t, ns_to_ktime(PERIOD_NS));
	return HRTIMER_RESTART;
}

static int watchdog_fn(void *arg)
{
	long last = -1;
	int stuck = 0;

	while (!kthread_should_stop()) {
		long now = atomic_long_read(&progress);

		stuck = now == last ? stuck + 1 : 0;
		last = now;
		if (stuck >= 50)
			panic("%s: CPU%d made no progress for 5 s: deadlock in rklp from hard IRQ\n",
			      KBUILD_MODNAME, loop_cpu);
		msleep(100);
	}
	return 0;
}

static int run_irq(bool states)
{
	struct task_struct *wd;
	unsigned int other;
	unsigned long loops = 0;
	ktime_t end, last;
	int ret = 0;

	state_mode = states;
	migrate_disable();
	loop_cpu = raw_smp_processor_id();
	other = cpumask_any_but(cpu_online_mask, loop_cpu);
	if (other >= nr_cpu_ids) {
		migrate_enable();
		pr_err("needs a second online CPU\n");
		return -ENODEV;
	}
	wd = kthread_create(watchdog_fn, NULL, "rklp_test_wd");
	if (IS_ERR(wd)) {
		migrate_enable();
		return PTR_ERR(wd);
	}
	kthread_bind(wd, other);
	wake_up_process(wd);

	hrtimer_setup(&timer, timer_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	hrtimer_start(&timer, ns_to_ktime(PERIOD_NS), HRTIMER_MODE_REL_PINNED_HARD);
	/*
	 * At least 2 s and 200 interrupts and calls: under TCG on a loaded
	 * host the guest may see far fewer timer interrupts in 2 s (96 were
	 * seen with two guests and a kernel build sharing two cores). At
	 * most 30 s.
	 */
	end = ktime_add_ms(ktime_get(), 2000);
	last = ktime_add_ms(ktime_get(), 30000);
	while (ktime_before(ktime_get(), last) &&
	       (ktime_before(ktime_get(), end) || atomic_read(&nr_timer_irqs) < 200 || loops < 200)) {
		if (states) {
			rklp_get_state(THIS_MODULE, 1);
		} else {
			if (!rklp_shadow_alloc(&obj_a, SV_ID, sizeof(int), GFP_KERNEL,
					       NULL, NULL))
				ret = -ENOMEM;
			rklp_shadow_free(&obj_a, SV_ID, NULL);
		}
		atomic_long_inc(&progress);
		if (!(++loops % 64))
			cond_resched();
	}
	hrtimer_cancel(&timer);
	migrate_enable();
	kthread_stop(wd);
	/* For the serial log only (no "rklp" in it: not part of check_result). */
	printk(KERN_INFO "shadow irq test: %d interrupts during %lu calls\n",
	       atomic_read(&nr_timer_irqs), loops);
	if (ret)
		return ret;
	if (atomic_read(&nr_timer_irqs) < 100 || loops < 100) {
		pr_err("too few rounds to tell: %d interrupts, %lu calls\n",
		       atomic_read(&nr_timer_irqs), loops);
		return -EAGAIN;
	}
	pr_info("%s in hard IRQ while the same CPU %s: no deadlock\n",
		states ? "rklp_get_state()" : "rklp_shadow_get()",
		states ? "calls rklp_get_state()" : "allocates and frees shadow variables");
	return 0;
}

static int __init rklp_test_shadow_irq_init(void)
{
	if (!strcmp(mode, "ctor"))
		return run_ctor();
	if (!strcmp(mode, "irq_shadow"))
		return run_irq(false);
	if (!strcmp(mode, "irq_state"))
		return run_irq(true);
	return -EINVAL;
}

static void __exit rklp_test_shadow_irq_exit(void)
{
}

module_init(rklp_test_shadow_irq_init);
module_exit(rklp_test_shadow_irq_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rklp selftest: shadow variables and states from IRQ context");
