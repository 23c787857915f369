// SPDX-License-Identifier: GPL-2.0
/*
 * Proof of concept for issue 10's "settled patches through ftrace direct
 * calls" (Documentation/direct-calls.rst): a direct ftrace_ops on
 * rklp_bench_fn() (tools/bench/modules/rklp_bench_target.c) whose
 * trampoline is a tiny module-text stub that replaces the return address of
 * the __fentry__ call with a replacement function and returns into it.
 * Not part of rklp.ko; nothing here is used by rklp.
 *
 *   echo stub|slot|ret|off > /sys/module/rklp_direct_poc/parameters/attach
 *	stub: the direct call goes to rklp_poc_stub (target is an immediate);
 *	slot: to rklp_poc_stub_slot (target loaded from a data slot, the
 *	      "pool of generic stubs" design);
 *	ret:  to rklp_poc_stub_ret (only RET: with an IPMODIFY handler on the
 *	      same function, the handler's choice of regs->ip stands);
 *	off:  unregister_ftrace_direct().
 *	Registers the ops the first time, modify_ftrace_direct() afterwards.
 *	Read: the current mode, and how long the last change took (ns).
 *   echo MS > /sys/module/rklp_direct_poc/parameters/check
 *	calls rklp_bench_fn(i) for MS ms and classifies each result:
 *	original (3i+1), direct replacement (3i+1+1), rklp replacement
 *	(3i+1+2^32, test_rklp_direct_poc.rs), kprobe override (3i+1+3),
 *	other. Read: "orig direct rklp other kprobe" counts of the last run.
 *   echo MS > /sys/module/rklp_direct_poc/parameters/hammer
 *	the same loop in a kthread (read: "running" until it is done).
 *   echo none|pre|post|override > /sys/module/rklp_direct_poc/parameters/kprobe
 *	a kprobe on rklp_bench_fn (ftrace-based): pre_handler only (plain
 *	ftrace_ops), with a post_handler (kprobes' IPMODIFY ops), or a
 *	pre_handler that overrides the function (sets regs->ip to
 *	rklp_poc_override, as function-error injection does).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/ftrace.h>
#include "compat.h"
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/mutex.h>
#include <linux/delay.h>
#include <linux/kprobes.h>
#include <linux/kthread.h>
#include <asm/ibt.h>
#include <asm/nospec-branch.h>

unsigned long rklp_bench_fn(unsigned long x);

#define POC_DIRECT_TAG 1UL

unsigned long rklp_poc_new(unsigned long x);

/* The replacement the stubs jump to: distinguishable from the original. */
noinline unsigned long rklp_poc_new(unsigned long x)
{
	return x * 3 + 1 + POC_DIRECT_TAG;
}

/* Target of rklp_poc_stub_slot, as a pool stub would read it. */
unsigned long rklp_poc_slot = (unsigned long)rklp_poc_new;

void rklp_poc_stub(void);
void rklp_poc_stub_slot(void);
void rklp_poc_stub_ret(void);

/*
 * Entered by the `call __fentry__` site of the patched function (rewritten
 * by ftrace into `call rklp_poc_stub`), or, when other ftrace_ops share the
 * function, by ftrace_regs_caller's push+RET with regs->ip as the return
 * address. The stub overwrites the return address with the replacement and
 * returns into it: the RET consumes the return-stack-buffer entry of the
 * fentry call, so the replacement's own RET to the patched function's caller
 * predicts correctly (an `add $8,%rsp; jmp` would leave that entry behind).
 * ENDBR: its address is taken (objtool's IBT check); no indirect branch
 * reaches it. CALL_DEPTH_ACCOUNT: ftrace calls direct trampolines without a
 * call-depth thunk (arch/x86/kernel/ftrace.c, ftrace_call_replace()).
 * %r11 is free at a __fentry__ site (ftrace_caller does not save it; the
 * patched function has not started). objtool generates the ORC (function
 * entry state all along: the stack pointer never moves).
 */
asm(
"	.pushsection .text, \"ax\", @progbits\n"
"	.globl rklp_poc_stub\n"
"	.type rklp_poc_stub, @function\n"
"	.p2align 4\n"
"rklp_poc_stub:\n"
	ASM_ENDBR
	CALL_DEPTH_ACCOUNT "\n"
"	movq $rklp_poc_new, (%rsp)\n"
	ASM_RET
"	.size rklp_poc_stub, .-rklp_poc_stub\n"
"	.globl rklp_poc_stub_slot\n"
"	.type rklp_poc_stub_slot, @function\n"
"	.p2align 4\n"
"rklp_poc_stub_slot:\n"
	ASM_ENDBR
	CALL_DEPTH_ACCOUNT "\n"
"	movq rklp_poc_slot(%rip), %r11\n"
"	movq %r11, (%rsp)\n"
	ASM_RET
"	.size rklp_poc_stub_slot, .-rklp_poc_stub_slot\n"
"	.globl rklp_poc_stub_ret\n"
"	.type rklp_poc_stub_ret, @function\n"
"	.p2align 4\n"
"rklp_poc_stub_ret:\n"
	ASM_ENDBR
	CALL_DEPTH_ACCOUNT "\n"
	ASM_RET
"	.size rklp_poc_stub_ret, .-rklp_poc_stub_ret\n"
"	.popsection\n"
);

