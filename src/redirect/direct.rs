// SPDX-License-Identifier: GPL-2.0

//! Settled functions: the ftrace direct calls of functions whose transition
//! is over, to rklp's dispatcher (Documentation/rklp.rst, "Settled
//! functions").
//!
//! A function in the hash is reached through exactly one of two paths:
//! rklp's shared handler (it is in the filter), or a direct call to the
//! dispatcher (it is in this map). The dispatcher looks the call up in its
//! table: a settled function's entry holds its replacement; a function
//! that a transition touches has target 0 and the dispatcher asks the
//! handler's own logic, per task. Switching settled functions back to
//! per-task decisions is a store per function, with no ftrace update.
//!
//! ftrace is involved only when functions first settle, a batch at a time
//! (one direct ops and one ftrace update per batch), and when a function of
//! a batch has left the hash (the batch is released: its functions still
//! patched go back to the handler, and the direct ops is unregistered, which
//! waits for RCU-tasks grace periods: done by the settle work outside the
//! core mutex). Until then, a function of the batch that is no longer
//! patched keeps its direct call, and the dispatcher sends its calls to the
//! original.
//!
//! rklp's claim: a settled function keeps the `FTRACE_FL_IPMODIFY` flag the
//! handler ops set on its ftrace record (the handler hands it over without
//! clearing it, see `Filter::remove_keep_claim`), so that ftrace refuses
//! any other IPMODIFY user there (a kprobe with a post_handler armed through
//! kprobes' already registered ops, which asks no direct ops' consent) as
//! on the handler. The claim goes when the function, no longer patched,
//! leaves both paths (`finish_release`).

use super::handler::Filter;
use crate::sys::direct::{self, DirectOps, Table, CAPACITY};
use crate::sys::ftrace::FENTRY_CALL_SIZE;
// Never a raw address in the log: `%pS`.
use crate::sys::kernel_addr::Symbol;
use crate::sys::vec;
use kernel::alloc::flags::GFP_KERNEL;
use kernel::prelude::*;

/// Functions whose direct calls were registered together.
struct Batch {
    /// Held for its drop, which unregisters them all.
    ops: DirectOps,
    ips: KVec<usize>,
}

/// A batch taken out of [`Direct`] ([`Direct::detach`]): its functions that
/// are still patched are back on the handler, the others wait for
/// [`unregister`](Self::unregister), which the caller runs without the core
/// mutex (it waits for RCU-tasks grace periods), then for
/// [`Direct::finish_release`].
pub(crate) struct Released {
    batch: Batch,
}

impl Released {
    /// Unregisters the batch's direct calls (waits for RCU-tasks grace
    /// periods).
    pub(crate) fn unregister(self) -> Unregistered {
        let Batch { ops, ips } = self.batch;
        drop(ops);
        Unregistered { ips }
    }
}

/// The functions of a batch whose direct calls are gone, for
/// [`Direct::finish_release`].
pub(crate) struct Unregistered {
    ips: KVec<usize>,
}

/// Inserts `ip` into the sorted `v`, whose capacity the caller reserved.
fn insert_sorted(v: &mut KVec<usize>, ip: usize) {
    if let Err(pos) = v.as_slice().binary_search(&ip) {
        // Room reserved by the caller: cannot fail.
        let _ = vec::insert(v, pos, ip, GFP_KERNEL);
    }
}

/// Removes `ip` from the sorted `v`; returns whether it was there.
fn remove_sorted(v: &mut KVec<usize>, ip: usize) -> bool {
    match v.as_slice().binary_search(&ip) {
        Ok(pos) => {
            vec::remove(v, pos);
            true
        }
        Err(_) => false,
    }
}

/// The dispatcher's key for the ftrace location `ip`: the return address
/// of its `__fentry__` call.
fn key(ip: usize) -> usize {
    ip + FENTRY_CALL_SIZE
}

