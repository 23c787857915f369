// SPDX-License-Identifier: GPL-2.0

//! Local interrupt disabling, for locks that interrupt handlers may take
//! too (what `spin_lock_irqsave` does around a `SpinLock`).

use super::bindings as b;
use kernel::ffi::c_ulong;

/// Interrupts of this CPU disabled until it drops (`local_irq_save`).
///
/// Take it before a lock that code in hard or soft IRQ context also takes,
/// and drop it after the lock's guard: an interrupt on this CPU then never
/// finds the lock held by the code it interrupted.
pub(crate) struct IrqSave {
    flags: c_ulong,
    // Restored on the CPU that saved it.
    _not_send: core::marker::PhantomData<*mut ()>,
}

impl IrqSave {
    /// Disables interrupts, remembering whether they were enabled.
    pub(crate) fn new() -> Self {
        // SAFETY: saves and disables; balanced by `Drop`.
        let flags = unsafe { b::rklp_local_irq_save() };
        Self {
            flags,
            _not_send: core::marker::PhantomData,
        }
    }
}

impl Drop for IrqSave {
    fn drop(&mut self) {
        // SAFETY: restores what `new` saved, on the same CPU (not Send).
        unsafe { b::rklp_local_irq_restore(self.flags) };
    }
}
