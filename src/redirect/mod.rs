// SPDX-License-Identifier: GPL-2.0

//! Redirecting calls: the one shared `ftrace_ops` and its handler
//! (handler.rs), the hash it looks replacements up in (func_hash.rs), and
//! putting an object's functions into both and taking them out
//! (install.rs). entry_stack.rs holds the hash's stacking rules (pure:
//! compiled into the host unit tests too).

pub(crate) mod direct;
pub(crate) mod entry_stack;
pub(crate) mod func_hash;
pub(crate) mod handler;
pub(crate) mod hash_size;
pub(crate) mod install;

use crate::consistency::op_state::Op;
use crate::patch::Patch;
use crate::sys::kallsyms::Kallsyms;
use direct::Direct;
use func_hash::HashWriter;
use handler::Filter;

/// The redirect machinery, behind the core mutex: the only writer of the
/// function hash and the shared ops' filter.
pub(crate) struct Redirect {
    pub(crate) hash: HashWriter,
    pub(crate) filter: Filter,
    /// The functions on direct calls instead of the filter.
    pub(crate) direct: Direct,
    /// To say why ftrace refused a function.
    kallsyms: Kallsyms,
}

impl Redirect {
    /// # Safety
    ///
    /// Called once: the result is the only writer of [`func_hash::FUNC_HASH`]
    /// and the only user of the shared ops' filter.
    pub(crate) unsafe fn new_once(kallsyms: Kallsyms) -> Self {
        Self {
            // SAFETY: called once (contract).
            hash: unsafe { HashWriter::new_once() },
            // SAFETY: called once (contract).
            filter: unsafe { Filter::new_once() },
            // SAFETY: called once (contract).
            direct: unsafe { Direct::new_once() },
            kallsyms,
        }
    }

    /// Marks (or unmarks) every entry of `patch` as in transition.
    pub(crate) fn set_transition(&mut self, patch: &Patch, on: bool) {
        for id in patch.funcs().filter_map(|f| f.entry) {
            self.hash.set_transition(id, on);
        }
    }

    /// Makes the settled functions of `patch` decide per task again
    /// (before a transition or immediate switch of `patch` starts).
    pub(crate) fn unsettle(&mut self, patch: &Patch) {
        self.direct.unsettle(
            patch
                .funcs()
                .filter(|f| f.entry.is_some())
                .map(|f| f.ftrace_loc),
        );
    }

    /// Sets the immediate-mode `op` of every entry of `patch`.
    pub(crate) fn set_op(&mut self, patch: &Patch, op: Op) {
        for id in patch.funcs().filter_map(|f| f.entry) {
            self.hash.set_op(id, op);
        }
    }
}
