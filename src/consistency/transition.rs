// SPDX-License-Identifier: GPL-2.0

//! The per-task consistency model: every task runs either all-old or all-new
//! code of a patch, and switches only when it provably is not inside a
//! function the patch changes.
//!
//! A transition (one at a time, under the core mutex) has a target state
//! (PATCHED or UNPATCHED). At its start every task record is set to the
//! opposite state, then (Release fence, pairing with the handler's Acquire
//! load of `entry.transition`) the patch's entries get `transition` set.
//! From then on the handler picks, for an entry in transition, the entry
//! itself for PATCHED tasks and the one below (or the original) for
//! UNPATCHED ones. Tasks switch (`record.state = target`, Release):
//!
//! * from the transition work, retried after 1, 2, 4, ... ms up to every
//!   `RETRY_MS` (most tasks that were running at the start have stopped
//!   within milliseconds): a task pinned by
//!   `task_call_func` (not running) whose reliable stack contains none of
//!   the functions being changed; the state is stored before the task is
//!   unpinned, so it cannot enter a changed function in between;
//! * idle tasks: from a kworker on their own CPU (so they are not running);
//! * user tasks: themselves, from a `task_work` ([`SelfSwitch`]) queued with
//!   TWA_RESUME by the walk (the first one runs when the transition starts)
//!   on every unswitched user task that is runnable (those are not pinned
//!   and unwound) or not clean, which runs at the task's next return to
//!   user space (from a system
//!   call, or from the interrupt that preempts a task spinning in user
//!   space): the task checks its own stack (a task work may also run deeper
//!   in the kernel, e.g. in io_uring's waits) and switches if it is clean,
//!   as upstream's TIF_PATCH_PENDING does in exit_to_user_mode(); busy
//!   user tasks so switch at their next tick instead of waiting to be
//!   caught off CPU. The same work, queued again with TWA_SIGNAL, is the
//!   kick of stalled user tasks after `kick_delay_ms`; kthreads get a
//!   wake-up;
//! * tasks the walk found running: from a kworker queued on their CPU
//!   ([`RunningWork`]), which they must leave to let it run (on a
//!   non-preemptible kernel, at their next `cond_resched()`), so they are
//!   seen off CPU there.
//!
//! The transition is complete when one walk of the task table finds every
//! live record switched and the table's count of inserts not at the target
//! did not move during the walk. A fork probe decides the child's state
//! under the insert lock (its parent's; the start state while
//! `init_task_states` runs); a child of a switched parent is switched and
//! not counted, so the fork rate of switched tasks does not matter, and an
//! unswitched child, whose parent is unswitched, cannot be missed: see
//! task_table.rs and `task_state::may_complete`. Then `transition` is
//! cleared (patching) or the entries are removed (unpatching).

use crate::consistency::finish;
use crate::consistency::stack_check::{Checks, Reason};
use crate::consistency::task_state::{self, PatchState};
use crate::consistency::task_table::{tasks, Record, PATCHED, UNPATCHED};
use crate::core_state::CoreState;
use crate::patch::Patch;
use crate::sys::read_slot::ReadSlot;
use crate::sys::task::{Notify, Task, TaskRef, TaskSyms, TaskWorkFn, MAX_STACK_ENTRIES};
use crate::sys::work::{StaticDelayedWork, WorkFn};
use core::sync::atomic::{AtomicU32, Ordering};
use kernel::alloc::flags::GFP_KERNEL;
use kernel::prelude::*;
use kernel::sync::Arc;

/// Delay before stalled tasks are kicked, and between kicks (module
/// parameter `kick_delay_ms`; upstream kicks every 15 s).
pub(crate) static KICK_DELAY_MS: AtomicU32 = AtomicU32::new(15000);

/// `kick_delay_ms`: 1 s to 1 hour. A kick interrupts tasks' sleeps (EINTR
/// for those that do not restart), so not more often than each second. A
/// change counts at the next retry (every [`RETRY_MS`] at most), from the
/// last kick.
pub(crate) struct KickDelay;

