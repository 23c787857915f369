// SPDX-License-Identifier: GPL-2.0

//! Settled functions: the ftrace direct call of each function whose
//! transition is over, to a stub of the pool (Documentation/rklp.rst,
//! "Settled functions").
//!
//! A function in the hash is reached through exactly one of two paths:
//! rklp's shared handler (it is in the filter), or its own direct ops and
//! stub (it is in this map). A stub's slot holds the replacement only while
//! no transition touches the function ("settled"); otherwise it is 0 and the
//! stub asks the handler's own logic, per task ("undecided"). So switching
//! a settled function back to per-task decisions is one store, with no
//! ftrace update; ftrace is involved only the first time a function
//! settles (register) and when it leaves the hash for good (unregister,
//! which waits for RCU-tasks grace periods: done lazily, one at a time).

use crate::sys::direct::{self, DirectOps, StubIndex, POOL};
use crate::sys::vec;
use kernel::alloc::flags::GFP_KERNEL;
use kernel::prelude::*;

/// The settled functions, behind the core mutex (in [`super::Redirect`]).
///
/// # Invariants
///
/// `by_ip` is sorted by ip, without duplicates, and `(ip, k)` is in it iff
/// `stubs[k]` is the direct ops of `ip`. `free` holds exactly the indices
/// below `stubs.len()` whose entry is `None`. `anchored` iff the anchor ops
/// is registered, which it is whenever any direct ops is.
pub(crate) struct Direct {
    /// By stub: the direct ops calling it (dropping one unregisters it).
    stubs: KVec<Option<DirectOps>>,
    by_ip: KVec<(usize, StubIndex)>,
    free: KVec<StubIndex>,
    anchored: bool,
    /// Locations ftrace refused a direct call (a BPF trampoline or another
    /// direct user there): not retried while they stay patched.
    refused: KVec<usize>,
}

impl Direct {
    pub(crate) const fn new() -> Self {
        Self {
            stubs: KVec::new(),
            by_ip: KVec::new(),
            free: KVec::new(),
            anchored: false,
            refused: KVec::new(),
        }
    }

    fn find(&self, ip: usize) -> Result<usize, usize> {
        self.by_ip.as_slice().binary_search_by(|&(i, _)| i.cmp(&ip))
    }

    /// The stub of `ip`, if it has a direct call.
    pub(crate) fn stub_of(&self, ip: usize) -> Option<StubIndex> {
        self.find(ip).ok().map(|i| self.by_ip[i].1)
    }

    /// Whether calls of `ip` go through its stub (not the handler).
    pub(crate) fn covers(&self, ip: usize) -> bool {
        self.find(ip).is_ok()
    }

    /// Number of functions with a direct call.
    pub(crate) fn count(&self) -> usize {
        self.by_ip.len()
    }

    /// Whether `ip` is settled on `target`.
    pub(crate) fn settled_on(&self, ip: usize, target: usize) -> bool {
        target != 0 && self.stub_of(ip).is_some_and(|k| k.target() == target)
    }

    /// Makes the stubs of `ips` ask the handler logic again, before a
    /// transition or an immediate switch that touches them. A task that
    /// read the old slot and has not left its stub yet is on its way into
    /// the old version: it is inside rklp's redirection, which the stack
    /// checks treat as in the handler, so it cannot switch before it leaves.
    pub(crate) fn unsettle(&self, ips: impl Iterator<Item = usize>) {
        for ip in ips {
            if let Some(k) = self.stub_of(ip) {
                k.set_target(0);
            }
        }
    }

