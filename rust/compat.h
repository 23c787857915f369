/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C side of rust/compat.rs: what differs between the kernels rklp
 * builds for (6.12 and 7.3) in the C parts (rust/ and the C test
 * modules). The rklp_* macros tested here are the --cfg flags of
 * rust/compat.mk, which passes them to C as -D too. Code elsewhere uses
 * 7.3's interfaces; this gives 6.12 the missing ones.
 */
#ifndef RKLP_COMPAT_H
#define RKLP_COMPAT_H

#include <linux/hrtimer.h>
#include <linux/ftrace.h>
#include <linux/workqueue.h>

#ifndef rklp_hrtimer_setup
/* hrtimer_setup() (6.13; 7.3 has no hrtimer_init()). */
static inline void hrtimer_setup(struct hrtimer *timer,
				 enum hrtimer_restart (*function)(struct hrtimer *),
				 clockid_t clock_id, enum hrtimer_mode mode)
{
	hrtimer_init(timer, clock_id, mode);
	timer->function = function;
}
#endif

/*
 * An ftrace_ops' ops_func: 7.3 passes the function's address too. Declare
 * one as `int f(struct ftrace_ops *op, RKLP_OPS_FUNC_IP enum ftrace_ops_cmd cmd)`.
 */
#ifdef rklp_ops_func_ip
#define RKLP_OPS_FUNC_IP unsigned long ip,
#else
#define RKLP_OPS_FUNC_IP
#endif

/*
 * The per-CPU system workqueue: 7.3 calls it system_percpu_wq and warns
 * (once, in the kernel log the selftests compare) when work is queued on
 * the deprecated system_wq.
 */
#ifdef rklp_system_percpu_wq
#define rklp_system_wq system_percpu_wq
#else
#define rklp_system_wq system_wq
#endif

/*
 * EXPORT_SYMBOL_NS_GPL(sym, RKLP): the namespace is a bare name up to 6.12
 * and a string from 6.13 on.
 */
#ifdef rklp_ns_string
#define RKLP_EXPORT_NS_GPL(sym) EXPORT_SYMBOL_NS_GPL(sym, "RKLP")
#else
#define RKLP_EXPORT_NS_GPL(sym) EXPORT_SYMBOL_NS_GPL(sym, RKLP)
#endif

#endif /* RKLP_COMPAT_H */