impl crate::sys::param::Param for KickDelay {
    const NAME: &'static str = "kick_delay_ms";
}

impl crate::sys::param::RangedParam for KickDelay {
    const MIN: u32 = 1000;
    const MAX: u32 = 3_600_000;
    fn value() -> &'static AtomicU32 {
        &KICK_DELAY_MS
    }
}

/// How often the transition work retries, at most.
pub(crate) const RETRY_MS: u32 = 100;

/// The delay before retry `n` (from 0): doubling from 1 ms up to
/// [`RETRY_MS`].
fn retry_delay_ms(n: u32) -> u32 {
    1u32.checked_shl(n).unwrap_or(RETRY_MS).min(RETRY_MS)
}

/// Retries the running transition.
pub(crate) struct TransitionWork;

/// The one [`TransitionWork`], initialised at module init.
pub(crate) static TRANSITION_WORK: StaticDelayedWork = StaticDelayedWork::new();

impl WorkFn for TransitionWork {
    fn run() {
        let Some(core) = crate::core_state::core() else {
            return;
        };
        let mut st = core.lock();
        if st.transition.is_some() {
            try_complete(&mut st);
        }
    }
}

/// The running transition.
pub(crate) struct Transition {
    /// The patch in transition (its address, as identity).
    patch: usize,
    /// PATCHED or UNPATCHED.
    pub(crate) target: PatchState,
    /// What task stacks are checked against (shared with [`SELF_SWITCH`]).
    checks: Arc<Checks>,
    /// This transition's generation (a reversal starts a new one): the
    /// value of [`SELF_SWITCH`]'s tag and of armed records' `armed_gen`.
    gen: u32,
    /// Retries since start / since the last kick.
    retries: u32,
    /// When the transition started or last kicked (ns, monotonic).
    last_kick_ns: u64,
}

/// Identity of a patch for [`Transition::patch`].
pub(crate) fn patch_id(p: &Patch) -> usize {
    p as *const Patch as usize
}

impl Transition {
    /// Whether `p` is the patch in transition.
    pub(crate) fn is_patch(&self, p: &Patch) -> bool {
        self.patch == patch_id(p)
    }

    /// Describes a record's `reason` for the stalled list.
    pub(crate) fn describe(
        &self,
        reason: u32,
        out: &mut impl core::fmt::Write,
    ) -> core::fmt::Result {
        self.checks.describe(reason, out)
    }
}

/// Rebuilds the checks of the running transition after a module of `patch`
/// came or went, so that they cover exactly its patched objects (upstream
/// re-reads `obj->patched` on every check). Nothing to do without a
/// transition. On failure the checks are unchanged.
pub(crate) fn refresh_checks(st: &mut CoreState) -> Result {
    let Some(idx) = patch_index(st) else {
        return Ok(());
    };
    let Some(target) = st.transition.as_ref().map(|tr| tr.target) else {
        return Ok(());
    };
    let checks = Checks::build(st, &st.patches[idx], target)?;
    if let Some(tr) = st.transition.as_mut() {
        // Same transition, same generation: the armed works stay valid and
        // check against the new checks from now on (`set` waits for those
        // checking against the old ones).
        SELF_SWITCH.set(checks.clone(), tr.gen);
        tr.checks = checks;
    }
    Ok(())
}

/// The checks of the running transition, for the tasks that switch
/// themselves ([`SelfSwitch`]) without the core mutex, tagged with the
/// transition's generation. Set when a transition starts (a reversal
/// included) or its checks are rebuilt, emptied when it completes: both
/// wait until no task is still checking against the previous checks, so no
/// task stores a switch after the transition it checked for has ended.
static SELF_SWITCH: ReadSlot<Checks> = ReadSlot::new();

/// The last transition generation (under the core mutex; 0 is never used).
static GENERATION: AtomicU32 = AtomicU32::new(0);

/// Empties [`SELF_SWITCH`] (module exit: drops the checks it may hold).
pub(crate) fn withdraw_self_switch() {
    SELF_SWITCH.clear();
}