/*
 * Sharing with an IPMODIFY ops (rklp's handler, livepatch, a kprobe with a
 * post_handler): without ops_func, registering the direct ops on a function
 * an IPMODIFY ops covers fails with -EBUSY (SHARE_IPMODIFY_SELF), and
 * registering an IPMODIFY ops on a function this covers fails likewise
 * (SHARE_IPMODIFY_PEER). 0: share; the stub runs after the handler and
 * decides.
 */
static int rklp_poc_ops_func(struct ftrace_ops *op, RKLP_OPS_FUNC_IP enum ftrace_ops_cmd cmd)
{
	pr_info("ops_func cmd %d\n", cmd);
	return 0;
}

static struct ftrace_ops direct_ops = {
	.ops_func = rklp_poc_ops_func,
};

static DEFINE_MUTEX(poc_lock);
static const char *mode = "off";
static unsigned long cur_addr;
static bool registered;
static u64 last_change_ns;

static int rklp_poc_attach(const char *val, const struct kernel_param *kp)
{
	unsigned long addr;
	const char *m;
	u64 t0;
	int ret;

	if (sysfs_streq(val, "stub")) {
		m = "stub";
		addr = (unsigned long)rklp_poc_stub;
	} else if (sysfs_streq(val, "slot")) {
		m = "slot";
		addr = (unsigned long)rklp_poc_stub_slot;
	} else if (sysfs_streq(val, "ret")) {
		m = "ret";
		addr = (unsigned long)rklp_poc_stub_ret;
	} else if (sysfs_streq(val, "off")) {
		m = "off";
		addr = 0;
	} else {
		return -EINVAL;
	}
	mutex_lock(&poc_lock);
	t0 = ktime_get_ns();
	if (!addr) {
		ret = registered ? unregister_ftrace_direct(&direct_ops, cur_addr, false) : 0;
		if (!ret)
			registered = false;
	} else if (!registered) {
		ret = register_ftrace_direct(&direct_ops, addr);
		if (!ret)
			registered = true;
	} else {
		ret = modify_ftrace_direct(&direct_ops, addr);
	}
	last_change_ns = ktime_get_ns() - t0;
	if (!ret) {
		cur_addr = addr;
		mode = m;
	} else {
		pr_err("attach %s: %d\n", m, ret);
	}
	mutex_unlock(&poc_lock);
	return ret;
}

static int rklp_poc_attach_show(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s %llu\n", mode, last_change_ns);
}

static const struct kernel_param_ops rklp_poc_attach_ops = {
	.set = rklp_poc_attach,
	.get = rklp_poc_attach_show,
};
module_param_cb(attach, &rklp_poc_attach_ops, NULL, 0644);
MODULE_PARM_DESC(attach, "stub|slot|ret|off: where rklp_bench_fn's direct call goes");

#define POC_KPROBE_TAG 3UL

unsigned long rklp_poc_override(unsigned long x);

noinline unsigned long rklp_poc_override(unsigned long x)
{
	return x * 3 + 1 + POC_KPROBE_TAG;
}

static unsigned long kp_hits;

static int rklp_poc_pre(struct kprobe *p, struct pt_regs *regs)
{
	kp_hits++;
	return 0;
}

static int rklp_poc_pre_override(struct kprobe *p, struct pt_regs *regs)
{
	kp_hits++;
	instruction_pointer_set(regs, (unsigned long)rklp_poc_override);
	return 1;
}

static void rklp_poc_post(struct kprobe *p, struct pt_regs *regs, unsigned long flags)
{
}

static struct kprobe kp;
static bool kp_registered;
static const char *kp_mode = "none";

static int rklp_poc_kprobe(const char *val, const struct kernel_param *kprm)
{
	int ret = 0;

	mutex_lock(&poc_lock);
	if (kp_registered) {
		unregister_kprobe(&kp);
		kp_registered = false;
		kp_mode = "none";
	}
	memset(&kp, 0, sizeof(kp));
	kp.symbol_name = "rklp_bench_fn";
	if (sysfs_streq(val, "pre")) {
		kp.pre_handler = rklp_poc_pre;
		kp_mode = "pre";
	} else if (sysfs_streq(val, "post")) {
		kp.pre_handler = rklp_poc_pre;
		kp.post_handler = rklp_poc_post;
		kp_mode = "post";
	} else if (sysfs_streq(val, "override")) {
		kp.pre_handler = rklp_poc_pre_override;
		kp_mode = "override";
	} else if (!sysfs_streq(val, "none")) {
		ret = -EINVAL;
	}
	if (!ret && strcmp(kp_mode, "none")) {
		ret = register_kprobe(&kp);
		if (ret) {
			pr_err("register_kprobe (%s): %d\n", kp_mode, ret);
			kp_mode = "none";
		} else {
			kp_registered = true;
		}
	}
	mutex_unlock(&poc_lock);
	return ret;
}

