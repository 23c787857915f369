// SPDX-License-Identifier: GPL-2.0
/*
 * C wrappers for static inline functions and macros that rklp's Rust code
 * calls. Everything here is notrace: the ftrace handler calls some of these,
 * and a traced helper would recurse into the handler.
 */
#include "rklp_helpers.h"
#include "compat.h"

#include <linux/hardirq.h>
#include <linux/fs.h>
#include <linux/sizes.h>
#include <linux/vmalloc.h>
#include <linux/rcupdate.h>
#include <linux/sched/rt.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/string_helpers.h>
#include <linux/trace_recursion.h>
#include <linux/uaccess.h>

/* The Rust half (sys::ftrace::ftrace_handler!, src/handler.rs). */
unsigned long rklp_ftrace_redirect(unsigned long ip, struct task_struct *curr);

/*
 * The ops' func: ftrace's recursion lock (which also disables preemption:
 * the handler's read side) and the register write are static inlines, so
 * they stay here and a traced call makes one call, into Rust, which decides
 * where the call goes (0: the original body).
 *
 * Aligned: x86's ftrace from 7.x on (DYNAMIC_FTRACE_WITH_JMP) reads bit 0
 * of a call target as "jump, do not call" (ftrace_call_replace()), so a
 * func at an odd address would be entered by a JMP to the byte before it.
 * A kernel built at -Os with gcc < 14 does not align functions
 * (-falign-functions is ignored there): the alignment is asked for here,
 * not left to the layout (src/ftrace_jmp_hazard.rs warns about the
 * kernel's own such functions).
 */
notrace __aligned(16) void rklp_ftrace_entry(unsigned long ip, unsigned long parent_ip,
			       struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	unsigned long new_ip;
	int bit;

	bit = ftrace_test_recursion_trylock(ip, parent_ip);
	if (bit < 0)
		return;
	new_ip = rklp_ftrace_redirect(ip, current);
	if (new_ip)
		ftrace_regs_set_instruction_pointer(fregs, new_ip);
	ftrace_test_recursion_unlock(bit);
}

unsigned long rklp_local_irq_save(void)
{
	unsigned long flags;

	local_irq_save(flags);
	return flags;
}

void rklp_local_irq_restore(unsigned long flags)
{
	local_irq_restore(flags);
}

void rklp_raw_spin_lock_init(raw_spinlock_t *lock, const char *name,
			     struct lock_class_key *key)
{
#ifdef CONFIG_DEBUG_SPINLOCK
	__raw_spin_lock_init(lock, name, key, LD_WAIT_SPIN);
#else
	raw_spin_lock_init(lock);
#endif
}

unsigned long rklp_raw_spin_lock_irqsave(raw_spinlock_t *lock)
{
	unsigned long flags;

	raw_spin_lock_irqsave(lock, flags);
	return flags;
}

void rklp_raw_spin_unlock_irqrestore(raw_spinlock_t *lock, unsigned long flags)
{
	raw_spin_unlock_irqrestore(lock, flags);
}

