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
//! (one direct ops and one ftrace update per batch), and when every
//! function of a batch has left the hash (one unregistration, which waits
//! for RCU-tasks grace periods: done lazily, by the settle work). Until
//! then, a function of the batch that is no longer patched keeps its
//! direct call, and the dispatcher sends its calls to the original.

use super::handler::Filter;
use crate::sys::direct::{self, DirectOps, Table, CAPACITY};
use crate::sys::ftrace::FENTRY_CALL_SIZE;
use crate::sys::vec;
use kernel::alloc::flags::GFP_KERNEL;
use kernel::prelude::*;

/// Functions whose direct calls were registered together.
struct Batch {
    /// Held for its drop, which unregisters them all.
    _ops: DirectOps,
    ips: KVec<usize>,
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
/// `batches[b]` is `Some` and registered the direct call of `ip`.
/// `anchored` iff the handler's filter holds the anchor function, which it
/// does whenever a batch is registered (so the handler ops, PERMANENT,
/// stays registered).
pub(crate) struct Direct {
    table: Table,
    batches: KVec<Option<Batch>>,
    by_ip: KVec<(usize, usize)>,
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

    /// Number of functions with a direct call.
    pub(crate) fn count(&self) -> usize {
        self.by_ip.len()
    }

    /// Calls `f` with every location that has a direct call.
    pub(crate) fn for_each_ip(&self, mut f: impl FnMut(usize)) {
        for &(ip, _) in self.by_ip.iter() {
            f(ip);
        }
    }

    /// Number of registered batches.
    pub(crate) fn batches(&self) -> usize {
        self.batches.iter().filter(|b| b.is_some()).count()
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
                    "cannot settle {:#x} on a direct call: another direct-call user (a BPF trampoline?) has it, it stays on the handler\n",
                    ips[0]
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
        let _ = self.batches.push(
            Some(Batch {
                _ops: ops,
                ips: mine,
            }),
            GFP_KERNEL,
        );
        for &ip in ips.iter() {
            if let Err(pos) = self.find(ip) {
                let _ = vec::insert(&mut self.by_ip, pos, (ip, b), GFP_KERNEL);
            }
        }
        Ok(())
    }

    /// A batch none of whose functions is patched any more (`in_hash` says
    /// which are), to [`release`](Self::release).
    pub(crate) fn find_unpatched(&self, in_hash: impl Fn(usize) -> bool) -> Option<usize> {
        self.batches.iter().position(|b| {
            b.as_ref()
                .is_some_and(|b| b.ips.iter().all(|&ip| !in_hash(ip)))
        })
    }

    /// A batch some of whose functions are no longer patched, to
    /// [`rebatch`](Self::rebatch).
    pub(crate) fn find_partly_unpatched(&self, in_hash: impl Fn(usize) -> bool) -> Option<usize> {
        self.batches.iter().position(|b| {
            b.as_ref()
                .is_some_and(|b| b.ips.iter().any(|&ip| !in_hash(ip)))
        })
    }

    /// Takes batch `b`'s direct calls away although some of its functions
    /// are still patched (`in_hash`): those go back to the handler first,
    /// whose decision the dispatcher follows while both are there, and
    /// settle again in a new batch later. So no function that is no longer
    /// patched keeps a direct call for long.
    pub(crate) fn rebatch(
        &mut self,
        filter: &mut Filter,
        b: usize,
        in_hash: impl Fn(usize) -> bool,
    ) -> Result {
        let Some(Some(batch)) = self.batches.as_slice().get(b) else {
            return Ok(());
        };
        let mut live = KVec::with_capacity(batch.ips.len(), GFP_KERNEL)?;
        for &ip in batch.ips.iter().filter(|&&ip| in_hash(ip)) {
            live.push(ip, GFP_KERNEL)?;
        }
        // The anchor keeps the handler ops registered: this only adds to
        // its filter (no consent asked of the direct ops).
        filter.add(&mut live)?;
        self.release(filter, b);
        Ok(())
    }

    /// Unregisters batch `b` (waits for RCU-tasks grace periods); its
    /// functions, none of them patched, no longer have direct calls.
    pub(crate) fn release(&mut self, filter: &mut Filter, b: usize) {
        let Some(batch) = self
            .batches
            .as_mut_slice()
            .get_mut(b)
            .and_then(|s| s.take())
        else {
            return;
        };
        for &ip in batch.ips.iter() {
            self.table.remove(key(ip));
        }
        // Unregisters (waits), then frees.
        drop(batch);
        vec::retain(&mut self.by_ip, |&(_, of)| of != b);
        while self.batches.as_slice().last().is_some_and(|s| s.is_none()) {
            let last = self.batches.len() - 1;
            vec::remove(&mut self.batches, last);
        }
        self.drop_anchor_if_unused(filter);
    }

    /// Releases every batch (module exit).
    pub(crate) fn release_all(&mut self, filter: &mut Filter) {
        for b in (0..self.batches.len()).rev() {
            self.release(filter, b);
        }
    }

    /// Forgets refusals of locations no longer patched.
    pub(crate) fn forget_refusals(&mut self, in_hash: impl Fn(usize) -> bool) {
        vec::retain(&mut self.refused, |&ip| in_hash(ip));
    }

    fn drop_anchor_if_unused(&mut self, filter: &mut Filter) {
        if self.anchored && self.by_ip.is_empty() {
            // Only fails out of memory: then the anchor stays (harmless).
            if filter.remove(&mut [direct::anchor()]).is_ok() {
                self.anchored = false;
            }
        }
    }
}
