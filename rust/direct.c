// SPDX-License-Identifier: GPL-2.0
/*
 * C side of settled functions (rust/direct.rs, direct_stubs.S): what the
 * stubs call, the direct ops' consent policy, and the anchor ops.
 *
 * Without ftrace direct calls (rklp_no_direct_calls, rust/compat.mk) there
 * is no dispatcher (direct_stubs.S is not built) and no direct ops: only
 * what rust/direct.rs's table and the handler's filter use is left, and
 * rklp never settles (src/settle.rs).
 */
#include <linux/ftrace.h>
#include "compat.h"
#include <linux/preempt.h>
#include "rklp_helpers.h"

/*
 * The dispatcher's table: key = a settled function's fentry return address,
 * target = its replacement, or 0 for "ask rklp". Empty keys are 0, vacated
 * ones RKLP_DIRECT_QUARANTINED, _COOLING or _TOMBSTONE (direct_stubs.h).
 * Written by rust/direct.rs under rklp's core mutex; read by
 * rklp_direct_dispatch.
 */
struct rklp_direct_entry rklp_direct_table[RKLP_DIRECT_TABLE] __aligned(16);

#ifndef rklp_no_direct_calls
unsigned long rklp_ftrace_redirect(unsigned long ip, struct task_struct *curr);

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
	new_ip = rklp_ftrace_redirect(ret - MCOUNT_INSN_SIZE, current);
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
static int rklp_direct_ops_func(struct ftrace_ops *op, RKLP_OPS_FUNC_IP enum ftrace_ops_cmd cmd)
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
#endif /* !rklp_no_direct_calls */

/*
 * rklp's claim on a settled function. ftrace refuses a second IPMODIFY user
 * of a function by the record's FTRACE_FL_IPMODIFY flag, which
 * __ftrace_hash_update_ipmodify() sets and clears as IPMODIFY ops' filters
 * change. Registering an IPMODIFY ops over a direct call also asks the
 * direct ops (PEER, refused above), but adding a function to the filter of
 * an IPMODIFY ops that is already registered (kprobe_ipmodify_ops once any
 * post_handler kprobe exists) only looks at the record's flag. So a settled
 * function keeps the flag rklp's handler ops set on it: the handler ops
 * hands the function over to its direct call without clearing the flag, and
 * takes it back without checking it (the flag is rklp's). Any other
 * IPMODIFY user then gets -EBUSY on a settled function, as on one that is
 * on the handler (rust/direct.rs, src/redirect/direct.rs).
 *
 * Clearing FTRACE_OPS_FL_IPMODIFY on the handler ops around one filter
 * update makes __ftrace_hash_update_ipmodify() leave the records' flags
 * alone (it only acts for IPMODIFY or DIRECT ops); nothing else in the
 * update reads the ops' IPMODIFY flag. The handler ops is rklp's, its
 * updates are serialised by rklp's core mutex, and ftrace only changes its
 * other flag bits inside those updates.
 */
int rklp_ftrace_set_filter_ips_claimed(struct ftrace_ops *ops, unsigned long *ips,
				       unsigned int cnt, int remove)
{
	int ret;

	WRITE_ONCE(ops->flags, ops->flags & ~FTRACE_OPS_FL_IPMODIFY);
	ret = ftrace_set_filter_ips(ops, ips, cnt, remove, 0);
	WRITE_ONCE(ops->flags, ops->flags | FTRACE_OPS_FL_IPMODIFY);
	return ret;
}


/*
 * The anchor: a function of rklp.ko that nothing calls, kept in the filter of
 * rklp's handler ops while any direct call is registered. A direct ops cannot
 * be PERMANENT (register_ftrace_direct() overwrites its flags); the handler
 * ops is, and the anchor keeps it registered when every patched function has
 * left its filter: `sysctl kernel.ftrace_enabled=0` then fails with EBUSY
 * instead of silently unpatching every settled function. It also means the
 * handler ops is never registered anew over a function with a direct call,
 * which would ask the direct ops' consent (PEER), refused above.
 */
noinline void rklp_direct_anchor(void)
{
	barrier();
}

#ifndef rklp_no_direct_calls
unsigned long rklp_direct_dispatch_addr(void)
{
	return (unsigned long)rklp_direct_dispatch;
}
#endif
