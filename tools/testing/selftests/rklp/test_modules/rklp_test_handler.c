// SPDX-License-Identifier: GPL-2.0
/*
 * Target module for races inside rklp's ftrace handler. A kprobe on the
 * handler's slow path (its symbol name is the parameter "handler_sym": the
 * part that runs only while the function is in transition, after the
 * handler has read the entry's `transition` flag and before it reads the
 * task's state) stops the kthread "rklp_victim" there, on its next call of
 * rklp_test_handler_func() once armed:
 *
 * - "preempt": a SCHED_FIFO kthread "rklp_hog" on the victim's CPU is woken
 *   (from an irq_work: the kprobe runs in NMI-like context), so the victim
 *   is preempted when the handler re-enables preemption, after its
 *   decision; the hog then spins until "release" (or 20 s) with the victim
 *   off the CPU, preempted inside the handler.
 * - "stall": a tasklet spins (IRQs on, preemption off) until "release" (or
 *   5 s) inside the victim's handler, between the two reads.
 *
 * "caught" is 1 while the victim is stopped, 2 once that call returned;
 * "caught_version" is what it returned (1: original, 2: patched). The
 * victim (SCHED_FIFO, on CPU 1) calls the function every 10 ms, or in a
 * tight loop while "spin" is set (so that no transition can switch it:
 * it is always running). A second kthread "rklp_holder" (on CPU 0) sleeps in
 * rklp_test_handler_hold() while "hold" is set, to keep a transition open.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/irq_work.h>
#include <linux/kprobes.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

static char *handler_sym = "";
module_param(handler_sym, charp, 0444);
MODULE_PARM_DESC(handler_sym, "symbol of rklp's handler slow path");

static bool hold;
module_param(hold, bool, 0644);
static bool spin;
module_param(spin, bool, 0644);
static bool preempt;
module_param(preempt, bool, 0644);
static bool stall;
module_param(stall, bool, 0644);
static bool release;
module_param(release, bool, 0644);
static int caught;
module_param(caught, int, 0444);
static int caught_version;
module_param(caught_version, int, 0444);
static int last_version;
module_param(last_version, int, 0444);

static int version = 1;
static struct task_struct *victim, *hog, *holder;
static bool hog_go;

/* Patch target (the new version returns 2). */
int rklp_test_handler_func(void);
noinline int rklp_test_handler_func(void)
{
	return READ_ONCE(version);
}

bool rklp_test_handler_held(void);
bool rklp_test_handler_held(void)
{
	return READ_ONCE(hold) && !kthread_should_stop();
}
EXPORT_SYMBOL_GPL(rklp_test_handler_held);

/* Patch target: sleeps in its own frame while "hold" is set. */
void rklp_test_handler_hold(void);
noinline void rklp_test_handler_hold(void)
{
	while (rklp_test_handler_held())
		msleep_interruptible(10);
}

/*
 * The safety timeouts: a preempted victim may wait long (the hog is
 * preemptible, and the debug kernel under a loaded host needs seconds to
 * get the test's checks done), a stalled tasklet not (it holds off
 * preemption: the soft-lockup detector fires at 20 s).
 */
static void stop_until_released(unsigned int secs)
{
	unsigned long end = jiffies + secs * HZ;

	while (!READ_ONCE(release) && time_before(jiffies, end))
		cpu_relax();
}

static void stall_fn(struct tasklet_struct *t)
{
	pr_info("stall start on cpu %d\n", smp_processor_id());
	stop_until_released(5);
	pr_info("stall end\n");
}
static DECLARE_TASKLET(stall_tasklet, stall_fn);

static void kick_fn(struct irq_work *w)
{
	if (READ_ONCE(preempt)) {
		WRITE_ONCE(hog_go, true);
		wake_up_process(hog);
	} else {
		tasklet_schedule(&stall_tasklet);
	}
}
static struct irq_work kick_work = IRQ_WORK_INIT_HARD(kick_fn);

static unsigned long first_seen;

