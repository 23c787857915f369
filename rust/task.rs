// SPDX-License-Identifier: GPL-2.0

//! Tasks, as rklp's consistency model needs them: walking them without
//! `tasklist_lock`, pinning one to read its stack reliably, and kicking it.
//! The scheduler helpers rklp needs are not exported (`task_call_func`,
//! `stack_trace_save_tsk_reliable`, `wake_up_state`, `idle_task`,
//! `task_work_cancel`); they are resolved through kallsyms at load.

use super::bindings as b;
use super::kallsyms::Kallsyms;
use core::ffi::c_void;
use core::marker::PhantomData;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::c_str;
use kernel::ffi::{c_int, c_uint, c_ulong};
use kernel::prelude::*;

/// A task's address, used as an identity (never dereferenced through it).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct TaskKey(pub(crate) usize);

/// The current task's key.
#[inline(always)]
pub(crate) fn current_key() -> TaskKey {
    // SAFETY: returns `current`; always valid.
    TaskKey(unsafe { b::rklp_current() } as usize)
}

/// A task borrowed for `'a`.
///
/// # Invariants
///
/// `ptr` points to a task_struct that stays allocated for `'a` (the caller
/// is inside an RCU walk of the task list, holds a reference, or the task
/// is an idle task, which is never freed).
#[derive(Clone, Copy)]
pub(crate) struct Task<'a> {
    ptr: NonNull<b::task_struct>,
    _p: PhantomData<&'a b::task_struct>,
}

impl<'a> Task<'a> {
    /// A task from a raw pointer.
    ///
    /// # Safety
    ///
    /// `p` must be a valid task that stays allocated for `'a`.
    pub(crate) unsafe fn from_raw(p: *mut b::task_struct) -> Option<Task<'a>> {
        NonNull::new(p).map(|ptr| Task {
            ptr,
            _p: PhantomData,
        })
    }

    /// The current task.
    pub(crate) fn current() -> Task<'static> {
        // SAFETY: `current` is valid while it runs, which outlives any use.
        let ptr = unsafe { NonNull::new_unchecked(b::rklp_current()) };
        Task {
            ptr,
            _p: PhantomData,
        }
    }

    /// Identity.
    pub(crate) fn key(&self) -> TaskKey {
        TaskKey(self.ptr.as_ptr() as usize)
    }

    /// Thread id.
    pub(crate) fn pid(&self) -> i32 {
        // SAFETY: valid task (invariant).
        unsafe { b::rklp_task_pid(self.ptr.as_ptr()) }
    }

    /// Command name.
    pub(crate) fn comm(&self) -> Comm {
        let mut c = Comm([0; 16]);
        // SAFETY: valid task; the buffer holds TASK_COMM_LEN (16) bytes.
        unsafe { b::rklp_task_comm(self.ptr.as_ptr(), c.0.as_mut_ptr().cast()) };
        c
    }

    /// A kernel thread.
    pub(crate) fn is_kthread(&self) -> bool {
        // SAFETY: valid task (invariant).
        unsafe { b::rklp_task_is_kthread(self.ptr.as_ptr()) }
    }

    /// A per-CPU idle task.
    pub(crate) fn is_idle(&self) -> bool {
        // SAFETY: valid task (invariant).
        unsafe { b::rklp_task_is_idle(self.ptr.as_ptr()) }
    }

    /// Running or waiting for a CPU, not sleeping (a hint: it may go to
    /// sleep or wake up at any time).
    pub(crate) fn is_runnable(&self) -> bool {
        // SAFETY: valid task (invariant); reads its state.
        unsafe { b::rklp_task_is_runnable(self.ptr.as_ptr()) }
    }

    /// A real-time or deadline task (a hint: its policy may change).
    pub(crate) fn is_realtime(&self) -> bool {
        // SAFETY: valid task (invariant).
        unsafe { b::rklp_task_is_realtime(self.ptr.as_ptr()) }
    }

    /// The CPU the task runs on, or last ran on (a hint: it may move at
    /// any time unless pinned).
    pub(crate) fn cpu(&self) -> u32 {
        // SAFETY: valid task (invariant); reads its CPU number.
        unsafe { b::rklp_task_cpu(self.ptr.as_ptr()) }
    }

    /// When the task was forked (`start_time`, CLOCK_MONOTONIC ns, set in
    /// `copy_process()` before `task_newtask` fires).
    pub(crate) fn start_time_ns(&self) -> u64 {
        // SAFETY: valid task (invariant).
        unsafe { b::rklp_task_start_time(self.ptr.as_ptr()) }
    }
}

