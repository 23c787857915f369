// SPDX-License-Identifier: GPL-2.0

//! Settling: once no transition runs, every patched function whose visible
//! entry is a replacement moves from rklp's shared handler onto its own
//! ftrace direct call, to a stub that enters the replacement
//! (redirect/direct.rs); functions no longer patched give their direct
//! call back. Both happen in one delayed work, in small batches under the
//! core mutex, so that enabling and disabling never wait for ftrace's
//! direct-call updates.
//!
//! Parameters: `direct` (1: settle, the default; 0: new settling stops,
//! settled functions stay until unpatched) and `settle_delay_ms` (how long
//! after a transition completes before its functions settle).

use crate::core_state::CoreState;
use crate::sys::work::{StaticDelayedWork, WorkFn};
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use kernel::alloc::flags::GFP_KERNEL;
use kernel::prelude::*;

/// Module parameter `direct`: 1 settles functions onto direct calls.
pub(crate) static DIRECT: AtomicU32 = AtomicU32::new(1);
/// Module parameter `settle_delay_ms`.
pub(crate) static SETTLE_DELAY_MS: AtomicU32 = AtomicU32::new(1000);
/// Read-only module parameter `direct_calls`: functions on a direct call
/// now (settled, or waiting to be released).
pub(crate) static DIRECT_CALLS: AtomicU32 = AtomicU32::new(0);

/// Registrations per batch: the core mutex is released in between.
const BATCH: usize = 64;

/// The one settle work, initialised at module init.
pub(crate) static SETTLE_WORK: StaticDelayedWork = StaticDelayedWork::new();

/// Set at module exit: the work must not requeue itself.
static STOPPED: AtomicBool = AtomicBool::new(false);

/// Settles and releases, a batch at a time.
pub(crate) struct SettleWork;

impl WorkFn for SettleWork {
    fn run() {
        let Some(core) = crate::core_state::core() else {
            return;
        };
        let more = {
            let mut st = core.state.lock();
            // A transition's completion schedules the work again.
            st.transition.is_none() && pass(&mut st)
        };
        if more && !STOPPED.load(Ordering::Relaxed) {
            SETTLE_WORK.schedule_ms(0);
        }
    }
}

/// Schedules a pass after `settle_delay_ms`: a switch has completed, or a
/// function was unpatched.
pub(crate) fn schedule() {
    if !STOPPED.load(Ordering::Relaxed) {
        SETTLE_WORK.schedule_ms(SETTLE_DELAY_MS.load(Ordering::Relaxed));
    }
}

/// One batch: settles up to [`BATCH`] new functions, or releases one
/// direct call of a function no longer patched. Returns whether work is left.
fn pass(st: &mut CoreState) -> bool {
    let more = if DIRECT.load(Ordering::Relaxed) != 0 {
        settle_batch(st)
    } else {
        false
    };
    let more = more || release_one(st);
    DIRECT_CALLS.store(st.redirect.direct.count() as u32, Ordering::Relaxed);
    more
}

/// Settles the functions whose visible entry is a replacement. Returns
/// whether some were left for the next batch.
fn settle_batch(st: &mut CoreState) -> bool {
    let Ok(mut newly) = KVec::<usize>::with_capacity(BATCH, GFP_KERNEL) else {
        return true;
    };
    let mut left = false;
    let mut pool_full = false;
    let CoreState {
        patches, redirect, ..
    } = st;
    'all: for p in patches.iter() {
        for o in p.objs.iter().filter(|o| o.patched) {
            for f in o.funcs.iter() {
                let Some(id) = f.entry else { continue };
                if f.nop || f.new_func == 0 || !redirect.hash.is_top(f.ftrace_loc, id) {
                    continue;
                }
                if redirect.direct.settled_on(f.ftrace_loc, f.new_func) {
                    continue;
                }
                if !redirect.direct.covers(f.ftrace_loc) {
                    if pool_full {
                        continue;
                    }
                    if newly.len() == BATCH {
                        left = true;
                        break 'all;
                    }
                }
                match redirect.direct.settle(f.ftrace_loc, f.new_func) {
                    // Capacity: at most BATCH new ones.
                    Ok(true) => {
                        let _ = newly.push(f.ftrace_loc, GFP_KERNEL);
                    }
                    Ok(false) => {}
                    Err(e) if e == ENOSPC => {
                        pr_info!(
                            "all {} direct-call stubs in use: '{}' and the functions after it stay on the handler\n",
                            crate::redirect::direct::Direct::capacity(),
                            &*f.old_name
                        );
                        pool_full = true;
                    }
                    Err(e) if e == ENOMEM => left = true,
                    Err(e) => pr_info!(
                        "cannot settle '{}' on a direct call ({}): it stays on the handler\n",
                        &*f.old_name,
                        e.to_errno()
                    ),
                }
            }
        }
    }
    // Their stubs decide the same as the handler: leave the filter (one
    // batched update).
    redirect.remove_from_filter(&mut newly);
    left
}

/// Releases the direct call of one function that is no longer patched (an
/// unregistration waits for RCU-tasks grace periods, so one per batch).
fn release_one(st: &mut CoreState) -> bool {
    let redirect = &mut st.redirect;
    let hash = &redirect.hash;
    redirect.direct.forget_refusals(|ip| hash.contains(ip));
    let Some(ip) = redirect.direct.find_unpatched(|ip| hash.contains(ip)) else {
        return false;
    };
    redirect.direct.release(ip);
    true
}

/// Releases at once every direct call of a function no longer patched: a
/// module is going (ftrace forgets its functions, but not their direct
/// calls), or rklp is unloading.
pub(crate) fn release_unpatched(st: &mut CoreState) {
    while release_one(st) {}
    DIRECT_CALLS.store(st.redirect.direct.count() as u32, Ordering::Relaxed);
}

/// Module exit: releases every direct call, patched or not (there should
/// be none patched: they would run rklp's freed stubs).
pub(crate) fn release_all(st: &mut CoreState) {
    st.redirect.direct.release_all();
    DIRECT_CALLS.store(0, Ordering::Relaxed);
}

/// Module exit: no more passes.
pub(crate) fn stop() {
    STOPPED.store(true, Ordering::Relaxed);
    SETTLE_WORK.cancel_sync();
}

crate::sys::param::module_param_u32!(
    DIRECT,
    "direct",
    0o644,
    "1: settle patched functions onto ftrace direct calls after their transition (default); 0: keep new ones on the shared handler"
);
crate::sys::param::module_param_u32!(
    SETTLE_DELAY_MS,
    "settle_delay_ms",
    0o644,
    "ms after a transition completes before its functions settle (default 1000)"
);
crate::sys::param::module_param_u32!(
    DIRECT_CALLS,
    "direct_calls",
    0o444,
    "functions on a direct call now (read-only)"
);
