// SPDX-License-Identifier: GPL-2.0

//! Settling: once no transition runs, every patched function whose visible
//! entry is a replacement moves from rklp's shared handler onto an ftrace
//! direct call to rklp's dispatcher, which enters the replacement
//! (redirect/direct.rs); batches of functions no longer patched give their
//! direct calls back. Both happen in one delayed work, in small batches, so
//! that enabling and disabling never wait for ftrace's direct-call updates:
//! registrations under the core mutex, releases detached under it and
//! unregistered (RCU-tasks grace periods) without it. The work also runs
//! the dispatcher table's grace periods (quarantined slots, compaction),
//! without the core mutex.
//!
//! Parameters: `direct` (a boolean: Y settles, the default; N settles
//! nothing more and sends the functions with direct calls back to the
//! handler, a pass starting at once; N for good, refusing Y, where rklp
//! cannot settle: [`forbid`]) and `settle_delay_ms` (how long after
//! a transition completes before its functions settle, 0 to 3600000; a
//! change re-arms a pass that is waiting for the old delay).

use crate::core_state::{Core, CoreState};
use crate::redirect::direct::{Released, Unregistered};
use crate::sys::param::{BoolParam, Param, RangedParam};
use crate::sys::work::{StaticDelayedWork, WorkFn};
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU8, Ordering};
use kernel::alloc::flags::GFP_KERNEL;
use kernel::prelude::*;

/// Module parameter `direct`: true settles functions onto direct calls.
pub(crate) static DIRECT: AtomicBool = AtomicBool::new(true);
/// Set at init on a kernel where rklp cannot settle ([`forbid`]): the
/// [`NoSettling`] reason, or 0. `direct` is then N and refuses Y.
static NO_SETTLING: AtomicU8 = AtomicU8::new(0);

/// Why rklp cannot settle on this kernel: patched functions stay on the
/// handler for good.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum NoSettling {
    /// Settling would crash this kernel (ftrace_jmp_hazard.rs).
    Crashes = 1,
    /// This build has no ftrace direct calls (rust/compat.mk: the kernel
    /// has no `CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS`, or rklp was built
    /// with `RKLP_NO_DIRECT_CALLS=1`).
    NoDirectCalls = 2,
}

impl NoSettling {
    /// The reason set at init, if any.
    fn get() -> Option<Self> {
        match NO_SETTLING.load(Ordering::Relaxed) {
            1 => Some(Self::Crashes),
            2 => Some(Self::NoDirectCalls),
            _ => None,
        }
    }

    /// Why `direct` cannot be Y.
    fn refusal(self) -> &'static str {
        match self {
            Self::Crashes => "settling would crash this kernel (its ftrace jumps to ftrace_ops_list_func - 1: see the warning at load)",
            Self::NoDirectCalls => "this kernel has no ftrace direct calls (see the message at load)",
        }
    }
}

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

/// Between [`start`] (module init, the core published) and [`stop`]
/// (module exit): the work may be queued. Changed under the parameter
/// lock, so that a parameter's change never queues the work after `stop`.
static LIVE: AtomicBool = AtomicBool::new(false);

/// The work is queued for `settle_delay_ms` after a switch (by
/// [`schedule`]), not for a pass at once: a new delay re-arms it.
static WAITING: AtomicBool = AtomicBool::new(false);

/// Settles and releases, a batch at a time.
pub(crate) struct SettleWork;

impl WorkFn for SettleWork {
    fn run() {
        WAITING.store(false, Ordering::Relaxed);
        let Some(core) = crate::core_state::core() else {
            return;
        };
        // One release at a time, a going module's included (its functions
        // lose their direct calls before its notifier returns).
        let release = core.release.lock();
        let (mut more, released) = {
            let mut st = core.lock();
            // A transition's completion schedules the work again.
            if st.transition.is_some() {
                (false, None)
            } else {
                pass(&mut st)
            }
        };
        if let Some(r) = released {
            // Without the core mutex: waits for RCU-tasks grace periods,
            // while enabling, disabling, sysfs and other modules' notifiers
            // go on.
            let done = r.unregister();
            finish(&mut core.lock(), done);
            more = true;
        }
        drop(release);
        // The table's vacated slots (and a compaction) wait for a grace
        // period, outside the core mutex, once the batches are done.
        if !more && core.lock().redirect.direct.begin_grace() {
            crate::sys::direct::synchronize_dispatchers();
            // Compacted: the functions waiting for room settle now.
            more = core.lock().redirect.direct.end_grace();
        }
        if more && LIVE.load(Ordering::Relaxed) {
            SETTLE_WORK.schedule_ms(0);
        }
    }
}