/// CLOCK_MONOTONIC in ns (the clock of [`Task::start_time_ns`]).
pub(crate) fn now_ns() -> u64 {
    // SAFETY: reads the clock; any context.
    unsafe { b::rklp_ktime_get_ns() }
}

/// A task's `comm`.
///
/// # Invariants
///
/// NUL-terminated within its 16 bytes (`strscpy` into TASK_COMM_LEN).
pub(crate) struct Comm([u8; 16]);

impl Comm {
    /// The name escaped so that it is one field of a line: no byte of it
    /// can end the line, start a terminal escape or be a space
    /// (`rklp_escape_comm`: `\n`, `\e`, `\\`, `\040`, octal for the rest
    /// of the control and non-ASCII bytes).
    pub(crate) fn escaped(&self) -> EscapedComm {
        let mut e = EscapedComm {
            buf: [0; ESCAPED_COMM_LEN],
            len: 0,
        };
        // SAFETY: `self.0` is NUL-terminated (invariant); `buf` holds
        // ESCAPED_COMM_LEN bytes, which the helper does not write past.
        let n = unsafe {
            b::rklp_escape_comm(
                self.0.as_ptr().cast(),
                e.buf.as_mut_ptr().cast(),
                ESCAPED_COMM_LEN,
            )
        };
        e.len = n.min(ESCAPED_COMM_LEN - 1);
        e
    }
}

/// Room for an escaped comm: 15 bytes of 4 each (`\ooo`) and the NUL.
const ESCAPED_COMM_LEN: usize = 64;

/// A `comm` escaped by [`Comm::escaped`]: printable ASCII only.
pub(crate) struct EscapedComm {
    buf: [u8; ESCAPED_COMM_LEN],
    len: usize,
}

impl core::fmt::Display for EscapedComm {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Printable ASCII (the escaping leaves nothing else): valid UTF-8.
        f.write_str(core::str::from_utf8(&self.buf[..self.len]).unwrap_or("?"))
    }
}

impl core::fmt::Display for Comm {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let n = self.0.iter().position(|&c| c == 0).unwrap_or(16);
        for &c in &self.0[..n] {
            f.write_fmt(format_args!("{}", c as char))?;
        }
        Ok(())
    }
}
rklp_display!(Comm);

/// A counted reference on a task (`get_task_struct`).
///
/// # Invariants
///
/// Holds one reference on `ptr`.
pub(crate) struct TaskRef {
    ptr: NonNull<b::task_struct>,
}

// SAFETY: task references may be dropped from any context.
unsafe impl Send for TaskRef {}
// SAFETY: shared access only reads.
unsafe impl Sync for TaskRef {}

impl TaskRef {
    /// Takes over a reference the caller holds on `p`, if not null.
    ///
    /// # Safety
    ///
    /// `p` is null or a task the caller holds a reference on, which the
    /// result then owns.
    pub(crate) unsafe fn adopt(p: *mut b::task_struct) -> Option<Self> {
        // INVARIANT: the caller's reference (contract).
        NonNull::new(p).map(|ptr| Self { ptr })
    }

    /// Takes a reference on `t`.
    pub(crate) fn get(t: &Task<'_>) -> Self {
        // SAFETY: `t` is valid (its invariant), so its count is non-zero.
        unsafe { b::rklp_get_task(t.ptr.as_ptr()) };
        Self { ptr: t.ptr }
    }

