// SPDX-License-Identifier: GPL-2.0
/*
 * C side of settled functions (rust/direct.rs, direct_stubs.S): what the
 * stubs call, the direct ops' consent policy, and the anchor ops.
 */
#include <linux/ftrace.h>
#include <linux/preempt.h>
#include "rklp_helpers.h"

/* The stubs' slots: the replacement each stub enters, 0 for "ask rklp". */
unsigned long rklp_direct_slots[RKLP_DIRECT_STUBS];

unsigned long rklp_ftrace_redirect(unsigned long ip);

/*
 * Called by rklp_direct_undecided with the stub's return address @ret:
 * returns where the call continues. A direct call has the fentry site's
 * next instruction as @ret, and the decision is the handler's for that
 * site; through ftrace_regs_caller, @ret is what the handlers already chose
 * (no fentry site ends 5 bytes before a function's start, so a replacement's
 * address never matches). Preemption is disabled around the hash lookup, as
 * in the handler: rklp frees hash entries after an RCU-tasks-rude grace
 * period, which waits for this section, wherever RCU is watching or not.
 */
notrace unsigned long rklp_direct_decide(unsigned long ret)
{
	unsigned long new_ip;

	preempt_disable_notrace();
	new_ip = rklp_ftrace_redirect(ret - MCOUNT_INSN_SIZE);
	preempt_enable_notrace();
	return new_ip ? new_ip : ret;
}

/*
 * Consent of a settled function's direct ops to share the function with an
 * ftrace user that modifies the ip. SELF: the direct ops itself is being
 * registered on a function an IPMODIFY ops covers; that can only be rklp's
 * own handler (ftrace admits one IPMODIFY ops per function, and rklp settles
 * only functions its handler holds), and the stub follows the handler
 * anyway. PEER: another IPMODIFY ops (the in-kernel livepatch, a kprobe with
 * a post_handler) wants the settled function: refused, as rklp's handler
 * would refuse it (-EBUSY), since the stub would silently override it. rklp
 * never registers its handler on a function that has a direct ops.
 */
static int rklp_direct_ops_func(struct ftrace_ops *op, enum ftrace_ops_cmd cmd)
{
	switch (cmd) {
	case FTRACE_OPS_CMD_ENABLE_SHARE_IPMODIFY_SELF:
		return 0;
	case FTRACE_OPS_CMD_ENABLE_SHARE_IPMODIFY_PEER:
		return -EBUSY;
	default:
		return 0;
	}
}

void rklp_direct_ops_init(struct ftrace_ops *ops)
{
	ops->ops_func = rklp_direct_ops_func;
}

/*
 * The anchor: a PERMANENT ops on a function of rklp.ko that nothing calls,
 * registered while any direct ops is. A direct ops cannot be PERMANENT
 * (register_ftrace_direct() overwrites its flags), and once a patch's
 * functions have left the handler's filter the handler ops may be gone too:
 * without the anchor, `sysctl kernel.ftrace_enabled=0` would silently
 * unpatch every settled function. With it, the sysctl fails with EBUSY.
 */
noinline void rklp_direct_anchor(void)
{
	barrier();
}

static notrace void rklp_anchor_func(unsigned long ip, unsigned long parent_ip,
				     struct ftrace_ops *op, struct ftrace_regs *fregs)
{
}

static struct ftrace_ops rklp_anchor_ops = {
	.func = rklp_anchor_func,
	.flags = FTRACE_OPS_FL_PERMANENT,
};

int rklp_direct_anchor_register(void)
{
	int ret;

	ret = ftrace_set_filter_ip(&rklp_anchor_ops, (unsigned long)rklp_direct_anchor, 0, 0);
	if (ret)
		return ret;
	ret = register_ftrace_function(&rklp_anchor_ops);
	if (ret)
		ftrace_set_filter_ip(&rklp_anchor_ops, (unsigned long)rklp_direct_anchor, 1, 0);
	return ret;
}

void rklp_direct_anchor_unregister(void)
{
	unregister_ftrace_function(&rklp_anchor_ops);
	ftrace_set_filter_ip(&rklp_anchor_ops, (unsigned long)rklp_direct_anchor, 1, 0);
}

unsigned long rklp_direct_stub_addr(unsigned int k)
{
	extern char rklp_direct_stubs[];

	return (unsigned long)rklp_direct_stubs + (unsigned long)k * RKLP_DIRECT_STUB_SIZE;
}

/* The text a task stopped in a stub or in its decision has on its stack. */
unsigned long rklp_direct_text_start(void)
{
	extern char rklp_direct_stubs[];

	return (unsigned long)rklp_direct_stubs;
}

unsigned long rklp_direct_text_end(void)
{
	extern char rklp_direct_stubs[];

	return (unsigned long)rklp_direct_stubs +
	       (unsigned long)RKLP_DIRECT_STUBS * RKLP_DIRECT_STUB_SIZE;
}