static int rklp_poc_kprobe_show(char *buf, const struct kernel_param *kprm)
{
	return sysfs_emit(buf, "%s %lu\n", kp_mode, kp_hits);
}

static const struct kernel_param_ops rklp_poc_kprobe_ops = {
	.set = rklp_poc_kprobe,
	.get = rklp_poc_kprobe_show,
};
module_param_cb(kprobe, &rklp_poc_kprobe_ops, NULL, 0644);
MODULE_PARM_DESC(kprobe, "none|pre|post|override: a kprobe on rklp_bench_fn");

static u64 n_orig, n_direct, n_rklp, n_other, n_kprobe;

/* Calls rklp_bench_fn() for @ms ms and stores how many calls went where. */
static void rklp_poc_classify(unsigned int ms)
{
	u64 start, o = 0, d = 0, r = 0, x = 0, k = 0;
	unsigned long i = 0;

	start = ktime_get_ns();
	do {
		int n;

		for (n = 0; n < 1000; n++, i++) {
			unsigned long v = rklp_bench_fn(i) - (i * 3 + 1);

			if (v == 0)
				o++;
			else if (v == POC_DIRECT_TAG)
				d++;
			else if (v == 1UL << 32)
				r++;
			else if (v == POC_KPROBE_TAG)
				k++;
			else
				x++;
		}
		/*
		 * A voluntary sleep now and then: unregistering a direct ops
		 * waits for an RCU-tasks grace period, which a task looping in
		 * the kernel (cond_resched() is a no-op under PREEMPT) would
		 * hold off until the end of the run.
		 */
		if (!(i % (64 * 1000)))
			usleep_range(10, 20);
	} while (ktime_get_ns() - start < (u64)ms * NSEC_PER_MSEC);
	n_orig = o;
	n_direct = d;
	n_rklp = r;
	n_other = x;
	n_kprobe = k;
}

static int rklp_poc_check(const char *val, const struct kernel_param *kp)
{
	unsigned int ms;
	int ret;

	ret = kstrtouint(val, 0, &ms);
	if (ret)
		return ret;
	if (!ms || ms > 60000)
		return -EINVAL;
	rklp_poc_classify(ms);
	return 0;
}

static int rklp_poc_check_show(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%llu %llu %llu %llu %llu\n", n_orig, n_direct, n_rklp, n_other,
			  n_kprobe);
}

static const struct kernel_param_ops rklp_poc_check_ops = {
	.set = rklp_poc_check,
	.get = rklp_poc_check_show,
};
module_param_cb(check, &rklp_poc_check_ops, NULL, 0644);
MODULE_PARM_DESC(check, "write MS: call and classify; read: orig direct rklp other");

/*
 * The call loop in a kthread: a write to `check` holds the module's
 * parameter lock for the whole run, which would block `attach`.
 */
static atomic_t hammer_running = ATOMIC_INIT(0);

static int rklp_poc_hammer_fn(void *data)
{
	rklp_poc_classify((unsigned long)data);
	atomic_set(&hammer_running, 0);
	return 0;
}

static int rklp_poc_hammer(const char *val, const struct kernel_param *kp)
{
	struct task_struct *t;
	unsigned int ms;
	int ret;

	ret = kstrtouint(val, 0, &ms);
	if (ret)
		return ret;
	if (!ms || ms > 60000)
		return -EINVAL;
	if (atomic_cmpxchg(&hammer_running, 0, 1))
		return -EBUSY;
	t = kthread_run(rklp_poc_hammer_fn, (void *)(unsigned long)ms, "rklp_poc_hammer");
	if (IS_ERR(t)) {
		atomic_set(&hammer_running, 0);
		return PTR_ERR(t);
	}
	return 0;
}

static int rklp_poc_hammer_show(char *buf, const struct kernel_param *kp)
{
	if (atomic_read(&hammer_running))
		return sysfs_emit(buf, "running\n");
	return rklp_poc_check_show(buf, kp);
}

static const struct kernel_param_ops rklp_poc_hammer_ops = {
	.set = rklp_poc_hammer,
	.get = rklp_poc_hammer_show,
};
module_param_cb(hammer, &rklp_poc_hammer_ops, NULL, 0644);
MODULE_PARM_DESC(hammer, "write MS: the check loop in a kthread; read: running, or its counts");

static int __init rklp_direct_poc_init(void)
{
	/* ftrace_location() maps the symbol to its __fentry__ site (after ENDBR). */
	return ftrace_set_filter_ip(&direct_ops, (unsigned long)rklp_bench_fn, 0, 0);
}

static void __exit rklp_direct_poc_exit(void)
{
	while (atomic_read(&hammer_running))
		msleep(10);
	if (kp_registered)
		unregister_kprobe(&kp);
	if (registered)
		unregister_ftrace_direct(&direct_ops, cur_addr, false);
	ftrace_free_filter(&direct_ops);
}

module_init(rklp_direct_poc_init);
module_exit(rklp_direct_poc_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rklp PoC: a settled patch of rklp_bench_fn through an ftrace direct call");