int rklp_mutex_lock_interruptible(struct mutex *lock)
{
	return mutex_lock_interruptible(lock);
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

/*
 * The per-CPU works of on_each_cpu() (rust/work.rs). INIT_WORK gives each
 * call site its own lockdep class: theirs must not be the class of the
 * works that take rklp's mutex (rklp_init_work), since they are flushed
 * with that mutex held.
 */
void rklp_init_cpu_work(struct work_struct *work, work_func_t func)
{
	INIT_WORK(work, func);
}

bool rklp_queue_work_on(int cpu, struct work_struct *work)
{
	return queue_work_on(cpu, rklp_system_wq, work);
}

bool rklp_cancel_work_sync(struct work_struct *work)
{
	return cancel_work_sync(work);
}

void rklp_init_delayed_work(struct delayed_work *dw, work_func_t func)
{
	INIT_DELAYED_WORK(dw, func);
}

bool rklp_schedule_delayed_work_ms(struct delayed_work *dw, unsigned int ms)
{
	return schedule_delayed_work(dw, msecs_to_jiffies(ms));
}

bool rklp_mod_delayed_work_ms(struct delayed_work *dw, unsigned int ms)
{
	return mod_delayed_work(rklp_system_wq, dw, msecs_to_jiffies(ms));
}

bool rklp_cancel_delayed_work_sync(struct delayed_work *dw)
{
	return cancel_delayed_work_sync(dw);
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

struct module *rklp_module_by_name(struct module *(*find)(const char *),
				   const char *name)
{
	struct module *mod;

	/* find_module() wants module_mutex or preemption disabled. */
	preempt_disable();
	mod = find(name);
	preempt_enable();
	return mod;
}

struct module *rklp_module_of_text(struct module *(*text_address)(unsigned long),
				   unsigned long addr)
{
	struct module *mod;

	/* __module_text_address() wants module_mutex or preemption disabled. */
	preempt_disable();
	mod = text_address(addr);
	preempt_enable();
	return mod;
}

/*
 * The loader drops .modinfo when it lays the module out (it is not
 * SHF_ALLOC), and frees its copy of the file after the COMING notifiers,
 * before the module's init. Until then the module's full symbol table (its
 * init-time kallsyms) holds the symbols of the .modinfo entries (C's
 * MODULE_INFO() statics, Rust's #[link_section = ".modinfo"] ones), typed
 * '?' (a section neither allocated nor debug: elf_type()), with values
 * that point into that copy. So each such entry is compared with @entry,
 * read without faulting.
 */
bool rklp_coming_module_has_modinfo(struct module *mod, const char *entry)
{
	size_t len = strlen(entry) + 1;
	struct mod_kallsyms *ks;
	char buf[64];
	unsigned int i;

	if (len > sizeof(buf) || mod->state != MODULE_STATE_COMING)
		return false;
	/* As module_kallsyms_on_each_symbol(): the pointer cannot change
	 * before the module's init has run. */
	preempt_disable();
	ks = rcu_dereference_sched(mod->kallsyms);
	preempt_enable();
	for (i = 0; i < ks->num_symtab; i++) {
		const Elf_Sym *sym = &ks->symtab[i];

		if (ks->typetab[i] != '?' || sym->st_shndx == SHN_UNDEF ||
		    sym->st_shndx >= SHN_LORESERVE)
			continue;
		if (copy_from_kernel_nofault(buf, (void *)sym->st_value, len))
			continue;
		if (!memcmp(buf, entry, len))
			return true;
	}
	return false;
}

bool rklp_coming_module_btf(struct module *mod, const void **data,
			    unsigned int *size, const void **base,
			    unsigned int *base_size)
{
#ifdef CONFIG_DEBUG_INFO_BTF_MODULES
	/* The loader clears them once the module's init ran. */
	if (mod->state != MODULE_STATE_COMING || !mod->btf_data)
		return false;
	*data = mod->btf_data;
	*size = mod->btf_data_size;
	*base = mod->btf_base_data;
	*base_size = mod->btf_base_data_size;
	return true;
#else
	return false;
#endif
}

long rklp_read_module_btf(const char *name, void **buf)
{
	char path[32 + MODULE_NAME_LEN];
	struct file *file;
	loff_t size, pos = 0;
	ssize_t n = 0;
	void *b;

	*buf = NULL;
	if (snprintf(path, sizeof(path), "/sys/kernel/btf/%s", name) >= sizeof(path))
		return -ENAMETOOLONG;
	/*
	 * Opened and read as a plain file: kernel_read_file() would run the
	 * LSMs' kernel_read_file hooks, and IPE (Debian's 7.3 has it) warns
	 * with a stack trace for a READING_UNKNOWN read. The file's size is
	 * the blob's (at most 64 MB here).
	 */
	file = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(file))
		return PTR_ERR(file);
	size = i_size_read(file_inode(file));
	if (size <= 0 || size > SZ_64M) {
		filp_close(file, NULL);
		return size <= 0 ? -ENODATA : -EFBIG;
	}
	b = vmalloc(size);
	if (!b) {
		filp_close(file, NULL);
		return -ENOMEM;
	}
	while (pos < size) {
		n = kernel_read(file, b + pos, size - pos, &pos);
		if (n <= 0)
			break;
	}
	filp_close(file, NULL);
	if (pos != size) {
		vfree(b);
		return n < 0 ? n : -EIO;
	}
	*buf = b;
	return size;
}

void rklp_vfree(void *p)
{
	vfree(p);
}

bool rklp_module_name_at(struct module *(*module_address)(unsigned long),
			 unsigned long addr, char *buf, size_t len)
{
	struct module *mod;

	/* __module_address() wants module_mutex or preemption disabled. */
	preempt_disable();
	mod = module_address(addr);
	if (mod)
		strscpy(buf, mod->name, len);
	preempt_enable();
	return mod;
}

bool rklp_within_module_data(unsigned long addr, unsigned long size,
			     const struct module *mod)
{
	unsigned long start = (unsigned long)mod->mem[MOD_DATA].base;

	return addr >= start && size <= mod->mem[MOD_DATA].size &&
	       addr - start <= mod->mem[MOD_DATA].size - size;
}

bool rklp_within_module_text(unsigned long addr, const struct module *mod)
{
	return within_module_mem_type(addr, mod, MOD_TEXT);
}

void rklp_module_text_bounds(const struct module *mod, unsigned long *start,
			     unsigned long *end)
{
	*start = (unsigned long)mod->mem[MOD_TEXT].base;
	*end = *start + mod->mem[MOD_TEXT].size;
}

bool rklp_module_text_range(struct module *(*text_address)(unsigned long),
			    unsigned long addr, unsigned long *start, unsigned long *end)
{
	struct module *mod;
	bool found = false;

	preempt_disable();
	mod = text_address(addr);
	if (mod && within_module_mem_type(addr, mod, MOD_TEXT)) {
		*start = (unsigned long)mod->mem[MOD_TEXT].base;
		*end = *start + mod->mem[MOD_TEXT].size;
		found = true;
	}
	preempt_enable();
	return found;
}

struct rklp_tp_search {
	const char *name;
	struct tracepoint *tp;
};

static void rklp_tp_match(struct tracepoint *tp, void *priv)
{
	struct rklp_tp_search *s = priv;

	if (!strcmp(tp->name, s->name))
		s->tp = tp;
}

struct tracepoint *rklp_find_tracepoint(const char *name)
{
	struct rklp_tp_search s = { .name = name };

	for_each_kernel_tracepoint(rklp_tp_match, &s);
	return s.tp;
}

void rklp_tracepoint_synchronize_unregister(void)
{
	tracepoint_synchronize_unregister();
}

/*
 * Calls @fn for every thread on the task list, under rcu_read_lock() only
 * (no tasklist_lock), until @fn returns non-zero. @fn must not sleep.
 */
int rklp_for_each_thread(rklp_task_fn fn, void *arg)
{
	struct task_struct *g, *t;
	int ret = 0;

	rcu_read_lock();
	for_each_process_thread(g, t) {
		ret = fn(t, arg);
		if (ret)
			break;
	}
	rcu_read_unlock();
	return ret;
}

void rklp_rcu_read_lock(void)
{
	rcu_read_lock();
}

void rklp_rcu_read_unlock(void)
{
	rcu_read_unlock();
}

notrace struct task_struct *rklp_current(void)
{
	return current;
}

notrace void rklp_get_task(struct task_struct *t)
{
	get_task_struct(t);
}

void rklp_put_task(struct task_struct *t)
{
	put_task_struct(t);
}

int rklp_task_pid(struct task_struct *t)
{
	return t->pid;
}

void rklp_task_comm(struct task_struct *t, char *buf)
{
	strscpy(buf, t->comm, TASK_COMM_LEN);
}

/*
 * A comm as one field of a line that root reads (the stalled list): any
 * user can name a task, so nothing in it may end the line, start a
 * terminal escape or split the field. As /proc/PID/status escapes \n and
 * \\ (proc_task_name), and also every other control and non-ASCII byte
 * (octal, or \e \t ... ) and the space (\040), so that fields stay
 * separated by single spaces. Printable ASCII is copied.
 */
size_t rklp_escape_comm(const char *comm, char *buf, size_t size)
{
	int n;

	if (!size)
		return 0;
	n = string_escape_str(comm, buf, size - 1,
			      ESCAPE_SPACE | ESCAPE_SPECIAL | ESCAPE_OCTAL |
			      ESCAPE_NAP | ESCAPE_APPEND, " \\");
	n = min_t(int, n, size - 1);
	buf[n] = '\0';
	return n;
}

struct task_struct *rklp_pid_task(struct pid *pid)
{
	return get_pid_task(pid, PIDTYPE_PID);
}

size_t rklp_format_symbol(char *buf, size_t size, unsigned long addr)
{
	return scnprintf(buf, size, "%pS", (void *)addr);
}

size_t rklp_format_hashed(char *buf, size_t size, const void *p)
{
	return scnprintf(buf, size, "%p", p);
}

bool rklp_task_is_kthread(struct task_struct *t)
{
	return t->flags & PF_KTHREAD;
}

notrace bool rklp_task_is_idle(struct task_struct *t)
{
	return is_idle_task(t);
}

bool rklp_task_on_cpu(struct task_struct *t)
{
	return READ_ONCE(t->on_cpu);
}

/* Running or waiting for a CPU, not sleeping (a hint: it may change). */
bool rklp_task_is_runnable(struct task_struct *t)
{
	return task_is_running(t);
}

/* A real-time or deadline task (a hint: its policy may change). */
bool rklp_task_is_realtime(struct task_struct *t)
{
	return rt_or_dl_task(t);
}

/* The CPU the task runs on or last ran on (a hint: it may move). */
unsigned int rklp_task_cpu(struct task_struct *t)
{
	return task_cpu(t);
}

bool rklp_task_exiting(struct task_struct *t)
{
	return t->flags & PF_EXITING;
}

void rklp_init_task_work(struct callback_head *cb, task_work_func_t fn)
{
	init_task_work(cb, fn);
}

notrace void rklp_preempt_disable(void)
{
	preempt_disable_notrace();
}

notrace void rklp_preempt_enable(void)
{
	preempt_enable_notrace();
}

notrace unsigned int rklp_smp_processor_id(void)
{
	return raw_smp_processor_id();
}

unsigned int rklp_nr_cpu_ids(void)
{
	return nr_cpu_ids;
}

bool rklp_cpu_possible(unsigned int cpu)
{
	return cpu_possible(cpu);
}

bool rklp_cpu_online(unsigned int cpu)
{
	return cpu_online(cpu);
}

/* CPU hotplug exclusion (cpus_read_lock() is a function; wrapped so that the
 * bindings need no new allowlist entry). */
void rklp_cpus_read_lock(void)
{
	cpus_read_lock();
}

void rklp_cpus_read_unlock(void)
{
	cpus_read_unlock();
}

u64 rklp_task_start_time(struct task_struct *t)
{
	return t->start_time;
}

u64 rklp_ktime_get_ns(void)
{
	return ktime_get_ns();
}

#ifdef RKLP_TEST_HOOKS
/*
 * Fault injection for the task table (DECLARE_FAULT_ATTR is a macro):
 * /sys/kernel/debug/rklp_task_table/fail_insert/{probability,times,...}, as
 * failslab. Never fails unless configured there. Test builds only
 * (RKLP_TEST_HOOKS=1, see Kbuild); modinfo shows them.
 */
MODULE_INFO(test_hooks, "fail_insert");

static DECLARE_FAULT_ATTR(rklp_fail_task_insert);

bool rklp_should_fail_task_insert(void)
{
	return should_fail(&rklp_fail_task_insert, 1);
}
#endif

/*
 * /sys/kernel/debug/rklp_task_table/: read-only counters of the task table
 * and, in test builds, the fail_insert fault attributes. Returns the directory (an opaque
 * handle for rklp_task_table_debugfs_remove()), or NULL.
 */
void *rklp_task_table_debugfs_create(unsigned long *live, unsigned long *tombstones,
				     unsigned long *untracked)
{
	struct dentry *dir = debugfs_create_dir("rklp_task_table", NULL);

	if (IS_ERR_OR_NULL(dir))
		return NULL;
	debugfs_create_ulong("live", 0400, dir, live);
	debugfs_create_ulong("tombstones", 0400, dir, tombstones);
	debugfs_create_ulong("untracked", 0400, dir, untracked);
#ifdef RKLP_TEST_HOOKS
	fault_create_debugfs_attr("fail_insert", dir, &rklp_fail_task_insert);
#endif
	return dir;
}

void rklp_task_table_debugfs_remove(void *dir)
{
	debugfs_remove(dir);
}