/// Every live record, in chunks of RCU read sections.
fn for_each_record(mut f: impl FnMut(&Record, &TaskRef)) -> bool {
    let Some(t) = tasks() else { return true };
    crate::sys::task::rcu_read(|g| {
        t.for_each(g, |r, task| {
            f(r, task);
            true
        })
    })
}

/// Sets every task to the state opposite `target` (start of a transition).
/// Must run before any entry of the transition is marked `transition`.
pub(crate) fn init_task_states(target: PatchState) {
    let start = task_state::start_state(target);
    // From here until `end_init`, a child forked while its parent's record
    // is not reset yet starts at `start` too (upstream holds tasklist_lock
    // over its reset, which copy_process() takes for writing).
    if let Some(t) = tasks() {
        t.begin_init(target);
    }
    crate::consistency::task_table::UNKNOWN_STATE.store(start, Ordering::Relaxed);
    for_each_record(|r, _| r.state.store(start, Ordering::Relaxed));
    if let Some(t) = tasks() {
        t.end_init();
    }
    // Pairs with the handler's Acquire of `entry.transition` (smp_wmb in
    // upstream's klp_init_transition).
    core::sync::atomic::fence(Ordering::Release);
}

fn direction(target: PatchState) -> &'static str {
    target.direction()
}

/// Starts the transition of `st.patches[idx]` towards `target`: task states
/// must already be initialised, the entries marked, and `checks` built
/// ([`Checks::build`], before the first visible change, as it allocates).
/// Publishes its checks for the tasks that switch themselves
/// ([`SelfSwitch`]), then tries to complete it at once (a walk that also
/// arms those), else leaves it to the transition work.
pub(crate) fn start(st: &mut CoreState, idx: usize, target: PatchState, checks: Arc<Checks>) {
    pr_notice!(
        "'{}': starting {} transition\n",
        &*st.patches[idx].name,
        direction(target)
    );
    // What new records are compared with (counted if not at it).
    if let Some(t) = tasks() {
        t.set_target(target);
    }
    let gen = match GENERATION.load(Ordering::Relaxed).wrapping_add(1) {
        0 => 1,
        g => g,
    };
    GENERATION.store(gen, Ordering::Relaxed);
    // After the task states are set (`init_task_states`, or kept by a
    // reversal) and after the previous generation's works are done with
    // their checks (`set` empties the slot first): a work armed for this
    // generation finds it published.
    SELF_SWITCH.set(checks.clone(), gen);
    st.transition = Some(Transition {
        patch: patch_id(&st.patches[idx]),
        target,
        checks,
        gen,
        retries: 0,
        last_kick_ns: crate::sys::task::now_ns(),
    });
    try_complete(st);
}

/// Arms the switch of the unswitched user task `t` (record `r`) for
/// generation `gen`: queues its record's work ([`SelfSwitch`],
/// TWA_RESUME), or, if the work is still queued (from an earlier
/// generation, on a task that has not returned to user space since, or a
/// kick), re-arms it, so that one record never has two works queued. No
/// allocation (the works are in the records); one `task_work_add()` per
/// task, as upstream sets TIF_PATCH_PENDING on every task. Kthreads and
/// idle tasks never return to user space: the walk switches them.
fn arm_one(r: &Record, t: &Task<'_>, gen: u32) {
    // SeqCst, with the swap below and the work's clearing of `queued`
    // before it reads `armed_gen`: a work still queued reads the new
    // generation, else `queued` was cleared and the work is queued anew.
    r.armed_gen.store(gen, Ordering::SeqCst);
    if !r.queued.swap(true, Ordering::SeqCst) {
        queue_self_switch(r, t, Notify::Resume);
    }
}

/// Queues `r`'s work on its task `t`, whose `queued` the caller has set.
fn queue_self_switch(r: &Record, t: &Task<'_>, how: Notify) {
    // SAFETY: the record (and its work) stays allocated while `queued` is
    // set (the reaper skips it; module exit cancels it or waits for it),
    // and `SelfSwitch` lives in this module, which waits for running task
    // works on exit (`TaskWork::quiesce`).
    if unsafe { r.work.queue::<SelfSwitch>(t, how) }.is_err() {
        // Past exit_task_work(): it will not run again.
        r.queued.store(false, Ordering::Release);
    }
}

