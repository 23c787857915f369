/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What rklp needs from the kernel that Linux 6.12's kernel::bindings lacks.
 * This header is the input of rklp's private bindgen run (see Kbuild); the
 * rklp_* prototypes are the C helpers in helpers.c (static inline functions
 * and macros that Rust cannot call directly).
 */
#ifndef RKLP_HELPERS_H
#define RKLP_HELPERS_H

#include <linux/cpu.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fault-inject.h>
#include <linux/ftrace.h>
#include <linux/kallsyms.h>
#include <linux/kobject.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/panic.h>
#include <linux/pid.h>
#include <linux/proc_fs.h>
#include <linux/stop_machine.h>
#include <linux/sched.h>
#include <linux/sysfs.h>
#include <linux/task_work.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>

#include "direct_stubs.h"

/*
 * The C API's descriptor structs, for bindgen: rust/patch_desc.rs checks
 * that include/rklp/abi.rs has the same layouts (its functions are rklp's
 * own exports, left out of the bindings: see Kbuild).
 */
#define RKLP_CORE
#include "../include/rklp/rklp.h"

/* ftrace: the C half of the handler (the ops' func). notrace. */
void rklp_ftrace_entry(unsigned long ip, unsigned long parent_ip,
		       struct ftrace_ops *op, struct ftrace_regs *fregs);
bool rklp_in_nmi(void);

/* local_irq_save/restore (macros), for locks also taken in IRQ context */
unsigned long rklp_local_irq_save(void);
void rklp_local_irq_restore(unsigned long flags);

/*
 * raw_spinlock_t (macros): a lock that hard IRQ context may take, also on
 * PREEMPT_RT, where a spinlock_t sleeps (rust/raw_spinlock.rs)
 */
void rklp_raw_spin_lock_init(raw_spinlock_t *lock, const char *name,
			     struct lock_class_key *key);
unsigned long rklp_raw_spin_lock_irqsave(raw_spinlock_t *lock);
void rklp_raw_spin_unlock_irqrestore(raw_spinlock_t *lock, unsigned long flags);

/* mutex_lock_interruptible() (a macro on lockdep kernels) */
int rklp_mutex_lock_interruptible(struct mutex *lock);

/* workqueue macros */
void rklp_init_work(struct work_struct *work, work_func_t func);
bool rklp_schedule_work(struct work_struct *work);
void rklp_init_cpu_work(struct work_struct *work, work_func_t func);
bool rklp_queue_work_on(int cpu, struct work_struct *work);
bool rklp_cancel_work_sync(struct work_struct *work);
void rklp_init_delayed_work(struct delayed_work *dw, work_func_t func);
bool rklp_schedule_delayed_work_ms(struct delayed_work *dw, unsigned int ms);
bool rklp_mod_delayed_work_ms(struct delayed_work *dw, unsigned int ms);
bool rklp_cancel_delayed_work_sync(struct delayed_work *dw);

/* struct module fields Rust should not poke at directly */
const char *rklp_module_name(struct module *mod);
int rklp_module_state(struct module *mod);
/* State of the module called @name (MODULE_STATE_*), or -1 if there is none.
 * @find is find_module(), resolved through kallsyms (it is not exported). */
int rklp_module_state_by_name(struct module *(*find)(const char *),
			      const char *name);
/* The module called @name, or NULL (@find: find_module()). */
struct module *rklp_module_by_name(struct module *(*find)(const char *),
				   const char *name);
/* The module whose text contains @addr, or NULL. @text_address is
 * __module_text_address(), resolved through kallsyms (not exported). */
struct module *rklp_module_of_text(struct module *(*text_address)(unsigned long),
				   unsigned long addr);
/*
 * Whether @mod, in its MODULE_STATE_COMING notifier, has the modinfo entry
 * @entry ("tag=value"). Only then: the loader does not keep .modinfo.
 */
bool rklp_coming_module_has_modinfo(struct module *mod, const char *entry);

/*
 * BTF (rust/btf.rs): a COMING module's .BTF and .BTF.base as the loader
 * holds them (until its init ran; false without them or without
 * CONFIG_DEBUG_INFO_BTF_MODULES), and a loaded module's BTF read from
 * /sys/kernel/btf/<name> into a vmalloc()ed buffer (freed with
 * rklp_vfree()).
 */
bool rklp_coming_module_btf(struct module *mod, const void **data,
			    unsigned int *size, const void **base,
			    unsigned int *base_size);