/// The settled functions, behind the core mutex (in [`super::Redirect`]).
///
/// # Invariants
///
/// `by_ip` is sorted by ip, without duplicates, and holds `(ip, b)` iff
/// `batches[b]` is `Some` and registered the direct call of `ip`; those
/// functions are not in the handler's filter, and their records carry
/// rklp's IPMODIFY claim. `releasing` (sorted) holds the functions of the
/// `pending` batches detached and not yet finished (their direct calls are
/// being unregistered), disjoint from `by_ip`; `outside` (sorted, a subset
/// of `releasing`) those of them that are in neither the hash nor the
/// handler's filter, whose records still carry the claim. `anchored` iff
/// the handler's filter holds the anchor function, which it does whenever a
/// batch is registered or pending (so the handler ops, PERMANENT, stays
/// registered).
pub(crate) struct Direct {
    table: Table,
    batches: KVec<Option<Batch>>,
    by_ip: KVec<(usize, usize)>,
    releasing: KVec<usize>,
    outside: KVec<usize>,
    pending: usize,
    anchored: bool,
    /// Locations ftrace refused a direct call (a BPF trampoline or another
    /// direct user there): not retried while they stay patched.
    refused: KVec<usize>,
}

impl Direct {
    /// # Safety
    ///
    /// Called once: the result is the only writer of the dispatcher's table.
    pub(crate) unsafe fn new_once() -> Self {
        Self {
            // SAFETY: called once (contract).
            table: unsafe { Table::new_once() },
            batches: KVec::new(),
            by_ip: KVec::new(),
            releasing: KVec::new(),
            outside: KVec::new(),
            pending: 0,
            anchored: false,
            refused: KVec::new(),
        }
    }

    fn find(&self, ip: usize) -> core::result::Result<usize, usize> {
        self.by_ip.as_slice().binary_search_by(|&(i, _)| i.cmp(&ip))
    }

    /// Whether calls of `ip` go through a direct call (not the handler).
    pub(crate) fn covers(&self, ip: usize) -> bool {
        self.find(ip).is_ok()
    }

    /// Number of functions with a direct call (settled, or being
    /// released).
    pub(crate) fn count(&self) -> usize {
        self.by_ip.len() + self.releasing.len()
    }

    /// Calls `f` with every location that has a direct call.
    pub(crate) fn for_each_ip(&self, mut f: impl FnMut(usize)) {
        for &(ip, _) in self.by_ip.iter() {
            f(ip);
        }
        for &ip in self.releasing.iter() {
            f(ip);
        }
    }

    /// Number of registered batches (settled or being released).
    pub(crate) fn batches(&self) -> usize {
        self.batches.iter().filter(|b| b.is_some()).count() + self.pending
    }

    /// Whether `ip`'s direct call is being unregistered: it cannot settle
    /// again before that is done.
    pub(crate) fn releasing(&self, ip: usize) -> bool {
        self.releasing.as_slice().binary_search(&ip).is_ok()
    }

    /// Whether `ip`'s record carries rklp's claim although `ip` is in
    /// neither the hash nor the filter (its batch is being released): a
    /// patch that takes it again adds it with
    /// [`Filter::add_claimed`], then calls [`take_claim`](Self::take_claim).
    pub(crate) fn is_outside(&self, ip: usize) -> bool {
        self.outside.as_slice().binary_search(&ip).is_ok()
    }

    /// `ip` (see [`is_outside`](Self::is_outside)) is in the filter again.
    pub(crate) fn take_claim(&mut self, ip: usize) {
        remove_sorted(&mut self.outside, ip);
    }

    /// Whether calls of `ip` enter a replacement straight from the
    /// dispatcher.
    pub(crate) fn is_settled(&self, ip: usize) -> bool {
        self.covers(ip) && self.table.target(key(ip)).is_some_and(|t| t != 0)
    }

    /// Whether calls of `ip` enter `target` straight from the dispatcher.
    pub(crate) fn settled_on(&self, ip: usize, target: usize) -> bool {
        target != 0 && self.covers(ip) && self.table.target(key(ip)) == Some(target)
    }