/// Schedules a pass after `settle_delay_ms`: a switch has completed, or a
/// function was unpatched.
pub(crate) fn schedule() {
    if LIVE.load(Ordering::Relaxed)
        && SETTLE_WORK.schedule_ms(SETTLE_DELAY_MS.load(Ordering::Relaxed))
    {
        WAITING.store(true, Ordering::Relaxed);
    }
}

/// Module init, once the core is published: passes may run.
pub(crate) fn start() {
    crate::sys::param::with_param_lock(|| LIVE.store(true, Ordering::Relaxed));
}

/// `settle_delay_ms`: 0 to one hour.
pub(crate) struct SettleDelay;

impl Param for SettleDelay {
    const NAME: &'static str = "settle_delay_ms";
    /// A pass waiting for the old delay waits for the new one, from now.
    fn changed() {
        if LIVE.load(Ordering::Relaxed) && WAITING.load(Ordering::Relaxed) {
            SETTLE_WORK.reschedule_ms(SETTLE_DELAY_MS.load(Ordering::Relaxed));
        }
    }
}

impl RangedParam for SettleDelay {
    const MIN: u32 = 0;
    const MAX: u32 = 3_600_000;
    fn value() -> &'static AtomicU32 {
        &SETTLE_DELAY_MS
    }
}

/// `direct`: a change starts a pass at once (settling, or back to the
/// handler).
pub(crate) struct Direct;

impl Param for Direct {
    const NAME: &'static str = "direct";
    fn changed() {
        if LIVE.load(Ordering::Relaxed) {
            WAITING.store(false, Ordering::Relaxed);
            SETTLE_WORK.reschedule_ms(0);
        }
    }
}

impl BoolParam for Direct {
    fn value() -> &'static AtomicBool {
        &DIRECT
    }
    fn refused(v: bool) -> Option<&'static str> {
        if v {
            NoSettling::get().map(NoSettling::refusal)
        } else {
            None
        }
    }
}

/// Module init, before [`start`], on a kernel where rklp cannot settle:
/// `direct` becomes N (whatever insmod set) and refuses Y.
///
/// - [`NoSettling::Crashes`]: its ftrace would jump into the byte before
///   its list function (ftrace_jmp_hazard.rs, which says so): settling and
///   releasing put rklp's handler and a direct call on one function for a
///   while, and ftrace then calls both through that list function.
/// - [`NoSettling::NoDirectCalls`]: nothing to settle onto. Said at every
///   load, as nothing else in the log would tell why nothing settles.
pub(crate) fn forbid(why: NoSettling) {
    crate::sys::param::with_param_lock(|| {
        NO_SETTLING.store(why as u8, Ordering::Relaxed);
        let was_on = DIRECT.swap(false, Ordering::Relaxed);
        match why {
            NoSettling::Crashes if was_on => pr_warn!(
                "direct=N: functions stay on the handler (settling would crash this kernel)\n"
            ),
            NoSettling::Crashes => {}
            NoSettling::NoDirectCalls => pr_info!(
                "this kernel has no ftrace direct calls (no CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS, or rklp built with RKLP_NO_DIRECT_CALLS=1): patched functions stay on the handler, never settled (direct=N)\n"
            ),
        }
    });
}