long rklp_read_module_btf(const char *name, void **buf);
void rklp_vfree(void *p);
/* Whether @addr is in a module; if so, its name (NUL-terminated, cut to
 * @len bytes) goes to @buf. @module_address is __module_address(), resolved
 * through kallsyms (not exported). */
bool rklp_module_name_at(struct module *(*module_address)(unsigned long),
			 unsigned long addr, char *buf, size_t len);
/* Whether [@addr, @addr + @size) is in @mod's core data (mem[MOD_DATA]). */
bool rklp_within_module_data(unsigned long addr, unsigned long size,
			     const struct module *mod);
/* Whether @addr is in @mod's core text (mem[MOD_TEXT]: not init, not data). */
bool rklp_within_module_text(unsigned long addr, const struct module *mod);
void rklp_module_text_bounds(const struct module *mod, unsigned long *start,
			     unsigned long *end);
/* The core text (mem[MOD_TEXT]) of the module whose text contains @addr.
 * @text_address is __module_text_address(), resolved through kallsyms. */
bool rklp_module_text_range(struct module *(*text_address)(unsigned long),
			    unsigned long addr, unsigned long *start, unsigned long *end);

/* tracepoints that are not exported: found by name */
struct tracepoint *rklp_find_tracepoint(const char *name);
void rklp_tracepoint_synchronize_unregister(void);

/* tasks */
typedef int (*rklp_task_fn)(struct task_struct *t, void *arg);
int rklp_for_each_thread(rklp_task_fn fn, void *arg);
void rklp_rcu_read_lock(void);
void rklp_rcu_read_unlock(void);
struct task_struct *rklp_current(void);
void rklp_get_task(struct task_struct *t);
void rklp_put_task(struct task_struct *t);
int rklp_task_pid(struct task_struct *t);
void rklp_task_comm(struct task_struct *t, char *buf);
/* @comm escaped into @buf (at most @size bytes, NUL-terminated): returns
 * the length without the NUL (the escaping: helpers.c). */
size_t rklp_escape_comm(const char *comm, char *buf, size_t size);
/* get_pid_task(@pid, PIDTYPE_PID): a counted reference, or NULL */
struct task_struct *rklp_pid_task(struct pid *pid);
bool rklp_task_is_kthread(struct task_struct *t);
bool rklp_task_is_idle(struct task_struct *t);
bool rklp_task_on_cpu(struct task_struct *t);
bool rklp_task_exiting(struct task_struct *t);
unsigned int rklp_task_cpu(struct task_struct *t);
bool rklp_task_is_runnable(struct task_struct *t);
bool rklp_task_is_realtime(struct task_struct *t);
void rklp_init_task_work(struct callback_head *cb, task_work_func_t fn);
unsigned int rklp_smp_processor_id(void);
void rklp_preempt_disable(void);
void rklp_preempt_enable(void);
unsigned int rklp_nr_cpu_ids(void);
bool rklp_cpu_possible(unsigned int cpu);
bool rklp_cpu_online(unsigned int cpu);
void rklp_cpus_read_lock(void);
void rklp_cpus_read_unlock(void);
u64 rklp_task_start_time(struct task_struct *t);
u64 rklp_ktime_get_ns(void);

/* kernel addresses for the log: "%pS" (symbol+offset) and "%p" (hashed) of
 * @p into @buf (at most @size bytes, NUL-terminated); the length written */
size_t rklp_format_symbol(char *buf, size_t size, unsigned long addr);
size_t rklp_format_hashed(char *buf, size_t size, const void *p);

/* task table: fault injection (test builds only, RKLP_TEST_HOOKS) and
 * debugfs counters */
#ifdef RKLP_TEST_HOOKS
bool rklp_should_fail_task_insert(void);
#endif
void *rklp_task_table_debugfs_create(unsigned long *live, unsigned long *tombstones,
				     unsigned long *untracked);
void rklp_task_table_debugfs_remove(void *dir);

/* settled functions: direct.c and direct_stubs.S */
struct rklp_direct_entry {
	unsigned long key;
	unsigned long target;
};
extern struct rklp_direct_entry rklp_direct_table[RKLP_DIRECT_TABLE];
void rklp_direct_dispatch(void);
void rklp_direct_undecided(void);
unsigned long rklp_direct_decide(unsigned long ret);
void rklp_direct_ops_init(struct ftrace_ops *ops);
int rklp_ftrace_set_filter_ips_claimed(struct ftrace_ops *ops, unsigned long *ips,
				       unsigned int cnt, int remove);
void rklp_direct_anchor(void);
unsigned long rklp_direct_dispatch_addr(void);

#endif
