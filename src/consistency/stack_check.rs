// SPDX-License-Identifier: GPL-2.0

//! Stack checks: which functions a task's stack must not hold for it to
//! switch (upstream's `klp_check_stack()`), and why a task has not switched.
//! Used by the per-task transition and by immediate mode.

use crate::compat::fmt;
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
use kernel::sync::Arc;

/// Where a task whose stack holds a [`Check`]'s address is, for messages.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// In a function being changed (`name`).
    Changed,
    /// Inside rklp's ftrace handler.
    Handler,
    /// Inside rklp's direct-call dispatcher (or its slow path).
    Dispatcher,
    /// In ftrace's trampoline, on its way from the `__fentry__` call of a
    /// function of the patch (`name`) to the version the handler chose.
    Trampoline,
}

/// A function whose presence on a stack blocks the switch.
struct Check {
    start: usize,
    size: usize,
    /// The changed (or traced) function's name, for messages.
    name: CString,
    place: Place,
}

impl Check {
    fn new(start: usize, size: usize, name: &CStr, place: Place) -> Result<Self> {
        Ok(Self {
            start,
            size,
            name: CString::try_from(name).map_err(|_| ENOMEM)?,
            place,
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
/// before its first visible change, as it allocates. Shared (`Arc`) with
/// the tasks that check their own stacks on their way back to user space
/// (transition.rs, [`SelfSwitch`](crate::consistency::transition::SelfSwitch)),
/// which cannot take the core mutex.
pub(crate) struct Checks {
    /// The functions being changed.
    changed: KVec<Check>,
    /// Where a task stopped inside a traced call has its decision pending.
    in_handler: KVec<Check>,
    /// The state a task whose stack passes the checks switches to.
    target: PatchState,
    /// The unwinder (a copy of the core's, for readers without the mutex).
    syms: TaskSyms,
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
    pub(crate) fn build(st: &CoreState, patch: &Patch, target: PatchState) -> Result<Arc<Self>> {
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
                changed.push(
                    Check::new(start, size, &f.old_name, Place::Changed)?,
                    GFP_KERNEL,
                )?;
            }
        }
        let entry = crate::sys::ftrace::handler_entry();
        // rklp's own symbol: its size is known; if not, its first byte only.
        let size = st.kallsyms.symbol_size(entry).unwrap_or(1);
        let handler = Check::new(entry, size, c_str!("rklp_ftrace_entry"), Place::Handler)?;
        in_handler.push(handler, GFP_KERNEL)?;
        // The direct-call dispatcher of settled functions and its slow
        // path: a task stopped there is about to enter the version the
        // table or the handler logic chose.
        for entry in crate::sys::direct::dispatch_entries() {
            let size = st.kallsyms.symbol_size(entry).unwrap_or(1);
            in_handler.push(
                Check::new(
                    entry,
                    size,
                    c_str!("rklp_direct_dispatch"),
                    Place::Dispatcher,
                )?,
                GFP_KERNEL,
            )?;
        }
        for f in patch
            .funcs()
            .filter(|f| f.entry.is_some() && f.ftrace_loc != 0)
        {
            let start = f.ftrace_loc + crate::sys::ftrace::FENTRY_CALL_SIZE;
            in_handler.push(
                Check::new(start, 1, &f.old_name, Place::Trampoline)?,
                GFP_KERNEL,
            )?;
        }
        Ok(Arc::new(
            Self {
                changed,
                in_handler,
                target,
                syms: st.task_syms.clone(),
            },
            GFP_KERNEL,
        )?)
    }

    /// The state a task whose stack passes these checks switches to.
    pub(crate) fn target(&self) -> PatchState {
        self.target
    }

    /// Checks the current task's own stack (it is running, but stable),
    /// with the unwinder these checks were built with.
    pub(crate) fn check_self(&self, buf: &mut [usize; MAX_STACK_ENTRIES]) -> Reason {
        self.check_current(&self.syms, buf)
    }

    /// Whether a reliable trace contains a function being changed, or the
    /// handler's call of one.
    pub(crate) fn check_frames(&self, frames: &[usize]) -> Reason {
        match self.hit(frames) {
            Some(Blocked::Changed(i)) => Reason::SleepingIn(i),
            Some(_) => Reason::InHandler,
            None => Reason::None,
        }
    }

    /// What in a reliable trace blocks the switch: a function being
    /// changed first, then the innermost frame in the handler's path.
    fn hit(&self, frames: &[usize]) -> Option<Blocked> {
        if let Some(i) = find_hit(&self.changed, frames) {
            return Some(Blocked::Changed(i));
        }
        find_hit(&self.in_handler, frames).map(Blocked::InHandler)
    }

    /// For an immediate switch: what blocks a pinned task (one that is
    /// not running: those are the stopper threads), if anything.
    pub(crate) fn blocker_pinned(
        &self,
        p: &Pinned<'_>,
        buf: &mut [usize; MAX_STACK_ENTRIES],
    ) -> Option<Blocked> {
        if p.on_cpu() {
            return None;
        }
        match p.stack(buf) {
            Ok(n) => self.hit(&buf[..n]),
            Err(StackError::Unreliable) => Some(Blocked::Unreliable),
        }
    }

    /// Says where a task that `b` blocks is: "is in function 'f'", "is
    /// inside rklp's ftrace handler", ... (after "task comm:pid ").
    pub(crate) fn where_blocked(&self, b: Blocked) -> WhereBlocked<'_> {
        WhereBlocked { checks: self, b }
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
                // fmt!: a `CStr` is `kernel::fmt::Display` on 7.3, not core's.
                Some(name) => out.write_fmt(fmt!("sleeping in function {}", name)),
                None => write!(out, "sleeping in a patched function"),
            },
        }
    }
}

/// What blocks a task's switch, as [`Checks::blocker_pinned`] finds it.
#[derive(Clone, Copy)]
pub(crate) enum Blocked {
    /// A function being changed is on its stack (index of the check).
    Changed(usize),
    /// It stopped in a traced call, between the handler's (or the
    /// dispatcher's) decision and the version it chose (index of the
    /// check).
    InHandler(usize),
    /// Its stack cannot be read reliably.
    Unreliable,
}

/// [`Checks::where_blocked`]: a task's place, for a message.
pub(crate) struct WhereBlocked<'a> {
    checks: &'a Checks,
    b: Blocked,
}

impl core::fmt::Display for WhereBlocked<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let c = match self.b {
            Blocked::Unreliable => return write!(f, "has an unreliable stack"),
            Blocked::Changed(i) => self.checks.changed.get(i),
            Blocked::InHandler(i) => self.checks.in_handler.get(i),
        };
        let Some(c) = c else {
            return write!(f, "is in a patched function");
        };
        // fmt!: a `CStr` is `kernel::fmt::Display` on 7.3, not core's.
        match c.place {
            Place::Changed => f.write_fmt(fmt!("is in function '{}'", &*c.name)),
            Place::Handler => write!(f, "is inside rklp's ftrace handler"),
            Place::Dispatcher => write!(f, "is inside rklp's direct-call dispatcher"),
            Place::Trampoline => f.write_fmt(fmt!(
                "is in ftrace's trampoline, called from function '{}'",
                &*c.name
            )),
        }
    }
}
rklp_display!(WhereBlocked<'_>);
