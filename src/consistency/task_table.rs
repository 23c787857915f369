// SPDX-License-Identifier: GPL-2.0

//! rklp's own per-task state (the kernel's `task->patch_state` and
//! `TIF_PATCH_PENDING` belong to the in-kernel livepatch).
//!
//! A fixed-size, open-addressing table keyed by `task_struct` address, with
//! one record per task: the task's patch state during a transition, and an
//! embedded `task_work` by which it switches itself (transition.rs,
//! `SelfSwitch`). It tracks every task from the moment
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
//!   dead. The reaper retires dead records (key `RETIRED`: unpublished, but
//!   the slot cannot be reused yet), waits for an RCU grace period (walkers
//!   read the key, then `task`, and switch the record, all in one
//!   `rcu_read_lock` section), and only then takes the references and makes
//!   the slots `TOMBSTONE`s, reusable by inserts. So a walker that saw a
//!   task never writes into another task's record, and never reads `task`
//!   while it is taken.
//! * Tombstones are reclaimed: a tombstone followed by an `EMPTY` slot
//!   becomes `EMPTY` (no probe chain of a present key can cross it), and
//!   so on backwards, so fork/exit churn does not fill the table with
//!   tombstones (lookups of absent keys stop at the first `EMPTY`).
//! * The child's state is decided under the insert lock: its parent's
//!   (the current task's), or, while `init_task_states` resets the records
//!   (`initializing`), the transition's start state, so no child keeps a
//!   state from before the reset in a slot the reset walk has passed.
//! * `unswitched_seq` counts inserts whose state is not the running
//!   transition's target (`target`, changed only under the insert lock);
//!   a transition's completion check requires it unchanged across its walk
//!   (see transition.rs). A child of a switched parent is switched itself
//!   and does not count, so forks of switched tasks, however many, never
//!   hold a transition back.
//! * A task whose insert fails (table full, or `fail_insert` fault
//!   injection) is counted in `untracked` until it is freed; a transition
//!   cannot complete while the count is not zero (its state is unknown: the
//!   handler treats it as not switched). Tasks freed that the table does
//!   not know and that were forked after rklp's probes were registered are
//!   exactly those (see `RklpTaskEvents::freed`).

use crate::consistency::reason::Reason;
use crate::consistency::task_state::{self, AtomicPatchState, PatchState};
use crate::published::Published;
use crate::sys::task::{TaskKey, TaskRef, TaskWork};
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use kernel::alloc::flags::GFP_KERNEL;
use kernel::prelude::*;

/// Table size: enough for ~49k tasks at a 3/4 load factor.
const TABLE_BITS: u32 = 16;
const TABLE_SIZE: usize = 1 << TABLE_BITS;
const MAX_LIVE: usize = TABLE_SIZE * 3 / 4;

const EMPTY: usize = 0;
const TOMBSTONE: usize = 1;
const BUSY: usize = 2;
/// Unpublished, waiting for a grace period before the slot can be reused.
const RETIRED: usize = 3;

/// A key that is a task's address (not a marker).
#[inline(always)]
fn is_task(k: usize) -> bool {
    k > RETIRED
}

/// Slots scanned per hold of the insert lock by the reaper (bounds the
/// preemption-off time).
const REAP_CHUNK: usize = 4096;

pub(crate) use crate::consistency::task_state::{PATCHED, UNPATCHED};

/// One task.
pub(crate) struct Record {
    key: AtomicUsize,
    /// UNPATCHED or PATCHED (meaningful during a transition only).
    pub(crate) state: AtomicPatchState,
    /// Set at `sched_process_free`: the task can no longer run.
    pub(crate) dead: AtomicBool,
    /// `work` is queued and has not run (or been cancelled) yet: set by
    /// whoever queues it (under the core mutex), cleared by the work itself
    /// when it ends, or by whoever cancelled it.
    pub(crate) queued: AtomicBool,
    /// The transition (generation) that `work` may switch the task in
    /// (transition.rs, `SelfSwitch`).
    pub(crate) armed_gen: AtomicU32,
    /// Why the last switch attempt failed ([`Reason::encode`]).
    pub(crate) reason: AtomicU32,
    /// The task's own switch, queued when a transition starts (TWA_RESUME)
    /// and as the kick (TWA_SIGNAL).
    pub(crate) work: TaskWork,
    /// The reference that keeps the task_struct while recorded.
    task: core::cell::UnsafeCell<Option<TaskRef>>,
}

