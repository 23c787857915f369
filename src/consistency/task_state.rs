// SPDX-License-Identifier: GPL-2.0

//! A task's patch state and the rules of the per-task transition that set
//! and read it, without the task table or the kernel (pure: `core` only;
//! also compiled into the host unit tests, tools/unit).
//!
//! The rules (transition.rs and task_table.rs apply them):
//!
//! * a transition towards `target` starts with every task, and the state
//!   of tasks rklp does not know, at [`start_state`] (the opposite);
//! * a task switches to the target only when its own stack is clean;
//! * a reversal changes the target only: every task keeps its state, so a
//!   task that had not switched is at once at the new target, and one that
//!   had must switch back ([`PatchState::flip`] of the target);
//! * forcing puts every task at the target;
//! * a new task starts in its parent's state ([`current_state`]);
//! * while a patch's entries are in transition, a task runs the patch's
//!   version iff it is [`PatchState::Patched`] ([`runs_new_version`]);
//! * a transition completes when one walk saw every live task at the
//!   target, and no unswitched task could have been hidden from it
//!   ([`may_complete`]).

use core::sync::atomic::{AtomicU8, Ordering};

/// A task's state in a transition, as upstream's
/// `KLP_TRANSITION_UNPATCHED` / `_PATCHED`.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PatchState {
    /// Runs the code below the patch in transition.
    Unpatched = 0,
    /// Runs the patch in transition.
    Patched = 1,
}

/// Upstream's name of [`PatchState::Unpatched`].
pub(crate) const UNPATCHED: PatchState = PatchState::Unpatched;
/// Upstream's name of [`PatchState::Patched`].
pub(crate) const PATCHED: PatchState = PatchState::Patched;

impl PatchState {
    /// The state encoded as `v`, if any.
    #[inline(always)]
    pub(crate) const fn from_u8(v: u8) -> Option<Self> {
        match v {
            0 => Some(Self::Unpatched),
            1 => Some(Self::Patched),
            _ => None,
        }
    }

    /// The other state.
    #[inline(always)]
    pub(crate) const fn flip(self) -> Self {
        match self {
            Self::Unpatched => Self::Patched,
            Self::Patched => Self::Unpatched,
        }
    }

    /// The transition towards this state, as upstream's messages name it.
    pub(crate) const fn direction(self) -> &'static str {
        match self {
            Self::Patched => "patching",
            Self::Unpatched => "unpatching",
        }
    }
}

/// A [`PatchState`] that can be shared (a task record, the target).
///
/// # Invariants
///
/// The byte always holds a `PatchState as u8` (only [`Self::new`] and
/// [`Self::store`] write it).
pub(crate) struct AtomicPatchState(AtomicU8);

impl AtomicPatchState {
    /// Holding `s`.
    pub(crate) const fn new(s: PatchState) -> Self {
        Self(AtomicU8::new(s as u8))
    }

    /// The state (any context, lock-free).
    #[inline(always)]
    pub(crate) fn load(&self, order: Ordering) -> PatchState {
        // Never `None` (type invariant); `Unpatched` keeps the decoding
        // total without a panic path in the ftrace handler.
        PatchState::from_u8(self.0.load(order)).unwrap_or(PatchState::Unpatched)
    }

    /// Sets the state.
    #[inline(always)]
    pub(crate) fn store(&self, s: PatchState, order: Ordering) {
        self.0.store(s as u8, order)
    }
}

/// The state every task, and the unknown-task state, gets when a
/// transition towards `target` starts: tasks run what they ran before.
pub(crate) const fn start_state(target: PatchState) -> PatchState {
    target.flip()
}

/// The target after reversing a transition towards `target`. Task states
/// (and the unknown-task state) are left as they are.
pub(crate) const fn reversed(target: PatchState) -> PatchState {
    target.flip()
}

/// The state of a task: its record's, or for a task rklp does not track,
/// `unknown` (the start state of the transition that set it, kept across
/// reversals). Also the state a task's child starts in.
#[inline(always)]
pub(crate) fn current_state(
    recorded: Option<PatchState>,
    unknown: impl FnOnce() -> PatchState,
) -> PatchState {
    match recorded {
        Some(s) => s,
        None => unknown(),
    }
}

/// Whether a task in `state` runs the version of the entry in transition
/// (`true`) or the one below it.
#[inline(always)]
pub(crate) fn runs_new_version(state: PatchState) -> bool {
    state == PatchState::Patched
}

/// What one completion check of a transition saw.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Walk {
    /// Every live record was at the target.
    pub(crate) all_switched: bool,
    /// The table's count of inserts whose state was not the target, before
    /// and after the walk.
    pub(crate) unswitched_seq_before: u32,
    pub(crate) unswitched_seq_after: u32,
    /// Live tasks not in the table (read after the walk).
    pub(crate) untracked: usize,
}

/// Whether the transition may complete after `w`: every task seen is
/// switched, no task was recorded during the walk in a state other than the
/// target (its record may be in a slot the walk had passed), and no task
/// rklp cannot see is alive.
///
/// Inserts at the target do not matter, however many: a task recorded
/// switched stays switched (only a reversal changes the target, and it
/// does so under the insert lock, before its walk). An unswitched child
/// needs an unswitched parent; a record still being inserted (`BUSY`) that
/// the walk skipped is either at the target or counted: its parent is then
/// unswitched and running its fork, so the walk saw it unswitched or
/// running, or the parent switched afterwards, after the count, which the
/// read after the walk sees. So the walk's `BUSY` flag is not needed here.
pub(crate) fn may_complete(w: &Walk) -> bool {
    w.all_switched && w.unswitched_seq_before == w.unswitched_seq_after && w.untracked == 0
}
