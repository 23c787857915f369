// SPDX-License-Identifier: GPL-2.0

//! Memory of shadow variables: one kmalloc block per variable (with the
//! caller's GFP flags, which the kernel crate's allocators do not take), as
//! upstream's `struct klp_shadow`: a header (hash-chain link, RCU head, key)
//! followed by `size` zeroed bytes of data. Readers walk the chains under
//! RCU only, so a variable taken off its chain is freed after a grace
//! period (`kfree_rcu`).

use core::ffi::c_void;
use core::ptr::NonNull;
use core::sync::atomic::AtomicPtr;
use kernel::bindings as kb;
use kernel::ffi::c_ulong;
use kernel::types::Opaque;

/// The header of one shadow variable; its data follows it.
#[repr(C)]
pub(crate) struct ShadowNode {
    /// Next variable in the hash chain (RCU-published).
    pub(crate) next: AtomicPtr<ShadowNode>,
    rcu: Opaque<kb::callback_head>,
    /// Parent object (the key, with `id`).
    pub(crate) obj: usize,
    /// Identifier.
    pub(crate) id: c_ulong,
}

// The data must be aligned as kmalloc memory is (at least 8 bytes): the
// typed API (`klp::Shadow<T>`) stores any `T` of alignment <= 8 there.
const _: () = assert!(core::mem::size_of::<ShadowNode>() % 8 == 0);

impl ShadowNode {
    /// The variable's data.
    pub(crate) fn data(&self) -> *mut c_void {
        // The data starts right after the header, in the same allocation.
        (self as *const ShadowNode)
            .wrapping_add(1)
            .cast::<c_void>()
            .cast_mut()
    }

    /// Frees a variable once every RCU reader that may still see it is done.
    ///
    /// # Safety
    ///
    /// `node` came from [`NewShadow::into_raw`], is no longer reachable by
    /// new readers (unlinked), and is not freed otherwise.
    pub(crate) unsafe fn free_rcu(node: NonNull<ShadowNode>) {
        // SAFETY: `rcu` is inside the allocation that starts at `node` (offset
        // far below the 4 KB kvfree_rcu limit), unused until now; kfree runs
        // after a grace period (caller's contract). Callable in any context
        // but NMI, with the head given.
        // (7.3 takes the head as a `struct kvfree_rcu_head *`, which C's
        // kvfree_rcu() casts from the `struct rcu_head *` too.)
        unsafe {
            kb::kvfree_call_rcu(
                (*node.as_ptr()).rcu.get().cast(),
                node.as_ptr().cast::<c_void>(),
            )
        };
    }

    /// Frees a variable at once.
    ///
    /// # Safety
    ///
    /// `node` came from [`NewShadow::into_raw`], no one (reader included)
    /// can reach it any more, and it is not freed otherwise.
    pub(crate) unsafe fn free_now(node: NonNull<ShadowNode>) {
        // SAFETY: allocated by kmalloc, now unreachable (contract).
        unsafe { kb::kfree(node.as_ptr().cast::<c_void>()) };
    }
}

/// A new shadow variable, owned until it is published.
///
/// # Invariants
///
/// `ptr` came from `__kmalloc_noprof` with room for the header and the
/// data, its header is initialised, and it is freed only by `Drop` (or
/// handed out by `into_raw`).
pub(crate) struct NewShadow {
    ptr: NonNull<ShadowNode>,
}

impl NewShadow {
    /// A variable for (`obj`, `id`) with `size` zeroed bytes of data, or
    /// `None` if the allocation failed.
    pub(crate) fn new(obj: usize, id: c_ulong, size: usize, gfp: u32) -> Option<Self> {
        let total = size.checked_add(core::mem::size_of::<ShadowNode>())?;
        // SAFETY: kmalloc with caller-provided flags; __GFP_ZERO zeroes it.
        let p = unsafe { kb::__kmalloc_noprof(total, gfp | kb::__GFP_ZERO) };
        let ptr = NonNull::new(p.cast::<ShadowNode>())?;
        // SAFETY: fresh, zeroed, large and (kmalloc) aligned enough for the
        // header; zero is a valid `next` (null) and RCU head.
        unsafe {
            (*ptr.as_ptr()).obj = obj;
            (*ptr.as_ptr()).id = id;
        }
        Some(Self { ptr })
    }

    /// The header (and through it, the data).
    pub(crate) fn node(&self) -> &ShadowNode {
        // SAFETY: initialised and owned (invariant).
        unsafe { self.ptr.as_ref() }
    }

    /// Hands the variable over (to be published); freed with
    /// [`ShadowNode::free_rcu`] or [`ShadowNode::free_now`].
    pub(crate) fn into_raw(self) -> NonNull<ShadowNode> {
        let p = self.ptr;
        core::mem::forget(self);
        p
    }
}

impl Drop for NewShadow {
    fn drop(&mut self) {
        // SAFETY: allocated by kmalloc and never published (invariant).
        unsafe { kb::kfree(self.ptr.as_ptr().cast::<c_void>()) };
    }
}
