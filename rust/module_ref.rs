// SPDX-License-Identifier: GPL-2.0

//! References to `struct module`s: patch modules that rklp pins.

use super::bindings as b;
use crate::compat::fmt;
use core::ptr::NonNull;
use kernel::prelude::*;
use kernel::str::{CStr, CString};

/// A reference on a module taken with `try_module_get`, dropped with
/// `module_put`. While it exists the module cannot be unloaded.
///
/// # Invariants
///
/// `ptr` is a module on which this value holds one reference.
pub(crate) struct ModuleRef {
    ptr: NonNull<b::module>,
}

// SAFETY: module refcounts are atomic; put is allowed from any context.
unsafe impl Send for ModuleRef {}
// SAFETY: shared use only reads the pointer.
unsafe impl Sync for ModuleRef {}

impl ModuleRef {
    /// Pins `module`, which must not be going away.
    ///
    /// # Safety
    ///
    /// `module` must point to a `struct module` that stays allocated for the
    /// duration of the call (e.g. the caller's own `THIS_MODULE`).
    pub(crate) unsafe fn get(module: *mut kernel::bindings::module) -> Result<Self> {
        let ptr = NonNull::new(module.cast::<b::module>()).ok_or(EINVAL)?;
        // SAFETY: valid module per the safety contract.
        if !unsafe { b::try_module_get(ptr.as_ptr()) } {
            return Err(ENODEV);
        }
        Ok(Self { ptr })
    }

    /// The module's address, as an identity (e.g. the patch handle of the
    /// C ABI: a patch module passes its `THIS_MODULE`).
    pub(crate) fn addr(&self) -> usize {
        self.ptr.as_ptr() as usize
    }

    /// Whether `addr` is in the module's core text (`mem[MOD_TEXT]`): not
    /// its init text (freed after init), not its data.
    pub(crate) fn text_contains(&self, addr: usize) -> bool {
        // SAFETY: the module is pinned (invariant); the helper only reads
        // its memory layout.
        unsafe { b::rklp_within_module_text(addr as kernel::ffi::c_ulong, self.ptr.as_ptr()) }
    }

    /// The module's core text (`mem[MOD_TEXT]`): start and end.
    pub(crate) fn text_range(&self) -> (usize, usize) {
        let (mut start, mut end) = (0, 0);
        // SAFETY: the module is pinned (invariant); the helper only reads
        // its memory layout into the two locals.
        unsafe { b::rklp_module_text_bounds(self.ptr.as_ptr(), &mut start, &mut end) };
        (start as usize, end as usize)
    }

    /// The pointer-sized word at `addr` of the module's core data
    /// (`mem[MOD_DATA]`: writable for the module's whole life, unlike its
    /// read-only, ro-after-init or init data), if `addr` is one, aligned.
    ///
    /// # Safety
    ///
    /// The module must stay loaded as long as the returned slot exists
    /// (e.g. keep the slot no longer than `self`).
    pub(crate) unsafe fn data_slot(&self, addr: usize) -> Option<DataSlot> {
        let size = core::mem::size_of::<usize>();
        if addr % core::mem::align_of::<usize>() != 0 {
            return None;
        }
        // SAFETY: the module is pinned (invariant); the helper only reads
        // its memory layout.
        let inside = unsafe {
            b::rklp_within_module_data(
                addr as kernel::ffi::c_ulong,
                size as kernel::ffi::c_ulong,
                self.ptr.as_ptr(),
            )
        };
        // INVARIANT: an aligned word of the module's core data; the module
        // stays loaded while the slot exists (contract).
        if !inside {
            return None;
        }
        Some(DataSlot {
            ptr: NonNull::new(addr as *mut usize)?,
        })
    }

    /// The module's name.
    pub(crate) fn name(&self) -> Result<CString> {
        // SAFETY: the module is pinned (invariant) so its name is valid.
        let n = unsafe { CStr::from_char_ptr(b::rklp_module_name(self.ptr.as_ptr())) };
        CString::try_from_fmt(fmt!("{}", n))
    }
}

impl Drop for ModuleRef {
    fn drop(&mut self) {
        // SAFETY: we hold one reference (invariant).
        unsafe { b::module_put(self.ptr.as_ptr()) };
    }
}

/// A pointer-sized word of a patch module's data that rklp writes: the
/// slot of a symbol reference (`struct rklp_sym_desc`), where the patch's
/// code reads the symbol's address.
///
/// # Invariants
///
/// `ptr` is an aligned `usize` in the core data of a module that stays
/// loaded as long as this value exists.
pub(crate) struct DataSlot {
    ptr: NonNull<usize>,
}

// SAFETY: the word is only accessed atomically.
unsafe impl Send for DataSlot {}
// SAFETY: as above.
unsafe impl Sync for DataSlot {}

impl DataSlot {
    /// Stores `value`, with release ordering: code that reads it (with
    /// acquire, or through an address dependency) sees what rklp wrote
    /// before.
    pub(crate) fn set(&self, value: usize) {
        // SAFETY: an aligned, live word (type invariant), accessed only
        // atomically by rklp and by the API that reads it.
        let a = unsafe { core::sync::atomic::AtomicUsize::from_ptr(self.ptr.as_ptr()) };
        a.store(value, core::sync::atomic::Ordering::Release);
    }
}