// SAFETY: `task` is only written under INSERT_LOCK while the key is not a
// task (EMPTY/TOMBSTONE being claimed, or RETIRED for a grace period, which
// every reader of `task` holds off); the rest is atomic.
unsafe impl Sync for Record {}

/// The table; allocated at load.
///
/// # Invariants
///
/// * A record whose key is a task address holds a reference on that task
///   (`task` is `Some`) and is reachable by lookups; `BUSY`, `RETIRED` and
///   `TOMBSTONE` records are not returned by lookups or walks.
/// * A `RETIRED` record becomes a `TOMBSTONE` (reusable) only after an RCU
///   grace period, so a walker inside `rcu_read_lock` never sees its record
///   reused for another task.
/// * `live` counts the records holding a task; it stays below `MAX_LIVE`.
/// * Keys, `live` and `tombstones` change only with `insert_lock` held.
pub(crate) struct TaskTable {
    recs: KVVec<Record>,
    /// Records holding a task (published, BUSY or RETIRED).
    live: AtomicUsize,
    /// TOMBSTONE slots (diagnostics; kept low by the reaper).
    tombstones: AtomicUsize,
    /// Tasks whose insert failed and that have not been freed yet.
    untracked: AtomicUsize,
    /// CLOCK_MONOTONIC at creation, before the probes were registered: a
    /// task forked later and unknown when freed was counted in `untracked`.
    since_ns: AtomicU64,
    insert_lock: AtomicBool,
    /// The running transition's target (meaningful during a transition
    /// only). Written under the insert lock only.
    target: AtomicPatchState,
    /// `init_task_states` is resetting the records: new records get the
    /// start state. Written under the insert lock only.
    initializing: AtomicBool,
    /// Inserts whose state was not `target` (a Release increment after the
    /// record is published, under the insert lock).
    unswitched_seq: AtomicU32,
    debugfs: core::cell::UnsafeCell<Option<crate::sys::task::TableDebugfs>>,
}

