// SPDX-License-Identifier: GPL-2.0
/*
 * Consistency checker target. Two kthreads per CPU call rklp_cc_outer(),
 * which calls rklp_cc_inner() twice with a pause in between. The original
 * outer expects the original inner (1) both times; the patched outer
 * (test_rklp_cc) expects the patched inner (2). A task must never see one
 * version of outer with the other version of inner, nor two different
 * inners within one outer. /proc/rklp_test_cc reports the counts.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/delay.h>
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

noinline __attribute__((__noipa__)) int rklp_cc_inner(void)
{
	return 1;
}
EXPORT_SYMBOL_GPL(rklp_cc_inner);

/* Called by both versions of outer, between the two inner calls. */
noinline void rklp_cc_pause(void)
{
	usleep_range(50, 200);
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
	pr_info("%u checker threads\n", nr_threads);
	return 0;
}

static void __exit rklp_test_cc_exit(void)
{
	for (unsigned int i = 0; i < nr_threads; i++)
		kthread_stop(threads[i]);
	kfree(threads);
	proc_remove(entry);
}

module_init(rklp_test_cc_init);
module_exit(rklp_test_cc_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rklp selftest: consistency checker target");
