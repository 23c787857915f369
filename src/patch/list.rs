// SPDX-License-Identifier: GPL-2.0

//! The enabled patches, oldest first (upstream's `klp_patches`, the stacking
//! order), and the disabled ones waiting to be freed.

use super::Patch;
use crate::sys::kobject::KobjId;
use crate::sys::work::{StaticWork, WorkFn};
use core::ops::{Deref, DerefMut};
use kernel::alloc::flags::GFP_KERNEL;
use kernel::prelude::*;

/// The patch list, behind the core mutex.
///
/// Dereferences to the enabled patches as a slice: indexes, iteration and
/// in-place changes need no method of their own.
pub(crate) struct PatchList {
    enabled: KVec<KBox<Patch>>,
    /// Disabled patches waiting for [`FreeWork`].
    to_free: KVec<KBox<Patch>>,
}

impl Deref for PatchList {
    type Target = [KBox<Patch>];

    fn deref(&self) -> &Self::Target {
        &self.enabled
    }
}

impl DerefMut for PatchList {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.enabled
    }
}

impl PatchList {
    pub(crate) const fn new() -> Self {
        Self {
            enabled: KVec::new(),
            to_free: KVec::new(),
        }
    }

    /// Makes room for one more patch, so that a following [`PatchList::push`]
    /// cannot fail: once its entries are live a patch must find its place
    /// without allocating.
    pub(crate) fn reserve_one(&mut self) -> Result {
        self.enabled.reserve(1, GFP_KERNEL)?;
        Ok(())
    }

    /// Appends a patch (the newest, on top of the stack).
    pub(crate) fn push(&mut self, patch: KBox<Patch>) {
        let end = self.enabled.len();
        if let Err(patch) = crate::sys::vec::insert(&mut self.enabled, end, patch, GFP_KERNEL) {
            // Only without `reserve_one`. Its entries may be in the hash:
            // leaking is safer than freeing what handlers may run.
            pr_err!(
                "patch list: out of memory, leaking patch '{}'\n",
                &*patch.name
            );
            core::mem::forget(patch);
        }
    }

    /// Removes and returns patch `idx`, keeping the others in order.
    pub(crate) fn remove(&mut self, idx: usize) -> KBox<Patch> {
        crate::sys::vec::remove(&mut self.enabled, idx)
    }

    /// Index of the patch whose directory is `dir`.
    pub(crate) fn by_dir(&self, dir: KobjId) -> Option<usize> {
        self.enabled
            .iter()
            .position(|p| p.dir.as_ref().map(|d| d.id()) == Some(dir))
    }

    /// Makes room to queue `n` more patches for freeing, so that as many
    /// following [`PatchList::defer_free`] calls cannot fail.
    pub(crate) fn reserve_free(&mut self, n: usize) -> Result {
        self.to_free.reserve(n, GFP_KERNEL)?;
        Ok(())
    }

    /// Queues a disabled patch for freeing by [`FreeWork`].
    pub(crate) fn defer_free(&mut self, patch: KBox<Patch>) {
        // Out of the list, its files show its final state until they go.
        crate::sysfs::publish_patch(&patch, false);
        if let Err(e) = self.to_free.push(patch, GFP_KERNEL) {
            // Dropping here would deadlock on our own sysfs file; leak.
            pr_err!("cannot queue patch for freeing: {:?}\n", e);
            return;
        }
        FREE_WORK.schedule();
    }
}

/// Frees disabled patches outside the store() that disabled them: removing
/// a sysfs directory waits for its running callbacks, so it cannot be done
/// from one of them.
pub(crate) struct FreeWork;

/// The one [`FreeWork`], initialised at module init.
pub(crate) static FREE_WORK: StaticWork = StaticWork::new();

impl WorkFn for FreeWork {
    fn run() {
        let Some(core) = crate::core_state::core() else {
            return;
        };
        let list = {
            let mut st = core.lock();
            core::mem::replace(&mut st.patches.to_free, KVec::new())
        };
        // Drops sysfs dirs (bottom-up), then module references: after this
        // the patch modules can be removed.
        drop(list);
    }
}
