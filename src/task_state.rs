// SPDX-License-Identifier: GPL-2.0

//! rklp's own per-task state (the kernel's `task->patch_state` and
//! `TIF_PATCH_PENDING` belong to the in-kernel livepatch).
//!
//! A fixed-size, open-addressing table keyed by `task_struct` address, with
//! one record per task: the task's patch state during a transition, and an
//! embedded `task_work` for kicking it. It tracks every task from the moment
//! rklp loads (initial walk of the task list and the idle tasks) or the task
//! is created (`task_newtask` tracepoint, before the child first runs) until
//! the task can no longer run any code (`sched_process_free`, which fires
//! after the task's final schedule): tasks past `exit_notify()` are off the
//! task list but still here, so a transition waits for them.
//!
//! # Concurrency
//!
//! * Lookup (the ftrace handler, any context incl. NMI): lock-free, reads
//!   `key` then `state` with Acquire. O(1) expected (linear probing, load
//!   factor kept below 3/4).
//! * Insert and removal: serialised by `INSERT_LOCK` (a spin bit taken with
//!   IRQs possibly on; inserts run in tracepoint probes with preemption
//!   off). A record is claimed with the `BUSY` key, filled, then published
//!   by storing the task's address (Release), so a lookup never sees a key
//!   without its state.
//! * A record holds a task reference; at `sched_process_free` it is marked
//!   dead; the reaper tombstones dead records, waits for an RCU grace period
//!   (walkers read keys under `rcu_read_lock`), then drops the references.
//! * `FORK_SEQ` counts inserts; a transition's completion check requires it
//!   unchanged across its walk (see transition.rs).

use crate::sys::task::{TaskKey, TaskRef, TaskWork};
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU8, AtomicUsize, Ordering};
use kernel::alloc::flags::GFP_KERNEL;
use kernel::prelude::*;

/// Table size: enough for ~49k tasks at a 3/4 load factor.
const TABLE_BITS: u32 = 16;
const TABLE_SIZE: usize = 1 << TABLE_BITS;
const MAX_LIVE: usize = TABLE_SIZE * 3 / 4;

const EMPTY: usize = 0;
const TOMBSTONE: usize = 1;
const BUSY: usize = 2;

/// Patch states, as upstream's KLP_TRANSITION_UNPATCHED / _PATCHED.
pub(crate) const UNPATCHED: u8 = 0;
pub(crate) const PATCHED: u8 = 1;

/// One task.
pub(crate) struct Record {
    key: AtomicUsize,
    /// UNPATCHED or PATCHED (meaningful during a transition only).
    pub(crate) state: AtomicU8,
    /// Set at `sched_process_free`: the task can no longer run.
    pub(crate) dead: AtomicBool,
    /// A kick (task_work) is queued and has not run yet.
    pub(crate) kicked: AtomicBool,
    /// Why the last switch attempt failed (`transition::Reason` encoding).
    pub(crate) reason: AtomicU32,
    /// The kick itself.
    pub(crate) work: TaskWork,
    /// The reference that keeps the task_struct while recorded.
    task: core::cell::UnsafeCell<Option<TaskRef>>,
}

// SAFETY: `task` is only written under INSERT_LOCK while the record is not
// published (or being torn down after a grace period); the rest is atomic.
unsafe impl Sync for Record {}

/// The table; allocated at load.
pub(crate) struct TaskTable {
    recs: KVVec<Record>,
    live: AtomicUsize,
    insert_lock: AtomicBool,
    fork_seq: AtomicU32,
}

fn slot_of(key: usize) -> usize {
    ((key as u64 >> 6).wrapping_mul(0x61c8864680b583eb) >> (64 - TABLE_BITS)) as usize
}

impl TaskTable {
    /// An empty table.
    pub(crate) fn new() -> Result<Self> {
        let mut recs = KVVec::with_capacity(TABLE_SIZE, GFP_KERNEL)?;
        for _ in 0..TABLE_SIZE {
            recs.push(
                Record {
                    key: AtomicUsize::new(EMPTY),
                    state: AtomicU8::new(UNPATCHED),
                    dead: AtomicBool::new(false),
                    kicked: AtomicBool::new(false),
                    reason: AtomicU32::new(0),
                    work: TaskWork::new(),
                    task: core::cell::UnsafeCell::new(None),
                },
                GFP_KERNEL,
            )?;
        }
        Ok(Self {
            recs,
            live: AtomicUsize::new(0),
            insert_lock: AtomicBool::new(false),
            fork_seq: AtomicU32::new(0),
        })
    }

    /// The record of `key`, lock-free (any context).
    #[inline(always)]
    pub(crate) fn lookup(&self, key: TaskKey) -> Option<&Record> {
        let mut i = slot_of(key.0);
        for _ in 0..TABLE_SIZE {
            let r = &self.recs[i];
            let k = r.key.load(Ordering::Acquire);
            if k == key.0 {
                return Some(r);
            }
            if k == EMPTY {
                return None;
            }
            i = (i + 1) & (TABLE_SIZE - 1);
        }
        None
    }