/// Index of the patch in transition.
pub(crate) fn patch_index(st: &CoreState) -> Option<usize> {
    let tr = st.transition.as_ref()?;
    st.patches.iter().position(|p| tr.is_patch(p))
}

fn try_switch(
    syms: &TaskSyms,
    tr: &Transition,
    r: &Record,
    t: &Task<'_>,
    buf: &mut [usize; MAX_STACK_ENTRIES],
) -> bool {
    // Acquire: a task seen switched was switched after any fork of an
    // unswitched child it made, whose count the walk's final read sees.
    if r.state.load(Ordering::Acquire) == tr.target {
        return true;
    }
    if t.key() == crate::sys::task::current_key() {
        // The worker itself: its stack cannot change under it.
        let reason = tr.checks.check_current(syms, buf);
        return switch_if_clean(tr, r, reason);
    }
    // The switch must happen while the task is still pinned: once
    // task_call_func lets it go, it may run straight into a changed function
    // with its old state, and a switch stored after that would flip it
    // mid-function (seen by the consistency checker as outer v2 calling
    // inner v2, then v1). Upstream's klp_check_and_switch_task also switches
    // inside the callback.
    syms.with_pinned(t, |p| {
        let reason = tr.checks.check_pinned(p, buf);
        switch_if_clean(tr, r, reason)
    })
}

/// Switches `r` to the transition's target if `reason` says its stack is
/// clean, else records why not. The caller guarantees the task cannot run
/// between the stack check and this store (pinned, or it is the caller).
fn switch_if_clean(tr: &Transition, r: &Record, reason: Reason) -> bool {
    store_switch(tr.target, r, reason)
}

/// [`switch_if_clean`] towards `target`.
fn store_switch(target: PatchState, r: &Record, reason: Reason) -> bool {
    if let Reason::None = reason {
        // Release: pairs with the handler's Acquire load of the state.
        r.state.store(target, Ordering::Release);
        r.reason.store(Reason::None.encode(), Ordering::Relaxed);
        true
    } else {
        r.reason.store(reason.encode(), Ordering::Relaxed);
        false
    }
}

/// Switches the idle tasks that have not switched, with CPU hotplug
/// excluded. Those of offline CPUs switch at once, as upstream's
/// klp_try_complete_transition(): an offline CPU is fully dead, its idle
/// task parked in the dead loop (`on_cpu` stays set, so the pinned check
/// would call it running forever), and a CPU that comes online again starts
/// its idle task afresh, in the switched state. Those of online CPUs are
/// checked from a kworker on their own CPU, where they are not running.
fn switch_idle_tasks(syms: &TaskSyms, tr: &Transition) -> Result {
    let Some(table) = tasks() else { return Ok(()) };
    let offline = |cpu| {
        let Some(idle) = syms.idle_task(cpu) else {
            return;
        };
        if let Some(r) = table.lookup(idle.key()) {
            if r.state.load(Ordering::Relaxed) != tr.target {
                switch_if_clean(tr, r, Reason::None);
            }
        }
    };
    let online = || {
        let Some(idle) = syms.idle_task(crate::sys::task::this_cpu()) else {
            return;
        };
        let Some(r) = table.lookup(idle.key()) else {
            return;
        };
        let mut buf = [0usize; MAX_STACK_ENTRIES];
        try_switch(syms, tr, r, &idle, &mut buf);
    };
    crate::sys::work::on_each_cpu(offline, &online)
}

