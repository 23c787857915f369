// SPDX-License-Identifier: GPL-2.0

//! `KVec` operations that 6.12's `kernel::alloc` lacks: removing an element
//! in place, and inserting one back without losing it on allocation failure.

use kernel::alloc::{Flags, KVec};

/// Removes and returns `v[idx]`, keeping the others in order. Never
/// allocates (the capacity stays, so an [`insert`] after it cannot fail).
///
/// # Panics
///
/// If `idx` is out of bounds.
pub(crate) fn remove<T>(v: &mut KVec<T>, idx: usize) -> T {
    let len = v.len();
    assert!(idx < len, "vec::remove: index {idx} out of bounds ({len})");
    v.as_mut_slice()[idx..].rotate_left(1);
    // SAFETY: `len - 1 < len`, so the new length is within the initialised
    // part; the element it drops from `v` (the removed one, rotated to the
    // end) is still initialised.
    unsafe { v.set_len(len - 1) };
    // SAFETY: index `len - 1` is within the allocation and holds an
    // initialised element that `v` no longer owns (see above), so reading
    // it moves ownership out exactly once.
    unsafe { core::ptr::read(v.as_ptr().add(len - 1)) }
}

/// Keeps the elements for which `keep` holds, in order, and drops the
/// others, in one pass (6.12's `KVec` has no `retain`). Never allocates.
pub(crate) fn retain<T>(v: &mut KVec<T>, mut keep: impl FnMut(&T) -> bool) {
    let mut kept = 0;
    for i in 0..v.len() {
        if keep(&v[i]) {
            v.as_mut_slice().swap(kept, i);
            kept += 1;
        }
    }
    while v.len() > kept {
        let last = v.len() - 1;
        drop(remove(v, last));
    }
}

/// Inserts `x` at `idx` (at most `v.len()`), shifting the rest up. If room
/// must be allocated and cannot be, `x` is handed back instead of dropped.
pub(crate) fn insert<T>(v: &mut KVec<T>, idx: usize, x: T, flags: Flags) -> Result<(), T> {
    if v.reserve(1, flags).is_err() {
        return Err(x);
    }
    let idx = idx.min(v.len());
    // Room for one more is reserved above: this push does not allocate.
    v.push(x, flags).expect("room reserved");
    v.as_mut_slice()[idx..].rotate_right(1);
    Ok(())
}
