// SPDX-License-Identifier: GPL-2.0
/*
 * C wrappers for static inline functions and macros that rklp's Rust code
 * calls. Everything here is notrace: the ftrace handler calls some of these,
 * and a traced helper would recurse into the handler.
 */
#include "rklp_helpers.h"

#include <linux/hardirq.h>
#include <linux/trace_recursion.h>

notrace int rklp_ftrace_recursion_trylock(unsigned long ip, unsigned long parent_ip)
{
	/* Also disables preemption: the handler's read side is this section. */
	return ftrace_test_recursion_trylock(ip, parent_ip);
}

notrace void rklp_ftrace_recursion_unlock(int bit)
{
	ftrace_test_recursion_unlock(bit);
}

notrace void rklp_ftrace_regs_set_ip(struct ftrace_regs *fregs, unsigned long ip)
{
	ftrace_regs_set_instruction_pointer(fregs, ip);
}

notrace bool rklp_in_nmi(void)
{
	return in_nmi();
}

void rklp_init_work(struct work_struct *work, work_func_t func)
{
	INIT_WORK(work, func);
}

bool rklp_schedule_work(struct work_struct *work)
{
	return schedule_work(work);
}

const char *rklp_module_name(struct module *mod)
{
	return mod->name;
}

int rklp_module_state(struct module *mod)
{
	return mod->state;
}

int rklp_module_state_by_name(struct module *(*find)(const char *),
			      const char *name)
{
	struct module *mod;
	int state = -1;

	/* find_module() wants module_mutex or preemption disabled. */
	preempt_disable();
	mod = find(name);
	if (mod)
		state = mod->state;
	preempt_enable();
	return state;
}