    /// The task.
    pub(crate) fn task(&self) -> Task<'_> {
        Task {
            ptr: self.ptr,
            _p: PhantomData,
        }
    }

    /// Identity.
    pub(crate) fn key(&self) -> TaskKey {
        TaskKey(self.ptr.as_ptr() as usize)
    }
}

impl Drop for TaskRef {
    fn drop(&mut self) {
        // SAFETY: we hold one reference (invariant).
        unsafe { b::rklp_put_task(self.ptr.as_ptr()) };
    }
}

/// Calls `f` for every thread on the task list, under RCU only (no
/// `tasklist_lock`; new threads may or may not be seen), until `f` returns
/// false. `f` must not sleep.
pub(crate) fn for_each_thread<F: FnMut(Task<'_>) -> bool>(mut f: F) {
    unsafe extern "C" fn tramp<F: FnMut(Task<'_>) -> bool>(
        t: *mut b::task_struct,
        arg: *mut c_void,
    ) -> c_int {
        // SAFETY: `arg` is the closure below; `t` is a task on the list,
        // valid for the RCU read section the helper holds.
        let f = unsafe { &mut *arg.cast::<F>() };
        let task = Task {
            // SAFETY: the helper never passes null.
            ptr: unsafe { NonNull::new_unchecked(t) },
            _p: PhantomData,
        };
        (!f(task)) as c_int
    }
    // SAFETY: the trampoline matches the helper's callback type and `f`
    // outlives the synchronous walk.
    unsafe { b::rklp_for_each_thread(Some(tramp::<F>), (&mut f as *mut F).cast::<c_void>()) };
}

/// Evidence of an RCU read-side critical section, for functions whose
/// safety rests on the caller's section (only [`rcu_read`] makes one).
///
/// # Invariants
///
/// Exists only inside an RCU read-side critical section.
pub(crate) struct RcuGuard(());

/// Runs `f` inside an RCU read-side critical section.
pub(crate) fn rcu_read<R>(f: impl FnOnce(&RcuGuard) -> R) -> R {
    // SAFETY: balanced with the unlock below; `f` must not sleep.
    unsafe { b::rklp_rcu_read_lock() };
    // INVARIANT: inside the section opened above until `f` returns, and `f`
    // cannot keep the reference.
    let r = f(&RcuGuard(()));
    // SAFETY: balances the lock above.
    unsafe { b::rklp_rcu_read_unlock() };
    r
}

type TaskCallF = unsafe extern "C" fn(*mut b::task_struct, *mut c_void) -> c_int;
type TaskCallFunc =
    unsafe extern "C" fn(*mut b::task_struct, Option<TaskCallF>, *mut c_void) -> c_int;
type StackSaveReliable = unsafe extern "C" fn(*mut b::task_struct, *mut c_ulong, c_uint) -> c_int;
type WakeUpState = unsafe extern "C" fn(*mut b::task_struct, c_uint) -> c_int;
type IdleTask = unsafe extern "C" fn(c_int) -> *mut b::task_struct;
type TaskWorkCancel = unsafe extern "C" fn(*mut b::task_struct, *mut b::callback_head) -> bool;

/// Scheduler helpers resolved through kallsyms.
///
/// # Invariants
///
/// Each field is the kernel function of that name, of that C type.
#[derive(Clone)]
pub(crate) struct TaskSyms {
    task_call_func: TaskCallFunc,
    stack_save_reliable: StackSaveReliable,
    wake_up_state: WakeUpState,
    idle_task: IdleTask,
    task_work_cancel: TaskWorkCancel,
}

/// A task pinned by `task_call_func`: it cannot start or stop running.
///
/// # Invariants
///
/// Exists only inside a `task_call_func` callback for `ptr` (which holds the
/// task's `pi_lock` and, unless it is running, its runqueue lock), so the
/// task is valid and its stack cannot change unless it is running; `syms`
/// are the resolved helpers.
pub(crate) struct Pinned<'a> {
    ptr: NonNull<b::task_struct>,
    syms: &'a TaskSyms,
}

