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
//! * from the transition work, every `RETRY_MS`: a task pinned by
//!   `task_call_func` (not running) whose reliable stack contains none of
//!   the functions being changed; the state is stored before the task is
//!   unpinned, so it cannot enter a changed function in between;
//! * idle tasks: from a kworker on their own CPU (so they are not running);
//! * kicked user tasks: from a `task_work` (TWA_SIGNAL) on their way back
//!   to user space, after checking their own stack; kthreads get a wake-up.
//!
//! The transition is complete when one walk of the task table finds every
//! live record switched, saw no insert in progress, and the table's insert
//! counter did not move during the walk (a fork probe runs with preemption
//! off and copies the parent's state, so a child of a task switched during
//! the walk cannot be missed: see task_state.rs). Then `transition` is
//! cleared (patching) or the entries are removed (unpatching).

use crate::consistency::task_table::{tasks, Record, PATCHED, UNPATCHED};
use crate::core_state::CoreState;
use crate::patch::Patch;
use crate::sys::task::{Pinned, StackError, Task, TaskRef, TaskWorkFn, MAX_STACK_ENTRIES};
use crate::sys::work::WorkFn;
use core::sync::atomic::{AtomicPtr, AtomicU32, AtomicU8, Ordering};
use kernel::alloc::flags::GFP_KERNEL;
use kernel::c_str;
use kernel::prelude::*;
use kernel::str::CString;

/// Target of the running transition (also the state of nobody-knows tasks'
/// opposite, see `task_state::current_state`).
pub(crate) static TARGET: AtomicU8 = AtomicU8::new(PATCHED);

/// Delay before stalled tasks are kicked (module parameter `kick_delay_ms`).
pub(crate) static KICK_DELAY_MS: AtomicU32 = AtomicU32::new(15000);

/// How often the transition work retries.
pub(crate) const RETRY_MS: u32 = 100;

/// A function whose presence on a stack blocks the switch.
pub(crate) struct Check {
    start: usize,
    size: usize,
    /// The changed function's name, for messages.
    pub(crate) name: CString,
}

/// Index of the first check whose function holds one of `frames`.
pub(crate) fn find_hit(checks: &[Check], frames: &[usize]) -> Option<usize> {
    frames.iter().find_map(|&a| {
        checks
            .iter()
            .position(|c| a >= c.start && a < c.start + c.size)
    })
}

/// The running transition.
pub(crate) struct Transition {
    /// The patch in transition (its address, as identity).
    patch: usize,
    /// PATCHED or UNPATCHED.
    pub(crate) target: u8,
    checks: KVec<Check>,
    /// Where a task stopped inside a traced call has its decision pending
    /// (see [`in_handler_checks`]).
    in_handler: KVec<Check>,
    /// Retries since start / since the last kick.
    retries: u32,
    last_kick: u32,
}

/// Why a task has not switched, as stored in its record.
pub(crate) enum Reason {
    None,
    Running,
    Unreliable,
    /// Stopped between its handler's decision and the jump (see
    /// [`in_handler_checks`]).
    InHandler,
    SleepingIn(usize),
}

impl Reason {
    fn encode(&self) -> u32 {
        match self {
            Reason::None => 0,
            Reason::Running => 1,
            Reason::Unreliable => 2,
            Reason::InHandler => 3,
            Reason::SleepingIn(i) => 4 + *i as u32,
        }
    }
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

    /// Describes `reason` for the stalled list.
    pub(crate) fn describe(
        &self,
        reason: u32,
        out: &mut impl core::fmt::Write,
    ) -> core::fmt::Result {
        match reason {
            0 => write!(out, "not checked yet"),
            crate::consistency::task_table::REASON_UNTRACKED => {
                write!(out, "not tracked (task table full), blocks until it exits")
            }
            1 => write!(out, "running"),
            2 => write!(out, "unreliable stack"),
            3 => write!(out, "inside rklp's ftrace handler"),
            n => match self.checks.get((n - 4) as usize) {
                Some(c) => write!(out, "sleeping in function {}", &*c.name),
                None => write!(out, "sleeping in a patched function"),
            },
        }
    }

    /// Whether a reliable trace contains a function being changed, or the
    /// handler's call of one.
    fn check_stack(&self, frames: &[usize]) -> Reason {
        if let Some(i) = find_hit(&self.checks, frames) {
            return Reason::SleepingIn(i);
        }
        if find_hit(&self.in_handler, frames).is_some() {
            return Reason::InHandler;
        }
        Reason::None
    }

