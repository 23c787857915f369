// SPDX-License-Identifier: GPL-2.0

//! Memory of one shadow variable: `size` zeroed bytes from kmalloc with the
//! caller's GFP flags (the kernel crate's allocators take only their own
//! flag type), freed on drop.

use core::ffi::c_void;
use core::ptr::NonNull;
use kernel::bindings as kb;

/// Owned kmalloc memory.
///
/// # Invariants
///
/// `ptr` came from `__kmalloc_noprof` and is freed only by `Drop`.
pub(crate) struct ShadowMem {
    ptr: NonNull<c_void>,
}

// SAFETY: plain heap memory.
unsafe impl Send for ShadowMem {}

impl ShadowMem {
    /// `size` zeroed bytes (at least one), or `None` if allocation failed.
    pub(crate) fn new_zeroed(size: usize, gfp: u32) -> Option<Self> {
        // SAFETY: kmalloc with caller-provided flags; __GFP_ZERO zeroes it.
        let p = unsafe { kb::__kmalloc_noprof(size.max(1), gfp | kb::__GFP_ZERO) };
        NonNull::new(p).map(|ptr| Self { ptr })
    }

    /// The memory's address.
    pub(crate) fn as_ptr(&self) -> *mut c_void {
        self.ptr.as_ptr()
    }
}

impl Drop for ShadowMem {
    fn drop(&mut self) {
        // SAFETY: allocated by kmalloc (invariant), freed once.
        unsafe { kb::kfree(self.ptr.as_ptr()) };
    }
}