    /// Makes the settled functions among `ips` ask the handler logic
    /// again, before a transition or an immediate switch that touches them.
    /// A task that read the old target and has not left the dispatcher is
    /// on its way into the old version: it is inside rklp's redirection,
    /// which the stack checks treat as in the handler, so it cannot switch
    /// before it has left.
    pub(crate) fn unsettle(&mut self, ips: impl Iterator<Item = usize>) {
        for ip in ips {
            if self.covers(ip) {
                self.table.set_existing(key(ip), 0);
            }
        }
    }

    /// `ip`, which has a direct call, left the hash: its calls now go to the
    /// original (a miss in the table, then no entry in the hash).
    pub(crate) fn unpatched(&mut self, ip: usize) {
        self.table.remove(key(ip));
    }

    /// Settles `ip`, which has a direct call, on `target`, the replacement
    /// every task runs now. Failing (table full) leaves its calls on the
    /// dispatcher's slow path, which decides the same.
    pub(crate) fn resettle(&mut self, ip: usize, target: usize) -> Result {
        self.table.set(key(ip), target)
    }

    /// Starts a grace period of the dispatcher's table (see
    /// [`Table`](crate::sys::direct::Table)); returns whether
    /// [`direct::synchronize_dispatchers`] and [`end_grace`](Self::end_grace)
    /// must follow.
    pub(crate) fn begin_grace(&mut self) -> bool {
        self.table.begin_grace()
    }

    /// Ends the table's grace period; returns whether the table was
    /// compacted (its functions then settle again).
    pub(crate) fn end_grace(&mut self) -> bool {
        self.table.end_grace()
    }

    /// Whether `ip` is known to be refused a direct call.
    pub(crate) fn refused(&self, ip: usize) -> bool {
        self.refused.as_slice().contains(&ip)
    }

    /// Whether the table has room for `n` more functions.
    pub(crate) fn room(&self) -> usize {
        CAPACITY.saturating_sub(self.by_ip.len())
    }

    /// Gives the functions `todo` (ftrace location, the replacement every
    /// task runs now; none with a direct call yet) direct calls, as one
    /// batch. Returns the locations that got one: the caller takes them out
    /// of the handler's filter. If ftrace refuses the batch as a whole
    /// (EBUSY: some function has another direct user), each function is
    /// tried alone and the refused ones are remembered.
    pub(crate) fn settle(
        &mut self,
        filter: &mut Filter,
        todo: &[(usize, usize)],
    ) -> Result<KVec<usize>> {
        if !self.anchored {
            filter.add(&mut [direct::anchor()])?;
            self.anchored = true;
        }
        let mut ips = KVec::with_capacity(todo.len(), GFP_KERNEL)?;
        for &(ip, target) in todo {
            if self.table.set(key(ip), target).is_err() {
                // Full: the rest stay on the handler.
                break;
            }
            // Capacity reserved above.
            let _ = ips.push(ip, GFP_KERNEL);
        }
        let res = self.register(&mut ips);
        let res = match res {
            Err(e) if e == EBUSY && ips.len() > 1 => {
                let mut done = KVec::with_capacity(ips.len(), GFP_KERNEL)?;
                for &ip in ips.iter() {
                    let mut one = KVec::with_capacity(1, GFP_KERNEL)?;
                    one.push(ip, GFP_KERNEL)?;
                    if self.register(&mut one).is_ok() {
                        done.push(ip, GFP_KERNEL)?;
                    }
                }
                Ok(done)
            }
            Err(e) => Err(e),
            Ok(()) => Ok(ips),
        };
        self.drop_anchor_if_unused(filter);
        res
    }

    /// Registers one batch for `ips`, whose table entries are set. On
    /// failure the entries are removed again, and an EBUSY of a single
    /// location is remembered.
    fn register(&mut self, ips: &mut KVec<usize>) -> Result {
        let res = self.try_register(ips);
        if let Err(e) = res {
            for &ip in ips.iter() {
                self.table.remove(key(ip));
            }
            if e == EBUSY && ips.len() == 1 && self.refused.push(ips[0], GFP_KERNEL).is_ok() {
                pr_info!(
                    "cannot settle {} on a direct call: another direct-call user (a BPF trampoline?) has it, it stays on the handler\n",
                    Symbol(ips[0])
                );
            }
        }
        res
    }