    /// Checks the current task's own stack (it is running, but stable).
    fn check_current(&self, st: &CoreState, buf: &mut [usize; MAX_STACK_ENTRIES]) -> Reason {
        match st.task_syms.current_stack(buf) {
            Ok(n) => self.check_stack(&buf[..n]),
            Err(_) => Reason::Unreliable,
        }
    }

    fn check_pinned(&self, p: &Pinned<'_>, buf: &mut [usize; MAX_STACK_ENTRIES]) -> Reason {
        if p.on_cpu() {
            return Reason::Running;
        }
        match p.stack(buf) {
            Ok(n) => self.check_stack(&buf[..n]),
            Err(StackError::Unreliable) => Reason::Unreliable,
        }
    }
}

/// The functions whose presence on a stack forbids switching to `target`:
/// when unpatching, the patch's replacements; when patching, what runs now
/// (the previous patch's replacement, or the original).
pub(crate) fn build_checks(st: &CoreState, patch: &Patch, target: u8) -> Result<KVec<Check>> {
    let mut checks = KVec::new();
    for o in patch.objs.iter() {
        for f in o.funcs.iter() {
            let Some(id) = f.entry else { continue };
            let (start, size) = if target == UNPATCHED && f.nop {
                // Back from "original" to the replaced patch's version.
                (f.old_addr, f.old_size)
            } else if target == UNPATCHED {
                (f.new_func, f.new_size)
            } else {
                st.hash.below_of(id).unwrap_or((f.old_addr, f.old_size))
            };
            if start == 0 {
                continue;
            }
            let name = CString::try_from(&*f.old_name).map_err(|_| ENOMEM)?;
            checks.push(Check { start, size, name }, GFP_KERNEL)?;
        }
    }
    Ok(checks)
}

/// A task stopped (preempted) inside rklp's handler after its decision, or
/// in the ftrace trampoline on the way to the chosen function, shows the
/// traced function's call of `__fentry__` on its stack, not the version it
/// is about to run: it must not switch, or it may run the other version
/// with the new state (or freed code, after unpatching). Such a task has on
/// its stack the handler's C half (the only place the handler can be
/// preempted, at `ftrace_test_recursion_unlock()`) or, in the trampoline,
/// the return address of a transition function's `__fentry__` call.
pub(crate) fn in_handler_checks(st: &CoreState, patch: &Patch) -> Result<KVec<Check>> {
    let mut checks = KVec::new();
    let entry = crate::sys::ftrace::handler_entry();
    // rklp's own symbol: its size is known; if not, its first byte only.
    let size = st.kallsyms.symbol_size(entry).unwrap_or(1);
    let name = CString::try_from(c_str!("rklp_ftrace_entry")).map_err(|_| ENOMEM)?;
    checks.push(
        Check {
            start: entry,
            size,
            name,
        },
        GFP_KERNEL,
    )?;
    for o in patch.objs.iter() {
        for f in o
            .funcs
            .iter()
            .filter(|f| f.entry.is_some() && f.ftrace_loc != 0)
        {
            let name = CString::try_from(&*f.old_name).map_err(|_| ENOMEM)?;
            let start = f.ftrace_loc + crate::sys::ftrace::FENTRY_CALL_SIZE;
            checks.push(
                Check {
                    start,
                    size: 1,
                    name,
                },
                GFP_KERNEL,
            )?;
        }
    }
    Ok(checks)
}

/// What a transition checks stacks against ([`build_checks`] and
/// [`in_handler_checks`]), built before its first visible change.
pub(crate) struct Checks {
    checks: KVec<Check>,
    in_handler: KVec<Check>,
}

/// The checks of a transition of `patch` towards `target`.
pub(crate) fn prepare_checks(st: &CoreState, patch: &Patch, target: u8) -> Result<Checks> {
    Ok(Checks {
        checks: build_checks(st, patch, target)?,
        in_handler: in_handler_checks(st, patch)?,
    })
}

/// Rebuilds the checks of the running transition after a module of `patch`
/// came or went, so that they cover exactly its patched objects (upstream
/// re-reads `obj->patched` on every check). Nothing to do if `patch` is not
/// in transition. On failure the checks are unchanged.
pub(crate) fn refresh_checks(st: &mut CoreState, patch: &Patch) -> Result {
    let target = match st.transition.as_ref() {
        Some(tr) if tr.is_patch(patch) => tr.target,
        _ => return Ok(()),
    };
    let checks = build_checks(st, patch, target)?;
    let in_handler = in_handler_checks(st, patch)?;
    if let Some(tr) = st.transition.as_mut() {
        tr.checks = checks;
        tr.in_handler = in_handler;
    }
    Ok(())
}

