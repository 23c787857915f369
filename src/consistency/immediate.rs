// SPDX-License-Identifier: GPL-2.0

//! Immediate mode (opt-in per patch, kpatch-style) and the NMI in-flight
//! guard.
//!
//! An immediate patch switches every task at once: inside `stop_machine`,
//! after checking that no task's stack holds a function being changed
//! (activeness safety). The entries being switched carry `op` (PATCH or
//! UNPATCH); the switch itself is one atomic store of [`OPSTATE`] from
//! UPDATING to SUCCESS, which flips every entry of the patch at once.
//!
//! stop_machine does not stop NMIs. An NMI may enter a function of the set
//! before the switch and call another one after it. So, from the moment the
//! entries carry `op` until the switch, [`OPSTATE`] is UPDATING, and a
//! handler running in NMI context that sees an entry with `op` set moves it
//! UPDATING -> FAILED (cmpxchg) and runs the committed (pre-switch)
//! version. The switch is a cmpxchg UPDATING -> SUCCESS: if an NMI got there
//! first, nothing changed and the attempt is retried, then fails with EBUSY.
//! NMIs that started before stop_machine have returned before the stopper
//! threads run, so they cannot straddle the switch.
//!
//! Ordering: `OPSTATE = UPDATING` (Release) happens before entries are
//! published with `op` set (Release stores in func_hash), so a handler that
//! sees `op` (Acquire) also sees UPDATING or a later state. The switch
//! cmpxchg is AcqRel; the handler's cmpxchg is AcqRel, and the two are
//! ordered on the single OPSTATE word. After SUCCESS, `op` is cleared on
//! every entry (Release), then a handler grace period passes before
//! OPSTATE returns to IDLE, so no handler that saw `op` reads IDLE.
//!
//! The states and the handler's decision are in op_state.rs (pure).

use crate::consistency::op_state::{self, AtomicOpState, Op, OpState};
use crate::consistency::stack_check::{Blocked, Checks};
use crate::consistency::task_state::PatchState;
use crate::consistency::task_table::tasks;
use crate::core_state::CoreState;
use crate::patch::Patch;
use crate::sys::task::{Comm, MAX_STACK_ENTRIES};
use core::sync::atomic::Ordering;
use kernel::alloc::flags::GFP_KERNEL;
use kernel::prelude::*;

/// `Entry::op`: no immediate switch in progress.
pub(crate) const OP_NONE: Op = Op::None;
/// `Entry::op`: being patched (committed version: the one below).
pub(crate) const OP_PATCH: Op = Op::Patch;
/// `Entry::op`: being unpatched (committed version: this entry).
pub(crate) const OP_UNPATCH: Op = Op::Unpatch;

/// No switch in progress.
pub(crate) const IDLE: OpState = OpState::Idle;
/// Entries carry `op`; the switch has not happened.
pub(crate) const UPDATING: OpState = OpState::Updating;
/// An NMI ran a function being switched: the switch must not happen.
pub(crate) const FAILED: OpState = OpState::Failed;

/// The immediate switch's state.
pub(crate) static OPSTATE: AtomicOpState = AtomicOpState::new(IDLE);

/// Attempts before giving up with EBUSY.
const ATTEMPTS: u32 = 5;
const RETRY_DELAY_MS: u32 = 20;

/// For the handler: whether an entry with `op` set runs its new version
/// (`true`) or the committed one. In NMI context, marks the switch failed
/// if it is still pending.
#[inline(always)]
pub(crate) fn use_new_version(op: Op, in_nmi: bool) -> bool {
    op_state::use_new_version(&OPSTATE, op, in_nmi)
}

/// What blocked an attempt.
enum Blocker {
    Task {
        pid: i32,
        comm: Comm,
        at: Blocked,
    },
    Nmi,
    /// Tasks not in the task table (their stacks cannot all be found).
    Untracked(usize),
}

/// One attempt: in stop_machine, check every task, then switch.
fn attempt(
    st: &CoreState,
    checks: &Checks,
    buf: &mut [usize; MAX_STACK_ENTRIES],
) -> Option<Blocker> {
    let mut blocker = None;
    let table = tasks()?;
    crate::sys::stop_machine::stop_machine(|| {
        // Read with every CPU stopped: no fork in progress.
        let untracked = table.untracked();
        if untracked != 0 {
            blocker = Some(Blocker::Untracked(untracked));
            return 0;
        }
        crate::sys::task::rcu_read(|g| {
            table.for_each(g, |_r, task| {
                let t = task.task();
                // On-CPU tasks are the stopper threads (everything else was
                // switched out to run them); they are not in patched code.
                // A task preempted inside the handler (or the dispatcher)
                // after its decision would run the version it chose after
                // the switch, so it blocks too; a stack rklp cannot read is
                // not proven clean.
                let hit = st
                    .task_syms
                    .with_pinned(&t, |p| checks.blocker_pinned(p, buf));
                if let Some(at) = hit {
                    blocker = Some(Blocker::Task {
                        pid: t.pid(),
                        comm: t.comm(),
                        at,
                    });
                    return false;
                }
                true
            })
        });
        if blocker.is_none() && !op_state::try_switch(&OPSTATE) {
            blocker = Some(Blocker::Nmi);
        }
        0
    });
    blocker
}

/// Switches `patch` (whose entries are in the hash with `op` set, OPSTATE
/// UPDATING since [`begin`]) at once towards `target`. On success OPSTATE
/// is SUCCESS: entries with `op` run their new version. On failure OPSTATE
/// is FAILED (committed versions run) and EBUSY is returned after a message
/// naming what blocked it. Either way the caller settles the entries and
/// calls [`end`].
pub(crate) fn switch(st: &CoreState, patch: &Patch, target: PatchState) -> Result {
    let checks = Checks::build(st, patch, target)?;
    let mut buf = KBox::new([0usize; MAX_STACK_ENTRIES], GFP_KERNEL)?;
    let mut last = None;
    for i in 0..ATTEMPTS {
        if i > 0 {
            crate::sys::task::sleep_ms(RETRY_DELAY_MS);
            OPSTATE.store(UPDATING, Ordering::Release);
        }
        match attempt(st, &checks, &mut buf) {
            None => return Ok(()),
            Some(b) => {
                if let Blocker::Nmi = b {
                    pr_info!(
                        "'{}': an NMI ran a function being switched, retrying\n",
                        &*patch.name
                    );
                }
                last = Some(b);
            }
        }
    }
    OPSTATE.store(FAILED, Ordering::Release);
    match last {
        Some(Blocker::Task { pid, comm, at }) => {
            pr_err!(
                "'{}': cannot switch immediately: task {}:{} {}\n",
                &*patch.name,
                comm,
                pid,
                checks.where_blocked(at)
            );
        }
        Some(Blocker::Untracked(n)) => pr_err!(
            "'{}': cannot switch immediately: {} tasks are not tracked (task table full)\n",
            &*patch.name,
            n
        ),
        _ => pr_err!(
            "'{}': cannot switch immediately: NMIs kept running functions being switched\n",
            &*patch.name
        ),
    }
    Err(EBUSY)
}

/// Marks the start of an immediate switch: must precede publishing entries
/// with `op` set.
pub(crate) fn begin() {
    OPSTATE.store(UPDATING, Ordering::Release);
}

/// Ends an immediate switch, once no entry carries `op` any more: waits for
/// handlers that may have seen `op` or the non-idle state, then returns to
/// IDLE.
pub(crate) fn end() {
    crate::sys::synchronize_handlers();
    OPSTATE.store(IDLE, Ordering::Release);
}
