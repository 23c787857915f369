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

use crate::consistency::task_table::{tasks, PATCHED, UNPATCHED};
use crate::consistency::transition::{build_checks, find_hit, Check};
use crate::core_state::CoreState;
use crate::patch::Patch;
use crate::sys::task::{Comm, MAX_STACK_ENTRIES};
use core::sync::atomic::{AtomicU8, Ordering};
use kernel::alloc::flags::GFP_KERNEL;
use kernel::c_str;
use kernel::prelude::*;

/// `Entry::op`: no immediate switch in progress.
pub(crate) const OP_NONE: u8 = 0;
/// `Entry::op`: being patched (committed version: the one below).
pub(crate) const OP_PATCH: u8 = 1;
/// `Entry::op`: being unpatched (committed version: this entry).
pub(crate) const OP_UNPATCH: u8 = 2;

/// No switch in progress.
pub(crate) const IDLE: u8 = 0;
/// Entries carry `op`; the switch has not happened.
pub(crate) const UPDATING: u8 = 1;
/// The switch happened: entries with `op` use their new version.
pub(crate) const SUCCESS: u8 = 2;
/// An NMI ran a function being switched: the switch must not happen.
pub(crate) const FAILED: u8 = 3;

/// The immediate switch's state.
pub(crate) static OPSTATE: AtomicU8 = AtomicU8::new(IDLE);

/// Attempts before giving up with EBUSY.
const ATTEMPTS: u32 = 5;
const RETRY_DELAY_MS: u32 = 20;

/// For the handler: whether an entry with `op` set runs its new version
/// (`true`) or the committed one. In NMI context, marks the switch failed
/// if it is still pending.
#[inline(always)]
pub(crate) fn use_new_version(op: u8, in_nmi: bool) -> bool {
    let mut st = OPSTATE.load(Ordering::Acquire);
    if st == UPDATING && in_nmi {
        st = match OPSTATE.compare_exchange(UPDATING, FAILED, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => FAILED,
            Err(actual) => actual,
        };
    }
    (op == OP_PATCH) == (st == SUCCESS)
}

/// What blocked an attempt.
enum Blocker {
    Task {
        pid: i32,
        comm: Comm,
        func: usize,
    },
    Nmi,
    /// Tasks not in the task table (their stacks cannot all be found).
    Untracked(usize),
}

fn set_ops(st: &mut CoreState, patch: &Patch, op: u8) {
    for o in patch.objs.iter() {
        for f in o.funcs.iter() {
            if let Some(id) = f.entry {
                st.hash.set_op(id, op);
            }
        }
    }
}

/// One attempt: in stop_machine, check every task, then switch.
fn attempt(
    st: &CoreState,
    checks: &[Check],
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
        crate::sys::task::rcu_read(|| {
            table.for_each(|_r, task| {
                let t = task.task();
                // On-CPU tasks are the stopper threads (everything else was
                // switched out to run them); they are not in patched code.
                let hit = st.task_syms.with_pinned(&t, |p| {
                    if p.on_cpu() {
                        return None;
                    }
                    match p.stack(buf) {
                        Ok(n) => find_hit(checks, &buf[..n]),
                        // A stack rklp cannot read is not proven clean.
                        Err(_) => Some(usize::MAX),
                    }
                });
                if let Some(func) = hit {
                    blocker = Some(Blocker::Task {
                        pid: t.pid(),
                        comm: t.comm(),
                        func,
                    });
                    return false;
                }
                true
            })
        });
        if blocker.is_none()
            && OPSTATE
                .compare_exchange(UPDATING, SUCCESS, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
        {
            blocker = Some(Blocker::Nmi);
        }
        0
    });
    blocker
}

/// Switches `patch` (whose entries are in the hash with `op` set, OPSTATE
/// UPDATING) at once. On success OPSTATE is SUCCESS and `op` is cleared;
/// on failure OPSTATE is FAILED (committed versions run) and EBUSY returned
/// after a message naming what blocked it. The caller undoes its part and
/// calls [`finish`].
fn switch(st: &mut CoreState, patch: &Patch, unpatch: bool) -> Result {
    let target = if unpatch { UNPATCHED } else { PATCHED };
    let checks = build_checks(st, patch, target)?;
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
        Some(Blocker::Task { pid, comm, func }) => {
            let f = checks
                .get(func)
                .map(|c| &*c.name)
                .unwrap_or(c_str!("(unreliable stack)"));
            pr_err!(
                "'{}': cannot switch immediately: task {}:{} is in function '{}'\n",
                &*patch.name,
                comm,
                pid,
                f
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

/// Ends an immediate operation: waits for handlers that may have seen `op`
/// or the non-idle state, then returns to IDLE.
fn finish() {
    crate::sys::synchronize_handlers();
    OPSTATE.store(IDLE, Ordering::Release);
}

/// Marks the start of an immediate patching: must precede publishing
/// entries with `op = OP_PATCH`.
pub(crate) fn begin() {
    OPSTATE.store(UPDATING, Ordering::Release);
}

/// Switches a freshly pushed immediate patch (entries with OP_PATCH).
pub(crate) fn switch_patch(st: &mut CoreState, patch: &Patch) -> Result {
    let r = switch(st, patch, false);
    if r.is_ok() {
        // Every entry runs its new version through SUCCESS; make that
        // permanent, then retire `op`.
        set_ops(st, patch, OP_NONE);
        finish();
    }
    // On failure the caller unpatches the objects (FAILED keeps them on the
    // old version meanwhile) and then calls `abort`.
    r
}

/// Ends a failed immediate patching after its entries were removed.
pub(crate) fn abort() {
    finish();
}

/// Switches an immediate patch back to the code below it. On success the
/// caller removes the entries (still OP_UNPATCH under SUCCESS: the code
/// below runs) and calls [`abort`]; on failure the patch stays applied.
pub(crate) fn switch_unpatch(st: &mut CoreState, patch: &Patch) -> Result {
    begin();
    set_ops(st, patch, OP_UNPATCH);
    let r = switch(st, patch, true);
    if r.is_err() {
        // FAILED: entries with OP_UNPATCH run their (committed) new version;
        // retire `op` so they stay there.
        set_ops(st, patch, OP_NONE);
        finish();
    }
    r
}