/// Why a stack could not be read reliably.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum StackError {
    /// The unwinder could not prove the trace complete.
    Unreliable,
}

/// Maximum frames looked at (as upstream's MAX_STACK_ENTRIES).
pub(crate) const MAX_STACK_ENTRIES: usize = 100;

impl Pinned<'_> {
    /// The task is running on a CPU (possibly this one).
    pub(crate) fn on_cpu(&self) -> bool {
        // SAFETY: pinned valid task.
        unsafe { b::rklp_task_on_cpu(self.ptr.as_ptr()) }
    }

    /// Saves the task's stack into `buf`; `Ok(n)` entries if reliable.
    pub(crate) fn stack(
        &self,
        buf: &mut [usize; MAX_STACK_ENTRIES],
    ) -> core::result::Result<usize, StackError> {
        // SAFETY: the task cannot run (pinned) or is current; `buf` holds
        // MAX_STACK_ENTRIES entries (type invariant of TaskSyms).
        let n = unsafe {
            (self.syms.stack_save_reliable)(
                self.ptr.as_ptr(),
                buf.as_mut_ptr().cast(),
                MAX_STACK_ENTRIES as c_uint,
            )
        };
        match usize::try_from(n) {
            // An empty trace is "reliably empty" only for a task that has
            // no stack any more (exiting, past its final schedule). A live
            // task always has kernel frames here, so an empty trace of one
            // proves nothing: treat it as unreliable and retry.
            Ok(0) if !self.exiting() => Err(StackError::Unreliable),
            Ok(n) => Ok(n),
            Err(_) => Err(StackError::Unreliable),
        }
    }

    /// The task is exiting (PF_EXITING).
    fn exiting(&self) -> bool {
        // SAFETY: pinned valid task.
        unsafe { b::rklp_task_exiting(self.ptr.as_ptr()) }
    }
}

impl TaskSyms {
    /// Resolves the helpers.
    pub(crate) fn resolve(ks: &Kallsyms) -> Result<Self> {
        let tcf = ks.addr_of(c_str!("task_call_func"))?;
        let ssr = ks.addr_of(c_str!("stack_trace_save_tsk_reliable"))?;
        let wus = ks.addr_of(c_str!("wake_up_state"))?;
        let idt = ks.addr_of(c_str!("idle_task"))?;
        let twc = ks.addr_of(c_str!("task_work_cancel"))?;
        // SAFETY: addresses of the kernel functions of these names, whose C
        // prototypes (kernel/sched/core.c, kernel/stacktrace.c,
        // kernel/sched/syscalls.c in 6.12) the aliases spell out.
        unsafe {
            Ok(Self {
                task_call_func: core::mem::transmute::<usize, TaskCallFunc>(tcf),
                stack_save_reliable: core::mem::transmute::<usize, StackSaveReliable>(ssr),
                wake_up_state: core::mem::transmute::<usize, WakeUpState>(wus),
                idle_task: core::mem::transmute::<usize, IdleTask>(idt),
                task_work_cancel: core::mem::transmute::<usize, TaskWorkCancel>(twc),
            })
        }
    }