    /// Settles `ip` on `target`, the replacement every task runs now (no
    /// transition touches it). Returns true if `ip` just got its direct
    /// call (the caller takes it out of the handler's filter), false if it
    /// had one. Fails if the pool is full, ftrace refuses, or out of memory:
    /// the function then stays on the handler.
    pub(crate) fn settle(&mut self, ip: usize, target: usize) -> Result<bool> {
        if let Some(k) = self.stub_of(ip) {
            k.set_target(target);
            return Ok(false);
        }
        if self.refused.as_slice().contains(&ip) {
            return Err(EBUSY);
        }
        let Err(pos) = self.find(ip) else {
            return Err(EINVAL);
        };
        // Room first: nothing may fail once the ops is registered.
        self.by_ip.reserve(1, GFP_KERNEL)?;
        self.refused.reserve(1, GFP_KERNEL)?;
        let k = match self.free.as_slice().last() {
            Some(&k) => k,
            None => {
                let k = StubIndex::new(self.stubs.len()).ok_or(ENOSPC)?;
                self.stubs.push(None, GFP_KERNEL)?;
                self.free.push(k, GFP_KERNEL)?;
                k
            }
        };
        if !self.anchored {
            direct::anchor_register()?;
            self.anchored = true;
        }
        // Nothing calls the stub before the ops is registered.
        k.set_target(target);
        let ops = match DirectOps::register(ip, k) {
            Ok(ops) => ops,
            Err(e) => {
                k.set_target(0);
                if e == EBUSY {
                    // Capacity reserved above.
                    let _ = self.refused.push(ip, GFP_KERNEL);
                }
                self.drop_anchor_if_unused();
                return Err(e);
            }
        };
        let last = self.free.len() - 1;
        vec::remove(&mut self.free, last);
        self.stubs.as_mut_slice()[k.get()] = Some(ops);
        // Capacity reserved above: cannot fail.
        let _ = vec::insert(&mut self.by_ip, pos, (ip, k), GFP_KERNEL);
        Ok(true)
    }

    /// Takes the direct call of `ip` away for good (its ops unregistered,
    /// which waits for RCU-tasks grace periods): for a function that is no
    /// longer in the hash, whose stub already sends every call to the
    /// original (slot 0, no entry). Its stub is free again.
    pub(crate) fn release(&mut self, ip: usize) {
        retain(&mut self.refused, |i| i != ip);
        let Ok(i) = self.find(ip) else { return };
        let (_, k) = vec::remove(&mut self.by_ip, i);
        k.set_target(0);
        // Unregisters (waits), then frees.
        drop(self.stubs.as_mut_slice()[k.get()].take());
        // `free` has room: it held this index before `settle` popped it,
        // and it never shrinks.
        let _ = self.free.push(k, GFP_KERNEL);
        self.drop_anchor_if_unused();
    }

    /// Releases every direct call (module exit).
    pub(crate) fn release_all(&mut self) {
        while let Some(&(ip, _)) = self.by_ip.as_slice().last() {
            self.release(ip);
        }
    }

    /// A location with a direct call that `in_hash` says is no longer
    /// patched, if any (to [`release`] lazily).
    pub(crate) fn find_unpatched(&self, in_hash: impl Fn(usize) -> bool) -> Option<usize> {
        self.by_ip
            .iter()
            .map(|&(ip, _)| ip)
            .find(|&ip| !in_hash(ip))
    }

    /// Forgets refusals of locations no longer patched.
    pub(crate) fn forget_refusals(&mut self, in_hash: impl Fn(usize) -> bool) {
        retain(&mut self.refused, in_hash);
    }

    fn drop_anchor_if_unused(&mut self) {
        if self.anchored && self.by_ip.is_empty() {
            direct::anchor_unregister();
            self.anchored = false;
        }
    }

    /// Pool size, for messages.
    pub(crate) fn capacity() -> usize {
        POOL
    }
}

/// Keeps the elements of `v` for which `keep` holds (never allocates).
fn retain(v: &mut KVec<usize>, keep: impl Fn(usize) -> bool) {
    let mut i = 0;
    while i < v.len() {
        if keep(v[i]) {
            i += 1;
        } else {
            vec::remove(v, i);
        }
    }
}