    fn lock(&self) {
        // Preemption stays off while the bit is held.
        crate::sys::task::preempt_off();
        while self
            .insert_lock
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            core::hint::spin_loop();
        }
    }

    fn unlock(&self) {
        self.insert_lock.store(false, Ordering::Release);
        crate::sys::task::preempt_on();
    }

    /// Records `task` with `state` unless already recorded. Returns false if
    /// the table is full (the task then counts as never switched).
    pub(crate) fn insert(&self, task: TaskRef, state: u8) -> bool {
        let key = task.key();
        self.lock();
        if self.lookup(key).is_some() {
            self.unlock();
            return true;
        }
        if self.live.load(Ordering::Relaxed) >= MAX_LIVE {
            self.unlock();
            return false;
        }
        let mut i = slot_of(key.0);
        loop {
            let r = &self.recs[i];
            let k = r.key.load(Ordering::Relaxed);
            if k == EMPTY || k == TOMBSTONE {
                r.key.store(BUSY, Ordering::Relaxed);
                r.state.store(state, Ordering::Relaxed);
                r.dead.store(false, Ordering::Relaxed);
                r.kicked.store(false, Ordering::Relaxed);
                r.reason.store(0, Ordering::Relaxed);
                // SAFETY: the slot is free (EMPTY/TOMBSTONE after its grace
                // period) and claimed under the insert lock.
                unsafe { *r.task.get() = Some(task) };
                // Publish: pairs with the Acquire in `lookup`.
                r.key.store(key.0, Ordering::Release);
                break;
            }
            i = (i + 1) & (TABLE_SIZE - 1);
        }
        self.live.fetch_add(1, Ordering::Relaxed);
        self.fork_seq.fetch_add(1, Ordering::Release);
        self.unlock();
        true
    }

    /// Inserts since load; see the transition's completion check.
    pub(crate) fn fork_seq(&self) -> u32 {
        self.fork_seq.load(Ordering::Acquire)
    }

    /// Marks `key` dead (from `sched_process_free`).
    pub(crate) fn mark_dead(&self, key: TaskKey) {
        if let Some(r) = self.lookup(key) {
            r.dead.store(true, Ordering::Release);
        }
    }

    /// Calls `f` for every live record (and its task) from the caller's RCU
    /// read section; `f` returns false to stop. Returns false if a record
    /// was being inserted (the walk is then incomplete).
    pub(crate) fn for_each(&self, mut f: impl FnMut(&Record, &TaskRef) -> bool) -> bool {
        let mut complete = true;
        for r in self.recs.iter() {
            let k = r.key.load(Ordering::Acquire);
            if k == BUSY {
                complete = false;
                continue;
            }
            if k == EMPTY || k == TOMBSTONE || r.dead.load(Ordering::Acquire) {
                continue;
            }
            // SAFETY: published key: `task` was set before the Release
            // store and is only cleared after tombstoning + a grace period,
            // which the caller's RCU read section holds off.
            let Some(t) = (unsafe { &*r.task.get() }) else {
                continue;
            };
            if !f(r, t) {
                break;
            }
        }
        complete
    }

    /// Drops dead records: tombstones them, waits for walkers, then puts
    /// the task references. Process context.
    pub(crate) fn reap(&self) {
        let mut refs: KVec<TaskRef> = KVec::new();
        loop {
            let mut batch: [Option<TaskRef>; 32] = Default::default();
            let mut n = 0;
            self.lock();
            for r in self.recs.iter() {
                if n == batch.len() {
                    break;
                }
                let k = r.key.load(Ordering::Relaxed);
                if k > BUSY && r.dead.load(Ordering::Acquire) && !r.kicked.load(Ordering::Acquire) {
                    r.key.store(TOMBSTONE, Ordering::Release);
                    // SAFETY: under the insert lock; the record is no longer
                    // published; walkers that saw it are waited for below.
                    batch[n] = unsafe { (*r.task.get()).take() };
                    n += 1;
                }
            }
            self.live.fetch_sub(n, Ordering::Relaxed);
            self.unlock();
            for t in batch.iter_mut().take(n) {
                if let Some(t) = t.take() {
                    if refs.push(t, GFP_KERNEL).is_err() {
                        // Cannot defer: put after a grace period right now.
                        crate::sys::task::synchronize_rcu();
                    }
                }
            }
            if n < batch.len() {
                break;
            }
        }
        if !refs.is_empty() {
            crate::sys::task::synchronize_rcu();
        }
        drop(refs);
    }

    /// Drops every record (module exit, nothing else running).
    pub(crate) fn clear(&self) {
        self.lock();
        for r in self.recs.iter() {
            r.key.store(TOMBSTONE, Ordering::Release);
        }
        self.unlock();
        crate::sys::task::synchronize_rcu();
        for r in self.recs.iter() {
            // SAFETY: nothing can read the records any more (all keys
            // tombstoned, probes unregistered, grace period passed).
            drop(unsafe { (*r.task.get()).take() });
        }
    }

    /// Number of recorded tasks.
    pub(crate) fn live(&self) -> usize {
        self.live.load(Ordering::Relaxed)
    }

    /// The record whose embedded [`TaskWork`] is at address `work`.
    pub(crate) fn record_of_work(&self, work: usize) -> Option<&Record> {
        let base = self.recs.as_ptr() as usize + core::mem::offset_of!(Record, work);
        let off = work.checked_sub(base)?;
        let size = core::mem::size_of::<Record>();
        if off % size != 0 {
            return None;
        }
        self.recs.get(off / size)
    }
}

