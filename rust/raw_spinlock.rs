// SPDX-License-Identifier: GPL-2.0

//! A kernel `raw_spinlock_t` guarding a value, always taken with interrupts
//! off (`raw_spin_lock_irqsave`): for data that code in hard IRQ context
//! reads, such as a replacement function calling rklp's C ABI from a timer.
//! A `spinlock_t` (`kernel::sync::SpinLock`) is a sleeping lock on
//! PREEMPT_RT, so hard IRQ context must not take it; lockdep says so with
//! `CONFIG_PROVE_RAW_LOCK_NESTING` ("BUG: Invalid wait context"), which 7.x
//! debug kernels enable. Neither 6.12's nor 7.3's `kernel` crate has a raw
//! spinlock.
//!
//! What runs under it must not sleep or allocate (slab takes `spinlock_t`s
//! of its own): allocate before, free after.

use super::bindings as b;
use core::cell::UnsafeCell;
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::types::Opaque;

/// A raw spinlock guarding a `T`.
///
/// # Invariants
///
/// `raw` is initialised by `rklp_raw_spin_lock_init` (in
/// [`RawSpinLock::new`]); `data` is accessed only inside [`RawSpinLock::with`],
/// with `raw` held and local interrupts off.
#[pin_data]
pub(crate) struct RawSpinLock<T> {
    #[pin]
    raw: Opaque<b::raw_spinlock_t>,
    data: UnsafeCell<T>,
}

// SAFETY: the lock hands `T` from context to context: `Send` as `T` is.
unsafe impl<T: Send> Send for RawSpinLock<T> {}
// SAFETY: the lock serialises every access to `T`: sharing it needs `T: Send`.
unsafe impl<T: Send> Sync for RawSpinLock<T> {}

/// `new_raw_spinlock!(value, "name")`: a [`RawSpinLock`] initialiser with
/// its own lockdep class.
macro_rules! new_raw_spinlock {
    ($value:expr, $name:literal) => {
        $crate::sys::raw_spinlock::RawSpinLock::new(
            $value,
            kernel::c_str!($name),
            kernel::static_lock_class!(),
        )
    };
}
pub(crate) use new_raw_spinlock;

impl<T> RawSpinLock<T> {
    /// A raw spinlock guarding `t`, for lockdep named `name` in class `key`
    /// (what `kernel::static_lock_class!()` gives, see
    /// `compat::LockClassPtr`).
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
                b::rklp_raw_spin_lock_init(slot, name.as_char_ptr(), key.cast())
            }),
        })
    }

    /// Runs `f` on the value with the lock held and local interrupts off,
    /// from any context (hard IRQ included). `f` must not sleep or allocate.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        // SAFETY: initialised (type invariant); never sleeps.
        let flags = unsafe { b::rklp_raw_spin_lock_irqsave(self.raw.get()) };
        // SAFETY: the lock is held, so this is the only reference to the
        // value until it is released below (type invariant).
        let r = f(unsafe { &mut *self.data.get() });
        // SAFETY: held by this CPU since the call above, with `flags`.
        unsafe { b::rklp_raw_spin_unlock_irqrestore(self.raw.get(), flags) };
        r
    }
}