/// Switches the tasks of its CPU that a walk found running, from a kworker
/// queued there ([`queue_running_work`]). The kworker runs only once such a
/// task has left the CPU: preempted, or, on a kernel with voluntary or no
/// preemption, at its next `cond_resched()` (the wake-up asks it to
/// reschedule), where upstream livepatch switches it
/// (klp_sched_try_switch(), which a module cannot hook). It then takes the
/// core mutex and checks them like any task that is not running: a
/// CPU-bound kthread that never sleeps switches as soon as its stack is
/// clean, instead of waiting to be caught off CPU by chance. The next
/// retry of the transition work completes the transition. Not waited for:
/// a CPU that a real-time task keeps busy must not hold up the transition
/// work (nor the core mutex). Not queued for real-time (and deadline)
/// tasks: a kworker runs beside one only when RT throttling stops it, at
/// any point of its code, which is no better than the walk catching it off
/// CPU; such tasks are left to the walk and the kicks, as before.
pub(crate) struct RunningWork;

impl WorkFn for RunningWork {
    fn run() {
        let Some(core) = crate::core_state::core() else {
            return;
        };
        let Some(table) = tasks() else { return };
        let st = core.lock();
        let Some(tr) = st.transition.as_ref() else {
            return;
        };
        let cpu = crate::sys::task::this_cpu();
        let mut buf = [0usize; MAX_STACK_ENTRIES];
        crate::sys::task::rcu_read(|g| {
            table.for_each(g, |r, task| {
                let t = task.task();
                // A task that moved is tried on its new CPU next time.
                if r.state.load(Ordering::Relaxed) != tr.target && !t.is_idle() && t.cpu() == cpu {
                    try_switch(&st.task_syms, tr, r, &t, &mut buf);
                }
                true
            })
        });
    }
}

/// Queues [`RunningWork`] on `cpu` (allocating the per-CPU works at their
/// first use; without memory, the walk's retries go on without them).
fn queue_running_work(st: &mut CoreState, cpu: u32) {
    if st.cpu_works.is_none() {
        st.cpu_works = crate::sys::work::PerCpuWorks::new::<RunningWork>().ok();
    }
    if let Some(w) = st.cpu_works.as_ref() {
        w.queue_on(cpu);
    }
}