static TASKS: AtomicPtr<TaskTable> = AtomicPtr::new(core::ptr::null_mut());

/// The table, if rklp is initialised (lock-free; any context).
#[inline(always)]
pub(crate) fn tasks() -> Option<&'static TaskTable> {
    // SAFETY: set by `publish` to a table that lives until `unpublish`,
    // which runs after every user (handler, probes, kicks) is gone.
    unsafe { TASKS.load(Ordering::Acquire).as_ref() }
}

/// Makes `t` the table (module init, before any probe is registered).
pub(crate) fn publish(t: &KBox<TaskTable>) {
    TASKS.store(
        &**t as *const TaskTable as *mut TaskTable,
        Ordering::Release,
    );
}

/// Makes the table unreachable (module exit).
pub(crate) fn unpublish() {
    TASKS.store(core::ptr::null_mut(), Ordering::Release);
}

/// The current task's state in the running transition, from the handler.
/// Tasks rklp does not know (created while the table was full, or already
/// exiting when rklp loaded) count as not switched.
#[inline(always)]
pub(crate) fn current_state() -> u8 {
    let target = crate::transition::TARGET.load(Ordering::Acquire);
    match tasks().and_then(|t| t.lookup(crate::sys::task::current_key())) {
        Some(r) => r.state.load(Ordering::Acquire),
        None => target ^ 1,
    }
}

/// Keeps the table in step with task creation and destruction.
pub(crate) struct RklpTaskEvents;

impl crate::sys::task::TaskEvents for RklpTaskEvents {
    fn created(child: &crate::sys::task::Task<'_>) {
        let Some(t) = tasks() else { return };
        // The child starts where its parent is: same patch state.
        let state = current_state();
        if !t.insert(TaskRef::get(child), state) {
            pr_warn!(
                "task table full: pid {} is not tracked and blocks transitions\n",
                child.pid()
            );
        }
    }

    fn freed(task: TaskKey) {
        let Some(t) = tasks() else { return };
        t.mark_dead(task);
        crate::state::REAP_WORK.schedule();
    }
}

/// Records every existing task and the idle tasks (module init, after the
/// task event probes are registered, so nothing created meanwhile is missed).
pub(crate) fn populate(t: &TaskTable, syms: &crate::sys::task::TaskSyms) -> Result {
    let mut full = false;
    crate::sys::task::for_each_thread(|task| {
        full |= !t.insert(TaskRef::get(&task), UNPATCHED);
        !full
    });
    for cpu in crate::sys::task::possible_cpus() {
        if let Some(idle) = syms.idle_task(cpu) {
            full |= !t.insert(TaskRef::get(&idle), UNPATCHED);
        }
    }
    if full {
        pr_err!("too many tasks for the task table ({})\n", TABLE_SIZE);
        return Err(ENOMEM);
    }
    Ok(())
}

/// Cancels or waits for queued kicks (module exit).
pub(crate) fn cancel_kicks(t: &TaskTable, syms: &crate::sys::task::TaskSyms) {
    for r in t.recs.iter() {
        if !r.kicked.load(Ordering::Acquire) {
            continue;
        }
        let k = r.key.load(Ordering::Acquire);
        // SAFETY: a kicked record is never reaped, so `task` is set.
        if let (true, Some(task)) = (k > BUSY, unsafe { &*r.task.get() }) {
            if syms.cancel_task_work(&task.task(), &r.work) {
                r.kicked.store(false, Ordering::Release);
                continue;
            }
        }
        // Running right now: wait for it to finish.
        while r.kicked.load(Ordering::Acquire) {
            crate::sys::task::sleep_ms(1);
        }
    }
}

/// Calls `f(pid, comm, reason)` for every live task not in `target`.
pub(crate) fn for_each_unswitched(target: u8, mut f: impl FnMut(i32, crate::sys::task::Comm, u32)) {
    let Some(t) = tasks() else { return };
    crate::sys::task::rcu_read(|| {
        t.for_each(|r, task| {
            if r.state.load(Ordering::Acquire) != target {
                let tk = task.task();
                f(tk.pid(), tk.comm(), r.reason.load(Ordering::Relaxed));
            }
            true
        })
    });
}

/// State of the (non-idle) task with thread id `pid`, if tracked.
pub(crate) fn state_of_pid(pid: i32) -> Option<u8> {
    let t = tasks()?;
    let mut found = None;
    crate::sys::task::rcu_read(|| {
        t.for_each(|r, task| {
            let tk = task.task();
            if tk.pid() == pid && !tk.is_idle() {
                found = Some(r.state.load(Ordering::Acquire));
                return false;
            }
            true
        })
    });
    found
}
