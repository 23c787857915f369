// SPDX-License-Identifier: GPL-2.0

//! A module-lifetime object reachable from entry points that get no
//! argument to find it by (the C ABI, sysfs, works, probes).

use core::sync::atomic::{AtomicPtr, Ordering};

/// A pointer to an object that module init publishes and module exit
/// unpublishes.
///
/// # Invariants
///
/// While non-null, the pointer refers to a live `T` that stays allocated
/// and unmoved until every user that could have read it has finished (the
/// contract of [`Published::publish`]).
pub(crate) struct Published<T>(AtomicPtr<T>);

impl<T> Published<T> {
    /// Nothing published yet.
    pub(crate) const fn new() -> Self {
        Self(AtomicPtr::new(core::ptr::null_mut()))
    }

    /// Makes `obj` reachable through [`Published::get`].
    ///
    /// # Safety
    ///
    /// `obj` must stay allocated and unmoved until [`Published::unpublish`]
    /// has been called and every caller of `get` that may have seen it has
    /// finished using it (module exit, after the entry points are gone).
    pub(crate) unsafe fn publish(&self, obj: &T) {
        self.0.store(obj as *const T as *mut T, Ordering::Release);
    }

    /// Makes the object unreachable for new callers of `get`.
    pub(crate) fn unpublish(&self) {
        self.0.store(core::ptr::null_mut(), Ordering::Release);
    }

    /// The published object, if any.
    pub(crate) fn get(&self) -> Option<&'static T> {
        let p = self.0.load(Ordering::Acquire);
        // SAFETY: null or a live object that outlives every user (type
        // invariant).
        unsafe { p.as_ref() }
    }
}