    /// Runs `f` on `t` pinned (blocked tasks stay blocked, running ones
    /// keep running; `f` runs with IRQs off and must be quick).
    pub(crate) fn with_pinned<R, F: FnOnce(&Pinned<'_>) -> R>(&self, t: &Task<'_>, f: F) -> R {
        struct Ctx<'s, F, R> {
            f: Option<F>,
            r: Option<R>,
            syms: &'s TaskSyms,
        }
        unsafe extern "C" fn tramp<F: FnOnce(&Pinned<'_>) -> R, R>(
            p: *mut b::task_struct,
            arg: *mut c_void,
        ) -> c_int {
            // SAFETY: `arg` is the Ctx below, alive for the call.
            let ctx = unsafe { &mut *arg.cast::<Ctx<'_, F, R>>() };
            let pinned = Pinned {
                // SAFETY: task_call_func passes the (non-null) task.
                ptr: unsafe { NonNull::new_unchecked(p) },
                syms: ctx.syms,
            };
            if let Some(f) = ctx.f.take() {
                ctx.r = Some(f(&pinned));
            }
            0
        }
        let mut ctx = Ctx {
            f: Some(f),
            r: None,
            syms: self,
        };
        // SAFETY: valid task; trampoline type matches task_call_f; `ctx`
        // outlives the synchronous call.
        unsafe {
            (self.task_call_func)(
                t.ptr.as_ptr(),
                Some(tramp::<F, R>),
                (&mut ctx as *mut Ctx<'_, F, R>).cast(),
            )
        };
        ctx.r.expect("task_call_func did not call back")
    }

    /// Reads the current task's stack.
    pub(crate) fn current_stack(
        &self,
        buf: &mut [usize; MAX_STACK_ENTRIES],
    ) -> core::result::Result<usize, StackError> {
        let me = Task::current();
        Pinned {
            ptr: me.ptr,
            syms: self,
        }
        .stack(buf)
    }

    /// Dequeues `w` from `t` if it has not started running; true if it was.
    pub(crate) fn cancel_task_work(&self, t: &Task<'_>, w: &TaskWork) -> bool {
        // SAFETY: valid task; `w` is ours; task_work_cancel only unlinks it.
        unsafe { (self.task_work_cancel)(t.ptr.as_ptr(), w.0.get()) }
    }

    /// Wakes `t` if it sleeps interruptibly (kthreads: upstream's kick).
    pub(crate) fn wake_interruptible(&self, t: &Task<'_>) {
        // SAFETY: valid task; wake_up_state is safe on any task state.
        unsafe { (self.wake_up_state)(t.ptr.as_ptr(), b::TASK_INTERRUPTIBLE) };
    }

    /// The idle task of `cpu` (never freed).
    pub(crate) fn idle_task(&self, cpu: u32) -> Option<Task<'static>> {
        // SAFETY: idle_task() reads cpu_rq(cpu)->idle for a possible cpu.
        let p = unsafe { (self.idle_task)(cpu as c_int) };
        NonNull::new(p).map(|ptr| Task {
            ptr,
            _p: PhantomData,
        })
    }
}

/// The CPU this code runs on (stable in a per-CPU kworker).
pub(crate) fn this_cpu() -> u32 {
    // SAFETY: reads the CPU number.
    unsafe { b::rklp_smp_processor_id() }
}

/// Disables preemption; pair with [`preempt_on`] (no sleeping between).
pub(crate) fn preempt_off() {
    // SAFETY: only bumps the preempt count.
    unsafe { b::rklp_preempt_disable() };
}

/// Re-enables preemption after [`preempt_off`].
pub(crate) fn preempt_on() {
    // SAFETY: balances a preceding `preempt_off`.
    unsafe { b::rklp_preempt_enable() };
}

/// Whether `cpu` is online. Stable only under [`cpus_read_locked`].
pub(crate) fn cpu_online(cpu: u32) -> bool {
    // SAFETY: reads a bit of cpu_online_mask.
    unsafe { b::rklp_cpu_online(cpu) }
}

/// Runs `f` with CPU hotplug excluded (`cpus_read_lock`): every CPU is
/// either fully online or fully dead meanwhile. `f` must not take the
/// hotplug lock again (e.g. `schedule_on_each_cpu`): a pending writer would
/// deadlock the nested reader.
pub(crate) fn cpus_read_locked<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: process context (may sleep); balanced below.
    unsafe { b::rklp_cpus_read_lock() };
    let r = f();
    // SAFETY: balances the lock above.
    unsafe { b::rklp_cpus_read_unlock() };
    r
}

/// Possible CPUs.
pub(crate) fn possible_cpus() -> impl Iterator<Item = u32> {
    // SAFETY: reads nr_cpu_ids.
    let n = unsafe { b::rklp_nr_cpu_ids() };
    // SAFETY: cpu < nr_cpu_ids.
    (0..n).filter(|&c| unsafe { b::rklp_cpu_possible(c) })
}