/// One attempt to complete the transition; schedules a retry if needed.
pub(crate) fn try_complete(st: &mut CoreState) {
    let Some(table) = tasks() else { return };
    let Some(tr) = st.transition.as_ref() else {
        return;
    };
    let mut buf = match KBox::new([0usize; MAX_STACK_ENTRIES], GFP_KERNEL) {
        Ok(b) => b,
        Err(_) => {
            TRANSITION_WORK.schedule_ms(RETRY_MS);
            return;
        }
    };
    let seq0 = table.unswitched_seq();
    // Every tenth retry (about once a second once the retries are
    // RETRY_MS apart, as upstream's) also checks the runnable user tasks
    // with their own switch armed, for one that stays runnable inside
    // the kernel (a long system call) and would switch only at its end.
    let full = tr.retries % 10 == 9;
    let mut all = true;
    let mut idle_left = false;
    // The CPUs (ids below 64; the others share the last bit) where the
    // walk found an unswitched task running.
    let mut running_on: u64 = 0;
    // Whether the walk may have skipped a record being inserted does not
    // matter: see `task_state::may_complete`.
    crate::sys::task::rcu_read(|g| {
        table.for_each(g, |r, task| {
            let t = task.task();
            let user = !t.is_kthread() && !t.is_idle();
            // A runnable user task (busy in user space, or about to return
            // there) gets its own switch armed and is not pinned and
            // unwound here: it switches itself at its next return to user
            // space, soon (with thousands of threads busy in user space,
            // those checks were most of a walk, run by a task that gets a
            // thousandth of a CPU). A full walk checks those already armed
            // too. The walker itself checks its own stack (an enable
            // completes at once when nothing else blocks it).
            if user
                && r.state.load(Ordering::Acquire) != tr.target
                && t.is_runnable()
                && t.key() != crate::sys::task::current_key()
                && !(full && r.queued.load(Ordering::Relaxed))
            {
                arm_one(r, &t, tr.gen);
                all = false;
                return true;
            }
            if !try_switch(&st.task_syms, tr, r, &t, &mut buf) {
                all = false;
                // A sleeping user task that is not clean (it may be
                // stopped in a changed function, or a task work of it ran
                // there without switching it: not re-queued by the work
                // itself, the kernel would run it again at once, on the
                // same stack) switches itself at its next return to user
                // space, unless the walk gets it first.
                if user {
                    arm_one(r, &t, tr.gen);
                }
                if t.is_idle() {
                    idle_left = true;
                } else if r.reason.load(Ordering::Relaxed) == Reason::Running.encode()
                    && !t.is_realtime()
                    && (t.is_kthread() || !r.queued.load(Ordering::Relaxed))
                {
                    running_on |= 1 << t.cpu().min(63);
                }
            }
            true
        })
    });
    if running_on != 0 {
        for cpu in crate::sys::task::possible_cpus() {
            if running_on & (1 << cpu.min(63)) != 0 {
                queue_running_work(st, cpu);
            }
        }
    }
    let Some(tr) = st.transition.as_ref() else {
        return;
    };
    if idle_left && switch_idle_tasks(&st.task_syms, tr).is_ok() {
        all = true;
        for_each_record(|r, _| all &= r.state.load(Ordering::Acquire) == tr.target);
    }
    // Untracked tasks (failed inserts) are not in the walk and cannot be
    // switched: wait until they exit. Read after the walk: a fork counted
    // before it ended is seen.
    let walk = task_state::Walk {
        all_switched: all,
        unswitched_seq_before: seq0,
        unswitched_seq_after: table.unswitched_seq(),
        untracked: table.untracked(),
    };
    if task_state::may_complete(&walk) && complete(st).is_ok() {
        return;
    }
    let tr = st.transition.as_mut().expect("transition vanished");
    tr.retries = tr.retries.saturating_add(1);
    let delay = retry_delay_ms(tr.retries - 1);
    let now = crate::sys::task::now_ns();
    let kick_after_ns = u64::from(KICK_DELAY_MS.load(Ordering::Relaxed)) * 1_000_000;
    if now.saturating_sub(tr.last_kick_ns) >= kick_after_ns {
        tr.last_kick_ns = now;
        kick_remaining(st);
    }
    TRANSITION_WORK.schedule_ms(delay);
}

/// Makes stalled tasks pass a safe point: user tasks get their work
/// ([`SelfSwitch`]) as a signal-like task_work (they leave interruptible
/// sleeps and switch on the way back to user space), kthreads a wake-up.
fn kick_remaining(st: &CoreState) {
    let Some(tr) = st.transition.as_ref() else {
        return;
    };
    pr_notice!("signaling remaining tasks\n");
    for_each_record(|r, task| {
        if r.state.load(Ordering::Relaxed) == tr.target {
            return;
        }
        let t = task.task();
        if t.is_idle() {
            return;
        }
        if t.is_kthread() {
            st.task_syms.wake_interruptible(&t);
            return;
        }
        r.armed_gen.store(tr.gen, Ordering::SeqCst);
        if !r.queued.swap(true, Ordering::SeqCst) {
            queue_self_switch(r, &t, Notify::Signal);
        } else if st.task_syms.cancel_task_work(&t, &r.work) {
            // It was queued with TWA_RESUME, which does not interrupt a
            // sleep: queued again as a kick (`queued` stays set).
            queue_self_switch(r, &t, Notify::Signal);
        }
        // Else it is running right now.
    });
}

/// A task switching itself ([`arm_one`], [`kick_remaining`]), in
/// its own context, on its way back to user space (or wherever the kernel
/// runs its task works, e.g. exit). Lock-free: it must not queue up behind
/// the core mutex, which the transition work holds for a walk of every
/// task. It switches only in the transition it was armed for (its record's
/// `armed_gen` is the published generation) and only towards the target
/// of the checks it passed, all inside one read of [`SELF_SWITCH`]: the
/// transition cannot end (nor reverse) before the switch is stored.
pub(crate) struct SelfSwitch;

