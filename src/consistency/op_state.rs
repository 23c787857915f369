// SPDX-License-Identifier: GPL-2.0

//! The states of an immediate switch and the NMI guard's decision, without
//! the kernel (pure: `core` only; also compiled into the host unit tests,
//! tools/unit). immediate.rs drives them; its header explains the protocol.

use core::sync::atomic::{AtomicU8, Ordering};

/// An entry's immediate switch (`Entry::op`).
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    /// No immediate switch in progress.
    None = 0,
    /// Being patched (committed version: the one below).
    Patch = 1,
    /// Being unpatched (committed version: this entry).
    Unpatch = 2,
}

impl Op {
    /// The op encoded as `v`, if any.
    #[inline(always)]
    pub(crate) const fn from_u8(v: u8) -> Option<Self> {
        match v {
            0 => Some(Self::None),
            1 => Some(Self::Patch),
            2 => Some(Self::Unpatch),
            _ => None,
        }
    }
}

/// The state of the immediate switch (one for all entries).
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OpState {
    /// No switch in progress.
    Idle = 0,
    /// Entries carry an op; the switch has not happened.
    Updating = 1,
    /// The switch happened: entries with an op use their new version.
    Success = 2,
    /// An NMI ran a function being switched: the switch must not happen.
    Failed = 3,
}

impl OpState {
    /// The state encoded as `v`, if any.
    #[inline(always)]
    pub(crate) const fn from_u8(v: u8) -> Option<Self> {
        match v {
            0 => Some(Self::Idle),
            1 => Some(Self::Updating),
            2 => Some(Self::Success),
            3 => Some(Self::Failed),
            _ => None,
        }
    }
}

/// An [`Op`] that can be shared (an entry's).
///
/// # Invariants
///
/// The byte always holds an `Op as u8` (only [`Self::new`] and
/// [`Self::store`] write it).
pub(crate) struct AtomicOp(AtomicU8);

impl AtomicOp {
    /// Holding `op`.
    pub(crate) const fn new(op: Op) -> Self {
        Self(AtomicU8::new(op as u8))
    }

    /// The op (any context, lock-free).
    #[inline(always)]
    pub(crate) fn load(&self, order: Ordering) -> Op {
        // Never `None` (type invariant); total without a panic path.
        Op::from_u8(self.0.load(order)).unwrap_or(Op::None)
    }

    /// Sets the op.
    #[inline(always)]
    pub(crate) fn store(&self, op: Op, order: Ordering) {
        self.0.store(op as u8, order)
    }
}

/// The shared [`OpState`].
///
/// # Invariants
///
/// The byte always holds an `OpState as u8` (only [`Self::new`],
/// [`Self::store`] and [`Self::compare_exchange`] write it).
pub(crate) struct AtomicOpState(AtomicU8);

impl AtomicOpState {
    /// Holding `s`.
    pub(crate) const fn new(s: OpState) -> Self {
        Self(AtomicU8::new(s as u8))
    }

    /// The state (any context, lock-free).
    #[inline(always)]
    pub(crate) fn load(&self, order: Ordering) -> OpState {
        // Never `None` (type invariant). `Failed` if it were: the
        // committed versions run.
        OpState::from_u8(self.0.load(order)).unwrap_or(OpState::Failed)
    }

    /// Sets the state.
    #[inline(always)]
    pub(crate) fn store(&self, s: OpState, order: Ordering) {
        self.0.store(s as u8, order)
    }

    /// Moves `current` to `new` if it is `current`; else returns the state.
    #[inline(always)]
    pub(crate) fn compare_exchange(
        &self,
        current: OpState,
        new: OpState,
        success: Ordering,
        failure: Ordering,
    ) -> Result<OpState, OpState> {
        self.0
            .compare_exchange(current as u8, new as u8, success, failure)
            .map(|_| current)
            .map_err(|v| OpState::from_u8(v).unwrap_or(OpState::Failed))
    }
}

/// For the handler: whether an entry with `op` set runs its new version
/// (`true`) or the committed one, given the switch's state `st`. In NMI
/// context, marks a pending switch failed first (an NMI may straddle it,
/// stop_machine does not stop NMIs), so the committed version it runs now
/// stays the one that runs.
#[inline(always)]
pub(crate) fn use_new_version(st: &AtomicOpState, op: Op, in_nmi: bool) -> bool {
    let mut s = st.load(Ordering::Acquire);
    if s == OpState::Updating && in_nmi {
        s = match st.compare_exchange(
            OpState::Updating,
            OpState::Failed,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => OpState::Failed,
            Err(actual) => actual,
        };
    }
    (op == Op::Patch) == (s == OpState::Success)
}

/// The switch itself, from stop_machine: UPDATING -> SUCCESS, unless an NMI
/// failed it first. Returns whether it happened.
#[inline(always)]
pub(crate) fn try_switch(st: &AtomicOpState) -> bool {
    st.compare_exchange(
        OpState::Updating,
        OpState::Success,
        Ordering::AcqRel,
        Ordering::Acquire,
    )
    .is_ok()
}