/// A `task_work` item embedded in rklp's per-task record.
///
/// # Invariants
///
/// While queued, the workqueue of the task owns the inner callback_head.
pub(crate) struct TaskWork(core::cell::UnsafeCell<b::callback_head>);

// SAFETY: task_work queues are internally synchronised.
unsafe impl Sync for TaskWork {}
// SAFETY: as above.
unsafe impl Send for TaskWork {}

impl TaskWork {
    /// An idle work item.
    pub(crate) const fn new() -> Self {
        // SAFETY: all-zero is a valid unqueued callback_head.
        Self(core::cell::UnsafeCell::new(unsafe { core::mem::zeroed() }))
    }

    /// Queues `func` on `t`, to run in `t`'s own context on its way back to
    /// user space (or in do_exit, or wherever the kernel runs task works):
    /// with [`Notify::Signal`] (TWA_SIGNAL) the task also leaves
    /// interruptible sleeps for it, with [`Notify::Resume`] (TWA_RESUME)
    /// it runs it at its next return to user space, from a system call or
    /// an interrupt. The caller must not queue it again before it ran or
    /// was cancelled.
    ///
    /// # Safety
    ///
    /// `self` must stay allocated and `func` valid until the work has run
    /// or has been cancelled.
    pub(crate) unsafe fn queue<T: TaskWorkFn>(&self, t: &Task<'_>, how: Notify) -> Result {
        unsafe extern "C" fn tramp<T: TaskWorkFn>(cb: *mut b::callback_head) {
            T::run(cb as usize);
        }
        // SAFETY: not queued (caller); stays valid (contract).
        unsafe { b::rklp_init_task_work(self.0.get(), Some(tramp::<T>)) };
        TASK_WORK_QUEUED.store(true, Ordering::Relaxed);
        // SAFETY: valid task; valid work.
        super::to_result(unsafe {
            b::task_work_add(
                t.ptr.as_ptr(),
                self.0.get(),
                match how {
                    Notify::Signal => b::task_work_notify_mode_TWA_SIGNAL,
                    Notify::Resume => b::task_work_notify_mode_TWA_RESUME,
                },
            )
        })
    }
}

/// How a queued [`TaskWork`] reaches its task.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Notify {
    /// Like a signal: interrupts interruptible sleeps (a kick).
    Signal,
    /// At the next return to user space only; sleeps are not disturbed.
    Resume,
}

/// Some [`TaskWork`] was queued since this module was loaded.
static TASK_WORK_QUEUED: AtomicBool = AtomicBool::new(false);

impl TaskWork {
    /// Waits until no task is still executing a [`TaskWorkFn`] of this
    /// module, e.g. returning from one after it has signalled completion
    /// (module exit, after every work has run or been cancelled). RCU Tasks:
    /// each task has since passed a voluntary context switch or user mode.
    pub(crate) fn quiesce() {
        if TASK_WORK_QUEUED.load(Ordering::Relaxed) {
            // SAFETY: process context; sleeps.
            unsafe { b::synchronize_rcu_tasks() };
        }
    }
}

/// What a queued [`TaskWork`] runs, in the task's own context.
pub(crate) trait TaskWorkFn {
    /// `work` is the address of the [`TaskWork`] that ran.
    fn run(work: usize);
}

/// Waits for an RCU grace period.
pub(crate) fn synchronize_rcu() {
    // SAFETY: sleeps; process context.
    unsafe { b::synchronize_rcu() };
}

