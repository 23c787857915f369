// SPDX-License-Identifier: GPL-2.0

//! A kernel `struct mutex` guarding a value, as `kernel::sync::Mutex`, that
//! can also be taken interruptibly: 6.12's `kernel::sync::Mutex` has only
//! `lock()` (uninterruptible), and its guard cannot be built outside the
//! `kernel` crate. rklp's sysfs files wait for the core mutex with
//! `mutex_lock_interruptible()`, so that a reader stuck behind a long
//! operation (an RCU-Tasks grace period, a slow callback) can be killed.

use super::bindings as b;
use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::types::Opaque;

/// A mutex guarding a `T`.
///
/// # Invariants
///
/// `raw` is initialised by `__mutex_init` (in [`Mutex::new`]); `data` is
/// accessed only through a [`Guard`], which exists only while `raw` is
/// held by the current task.
#[pin_data]
pub(crate) struct Mutex<T> {
    #[pin]
    raw: Opaque<kernel::bindings::mutex>,
    data: UnsafeCell<T>,
}

// SAFETY: the mutex hands `T` from task to task: `Send` as `T` is.
unsafe impl<T: Send> Send for Mutex<T> {}
// SAFETY: the mutex serialises access to `T`: sharing it needs `T: Send`.
unsafe impl<T: Send> Sync for Mutex<T> {}

/// `new_mutex!(value, "name")`: a [`Mutex`] initialiser with its own
/// lockdep class.
macro_rules! new_mutex {
    ($value:expr, $name:literal) => {
        $crate::sys::mutex::Mutex::new($value, kernel::c_str!($name), kernel::static_lock_class!())
    };
}
pub(crate) use new_mutex;

impl<T> Mutex<T> {
    /// A mutex guarding `t`, for lockdep named `name` in class `key` (what
    /// `kernel::static_lock_class!()` gives, see `compat::LockClassPtr`).
    pub(crate) fn new(
        t: T,
        name: &'static CStr,
        key: impl crate::compat::LockClassPtr,
    ) -> impl PinInit<Self> {
        let key = key.lock_class_ptr();
        pin_init!(Self {
            data: UnsafeCell::new(t),
            // SAFETY: `slot` is valid for writes while the closure runs;
            // `name` and `key` are static (lockdep keeps pointers to them).
            raw <- Opaque::ffi_init(|slot| unsafe {
                kernel::bindings::__mutex_init(slot, name.as_char_ptr(), key)
            }),
        })
    }

    /// Waits for the mutex, uninterruptibly.
    pub(crate) fn lock(&self) -> Guard<'_, T> {
        // SAFETY: initialised (type invariant); may sleep: callers are in
        // process context.
        unsafe { kernel::bindings::mutex_lock(self.raw.get()) };
        // INVARIANT: held by the current task.
        Guard {
            mutex: self,
            _not_send: PhantomData,
        }
    }

    /// Waits for the mutex until a signal arrives: then `ERESTARTSYS`
    /// (the syscall restarts if the signal's handler asks for it; the task
    /// is in TASK_INTERRUPTIBLE, "S", meanwhile, not "D").
    pub(crate) fn lock_interruptible(&self) -> Result<Guard<'_, T>> {
        // SAFETY: initialised (type invariant); may sleep, as above. The
        // helper is the macro `mutex_lock_interruptible()`, which lockdep
        // kernels map to `mutex_lock_interruptible_nested()`.
        let ret = unsafe { b::rklp_mutex_lock_interruptible(self.raw.get().cast()) };
        if ret != 0 {
            return Err(ERESTARTSYS);
        }
        // INVARIANT: held by the current task.
        Ok(Guard {
            mutex: self,
            _not_send: PhantomData,
        })
    }
}

/// The mutex, held: access to the value; unlocks when dropped.
///
/// # Invariants
///
/// The current task holds `mutex.raw`.
pub(crate) struct Guard<'a, T> {
    mutex: &'a Mutex<T>,
    /// A mutex is released by the task that took it.
    _not_send: PhantomData<*mut ()>,
}

impl<T> Deref for Guard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the mutex is held (type invariant): no other access.
        unsafe { &*self.mutex.data.get() }
    }
}

impl<T> DerefMut for Guard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the mutex is held (type invariant): no other access.
        unsafe { &mut *self.mutex.data.get() }
    }
}

impl<T> Drop for Guard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: held by the current task (type invariant).
        unsafe { kernel::bindings::mutex_unlock(self.mutex.raw.get()) };
    }
}
