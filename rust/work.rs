// SPDX-License-Identifier: GPL-2.0

//! A statically allocated work item, for deferred cleanup that must not run
//! in the context that triggers it (e.g. removing the sysfs directory whose
//! file is being written).

use super::bindings as b;
use core::cell::UnsafeCell;

/// What a [`StaticWork`] runs.
pub(crate) trait WorkFn {
    /// The work, in process context on the system workqueue.
    fn run();
}

unsafe extern "C" fn work_tramp<T: WorkFn>(_w: *mut b::work_struct) {
    T::run();
}

/// A `struct work_struct` in static storage.
///
/// # Invariants
///
/// After `init` (called once, before any `schedule`), the workqueue core owns
/// the inner struct; we only pass its address.
pub(crate) struct StaticWork(UnsafeCell<b::work_struct>);

// SAFETY: the workqueue core synchronises all access (invariant).
unsafe impl Sync for StaticWork {}

impl StaticWork {
    /// An uninitialised work item; call `init` before use.
    pub(crate) const fn new() -> Self {
        // SAFETY: all-zero is the BSS state INIT_WORK starts from.
        Self(UnsafeCell::new(unsafe { core::mem::zeroed() }))
    }

    /// Sets the function to run. Call once, at module init, before `schedule`.
    pub(crate) fn init<T: WorkFn>(&'static self) {
        // SAFETY: not yet queued (called before any `schedule`).
        unsafe { b::rklp_init_work(self.0.get(), Some(work_tramp::<T>)) };
    }

    /// Queues the work on the system workqueue (no-op if already pending).
    pub(crate) fn schedule(&'static self) {
        // SAFETY: initialised (`init` contract).
        unsafe { b::rklp_schedule_work(self.0.get()) };
    }

    /// Waits until the work is idle.
    pub(crate) fn flush(&'static self) {
        // SAFETY: initialised (`init` contract).
        unsafe { b::flush_work(self.0.get()) };
    }
}

unsafe extern "C" fn dwork_tramp<T: WorkFn>(_w: *mut b::work_struct) {
    T::run();
}

/// A `struct delayed_work` in static storage.
///
/// # Invariants
///
/// As for [`StaticWork`].
pub(crate) struct StaticDelayedWork(UnsafeCell<b::delayed_work>);

// SAFETY: the workqueue core synchronises all access (invariant).
unsafe impl Sync for StaticDelayedWork {}

impl StaticDelayedWork {
    /// An uninitialised delayed work; call `init` before use.
    pub(crate) const fn new() -> Self {
        // SAFETY: all-zero is the BSS state INIT_DELAYED_WORK starts from.
        Self(UnsafeCell::new(unsafe { core::mem::zeroed() }))
    }

    /// Sets the function to run. Call once, before `schedule`.
    pub(crate) fn init<T: WorkFn>(&'static self) {
        // SAFETY: not yet queued (called before any `schedule`).
        unsafe { b::rklp_init_delayed_work(self.0.get(), Some(dwork_tramp::<T>)) };
    }

    /// Queues the work to run after `ms` milliseconds (no-op if pending).
    pub(crate) fn schedule_ms(&'static self, ms: u32) {
        // SAFETY: initialised (`init` contract).
        unsafe { b::rklp_schedule_delayed_work_ms(self.0.get(), ms) };
    }

    /// Cancels the work and waits for a running instance.
    pub(crate) fn cancel_sync(&'static self) {
        // SAFETY: initialised (`init` contract).
        unsafe { b::rklp_cancel_delayed_work_sync(self.0.get()) };
    }
}
