// SPDX-License-Identifier: GPL-2.0

//! Stack checks: which functions a task's stack must not hold for it to
//! switch (upstream's `klp_check_stack()`), and why a task has not switched.
//! Used by the per-task transition and by immediate mode.

pub(crate) use crate::consistency::reason::Reason;
use crate::consistency::task_state::PatchState;
use crate::consistency::task_table::UNPATCHED;
use crate::core_state::CoreState;
use crate::patch::Patch;
use crate::sys::task::{Pinned, StackError, TaskSyms, MAX_STACK_ENTRIES};
use kernel::alloc::flags::GFP_KERNEL;
use kernel::c_str;
use kernel::prelude::*;
use kernel::str::{CStr, CString};

/// A function whose presence on a stack blocks the switch.
struct Check {
    start: usize,
    size: usize,
    /// The changed function's name, for messages.
    name: CString,
}

impl Check {
    fn new(start: usize, size: usize, name: &CStr) -> Result<Self> {
        Ok(Self {
            start,
            size,
            name: CString::try_from(name).map_err(|_| ENOMEM)?,
        })
    }

    fn holds(&self, addr: usize) -> bool {
        addr >= self.start && addr < self.start + self.size
    }
}

/// Index of the first check whose function holds one of `frames`.
fn find_hit(checks: &[Check], frames: &[usize]) -> Option<usize> {
    frames
        .iter()
        .find_map(|&a| checks.iter().position(|c| c.holds(a)))
}

/// What a transition (or an immediate switch) checks stacks against, built
/// before its first visible change, as it allocates.
pub(crate) struct Checks {
    /// The functions being changed.
    changed: KVec<Check>,
    /// Where a task stopped inside a traced call has its decision pending.
    in_handler: KVec<Check>,
}

impl Checks {
    /// The checks of a switch of `patch` towards `target`:
    ///
    /// * the functions whose presence on a stack forbids switching to
    ///   `target`: when unpatching, the patch's replacements; when patching,
    ///   what runs now (the previous patch's replacement, or the original);
    /// * a task stopped (preempted) inside rklp's handler after its decision,
    ///   or in the ftrace trampoline on the way to the chosen function, shows
    ///   the traced function's call of `__fentry__` on its stack, not the
    ///   version it is about to run: it must not switch, or it may run the
    ///   other version with the new state (or freed code, after unpatching).
    ///   Such a task has on its stack the handler's C half (the only place
    ///   the handler can be preempted, at `ftrace_test_recursion_unlock()`)
    ///   or, in the trampoline, the return address of a transition
    ///   function's `__fentry__` call.
    pub(crate) fn build(st: &CoreState, patch: &Patch, target: PatchState) -> Result<Self> {
        let mut changed = KVec::new();
        let mut in_handler = KVec::new();
        for f in patch.funcs() {
            let Some(id) = f.entry else { continue };
            let (start, size) = if target == UNPATCHED && f.nop {
                // Back from "original" to the replaced patch's version.
                (f.old_addr, f.old_size)
            } else if target == UNPATCHED {
                (f.new_func, f.new_size)
            } else {
                st.redirect
                    .hash
                    .below_of(id)
                    .unwrap_or((f.old_addr, f.old_size))
            };
            if start != 0 {
                changed.push(Check::new(start, size, &f.old_name)?, GFP_KERNEL)?;
            }
        }
        let entry = crate::sys::ftrace::handler_entry();
        // rklp's own symbol: its size is known; if not, its first byte only.
        let size = st.kallsyms.symbol_size(entry).unwrap_or(1);
        let handler = Check::new(entry, size, c_str!("rklp_ftrace_entry"))?;
        in_handler.push(handler, GFP_KERNEL)?;
        // The direct-call dispatcher of settled functions and its slow
        // path: a task stopped there is about to enter the version the
        // table or the handler logic chose.
        for entry in crate::sys::direct::dispatch_entries() {
            let size = st.kallsyms.symbol_size(entry).unwrap_or(1);
            in_handler.push(
                Check::new(entry, size, c_str!("rklp_direct_dispatch"))?,
                GFP_KERNEL,
            )?;
        }
        for f in patch
            .funcs()
            .filter(|f| f.entry.is_some() && f.ftrace_loc != 0)
        {
            let start = f.ftrace_loc + crate::sys::ftrace::FENTRY_CALL_SIZE;
            in_handler.push(Check::new(start, 1, &f.old_name)?, GFP_KERNEL)?;
        }
        Ok(Self {
            changed,
            in_handler,
        })
    }

    /// Whether a reliable trace contains a function being changed, or the
    /// handler's call of one.
    pub(crate) fn check_frames(&self, frames: &[usize]) -> Reason {
        if let Some(i) = find_hit(&self.changed, frames) {
            return Reason::SleepingIn(i);
        }
        if find_hit(&self.in_handler, frames).is_some() {
            return Reason::InHandler;
        }
        Reason::None
    }

    /// Checks the current task's own stack (it is running, but stable).
    pub(crate) fn check_current(
        &self,
        syms: &TaskSyms,
        buf: &mut [usize; MAX_STACK_ENTRIES],
    ) -> Reason {
        match syms.current_stack(buf) {
            Ok(n) => self.check_frames(&buf[..n]),
            Err(_) => Reason::Unreliable,
        }
    }

    /// Checks a pinned task's stack.
    pub(crate) fn check_pinned(
        &self,
        p: &Pinned<'_>,
        buf: &mut [usize; MAX_STACK_ENTRIES],
    ) -> Reason {
        if p.on_cpu() {
            return Reason::Running;
        }
        match p.stack(buf) {
            Ok(n) => self.check_frames(&buf[..n]),
            Err(StackError::Unreliable) => Reason::Unreliable,
        }
    }

    /// Name of the function of a [`Reason::SleepingIn`] index.
    pub(crate) fn name(&self, i: usize) -> Option<&CStr> {
        self.changed.get(i).map(|c| &*c.name)
    }

    /// Describes a record's `reason` value for the stalled list.
    pub(crate) fn describe(
        &self,
        reason: u32,
        out: &mut impl core::fmt::Write,
    ) -> core::fmt::Result {
        match Reason::decode(reason) {
            Reason::None => write!(out, "not checked yet"),
            Reason::Untracked => {
                write!(out, "not tracked (task table full), blocks until it exits")
            }
            Reason::Running => write!(out, "running"),
            Reason::Unreliable => write!(out, "unreliable stack"),
            Reason::InHandler => write!(out, "inside rklp's ftrace handler"),
            Reason::SleepingIn(i) => match self.name(i) {
                Some(name) => write!(out, "sleeping in function {}", name),
                None => write!(out, "sleeping in a patched function"),
            },
        }
    }
}
