// SPDX-License-Identifier: GPL-2.0
/*
 * Target module for test-preempt.sh: CPU-bound kthreads that never sleep.
 *
 * One kthread "rklp_spin/N" bound to each online CPU but the first (left
 * to the test's shell and to the transition work, which would otherwise
 * compete with a spinner for every step) calls
 * rklp_test_spin_func() and then cond_resched(), in a loop, while the
 * parameter "spin" is set (when it is cleared they sleep 10 ms per loop,
 * which lets any transition finish). On a kernel with voluntary or no
 * preemption such a thread is off its CPU only when cond_resched()
 * schedules: upstream livepatch switches it there (klp_sched_try_switch);
 * rklp must catch it there.
 *
 * The patches (test_rklp_spin, livepatch_test_spin) replace
 * rklp_test_spin_func() with a version that calls
 * rklp_test_spin_count_new(): "calls" counts calls of either version,
 * "new_calls" those of a replacement.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>

static bool spin = true;
module_param(spin, bool, 0644);
MODULE_PARM_DESC(spin, "keep the kthreads spinning (never sleeping)");

static atomic_long_t calls = ATOMIC_LONG_INIT(0);
static atomic_long_t new_calls = ATOMIC_LONG_INIT(0);

static int get_calls(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(kp->arg));
}

static const struct kernel_param_ops calls_ops = { .get = get_calls };
module_param_cb(calls, &calls_ops, &calls, 0444);
MODULE_PARM_DESC(calls, "calls of rklp_test_spin_func (any version)");
module_param_cb(new_calls, &calls_ops, &new_calls, 0444);
MODULE_PARM_DESC(new_calls, "calls of a replacement of rklp_test_spin_func");

/* For the replacements. */
void rklp_test_spin_count_new(void);
void rklp_test_spin_count_new(void)
{
	atomic_long_inc(&calls);
	atomic_long_inc(&new_calls);
}
EXPORT_SYMBOL_GPL(rklp_test_spin_count_new);

/* The patch target; non-static so that it keeps its name in kallsyms. */
void rklp_test_spin_func(void);
noinline void rklp_test_spin_func(void)
{
	atomic_long_inc(&calls);
}

static struct task_struct **threads;

static int spin_fn(void *data)
{
	while (!kthread_should_stop()) {
		rklp_test_spin_func();
		if (READ_ONCE(spin))
			cond_resched();
		else
			schedule_timeout_interruptible(msecs_to_jiffies(10));
	}
	return 0;
}

static void stop_threads(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		if (threads[cpu])
			kthread_stop(threads[cpu]);
	kfree(threads);
}

static int __init rklp_test_spin_init(void)
{
	unsigned int cpu;

	threads = kcalloc(nr_cpu_ids, sizeof(*threads), GFP_KERNEL);
	if (!threads)
		return -ENOMEM;
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct task_struct *t;

		if (cpu == cpumask_first(cpu_online_mask))
			continue;
		t = kthread_create(spin_fn, NULL, "rklp_spin/%u", cpu);

		if (IS_ERR(t)) {
			cpus_read_unlock();
			stop_threads();
			return PTR_ERR(t);
		}
		kthread_bind(t, cpu);
		threads[cpu] = t;
		wake_up_process(t);
	}
	cpus_read_unlock();
	return 0;
}

static void __exit rklp_test_spin_exit(void)
{
	stop_threads();
}

module_init(rklp_test_spin_init);
module_exit(rklp_test_spin_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rklp selftest: CPU-bound kthreads calling cond_resched()");
