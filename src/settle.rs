// SPDX-License-Identifier: GPL-2.0

//! Settling: once no transition runs, every patched function whose visible
//! entry is a replacement moves from rklp's shared handler onto an ftrace
//! direct call to rklp's dispatcher, which enters the replacement
//! (redirect/direct.rs); batches of functions no longer patched give their
//! direct calls back. Both happen in one delayed work, in small batches under the
//! core mutex, so that enabling and disabling never wait for ftrace's
//! direct-call updates.
//!
//! Parameters: `direct` (1: settle, the default; 0: no new settling, and
//! the functions with direct calls go back to the handler at the next pass) and `settle_delay_ms` (how long
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

/// Most functions registered in one batch (one ftrace update, under the
/// core mutex); the mutex is released between batches.
const BATCH: usize = 1024;

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
        let mut more = {
            let mut st = core.state.lock();
            // A transition's completion schedules the work again.
            st.transition.is_none() && pass(&mut st)
        };
        // The table's vacated slots (and a compaction) wait for a grace
        // period, outside the core mutex, once the batches are done.
        if !more && core.state.lock().redirect.direct.begin_grace() {
            crate::sys::direct::synchronize_dispatchers();
            // Compacted: the functions waiting for room settle now.
            more = core.state.lock().redirect.direct.end_grace();
        }
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
        settle_batch(st) || release_one(st)
    } else {
        // Back to the handler, a batch at a time.
        release_one(st) || rebatch_one(st)
    };
    DIRECT_CALLS.store(st.redirect.direct.count() as u32, Ordering::Relaxed);
    more
}

/// Settles the functions whose visible entry is a replacement: those with
/// a direct call get their table entry back, the others get direct calls,
/// one batch per patched object (so that a module going releases whole
/// batches), up to [`BATCH`] functions. Returns whether some were left for
/// the next pass.
fn settle_batch(st: &mut CoreState) -> bool {
    let Ok(mut todo) = KVec::<(usize, usize)>::with_capacity(BATCH, GFP_KERNEL) else {
        return true;
    };
    let CoreState {
        patches, redirect, ..
    } = st;
    for p in patches.iter() {
        for o in p.objs.iter().filter(|o| o.patched) {
            for f in o.funcs.iter() {
                let Some(id) = f.entry else { continue };
                let ip = f.ftrace_loc;
                if f.nop || f.new_func == 0 || !redirect.hash.is_top(ip, id) {
                    continue;
                }
                if redirect.direct.covers(ip) {
                    if !redirect.direct.settled_on(ip, f.new_func) {
                        // Table full: its calls stay on the slow path.
                        let _ = redirect.direct.resettle(ip, f.new_func);
                    }
                    continue;
                }
                if redirect.direct.refused(ip) || todo.len() >= redirect.direct.room() {
                    continue;
                }
                if todo.len() == BATCH {
                    break;
                }
                // Capacity: BATCH.
                let _ = todo.push((ip, f.new_func), GFP_KERNEL);
            }
            if !todo.is_empty() {
                // One object at a time.
                let left = todo.len() == BATCH;
                match redirect.direct.settle(&mut redirect.filter, &todo) {
                    Ok(mut ips) => {
                        // Their calls are decided by the dispatcher now, the
                        // same way: out of the filter, in one update.
                        redirect.remove_from_filter(&mut ips);
                        // None: the table is full (or cannot be compacted).
                        return !ips.is_empty();
                    }
                    Err(e) => {
                        pr_info!(
                            "cannot settle {} functions of '{}' on direct calls ({}): they stay on the handler\n",
                            todo.len(),
                            &*p.name,
                            e.to_errno()
                        );
                        return left;
                    }
                }
            }
        }
    }
    false
}

/// Releases the direct calls of one batch none of whose functions is
/// patched any more (an unregistration waits for RCU-tasks grace periods,
/// so one per pass).
fn release_one(st: &mut CoreState) -> bool {
    let redirect = &mut st.redirect;
    let hash = &redirect.hash;
    redirect.direct.forget_refusals(|ip| hash.contains(ip));
    if let Some(b) = redirect.direct.find_unpatched(|ip| hash.contains(ip)) {
        redirect.direct.release(&mut redirect.filter, b);
        return true;
    }
    let Some(b) = redirect
        .direct
        .find_partly_unpatched(|ip| hash.contains(ip))
    else {
        return false;
    };
    // Out of memory: retried by the next pass.
    redirect
        .direct
        .rebatch(&mut redirect.filter, b, |ip| hash.contains(ip))
        .is_ok()
}

/// Takes one batch's functions back to the handler (`direct` is 0).
fn rebatch_one(st: &mut CoreState) -> bool {
    let redirect = &mut st.redirect;
    let hash = &redirect.hash;
    let Some(b) = redirect.direct.find_partly_unpatched(|_| false) else {
        return false;
    };
    redirect
        .direct
        .rebatch(&mut redirect.filter, b, |ip| hash.contains(ip))
        .is_ok()
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
    let r = &mut st.redirect;
    r.direct.release_all(&mut r.filter);
    DIRECT_CALLS.store(0, Ordering::Relaxed);
}

/// Schedules a pass at once: functions with direct calls are no longer
/// patched, and their direct calls should go soon.
pub(crate) fn schedule_release() {
    if !STOPPED.load(Ordering::Relaxed) {
        SETTLE_WORK.reschedule_ms(0);
    }
}

/// `/sys/module/rklp/transition/direct`: `settled N` (functions entering
/// their replacement from the dispatcher), `undecided N` (with a direct
/// call, deciding per task or waiting to settle again), `unpatched N` (with
/// a direct call, waiting to be released), `batches N`.
pub(crate) fn show(st: &CoreState, out: &mut impl core::fmt::Write) -> core::fmt::Result {
    let r = &st.redirect;
    let (mut settled, mut undecided, mut unpatched) = (0usize, 0usize, 0usize);
    r.direct.for_each_ip(|ip| {
        if !r.hash.contains(ip) {
            unpatched += 1;
        } else if r.direct.is_settled(ip) {
            settled += 1;
        } else {
            undecided += 1;
        }
    });
    writeln!(out, "settled {}", settled)?;
    writeln!(out, "undecided {}", undecided)?;
    writeln!(out, "unpatched {}", unpatched)?;
    writeln!(out, "batches {}", r.direct.batches())
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
    "1: settle patched functions onto ftrace direct calls after their transition (default); 0: keep them on the shared handler (from the next switch on)"
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