/// Every live record, in chunks of RCU read sections.
fn for_each_record(mut f: impl FnMut(&Record, &TaskRef)) -> bool {
    let Some(t) = tasks() else { return true };
    crate::sys::task::rcu_read(|| {
        t.for_each(|r, task| {
            f(r, task);
            true
        })
    })
}

/// Sets every task to the state opposite `target` (start of a transition).
/// Must run before any entry of the transition is marked `transition`.
pub(crate) fn init_task_states(target: u8) {
    TARGET.store(target, Ordering::Release);
    crate::consistency::task_table::UNKNOWN_STATE.store(target ^ 1, Ordering::Relaxed);
    for_each_record(|r, _| r.state.store(target ^ 1, Ordering::Relaxed));
    // Pairs with the handler's Acquire of `entry.transition` (smp_wmb in
    // upstream's klp_init_transition).
    core::sync::atomic::fence(Ordering::Release);
}

fn direction(target: u8) -> &'static str {
    if target == PATCHED {
        "patching"
    } else {
        "unpatching"
    }
}

/// Starts the transition of `st.patches[idx]` towards `target`: task states
/// must already be initialised, the entries marked, and `checks` built (by
/// [`prepare_checks`], before the first visible change, as it allocates).
/// Tries to complete it at once, else leaves it to the transition work.
pub(crate) fn start(st: &mut CoreState, idx: usize, target: u8, checks: Checks) {
    let Checks { checks, in_handler } = checks;
    pr_notice!(
        "'{}': starting {} transition\n",
        &*st.patches[idx].name,
        direction(target)
    );
    st.transition = Some(Transition {
        patch: patch_id(&st.patches[idx]),
        target,
        checks,
        in_handler,
        retries: 0,
        last_kick: 0,
    });
    try_complete(st);
}

/// Index of the patch in transition.
pub(crate) fn patch_index(st: &CoreState) -> Option<usize> {
    let tr = st.transition.as_ref()?;
    st.patches.iter().position(|p| tr.is_patch(p))
}

fn try_switch(
    st: &CoreState,
    tr: &Transition,
    r: &Record,
    t: &Task<'_>,
    buf: &mut [usize; MAX_STACK_ENTRIES],
) -> bool {
    if r.state.load(Ordering::Relaxed) == tr.target {
        return true;
    }
    if t.key() == crate::sys::task::current_key() {
        // The worker itself: its stack cannot change under it.
        let reason = tr.check_current(st, buf);
        return switch_if_clean(tr, r, reason);
    }
    // The switch must happen while the task is still pinned: once
    // task_call_func lets it go, it may run straight into a changed function
    // with its old state, and a switch stored after that would flip it
    // mid-function (seen by the consistency checker as outer v2 calling
    // inner v2, then v1). Upstream's klp_check_and_switch_task also switches
    // inside the callback.
    st.task_syms.with_pinned(t, |p| {
        let reason = tr.check_pinned(p, buf);
        switch_if_clean(tr, r, reason)
    })
}

/// Switches `r` to the transition's target if `reason` says its stack is
/// clean, else records why not. The caller guarantees the task cannot run
/// between the stack check and this store (pinned, or it is the caller).
fn switch_if_clean(tr: &Transition, r: &Record, reason: Reason) -> bool {
    if let Reason::None = reason {
        // Release: pairs with the handler's Acquire load of the state.
        r.state.store(tr.target, Ordering::Release);
        r.reason.store(0, Ordering::Relaxed);
        true
    } else {
        r.reason.store(reason.encode(), Ordering::Relaxed);
        false
    }
}

/// Shared with the per-CPU idle pass while it runs (the caller holds the
/// core mutex and waits for the pass to finish).
static IDLE_PASS: AtomicPtr<CoreState> = AtomicPtr::new(core::ptr::null_mut());

struct IdlePass;

