// SPDX-License-Identifier: GPL-2.0

//! rklp's one shared `ftrace_ops`, its handler, and its filter.
//!
//! Every patched function of every patch is in the filter of the same ops.
//! The handler looks the traced function up in [`FUNC_HASH`] and redirects
//! the call to the top entry's replacement.

use crate::consistency::op_state::Op;
use crate::consistency::task_state::runs_new_version;
use crate::consistency::{immediate, task_table::state_of};
use crate::redirect::func_hash::{Entry, FUNC_HASH};
use crate::sys::ftrace::{ftrace_handler, FtraceOps, Handler, HandlerCtx};
use core::sync::atomic::Ordering;
use kernel::prelude::*;

struct RklpHandler;

impl Handler for RklpHandler {
    #[inline(always)]
    fn redirect(ip: usize, ctx: &HandlerCtx) -> Option<usize> {
        let Some(entry) = FUNC_HASH.lookup(ip, ctx) else {
            // Filtered but not (or no longer) in the hash: run the original.
            return None;
        };
        // Acquire pairs with the Release fence after the task states were
        // initialised (transition::init_task_states) and with the immediate
        // switch's publication of `op`; see `decide_in_switch`.
        let op = entry.op.load(Ordering::Acquire);
        if op != immediate::OP_NONE || entry.transition.load(Ordering::Acquire) {
            return decide_in_switch(entry, op, ctx);
        }
        // The common case, kept free of calls so it needs no stack frame.
        // 0: a no-op entry, which runs the original.
        (entry.new_func != 0).then_some(entry.new_func)
    }
}

/// The handler while `entry`'s patch is switching (transition or immediate
/// operation): picks the entry itself or the one below. Only the top entry
/// can be in transition (one transition at a time, and a lower patch's
/// transition does not change what runs). NMIs and IRQs see the state of
/// the task they interrupted (`current`).
#[cold]
#[inline(never)]
fn decide_in_switch<'a>(mut entry: &'a Entry, op: Op, ctx: &'a HandlerCtx) -> Option<usize> {
    let use_below = if op != immediate::OP_NONE {
        !immediate::use_new_version(op, crate::sys::in_nmi())
    } else {
        !runs_new_version(state_of(ctx.current()))
    };
    if use_below {
        entry = entry.below(ctx)?;
    }
    (entry.new_func != 0).then_some(entry.new_func)
}

ftrace_handler!(RklpHandler);

static OPS: FtraceOps = FtraceOps::new();

/// The ops' filter and registration state.
///
/// # Invariants
///
/// `registered` iff `count > 0`: the ops is never registered with an empty
/// filter (that would trace every function in the kernel).
pub(crate) struct Filter {
    count: usize,
    registered: bool,
}

impl Filter {
    /// The filter of the one shared ops, owned by the core state.
    ///
    /// # Safety
    ///
    /// Called once: `count` and `registered` mirror the ops' state only if
    /// this is its only user.
    pub(crate) unsafe fn new_once() -> Self {
        Self {
            count: 0,
            registered: false,
        }
    }

    /// Number of functions in the filter.
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// Adds ftrace locations in one hash update, registering the ops on the
    /// first one. On failure nothing was added.
    pub(crate) fn add(&mut self, ips: &mut [usize]) -> Result {
        if ips.is_empty() {
            return Ok(());
        }
        OPS.set_filter_ips(ips, false)?;
        if !self.registered {
            if let Err(e) = OPS.register() {
                let _ = OPS.set_filter_ips(ips, true);
                return Err(e);
            }
            self.registered = true;
        }
        self.count += ips.len();
        Ok(())
    }

    /// Removes ftrace locations in one hash update; unregisters the ops
    /// first when they are the last ones.
    pub(crate) fn remove(&mut self, ips: &mut [usize]) -> Result {
        if ips.is_empty() {
            return Ok(());
        }
        if ips.len() >= self.count && self.registered {
            OPS.unregister()?;
            self.registered = false;
        }
        OPS.set_filter_ips(ips, true)?;
        self.count = self.count.saturating_sub(ips.len());
        Ok(())
    }

    /// Adds ftrace locations whose records carry rklp's IPMODIFY claim
    /// (functions a direct call of rklp's took over: see
    /// [`remove_keep_claim`](Self::remove_keep_claim)), in one hash update,
    /// without ftrace's check for another IPMODIFY user (the claim is the
    /// handler's own). The ops must be registered (the direct calls'
    /// anchor keeps it so).
    pub(crate) fn add_claimed(&mut self, ips: &mut [usize]) -> Result {
        if ips.is_empty() {
            return Ok(());
        }
        if !self.registered {
            return Err(EINVAL);
        }
        OPS.set_filter_ips_claimed(ips, false)?;
        self.count += ips.len();
        Ok(())
    }

    /// Removes ftrace locations in one hash update, leaving ftrace's
    /// IPMODIFY flag on their records: their direct calls take over, and
    /// another IPMODIFY user (a kprobe with a post_handler, livepatch) stays
    /// refused with EBUSY, as while they were in the filter. Never the last
    /// ones (the anchor stays): the ops stays registered.
    pub(crate) fn remove_keep_claim(&mut self, ips: &mut [usize]) -> Result {
        if ips.is_empty() {
            return Ok(());
        }
        if !self.registered || ips.len() >= self.count {
            return Err(EINVAL);
        }
        OPS.set_filter_ips_claimed(ips, true)?;
        self.count -= ips.len();
        Ok(())
    }

    /// Unregisters the ops whatever the filter holds (module exit: nothing
    /// may call the handler afterwards).
    pub(crate) fn shutdown(&mut self) {
        if self.registered {
            if let Err(e) = OPS.unregister() {
                pr_err!("cannot unregister the ftrace handler ({})\n", e.to_errno());
            }
            self.registered = false;
        }
    }

    /// Whether the ops is registered with ftrace.
    pub(crate) fn registered(&self) -> bool {
        self.registered
    }
}
