// SPDX-License-Identifier: GPL-2.0

//! A shared object published to readers that cannot take its owner's lock,
//! and withdrawn without waiting for an RCU grace period.
//!
//! The readers are short and non-preemptible (a task checking its own
//! stack on its way back to user space); the writer, after taking the
//! object out of the slot, waits until no reader is inside its section any
//! more (a count of readers, not a grace period: a grace period per
//! transition would add to the latency of every enable and disable, while
//! the readers' sections last one stack unwind). A reader either sees the
//! new value of the slot or is counted before the writer's wait ends.

use super::bindings as b;
use core::sync::atomic::{AtomicPtr, AtomicU32, AtomicUsize, Ordering};
use kernel::sync::Arc;

/// An `Arc<T>` and a generation, published to lock-free readers.
///
/// # Invariants
///
/// `ptr` is null or comes from `Arc::into_raw` of a reference the slot
/// owns; an object taken out of `ptr` is released only once `readers` was
/// seen zero after the swap, so no reader that loaded it still uses it.
/// `tag` changes only while `ptr` is null and no reader is inside its
/// section.
pub(crate) struct ReadSlot<T> {
    ptr: AtomicPtr<T>,
    tag: AtomicU32,
    readers: AtomicUsize,
}

// SAFETY: the slot hands out `&T` to any task and drops `Arc<T>` from the
// writer: `T` must be `Sync` and `Send` (as `Arc<T>`).
unsafe impl<T: Sync + Send> Sync for ReadSlot<T> {}
// SAFETY: as above.
unsafe impl<T: Sync + Send> Send for ReadSlot<T> {}

impl<T: Sync + Send> ReadSlot<T> {
    /// An empty slot.
    pub(crate) const fn new() -> Self {
        Self {
            ptr: AtomicPtr::new(core::ptr::null_mut()),
            tag: AtomicU32::new(0),
            readers: AtomicUsize::new(0),
        }
    }

    /// Empties the slot; returns once no reader can still use what it held
    /// (a busy wait as long as the longest reader's section). Process
    /// context; callers serialise `set` and `clear`.
    pub(crate) fn clear(&self) {
        // SeqCst: pairs with the readers' SeqCst increment and load (either
        // a reader's load follows this swap, or its increment precedes the
        // load of `readers` below).
        let old = self.ptr.swap(core::ptr::null_mut(), Ordering::SeqCst);
        while self.readers.load(Ordering::SeqCst) != 0 {
            core::hint::spin_loop();
        }
        if !old.is_null() {
            // SAFETY: `old` came from `Arc::into_raw` (invariant) and no
            // reader uses it any more (the wait above).
            drop(unsafe { Arc::from_raw(old) });
        }
    }

    /// Publishes `obj` with generation `tag` (after emptying the slot).
    pub(crate) fn set(&self, obj: Arc<T>, tag: u32) {
        self.clear();
        // INVARIANT: the slot is empty and no reader is inside (cleared).
        self.tag.store(tag, Ordering::Relaxed);
        // SeqCst (a Release at least): the tag is visible with the pointer.
        self.ptr
            .store(Arc::into_raw(obj) as *mut T, Ordering::SeqCst);
    }

    /// Runs `f` with the published object and its generation, if any, with
    /// preemption disabled (`f` must not sleep, and should be short: a
    /// writer waits for it).
    pub(crate) fn read<R>(&self, f: impl FnOnce(Option<(&T, u32)>) -> R) -> R {
        // SAFETY: only bumps the preempt count; balanced below.
        unsafe { b::rklp_preempt_disable() };
        self.readers.fetch_add(1, Ordering::SeqCst);
        let p = self.ptr.load(Ordering::SeqCst);
        let tag = self.tag.load(Ordering::Acquire);
        // SAFETY: null, or an object the slot owns, which is not released
        // before `readers` drops to zero (invariant): this reader is counted.
        let obj = unsafe { p.as_ref() };
        let r = f(obj.map(|o| (o, tag)));
        self.readers.fetch_sub(1, Ordering::Release);
        // SAFETY: balances the disable above.
        unsafe { b::rklp_preempt_enable() };
        r
    }
}