/// One batch: settles up to [`BATCH`] new functions, or detaches one batch
/// to release (returned: the caller unregisters it without the core mutex,
/// then calls [`finish`]). Returns whether work is left.
fn pass(st: &mut CoreState) -> (bool, Option<Released>) {
    let res = if DIRECT.load(Ordering::Relaxed) {
        if settle_batch(st) {
            (true, None)
        } else {
            (false, detach_one(st, false))
        }
    } else {
        // Back to the handler, a batch at a time.
        (false, detach_one(st, true))
    };
    DIRECT_CALLS.store(st.redirect.direct.count() as u32, Ordering::Relaxed);
    res
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
                // Its former direct call is still being unregistered.
                if redirect.direct.releasing(ip) {
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
                        // same way: out of the filter, in one update, which
                        // keeps rklp's IPMODIFY claim on them.
                        redirect.hand_over_from_filter(&mut ips);
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

/// Detaches the first batch with a function no longer patched (or any
/// batch, if `all`), for its release. A batch that cannot be detached now
/// (out of memory) is retried later, and does not hold up the others.
fn detach_one(st: &mut CoreState, all: bool) -> Option<Released> {
    let redirect = &mut st.redirect;
    let hash = &redirect.hash;
    redirect.direct.forget_refusals(|ip| hash.contains(ip));
    let mut from = 0;
    while let Some(b) = redirect
        .direct
        .find_release(from, all, |ip| hash.contains(ip))
    {
        match redirect
            .direct
            .detach(&mut redirect.filter, b, |ip| hash.contains(ip))
        {
            Ok(r) => return Some(r),
            Err(e) => {
                pr_warn!(
                    "cannot release a batch of direct calls now ({}): retrying\n",
                    e.to_errno()
                );
                if LIVE.load(Ordering::Relaxed) {
                    SETTLE_WORK.schedule_ms(100);
                }
                from = b + 1;
            }
        }
    }
    None
}

/// Completes a release once its direct calls are unregistered.
fn finish(st: &mut CoreState, done: Unregistered) {
    let r = &mut st.redirect;
    let hash = &r.hash;
    r.direct
        .finish_release(&mut r.filter, done, |ip| hash.contains(ip));
    DIRECT_CALLS.store(r.direct.count() as u32, Ordering::Relaxed);
}

/// Releases the direct calls of the functions `ips` of a module that is
/// going (ftrace forgets its functions, but not their direct calls), before
/// its notifier returns; other batches stay for the settle work. Called
/// without the core mutex; unregisters without it too.
pub(crate) fn release_module(core: &Core, ips: &[usize]) {
    let _release = core.release.lock();
    let mut tries = 0;
    loop {
        let released = {
            let mut guard = core.lock();
            let st = &mut *guard;
            let r = &mut st.redirect;
            let Some(b) = r.direct.find_batch_of(ips) else {
                break;
            };
            let hash = &r.hash;
            match r.direct.detach(&mut r.filter, b, |ip| hash.contains(ip)) {
                Ok(rel) => Some(rel),
                // Out of memory: retried, then released without the filter
                // update (the module's functions are no longer patched).
                Err(_) if tries < 100 => None,
                Err(_) => r.direct.detach_force(b),
            }
        };
        match released {
            Some(rel) => {
                let done = rel.unregister();
                finish(&mut core.lock(), done);
            }
            None => {
                tries += 1;
                crate::sys::task::sleep_ms(10);
            }
        }
    }
}

/// Releases every batch with a function no longer patched, now (a going
/// module whose functions could not be listed). Called without the core
/// mutex.
pub(crate) fn release_unpatched(core: &Core) {
    let _release = core.release.lock();
    loop {
        let released = detach_one(&mut core.lock(), false);
        let Some(rel) = released else { break };
        let done = rel.unregister();
        finish(&mut core.lock(), done);
    }
}

/// Module exit: releases every direct call, patched or not (there should
/// be none patched: they would run rklp's freed stubs).
pub(crate) fn release_all(st: &mut CoreState) {
    let r = &mut st.redirect;
    while let Some(b) = r.direct.find_release(0, true, |_| true) {
        let rel = match r.direct.detach(&mut r.filter, b, |_| false) {
            Ok(rel) => rel,
            Err(_) => match r.direct.detach_force(b) {
                Some(rel) => rel,
                None => break,
            },
        };
        let done = rel.unregister();
        r.direct.finish_release(&mut r.filter, done, |_| false);
    }
    DIRECT_CALLS.store(0, Ordering::Relaxed);
}

/// Schedules a pass at once: functions with direct calls are no longer
/// patched, and their direct calls should go soon.
pub(crate) fn schedule_release() {
    if LIVE.load(Ordering::Relaxed) {
        WAITING.store(false, Ordering::Relaxed);
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

/// Module exit (or a failed init): no more passes. After the parameter
/// lock, no parameter change can queue the work any more.
pub(crate) fn stop() {
    crate::sys::param::with_param_lock(|| LIVE.store(false, Ordering::Relaxed));
    SETTLE_WORK.cancel_sync();
}

crate::sys::param::module_param_bool!(
    DIRECT: Direct,
    "direct",
    0o644,
    "Y: settle patched functions onto ftrace direct calls after their transition (default); N: send them back to the shared handler now and keep them there"
);
crate::sys::param::module_param_ranged!(
    SETTLE_DELAY_MS: SettleDelay,
    "settle_delay_ms",
    0o644,
    "ms after a transition completes before its functions settle, 0 to 3600000 (default 1000)"
);
crate::sys::param::module_param_u32!(
    DIRECT_CALLS,
    "direct_calls",
    0o444,
    "functions on a direct call now (read-only)"
);