// SAFETY: `recs` is Sync (Record); `debugfs` is only written by `populate`
// (module init, before the table is shared) and `clear` (exit, after every
// user is gone); the rest is atomic.
unsafe impl Sync for TaskTable {}

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
                    state: AtomicPatchState::new(UNPATCHED),
                    dead: AtomicBool::new(false),
                    queued: AtomicBool::new(false),
                    armed_gen: AtomicU32::new(0),
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
            tombstones: AtomicUsize::new(0),
            untracked: AtomicUsize::new(0),
            // Set by `probes_live` once the probes are registered: until
            // then no unknown task counts as untracked when freed.
            since_ns: AtomicU64::new(u64::MAX),
            insert_lock: AtomicBool::new(false),
            target: AtomicPatchState::new(UNPATCHED),
            initializing: AtomicBool::new(false),
            unswitched_seq: AtomicU32::new(0),
            debugfs: core::cell::UnsafeCell::new(None),
        })
    }

    /// The task event probes are registered and visible on every CPU: any
    /// task that starts from now on is seen by the fork probe. (Setting this
    /// earlier would let the free of a task forked just before the probes
    /// took an untracked task's count, and complete a transition under it.)
    pub(crate) fn probes_live(&self) {
        self.since_ns
            .store(crate::sys::task::now_ns(), Ordering::Release);
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

    /// A transition towards `target` starts: until [`Self::end_init`], new
    /// records get the start state whatever their parent's (which the
    /// reset may not have reached yet). Called before the reset walk.
    pub(crate) fn begin_init(&self, target: PatchState) {
        self.lock();
        self.target.store(target, Ordering::Relaxed);
        self.initializing.store(true, Ordering::Relaxed);
        self.unlock();
    }

    /// The reset walk is done: new records inherit their parent's state
    /// again (every recorded parent has been reset by now; the insert
    /// lock orders the reset's stores before the next insert's read).
    pub(crate) fn end_init(&self) {
        self.lock();
        self.initializing.store(false, Ordering::Relaxed);
        self.unlock();
    }

    /// The running transition's target changes (a reversal). Under the
    /// insert lock: an insert that compared its state with the old target
    /// is published before the next walk starts, and one after compares
    /// with the new target.
    pub(crate) fn set_target(&self, target: PatchState) {
        self.lock();
        self.target.store(target, Ordering::Relaxed);
        self.unlock();
    }

    /// Records `task` unless already recorded, with `state`, or with
    /// `None` the state of a task forked now by the current task (its
    /// parent's, decided under the insert lock, see [`Self::begin_init`]).
    /// Returns false if the table is full (or the `fail_insert` fault
    /// fired): the caller must count the task as untracked.
    pub(crate) fn insert(&self, task: TaskRef, state: Option<PatchState>) -> bool {
        let key = task.key();
        // Outside the lock: may print.
        let inject = crate::sys::task::should_fail_task_insert();
        self.lock();
        if self.lookup(key).is_some() {
            self.unlock();
            return true;
        }
        if inject || self.live.load(Ordering::Relaxed) >= MAX_LIVE {
            self.unlock();
            return false;
        }
        let target = self.target.load(Ordering::Relaxed);
        let state = if self.initializing.load(Ordering::Relaxed) {
            task_state::start_state(target)
        } else {
            // The parent is the current task (preemption off): its state
            // changes only while it is off CPU, or by itself.
            state.unwrap_or_else(current_state)
        };
        let mut i = slot_of(key.0);
        loop {
            let r = &self.recs[i];
            let k = r.key.load(Ordering::Relaxed);
            if k == EMPTY || k == TOMBSTONE {
                if k == TOMBSTONE {
                    self.tombstones.fetch_sub(1, Ordering::Relaxed);
                }
                r.key.store(BUSY, Ordering::Relaxed);
                r.state.store(state, Ordering::Relaxed);
                r.dead.store(false, Ordering::Relaxed);
                r.queued.store(false, Ordering::Relaxed);
                r.armed_gen.store(0, Ordering::Relaxed);
                r.reason.store(0, Ordering::Relaxed);
                // SAFETY: the slot is free (EMPTY, or TOMBSTONE: its last
                // reader left before the grace period that preceded the
                // tombstone) and claimed under the insert lock.
                unsafe { *r.task.get() = Some(task) };
                // Publish: pairs with the Acquire in `lookup`.
                r.key.store(key.0, Ordering::Release);
                break;
            }
            i = (i + 1) & (TABLE_SIZE - 1);
        }
        self.live.fetch_add(1, Ordering::Relaxed);
        if state != target {
            // After the publication (Release): a walk that reads the new
            // count sees the record.
            self.unswitched_seq.fetch_add(1, Ordering::Release);
        }
        self.unlock();
        true
    }

    /// Tasks alive but not in the table (their inserts failed).
    pub(crate) fn untracked(&self) -> usize {
        self.untracked.load(Ordering::Acquire)
    }

    /// Inserts of unswitched tasks since load; see the transition's
    /// completion check.
    pub(crate) fn unswitched_seq(&self) -> u32 {
        self.unswitched_seq.load(Ordering::Acquire)
    }

    /// Marks `key` dead (from `sched_process_free`).
    pub(crate) fn mark_dead(&self, key: TaskKey) {
        if let Some(r) = self.lookup(key) {
            r.dead.store(true, Ordering::Release);
        }
    }

    /// Calls `f` for every live record (and its task) from the caller's RCU
    /// read section (`_rcu`: records are reused only after a grace period);
    /// `f` returns false to stop. Returns false if a record was being
    /// inserted (the walk may have missed it; a transition's completion
    /// check relies on `unswitched_seq` instead, see transition.rs).
    pub(crate) fn for_each(
        &self,
        _rcu: &crate::sys::task::RcuGuard,
        mut f: impl FnMut(&Record, &TaskRef) -> bool,
    ) -> bool {
        let mut complete = true;
        for r in self.recs.iter() {
            let k = r.key.load(Ordering::Acquire);
            if k == BUSY {
                complete = false;
                continue;
            }
            if !is_task(k) || r.dead.load(Ordering::Acquire) {
                continue;
            }
            // SAFETY: published key: `task` was set before the Release
            // store and is only taken after the record was RETIRED and a
            // grace period passed, which the caller's RCU read section
            // (holding `r` until `f` returns) holds off.
            let Some(t) = (unsafe { &*r.task.get() }) else {
                continue;
            };
            if !f(r, t) {
                break;
            }
        }
        complete
    }

    /// Drops dead records. Process context. Two passes, each taking the
    /// insert lock for at most `REAP_CHUNK` slots at a time:
    ///
    /// 1. dead records without a queued work are RETIRED (unpublished, slot not
    ///    reusable);
    /// 2. after an RCU grace period (no walker can still hold one), their
    ///    task references are taken and the slots become TOMBSTONEs, or
    ///    EMPTY where possible (`reclaim_tombstones`).
    pub(crate) fn reap(&self) {
        let mut retired = 0;
        for base in (0..TABLE_SIZE).step_by(REAP_CHUNK) {
            self.lock();
            for r in &self.recs[base..base + REAP_CHUNK] {
                let k = r.key.load(Ordering::Relaxed);
                if is_task(k) && r.dead.load(Ordering::Acquire) && !r.queued.load(Ordering::Acquire)
                {
                    r.key.store(RETIRED, Ordering::Release);
                    retired += 1;
                }
            }
            self.unlock();
        }
        if retired == 0 {
            return;
        }
        // Walkers read the key, then `task`, and switch the record inside
        // one RCU read section: after this none still uses a RETIRED one.
        crate::sys::task::synchronize_rcu();
        let mut i = 0;
        while i < TABLE_SIZE && retired > 0 {
            // References are put outside the lock (put_task_struct may free).
            let mut batch: [Option<TaskRef>; 32] = Default::default();
            let mut n = 0;
            let mut reclaimed = 0;
            self.lock();
            let end = (i + REAP_CHUNK).min(TABLE_SIZE);
            while i < end && n < batch.len() {
                let r = &self.recs[i];
                if r.key.load(Ordering::Relaxed) == RETIRED {
                    // SAFETY: under the insert lock; RETIRED for a grace
                    // period, so nothing reads `task` any more.
                    batch[n] = unsafe { (*r.task.get()).take() };
                    r.key.store(TOMBSTONE, Ordering::Release);
                    n += 1;
                    reclaimed += self.reclaim_tombstones(i);
                }
                i += 1;
            }
            retired -= n;
            self.live.fetch_sub(n, Ordering::Relaxed);
            // Reclaimed ones may be older tombstones: add first.
            self.tombstones.fetch_add(n, Ordering::Relaxed);
            self.tombstones.fetch_sub(reclaimed, Ordering::Relaxed);
            self.unlock();
            drop(batch);
        }
    }

    /// Turns the tombstone at `i`, and those right before it, into EMPTY
    /// slots if the slot after `i` is EMPTY; returns how many. Under the
    /// insert lock.
    ///
    /// Why this is safe for lock-free lookups: with linear probing, a
    /// present key at slot `p` with home `h` has no EMPTY in `h..p`
    /// (inserts take the first EMPTY or TOMBSTONE, and this is the only
    /// place that makes an EMPTY). A TOMBSTONE at `i` followed by an EMPTY
    /// lies in no such range (the range would contain `i + 1` too), so it
    /// can become EMPTY, and then the one before it, and so on: a lookup
    /// of a present key never meets the new EMPTY slots; one of an absent
    /// key stops earlier. Run at every new tombstone, it keeps "no
    /// TOMBSTONE is followed by an EMPTY", so tombstones only remain before
    /// live records and fork/exit churn cannot use up the EMPTY slots
    /// (lookups of absent keys stop at the first EMPTY).
    fn reclaim_tombstones(&self, i: usize) -> usize {
        let mask = TABLE_SIZE - 1;
        if self.recs[(i + 1) & mask].key.load(Ordering::Relaxed) != EMPTY {
            return 0;
        }
        let mut n = 0;
        let mut j = i;
        while n < TABLE_SIZE && self.recs[j].key.load(Ordering::Relaxed) == TOMBSTONE {
            self.recs[j].key.store(EMPTY, Ordering::Release);
            n += 1;
            j = (j + mask) & mask;
        }
        n
    }

    /// Drops every record (module exit, nothing else running).
    pub(crate) fn clear(&self) {
        // SAFETY: module exit or failed init: nothing else uses `debugfs`.
        drop(unsafe { (*self.debugfs.get()).take() });
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

/// Drops the records of dead tasks.
pub(crate) struct ReapWork;

/// The one [`ReapWork`], initialised at module init.
pub(crate) static REAP_WORK: crate::sys::work::StaticWork = crate::sys::work::StaticWork::new();

impl crate::sys::work::WorkFn for ReapWork {
    fn run() {
        if let Some(t) = tasks() {
            t.reap();
        }
    }
}

static TASKS: Published<TaskTable> = Published::new();

/// The table, if rklp is initialised (lock-free; any context).
#[inline(always)]
pub(crate) fn tasks() -> Option<&'static TaskTable> {
    TASKS.get()
}

/// Makes `t` the table (module init, before any probe is registered).
///
/// # Safety
///
/// `t` must outlive [`unpublish`] and every user of [`tasks`] (the
/// handler, the probes, the kicks): module exit.
pub(crate) unsafe fn publish(t: &KBox<TaskTable>) {
    // SAFETY: contract.
    unsafe { TASKS.publish(t) };
}

/// Makes the table unreachable (module exit).
pub(crate) fn unpublish() {
    TASKS.unpublish();
}

/// The state of tasks rklp does not know (untracked: their insert failed,
/// or already exiting when rklp loaded): the start state of the running
/// transition, set with every record's in `init_task_states` and, like an
/// unswitched record, left as is by a reversal (upstream keeps
/// `patch_state` across `klp_reverse_transition`). Deriving it from
/// the transition's target instead would flip such a task in the middle of a function
/// when the transition is reversed.
pub(crate) static UNKNOWN_STATE: AtomicPatchState = AtomicPatchState::new(UNPATCHED);

/// The current task's state in the running transition, from the handler.
/// Tasks rklp does not know count as not switched (`UNKNOWN_STATE`); a
/// transition cannot complete while an untracked task lives.
#[inline(always)]
pub(crate) fn current_state() -> PatchState {
    state_of(crate::sys::task::current_key())
}

/// [`current_state`] of the task `key` (the handler knows `current`).
#[inline(always)]
pub(crate) fn state_of(key: crate::sys::task::TaskKey) -> PatchState {
    let recorded = tasks()
        .and_then(|t| t.lookup(key))
        .map(|r| r.state.load(Ordering::Acquire));
    task_state::current_state(recorded, || UNKNOWN_STATE.load(Ordering::Acquire))
}

/// Keeps the table in step with task creation and destruction.
pub(crate) struct RklpTaskEvents;

impl crate::sys::task::TaskEvents for RklpTaskEvents {
    fn created(child: &crate::sys::task::Task<'_>) {
        let Some(t) = tasks() else { return };
        // The child starts where its parent is: same patch state (read
        // under the insert lock, see `TaskTable::insert`).
        if !t.insert(TaskRef::get(child), None) {
            // Counted before the fork returns: a completion check that
            // follows sees it (see `TaskTable::untracked`).
            t.untracked.fetch_add(1, Ordering::AcqRel);
            pr_warn!(
                "task table full: pid {} is not tracked and blocks transitions\n",
                child.pid()
            );
        }
    }

    fn freed(task: &crate::sys::task::Task<'_>) {
        let Some(t) = tasks() else { return };
        if t.lookup(task.key()).is_some() {
            t.mark_dead(task.key());
            REAP_WORK.schedule();
            return;
        }
        // Unknown: untracked (its fork's insert failed), or a task already
        // off the task list when rklp loaded, which is older than the
        // probes. Every task forked after `since_ns` was seen by the fork
        // probe (start_time is set before task_newtask fires).
        if task.start_time_ns() >= t.since_ns.load(Ordering::Acquire) {
            let _ = t
                .untracked
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
        }
    }
}

/// Records every existing task and the idle tasks (module init, after the
/// task event probes are registered, so nothing created meanwhile is missed).
pub(crate) fn populate(t: &TaskTable, syms: &crate::sys::task::TaskSyms) -> Result {
    let mut full = false;
    crate::sys::task::for_each_thread(|task| {
        full |= !t.insert(TaskRef::get(&task), Some(UNPATCHED));
        !full
    });
    for cpu in crate::sys::task::possible_cpus() {
        if let Some(idle) = syms.idle_task(cpu) {
            full |= !t.insert(TaskRef::get(&idle), Some(UNPATCHED));
        }
    }
    // A fork that failed meanwhile may be a task older than `since_ns`,
    // whose free would not be counted: refuse as for a full table.
    if full || t.untracked() != 0 {
        pr_err!("too many tasks for the task table ({})\n", TABLE_SIZE);
        return Err(ENOMEM);
    }
    // SAFETY: module init, before the table is shared with anything that
    // reads `debugfs`; the counters live in `t`, which outlives the
    // directory (removed by `clear`, before the table is freed).
    unsafe {
        *t.debugfs.get() = crate::sys::task::TableDebugfs::new(&t.live, &t.tombstones, &t.untracked)
    };
    Ok(())
}

/// Cancels or waits for queued works (module exit).
pub(crate) fn cancel_kicks(t: &TaskTable, syms: &crate::sys::task::TaskSyms) {
    for r in t.recs.iter() {
        if !r.queued.load(Ordering::Acquire) {
            continue;
        }
        let k = r.key.load(Ordering::Acquire);
        // SAFETY: a record with a queued work is never reaped, so `task`
        // is set.
        if let (true, Some(task)) = (is_task(k), unsafe { &*r.task.get() }) {
            if syms.cancel_task_work(&task.task(), &r.work) {
                r.queued.store(false, Ordering::Release);
                continue;
            }
        }
        // Running right now: wait for it to finish.
        while r.queued.load(Ordering::Acquire) {
            crate::sys::task::sleep_ms(1);
        }
    }
}

/// `reason` of a task that is not in the table.
pub(crate) const REASON_UNTRACKED: u32 = Reason::Untracked.encode();

/// Calls `f(pid, comm, reason)` for every live task not in `target`, then
/// for every untracked task still on the task list (`REASON_UNTRACKED`).
pub(crate) fn for_each_unswitched(
    target: PatchState,
    mut f: impl FnMut(i32, crate::sys::task::Comm, u32),
) {
    let Some(t) = tasks() else { return };
    crate::sys::task::rcu_read(|g| {
        t.for_each(g, |r, task| {
            if r.state.load(Ordering::Acquire) != target {
                let tk = task.task();
                f(tk.pid(), tk.comm(), r.reason.load(Ordering::Relaxed));
            }
            true
        })
    });
    if t.untracked() == 0 {
        return;
    }
    crate::sys::task::for_each_thread(|task| {
        if t.lookup(task.key()).is_none() {
            f(task.pid(), task.comm(), REASON_UNTRACKED);
        }
        true
    });
}

/// State recorded for `task`, if it is tracked.
pub(crate) fn tracked_state(task: &crate::sys::task::Task<'_>) -> Option<PatchState> {
    tasks()?
        .lookup(task.key())
        .map(|r| r.state.load(Ordering::Acquire))
}