static int pre_handler(struct kprobe *p, struct pt_regs *regs)
{
	if (current != victim || READ_ONCE(caught))
		return 0;
	if (!READ_ONCE(preempt) && !READ_ONCE(stall))
		return 0;
	if (READ_ONCE(preempt)) {
		/*
		 * Let the transition switch the (sleeping) hog first, or the hog,
		 * running, would hold the transition itself. The victim, always
		 * running, stays unswitched meanwhile.
		 */
		if (!first_seen)
			first_seen = jiffies | 1;
		if (time_before(jiffies, first_seen + HZ / 2))
			return 0;
	}
	WRITE_ONCE(caught, 1);
	irq_work_queue(&kick_work);
	return 0;
}

static struct kprobe kp = { .pre_handler = pre_handler };

static int victim_fn(void *data)
{
	unsigned long spin_end = 0;

	while (!kthread_should_stop()) {
		bool was_caught = READ_ONCE(caught) == 1;
		int v = rklp_test_handler_func();

		WRITE_ONCE(last_version, v);
		if (!was_caught && READ_ONCE(caught) == 1) {
			WRITE_ONCE(caught_version, v);
			WRITE_ONCE(caught, 2);
			pr_info("resumed with version %d\n", v);
		}
		if (READ_ONCE(spin) && !READ_ONCE(caught)) {
			/* Always running: no transition can switch it. */
			if (!spin_end)
				spin_end = jiffies + 5 * HZ;
			if (time_before(jiffies, spin_end)) {
				cpu_relax();
				continue;
			}
			WRITE_ONCE(spin, false);
		}
		spin_end = 0;
		msleep_interruptible(10);
	}
	return 0;
}

static int hog_fn(void *data)
{
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!READ_ONCE(hog_go)) {
			schedule();
			continue;
		}
		__set_current_state(TASK_RUNNING);
		stop_until_released(20);
		WRITE_ONCE(hog_go, false);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static int holder_fn(void *data)
{
	while (!kthread_should_stop()) {
		rklp_test_handler_hold();
		msleep_interruptible(10);
	}
	return 0;
}

static int __init rklp_test_handler_init(void)
{
	int ret;

	if (num_online_cpus() < 2 || !cpu_online(1)) {
		pr_err("needs CPU 1 online\n");
		return -ENODEV;
	}
	kp.symbol_name = handler_sym;
	ret = register_kprobe(&kp);
	if (ret) {
		pr_err("cannot probe '%s' (%d)\n", handler_sym, ret);
		return ret;
	}
	victim = kthread_create(victim_fn, NULL, "rklp_victim");
	hog = kthread_create(hog_fn, NULL, "rklp_hog");
	holder = kthread_create(holder_fn, NULL, "rklp_holder");
	if (IS_ERR(victim) || IS_ERR(hog) || IS_ERR(holder)) {
		/* kthread_stop() of a created kthread never runs its function. */
		if (!IS_ERR(victim))
			kthread_stop(victim);
		if (!IS_ERR(hog))
			kthread_stop(hog);
		if (!IS_ERR(holder))
			kthread_stop(holder);
		unregister_kprobe(&kp);
		return -ENOMEM;
	}
	kthread_bind(victim, 1);
	kthread_bind(hog, 1);
	/* Not on the victim's CPU, which the tests make unavailable. */
	kthread_bind(holder, 0);
	sched_set_fifo_low(victim);
	sched_set_fifo(hog);
	wake_up_process(victim);
	wake_up_process(hog);
	wake_up_process(holder);
	return 0;
}

static void __exit rklp_test_handler_exit(void)
{
	unregister_kprobe(&kp);
	irq_work_sync(&kick_work);
	WRITE_ONCE(release, true);
	kthread_stop(holder);
	kthread_stop(hog);
	kthread_stop(victim);
	tasklet_kill(&stall_tasklet);
}

module_init(rklp_test_handler_init);
module_exit(rklp_test_handler_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rklp selftest: tasks stopped inside rklp's ftrace handler");
