/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What rklp needs from the kernel that Linux 6.12's kernel::bindings lacks.
 * This header is the input of rklp's private bindgen run (see Kbuild); the
 * rklp_* prototypes are the C helpers in helpers.c (static inline functions
 * and macros that Rust cannot call directly).
 */
#ifndef RKLP_HELPERS_H
#define RKLP_HELPERS_H

#include <linux/ftrace.h>
#include <linux/kallsyms.h>
#include <linux/kobject.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/panic.h>
#include <linux/stop_machine.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

/* ftrace: inline helpers used by the handler. All are notrace. */
int rklp_ftrace_recursion_trylock(unsigned long ip, unsigned long parent_ip);
void rklp_ftrace_recursion_unlock(int bit);
void rklp_ftrace_regs_set_ip(struct ftrace_regs *fregs, unsigned long ip);
bool rklp_in_nmi(void);

/* workqueue macros */
void rklp_init_work(struct work_struct *work, work_func_t func);
bool rklp_schedule_work(struct work_struct *work);

/* struct module fields Rust should not poke at directly */
const char *rklp_module_name(struct module *mod);
int rklp_module_state(struct module *mod);
/* State of the module called @name (MODULE_STATE_*), or -1 if there is none.
 * @find is find_module(), resolved through kallsyms (it is not exported). */
int rklp_module_state_by_name(struct module *(*find)(const char *),
			      const char *name);

#endif
