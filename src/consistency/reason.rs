// SPDX-License-Identifier: GPL-2.0

//! Why a task has not switched yet, as kept in its record (a `u32`) and
//! reported in `/sys/module/rklp/transition/stalled`. Pure (`core` only;
//! also compiled into the host unit tests, tools/unit).

/// Why a task has not switched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reason {
    /// Not checked yet (or switched).
    None,
    /// On a CPU when checked.
    Running,
    /// Its stack could not be read reliably.
    Unreliable,
    /// Stopped between its handler's decision and the jump (see
    /// `transition::in_handler_checks`).
    InHandler,
    /// Sleeping in the function of the transition's check at this index.
    SleepingIn(usize),
    /// Not in the task table (its insert failed).
    Untracked,
}

const NONE: u32 = 0;
const RUNNING: u32 = 1;
const UNRELIABLE: u32 = 2;
const IN_HANDLER: u32 = 3;
const SLEEPING_IN: u32 = 4;
const UNTRACKED: u32 = u32::MAX;

/// The largest check index [`Reason::SleepingIn`] keeps through
/// [`Reason::encode`]; larger ones are encoded as this one (an index no
/// transition has: reported as "a patched function").
pub(crate) const MAX_SLEEPING_IN: usize = (UNTRACKED - 1 - SLEEPING_IN) as usize;

impl Reason {
    /// The record's encoding.
    pub(crate) const fn encode(self) -> u32 {
        match self {
            Reason::None => NONE,
            Reason::Running => RUNNING,
            Reason::Unreliable => UNRELIABLE,
            Reason::InHandler => IN_HANDLER,
            Reason::SleepingIn(i) => {
                let i = if i > MAX_SLEEPING_IN {
                    MAX_SLEEPING_IN
                } else {
                    i
                };
                SLEEPING_IN + i as u32
            }
            Reason::Untracked => UNTRACKED,
        }
    }

    /// The reason a record's `v` encodes (every `u32` is one).
    pub(crate) const fn decode(v: u32) -> Self {
        match v {
            NONE => Reason::None,
            RUNNING => Reason::Running,
            UNRELIABLE => Reason::Unreliable,
            IN_HANDLER => Reason::InHandler,
            UNTRACKED => Reason::Untracked,
            n => Reason::SleepingIn((n - SLEEPING_IN) as usize),
        }
    }
}