/// Task lifetime events, from tracepoint probes.
pub(crate) trait TaskEvents {
    /// `child` was created by `current` and has not run yet
    /// (`task_newtask`, preemption disabled).
    fn created(child: &Task<'_>);
    /// `task` has run for the last time (`sched_process_free`, RCU
    /// callback context; the task_struct is still allocated).
    fn freed(task: &Task<'_>);
}

/// The probes for [`TaskEvents`]; unregistered on drop.
pub(crate) struct TaskEventProbes {
    _newtask: super::tracepoint::Probe,
    _free: super::tracepoint::Probe,
}

impl TaskEventProbes {
    /// Starts delivering events to `T`.
    pub(crate) fn register<T: TaskEvents>() -> Result<Self> {
        unsafe extern "C" fn newtask<T: TaskEvents>(
            _d: *mut c_void,
            t: *mut b::task_struct,
            _flags: c_ulong,
        ) {
            // SAFETY: the tracepoint passes the new, live task.
            if let Some(t) = unsafe { Task::from_raw(t) } {
                T::created(&t);
            }
        }
        unsafe extern "C" fn free<T: TaskEvents>(_d: *mut c_void, t: *mut b::task_struct) {
            // SAFETY: the tracepoint passes the task about to be freed; it
            // stays allocated until the probe returns.
            if let Some(t) = unsafe { Task::from_raw(t) } {
                T::freed(&t);
            }
        }
        // SAFETY: the probes' prototypes are TP_PROTO(struct task_struct *,
        // unsigned long) of task_newtask and TP_PROTO(struct task_struct *)
        // of sched_process_free, after `void *data`; they live in this module,
        // which unregisters them (drop) and synchronizes before unloading.
        unsafe {
            let _newtask = super::tracepoint::Probe::register(
                c_str!("task_newtask"),
                newtask::<T> as *const c_void,
            )?;
            let _free = super::tracepoint::Probe::register(
                c_str!("sched_process_free"),
                free::<T> as *const c_void,
            )?;
            Ok(Self { _newtask, _free })
        }
    }
}

/// Sleeps for `ms` milliseconds.
pub(crate) fn sleep_ms(ms: u32) {
    // SAFETY: process context.
    unsafe { b::msleep(ms) };
}

/// Fault injection point of the task table's inserts
/// (`/sys/kernel/debug/rklp_task_table/fail_insert/`, as failslab), in test
/// builds (`RKLP_TEST_HOOKS=1`, see Kbuild); never fires in production ones.
pub(crate) fn should_fail_task_insert() -> bool {
    #[cfg(rklp_test_hooks)]
    // SAFETY: no preconditions; any context.
    return unsafe { b::rklp_should_fail_task_insert() };
    #[cfg(not(rklp_test_hooks))]
    false
}

/// `/sys/kernel/debug/rklp_task_table/`: counters of the task table (read
/// from the given atomics) and, in test builds, the `fail_insert` fault
/// attributes. Removed on drop.
///
/// # Invariants
///
/// `dir` is the directory rklp_task_table_debugfs_create() returned.
pub(crate) struct TableDebugfs {
    dir: NonNull<c_void>,
}

// SAFETY: a dentry handle; debugfs removal works from any process context.
unsafe impl Send for TableDebugfs {}
// SAFETY: no shared access through it.
unsafe impl Sync for TableDebugfs {}

impl TableDebugfs {
    /// Creates the directory; None if debugfs refused (the counters are
    /// diagnostics only).
    ///
    /// # Safety
    ///
    /// The counters must stay allocated until the returned value is
    /// dropped (debugfs reads them directly).
    pub(crate) unsafe fn new(
        live: &core::sync::atomic::AtomicUsize,
        tombstones: &core::sync::atomic::AtomicUsize,
        untracked: &core::sync::atomic::AtomicUsize,
    ) -> Option<Self> {
        // SAFETY: AtomicUsize has the layout of usize (unsigned long on
        // the kernel's 64-bit targets); debugfs only reads it; it outlives
        // the directory (contract).
        let dir = unsafe {
            b::rklp_task_table_debugfs_create(
                live.as_ptr().cast(),
                tombstones.as_ptr().cast(),
                untracked.as_ptr().cast(),
            )
        };
        NonNull::new(dir).map(|dir| Self { dir })
    }
}

impl Drop for TableDebugfs {
    fn drop(&mut self) {
        // SAFETY: the directory created in `new` (invariant); removing it
        // waits for open files, so the counters are not read afterwards.
        unsafe { b::rklp_task_table_debugfs_remove(self.dir.as_ptr()) };
    }
}
