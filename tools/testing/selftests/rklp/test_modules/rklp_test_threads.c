// SPDX-License-Identifier: GPL-2.0
/*
 * Scale target: starts "nr" kthreads that sleep until the module unloads,
 * so that a transition has to walk and check that many tasks.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>

static uint nr = 10000;
module_param(nr, uint, 0444);

static struct task_struct **threads;
static uint started;

static int sleeper(void *data)
{
	while (!kthread_should_stop())
		schedule_timeout_interruptible(MAX_SCHEDULE_TIMEOUT);
	return 0;
}

static int __init rklp_test_threads_init(void)
{
	threads = kvcalloc(nr, sizeof(*threads), GFP_KERNEL);
	if (!threads)
		return -ENOMEM;
	for (started = 0; started < nr; started++) {
		struct task_struct *t = kthread_run(sleeper, NULL, "rklp_sleeper");

		if (IS_ERR(t))
			break;
		threads[started] = t;
	}
	pr_info("%u threads started\n", started);
	return 0;
}

static void __exit rklp_test_threads_exit(void)
{
	for (uint i = 0; i < started; i++)
		kthread_stop(threads[i]);
	kvfree(threads);
}

module_init(rklp_test_threads_init);
module_exit(rklp_test_threads_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rklp selftest: many sleeping kthreads");