impl WorkFn for IdlePass {
    fn run() {
        // SAFETY: set by `try_complete` to the mutex-protected state it
        // holds locked for the whole (synchronous) pass; read-only here.
        let Some(st) = (unsafe { IDLE_PASS.load(Ordering::Acquire).as_ref() }) else {
            return;
        };
        let (Some(tr), Some(table)) = (st.transition.as_ref(), tasks()) else {
            return;
        };
        let Some(idle) = st.task_syms.idle_task(crate::sys::task::this_cpu()) else {
            return;
        };
        let Some(r) = table.lookup(idle.key()) else {
            return;
        };
        // This kworker runs on the idle task's CPU, so it is not running.
        let mut buf = [0usize; MAX_STACK_ENTRIES];
        try_switch(st, tr, r, &idle, &mut buf);
    }
}

/// Switches the idle tasks of offline CPUs at once, as upstream's
/// klp_try_complete_transition(): under the hotplug lock an offline CPU is
/// fully dead, its idle task parked in the dead loop (`on_cpu` stays set,
/// so the pinned check would call it running forever), and a CPU that comes
/// online again starts its idle task afresh, in the switched state. The
/// online ones are left to the per-CPU pass that follows (a CPU that goes
/// offline in between is switched at the next retry).
fn switch_offline_idle(st: &CoreState, tr: &Transition) {
    let Some(table) = tasks() else { return };
    crate::sys::task::cpus_read_locked(|| {
        for cpu in crate::sys::task::possible_cpus() {
            if crate::sys::task::cpu_online(cpu) {
                continue;
            }
            let Some(idle) = st.task_syms.idle_task(cpu) else {
                continue;
            };
            if let Some(r) = table.lookup(idle.key()) {
                if r.state.load(Ordering::Relaxed) != tr.target {
                    switch_if_clean(tr, r, Reason::None);
                }
            }
        }
    });
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
            crate::core_state::TRANSITION_WORK.schedule_ms(RETRY_MS);
            return;
        }
    };
    let seq0 = table.fork_seq();
    let mut all = true;
    let mut idle_left = false;
    let complete_walk = crate::sys::task::rcu_read(|| {
        table.for_each(|r, task| {
            let t = task.task();
            if !try_switch(st, tr, r, &t, &mut buf) {
                all = false;
                idle_left |= t.is_idle();
            }
            true
        })
    });
    if idle_left {
        switch_offline_idle(st, tr);
        IDLE_PASS.store(st as *const CoreState as *mut CoreState, Ordering::Release);
        st.task_syms.on_each_cpu::<IdlePass>();
        IDLE_PASS.store(core::ptr::null_mut(), Ordering::Release);
        all = true;
        for_each_record(|r, _| all &= r.state.load(Ordering::Acquire) == tr.target);
    }
    // Untracked tasks (failed inserts) are not in the walk and cannot be
    // switched: wait until they exit. Read after the walk: a fork counted
    // before it ended is seen.
    if all
        && complete_walk
        && table.fork_seq() == seq0
        && table.untracked() == 0
        && complete(st).is_ok()
    {
        return;
    }
    let tr = st.transition.as_mut().expect("transition vanished");
    tr.retries += 1;
    let kick_after = KICK_DELAY_MS.load(Ordering::Relaxed) / RETRY_MS;
    if tr.retries - tr.last_kick >= kick_after.max(1) {
        tr.last_kick = tr.retries;
        kick_remaining(st);
    }
    crate::core_state::TRANSITION_WORK.schedule_ms(RETRY_MS);
}

/// Makes stalled tasks pass a safe point: user tasks get a signal-like
/// task_work (they leave interruptible sleeps and switch on the way back to
/// user space), kthreads a wake-up.
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
        } else if !r.kicked.swap(true, Ordering::AcqRel) {
            // SAFETY: the record (and its work) stays allocated while
            // `kicked` is set (the reaper skips it; exit cancels it), and
            // `Kick` lives in this module, which waits for it on exit.
            if unsafe { r.work.queue::<Kick>(&t) }.is_err() {
                // Past exit_task_work(): it will switch when freed.
                r.kicked.store(false, Ordering::Release);
            }
        }
    });
}

/// A kicked task, in its own context on the way to user space (or exit).
pub(crate) struct Kick;

impl TaskWorkFn for Kick {
    fn run(work: usize) {
        let Some(table) = tasks() else { return };
        let Some(r) = table.record_of_work(work) else {
            return;
        };
        if let Some(core) = crate::core_state::core() {
            let st = core.state.lock();
            if let Some(tr) = st.transition.as_ref() {
                if r.state.load(Ordering::Relaxed) != tr.target {
                    let mut buf = [0usize; MAX_STACK_ENTRIES];
                    // The kicked task itself: its stack is stable.
                    let reason = tr.check_current(&st, &mut buf);
                    switch_if_clean(tr, r, reason);
                }
            }
        }
        r.kicked.store(false, Ordering::Release);
    }
}