    fn try_register(&mut self, ips: &mut KVec<usize>) -> Result {
        if ips.is_empty() {
            return Ok(());
        }
        // Room first: nothing may fail once the ops is registered.
        self.by_ip.reserve(ips.len(), GFP_KERNEL)?;
        self.batches.reserve(1, GFP_KERNEL)?;
        let mut mine = KVec::with_capacity(ips.len(), GFP_KERNEL)?;
        mine.extend_from_slice(ips, GFP_KERNEL)?;
        let ops = DirectOps::register(ips)?;
        let b = self.batches.len();
        // Capacity reserved above: cannot fail.
        let _ = self
            .batches
            .push(Some(Batch { ops, ips: mine }), GFP_KERNEL);
        for &ip in ips.iter() {
            if let Err(pos) = self.find(ip) {
                let _ = vec::insert(&mut self.by_ip, pos, (ip, b), GFP_KERNEL);
            }
        }
        Ok(())
    }

    /// The batches some of whose functions are no longer patched
    /// (`in_hash` says which are), or every batch if `all`, in order, from
    /// index `from` on: to [`detach`](Self::detach).
    pub(crate) fn find_release(
        &self,
        from: usize,
        all: bool,
        in_hash: impl Fn(usize) -> bool,
    ) -> Option<usize> {
        let slice = self.batches.as_slice();
        (from..slice.len()).find(|&b| {
            slice[b]
                .as_ref()
                .is_some_and(|b| all || b.ips.iter().any(|&ip| !in_hash(ip)))
        })
    }

    /// The batch with a direct call of one of `ips` (a going module's
    /// functions).
    pub(crate) fn find_batch_of(&self, ips: &[usize]) -> Option<usize> {
        ips.iter()
            .find_map(|&ip| self.find(ip).ok().map(|i| self.by_ip[i].1))
    }

    /// Whether one of `ips` is settled or being released.
    pub(crate) fn has_any(&self, ips: &[usize]) -> bool {
        ips.iter().any(|&ip| self.covers(ip) || self.releasing(ip))
    }

    /// Takes batch `b` out, under the core mutex: its functions still
    /// patched (`in_hash`) go back to the handler's filter under rklp's
    /// claim (the handler decides as the dispatcher does while both are
    /// there; they settle again in a new batch later), the table forgets
    /// them all. The caller unregisters the result without the mutex
    /// ([`Released::unregister`]), then calls
    /// [`finish_release`](Self::finish_release). Fails, changing nothing,
    /// out of memory (or if ftrace refuses the filter update).
    pub(crate) fn detach(
        &mut self,
        filter: &mut Filter,
        b: usize,
        in_hash: impl Fn(usize) -> bool,
    ) -> Result<Released> {
        let Some(Some(batch)) = self.batches.as_slice().get(b) else {
            return Err(ENOENT);
        };
        let n = batch.ips.len();
        self.releasing.reserve(n, GFP_KERNEL)?;
        self.outside.reserve(n, GFP_KERNEL)?;
        let mut live = KVec::with_capacity(n, GFP_KERNEL)?;
        for &ip in batch.ips.iter().filter(|&&ip| in_hash(ip)) {
            // Capacity: n.
            let _ = live.push(ip, GFP_KERNEL);
        }
        // The anchor keeps the handler ops registered: this only adds to
        // its filter (no consent asked of the direct ops, no check of the
        // claim, which is the handler's own).
        filter.add_claimed(&mut live)?;
        let Some(batch) = self.batches.as_mut_slice()[b].take() else {
            return Err(ENOENT);
        };
        for &ip in batch.ips.iter() {
            self.table.remove(key(ip));
            insert_sorted(&mut self.releasing, ip);
            if !in_hash(ip) {
                insert_sorted(&mut self.outside, ip);
            }
        }
        vec::retain(&mut self.by_ip, |&(_, of)| of != b);
        while self.batches.as_slice().last().is_some_and(|s| s.is_none()) {
            let last = self.batches.len() - 1;
            vec::remove(&mut self.batches, last);
        }
        self.pending += 1;
        Ok(Released { batch })
    }