impl TaskWorkFn for SelfSwitch {
    fn run(work: usize) {
        let Some(table) = tasks() else { return };
        let Some(r) = table.record_of_work(work) else {
            return;
        };
        // First: from here the work may be queued again (a re-arm, a kick),
        // which the kernel allows for a running task work. SeqCst: see
        // `arm_one`.
        r.queued.store(false, Ordering::SeqCst);
        SELF_SWITCH.read(|published| {
            let Some((checks, gen)) = published else {
                return;
            };
            // A work armed for an earlier transition (or generation) does
            // nothing: re-arming it would have set the current generation.
            if r.armed_gen.load(Ordering::SeqCst) != gen {
                return;
            }
            let target = checks.target();
            if r.state.load(Ordering::Relaxed) == target {
                return;
            }
            let mut buf = [0usize; MAX_STACK_ENTRIES];
            // The task itself: its stack is stable.
            let reason = checks.check_self(&mut buf);
            store_switch(target, r, reason);
        });
    }
}

/// Finishes the transition: clears `transition` (patching) or removes the
/// entries (unpatching, the patch is then freed). Fails only with `ENOMEM`,
/// before changing anything: the transition then stays and is retried.
fn complete(st: &mut CoreState) -> Result {
    let Some(idx) = patch_index(st) else {
        SELF_SWITCH.clear();
        st.transition = None;
        crate::system_state::end_transition();
        return Ok(());
    };
    let target = st.transition.as_ref().map_or(PATCHED, |t| t.target);
    // Room to retire the replaced patches, or this one.
    finish::reserve(st, idx, target)?;
    // No task stores a switch any more (the next transition's
    // `init_task_states` must not be undone): works still queued find the
    // slot empty, or a later generation.
    SELF_SWITCH.clear();
    st.transition = None;
    crate::rklp_debug!(
        "'{}': completing {} transition\n",
        &*st.patches[idx].name,
        direction(target)
    );
    if target == PATCHED {
        st.redirect.set_transition(&st.patches[idx], false);
        // A handler that read `transition` before it was cleared may not
        // read its task's state yet: the next transition's
        // init_task_states could change it under it (upstream's
        // klp_synchronize_transition() in klp_complete_transition()).
        crate::sys::synchronize_handlers();
        finish::patching(st, idx);
    } else {
        finish::unpatching(st, idx);
    }
    // After the post callbacks: they may look at the previous states.
    crate::system_state::end_transition();
    Ok(())
}

/// Reverses the running transition (a write of the opposite value to the
/// transition patch's `enabled`).
pub(crate) fn reverse(st: &mut CoreState) -> Result {
    let idx = patch_index(st).ok_or(EINVAL)?;
    let tr = st.transition.as_ref().ok_or(EINVAL)?;
    let from = tr.target;
    let to = task_state::reversed(from);
    crate::rklp_debug!(
        "'{}': reversing transition from {} to {}\n",
        &*st.patches[idx].name,
        direction(from),
        direction(to)
    );
    // Allocate before the first visible change.
    let checks = Checks::build(st, &st.patches[idx], to)?;
    if to == UNPATCHED {
        st.patches.reserve_free(1)?;
    }
    // No task stores a switch towards `from` from here on (`start`
    // publishes the new generation).
    SELF_SWITCH.clear();
    st.patches[idx].enabled = to == PATCHED;
    start(st, idx, to, checks);
    Ok(())
}

/// Forces the running transition to completion (a write to `force`).
pub(crate) fn force(st: &mut CoreState) -> Result {
    let tr = st.transition.as_ref().ok_or(EINVAL)?;
    let target = tr.target;
    pr_warn!("forcing remaining tasks to the patched state\n");
    for_each_record(|r, _| r.state.store(target, Ordering::Release));
    // Any patch's code may still be in use by the forced tasks: none of
    // their modules may ever be removed (as upstream).
    for p in st.patches.iter_mut() {
        p.forced = true;
    }
    // Every task is switched now: if completing must wait for memory, the
    // transition work completes it on its next pass.
    if complete(st).is_err() {
        TRANSITION_WORK.schedule_ms(RETRY_MS);
    }
    Ok(())
}
