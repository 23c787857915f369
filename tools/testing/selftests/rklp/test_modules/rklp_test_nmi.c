// SPDX-License-Identifier: GPL-2.0
/*
 * NMI collision target. While "armed", a kthread sends NMIs to the other
 * CPUs every "period_us"; an NMI handler calls rklp_nmi_outer(), which calls
 * rklp_nmi_inner() twice. As in rklp_test_cc, one outer must only ever see
 * its own version of inner: rklp's immediate switch must never let an NMI
 * straddle it. /proc/rklp_test_nmi reports the counts.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <asm/apic.h>
#include <asm/nmi.h>

static bool armed;
module_param(armed, bool, 0644);
static uint period_us = 300;
module_param(period_us, uint, 0644);

static atomic64_t calls[3], mismatches, nmis;
static struct task_struct *sender;
static struct proc_dir_entry *entry;

int rklp_nmi_inner(void);
void rklp_nmi_record(int version, int a, int b);
int rklp_nmi_outer(void);

noinline __attribute__((__noipa__)) int rklp_nmi_inner(void)
{
	return 1;
}
EXPORT_SYMBOL_GPL(rklp_nmi_inner);

void rklp_nmi_record(int version, int a, int b)
{
	atomic64_inc(&calls[version & 1 ? 1 : 2]);
	if (a != version || b != version)
		atomic64_inc(&mismatches);
}
EXPORT_SYMBOL_GPL(rklp_nmi_record);

noinline __attribute__((__noipa__)) int rklp_nmi_outer(void)
{
	int a = rklp_nmi_inner();

	udelay(2);
	rklp_nmi_record(1, a, rklp_nmi_inner());
	return 0;
}

static int nmi_handler(unsigned int type, struct pt_regs *regs)
{
	if (!READ_ONCE(armed))
		return NMI_DONE;
	atomic64_inc(&nmis);
	rklp_nmi_outer();
	return NMI_HANDLED;
}

static int sender_fn(void *data)
{
	while (!kthread_should_stop()) {
		if (READ_ONCE(armed))
			apic->send_IPI_allbutself(NMI_VECTOR);
		usleep_range(period_us, period_us + period_us / 2);
	}
	return 0;
}

static int nmi_show(struct seq_file *m, void *v)
{
	seq_printf(m, "nmis %lld old %lld new %lld mismatches %lld\n",
		   atomic64_read(&nmis), atomic64_read(&calls[1]),
		   atomic64_read(&calls[2]), atomic64_read(&mismatches));
	return 0;
}

static int __init rklp_test_nmi_init(void)
{
	int ret = register_nmi_handler(NMI_LOCAL, nmi_handler, 0, "rklp_test_nmi");

	if (ret)
		return ret;
	sender = kthread_run(sender_fn, NULL, "rklp_nmi_sender");
	if (IS_ERR(sender)) {
		unregister_nmi_handler(NMI_LOCAL, "rklp_test_nmi");
		return PTR_ERR(sender);
	}
	entry = proc_create_single("rklp_test_nmi", 0444, NULL, nmi_show);
	return 0;
}

static void __exit rklp_test_nmi_exit(void)
{
	WRITE_ONCE(armed, false);
	kthread_stop(sender);
	unregister_nmi_handler(NMI_LOCAL, "rklp_test_nmi");
	proc_remove(entry);
}

module_init(rklp_test_nmi_init);
module_exit(rklp_test_nmi_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rklp selftest: NMI collision target");