    /// [`detach`](Self::detach) without the filter update and without
    /// allocating, for a batch whose functions are all gone from the hash
    /// and must lose their direct calls now (a going module, rklp's exit)
    /// when `detach` failed: their claim stays.
    pub(crate) fn detach_force(&mut self, b: usize) -> Option<Released> {
        let batch = self.batches.as_mut_slice().get_mut(b)?.take()?;
        for &ip in batch.ips.iter() {
            self.table.remove(key(ip));
        }
        vec::retain(&mut self.by_ip, |&(_, of)| of != b);
        while self.batches.as_slice().last().is_some_and(|s| s.is_none()) {
            let last = self.batches.len() - 1;
            vec::remove(&mut self.batches, last);
        }
        self.pending += 1;
        Some(Released { batch })
    }

    /// Finishes the release of a batch whose direct calls are gone, under
    /// the core mutex: the claim goes from its functions that are in
    /// neither the hash nor the filter (added to the handler's filter under
    /// the claim and removed again normally, which clears it: two filter
    /// updates), and the anchor when nothing is settled any more.
    pub(crate) fn finish_release(
        &mut self,
        filter: &mut Filter,
        done: Unregistered,
        in_hash: impl Fn(usize) -> bool,
    ) {
        let mut clear = alloc_retry(|| Ok(KVec::with_capacity(done.ips.len(), GFP_KERNEL)?));
        for &ip in done.ips.iter() {
            remove_sorted(&mut self.releasing, ip);
            if remove_sorted(&mut self.outside, ip) && !in_hash(ip) {
                // Capacity: done.ips.len().
                let _ = clear.push(ip, GFP_KERNEL);
            }
        }
        self.pending = self.pending.saturating_sub(1);
        if !clear.is_empty() {
            let mut added = false;
            for _ in 0..100 {
                match filter.add_claimed(&mut clear) {
                    Ok(()) => {
                        added = true;
                        break;
                    }
                    Err(e) if e == ENOMEM => crate::sys::task::sleep_ms(10),
                    Err(_) => break,
                }
            }
            if added {
                remove_from_filter(filter, &mut clear);
            } else {
                pr_err!(
                    "cannot drop the IPMODIFY claim of {} functions no longer patched: other IPMODIFY users stay refused there\n",
                    clear.len()
                );
            }
        }
        self.drop_anchor_if_unused(filter);
    }

    /// Forgets refusals of locations no longer patched.
    pub(crate) fn forget_refusals(&mut self, in_hash: impl Fn(usize) -> bool) {
        vec::retain(&mut self.refused, |&ip| in_hash(ip));
    }

    fn drop_anchor_if_unused(&mut self, filter: &mut Filter) {
        if self.anchored && self.by_ip.is_empty() && self.pending == 0 {
            // Only fails out of memory: then the anchor stays (harmless).
            if filter.remove(&mut [direct::anchor()]).is_ok() {
                self.anchored = false;
            }
        }
    }
}

/// Retries `f` until it succeeds (small allocations of paths that must not
/// fail half-way; as `install::alloc_retry`).
fn alloc_retry<T>(mut f: impl FnMut() -> Result<T>) -> T {
    loop {
        if let Ok(t) = f() {
            return t;
        }
        crate::sys::task::sleep_ms(10);
    }
}

/// Removes `ips` from the filter, retrying out of memory.
fn remove_from_filter(filter: &mut Filter, ips: &mut [usize]) {
    loop {
        match filter.remove(ips) {
            Ok(()) => return,
            Err(e) if e == ENOMEM => crate::sys::task::sleep_ms(10),
            Err(e) => {
                pr_err!(
                    "failed to remove ftrace filter entries ({})\n",
                    e.to_errno()
                );
                return;
            }
        }
    }
}