/// Finishes the transition: clears `transition` (patching) or removes the
/// entries (unpatching, the patch is then freed). Fails only with `ENOMEM`,
/// before changing anything: the transition then stays and is retried.
fn complete(st: &mut CoreState) -> Result {
    let Some(idx) = patch_index(st) else {
        st.transition = None;
        crate::system_state::end_transition();
        return Ok(());
    };
    let target = st.transition.as_ref().map_or(PATCHED, |t| t.target);
    // Room to retire the replaced patches, or this one.
    let retired = if target == PATCHED {
        if st.patches[idx].replace {
            st.patches.len() - 1
        } else {
            0
        }
    } else {
        1
    };
    st.reserve_free(retired)?;
    let tr = st.transition.take().expect("no transition");
    let mut patch = st.take_patch(idx);
    crate::rklp_debug!(
        "'{}': completing {} transition\n",
        &*patch.name,
        direction(tr.target)
    );
    if tr.target == PATCHED {
        if patch.replace {
            replace_others(st, &mut patch);
        }
        set_entries_transition(st, &patch, false);
        // A handler that read `transition` before it was cleared may not
        // read its task's state yet: the next transition's
        // init_task_states could change it under it (upstream's
        // klp_synchronize_transition() in klp_complete_transition()).
        crate::sys::synchronize_handlers();
        for o in patch.objs.iter().filter(|o| o.is_resolved()) {
            o.post_patch();
        }
        pr_notice!("'{}': patching complete\n", &*patch.name);
        st.insert_patch(idx, patch);
    } else {
        crate::redirect::install::unpatch_objects(st, patch.objs.as_mut_slice());
        for o in patch.objs.iter_mut().filter(|o| o.is_resolved()) {
            o.post_unpatch();
        }
        pr_notice!("'{}': unpatching complete\n", &*patch.name);
        st.defer_free(patch);
    }
    // After the post callbacks: they may look at the previous states.
    crate::system_state::end_transition();
    Ok(())
}

/// Marks (or unmarks) every entry of `patch` as in transition.
pub(crate) fn set_entries_transition(st: &mut CoreState, patch: &Patch, on: bool) {
    for o in patch.objs.iter() {
        for f in o.funcs.iter() {
            if let Some(id) = f.entry {
                st.hash.set_transition(id, on);
            }
        }
    }
}

/// Reverses the running transition (a write of the opposite value to the
/// transition patch's `enabled`).
pub(crate) fn reverse(st: &mut CoreState) -> Result {
    let idx = patch_index(st).ok_or(EINVAL)?;
    let tr = st.transition.as_ref().ok_or(EINVAL)?;
    let from = tr.target;
    let to = from ^ 1;
    crate::rklp_debug!(
        "'{}': reversing transition from {} to {}\n",
        &*st.patches[idx].name,
        direction(from),
        direction(to)
    );
    // Allocate before the first visible change.
    let checks = prepare_checks(st, &st.patches[idx], to)?;
    if to == UNPATCHED {
        st.reserve_free(1)?;
    }
    st.patches[idx].enabled = to == PATCHED;
    TARGET.store(to, Ordering::Release);
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
        crate::core_state::TRANSITION_WORK.schedule_ms(RETRY_MS);
    }
    Ok(())
}

/// Completes an atomic replace: every other patch is taken out (no
/// callbacks, as upstream) and freed, then the no-ops, which now only stand
/// for the original code, are dropped. The caller has reserved room to
/// queue the others for freeing ([`CoreState::reserve_free`]); the others
/// leave the list in place, so its capacity stays for `patch` to go back in.
pub(crate) fn replace_others(st: &mut CoreState, patch: &mut Patch) {
    while !st.patches.is_empty() {
        let mut old = st.take_patch(st.patches.len() - 1);
        crate::redirect::install::unpatch_objects(st, old.objs.as_mut_slice());
        old.enabled = false;
        st.defer_free(old);
    }
    for i in 0..patch.objs.len() {
        match patch.objs[i].take_nops() {
            Ok(mut nops) => crate::redirect::install::unpatch_object(st, &mut nops),
            // They stay, as entries that run the original: harmless.
            Err(e) => pr_err!("cannot drop no-ops ({})\n", e.to_errno()),
        }
    }
}
