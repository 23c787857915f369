// SPDX-License-Identifier: GPL-2.0

//! Shadow variables: data attached to an existing object, found by
//! (object address, id), as kernel/livepatch/shadow.c. They belong to rklp,
//! not to a patch: a patch may allocate them and a later one use or free
//! them. C ABI below (`rklp_shadow_*`); typed for Rust in
//! include/rklp/api.rs (`klp::Shadow<T>`).

use crate::sys::shadow_mem::ShadowMem;
use core::ffi::c_void;
use kernel::alloc::flags::GFP_ATOMIC;
use kernel::ffi::{c_int, c_uint, c_ulong};
use kernel::prelude::*;
use kernel::sync::SpinLock;

/// Constructor: fills a new shadow variable; non-zero refuses it.
pub(crate) type Ctor = unsafe extern "C" fn(*mut c_void, *mut c_void, *mut c_void) -> c_int;
/// Destructor: called before a shadow variable is freed.
pub(crate) type Dtor = unsafe extern "C" fn(*mut c_void, *mut c_void);

/// One shadow variable.
pub(crate) struct Shadow {
    obj: usize,
    id: c_ulong,
    data: ShadowMem,
}

/// All shadow variables (a slot is `None` once freed).
pub(crate) type Shadows = SpinLock<KVec<Option<Shadow>>>;

fn shadows() -> Option<&'static Shadows> {
    crate::state::core().map(|c| &c.shadows)
}

fn find(list: &KVec<Option<Shadow>>, obj: usize, id: c_ulong) -> Option<usize> {
    list.iter()
        .position(|s| s.as_ref().is_some_and(|s| s.obj == obj && s.id == id))
}

/// `klp_shadow_get()`.
#[no_mangle]
pub(crate) extern "C" fn rklp_shadow_get(obj: *mut c_void, id: c_ulong) -> *mut c_void {
    let Some(sh) = shadows() else {
        return core::ptr::null_mut();
    };
    let list = sh.lock();
    match find(&list, obj as usize, id) {
        Some(i) => list[i]
            .as_ref()
            .map_or(core::ptr::null_mut(), |s| s.data.as_ptr()),
        None => core::ptr::null_mut(),
    }
}

fn alloc(
    obj: *mut c_void,
    id: c_ulong,
    size: usize,
    gfp: c_uint,
    ctor: Option<Ctor>,
    ctor_data: *mut c_void,
    warn_on_exist: bool,
) -> *mut c_void {
    let Some(sh) = shadows() else {
        return core::ptr::null_mut();
    };
    // Allocate outside the lock, with the caller's flags.
    let Some(mem) = ShadowMem::new_zeroed(size, gfp) else {
        return core::ptr::null_mut();
    };
    let mut list = sh.lock();
    if let Some(i) = find(&list, obj as usize, id) {
        if warn_on_exist {
            pr_warn!("Duplicate shadow variable <{:p}, {:x}>\n", obj, id);
            return core::ptr::null_mut();
        }
        return list[i]
            .as_ref()
            .map_or(core::ptr::null_mut(), |s| s.data.as_ptr());
    }
    if let Some(ctor) = ctor {
        // SAFETY: the constructor gets the parent object and the new,
        // zeroed memory of `size` bytes, as the C API documents.
        let ret = unsafe { ctor(obj, mem.as_ptr(), ctor_data) };
        if ret != 0 {
            pr_err!(
                "Failed to construct shadow variable <{:p}, {:x}> ({})\n",
                obj,
                id,
                ret
            );
            return core::ptr::null_mut();
        }
    }
    let p = mem.as_ptr();
    let entry = Some(Shadow {
        obj: obj as usize,
        id,
        data: mem,
    });
    if let Some(slot) = list.iter_mut().find(|s| s.is_none()) {
        *slot = entry;
    } else if list.push(entry, GFP_ATOMIC).is_err() {
        return core::ptr::null_mut();
    }
    p
}

/// `klp_shadow_alloc()`: fails (with a warning) if it already exists.
#[no_mangle]
pub(crate) extern "C" fn rklp_shadow_alloc(
    obj: *mut c_void,
    id: c_ulong,
    size: usize,
    gfp: c_uint,
    ctor: Option<Ctor>,
    ctor_data: *mut c_void,
) -> *mut c_void {
    alloc(obj, id, size, gfp, ctor, ctor_data, true)
}

/// `klp_shadow_get_or_alloc()`.
#[no_mangle]
pub(crate) extern "C" fn rklp_shadow_get_or_alloc(
    obj: *mut c_void,
    id: c_ulong,
    size: usize,
    gfp: c_uint,
    ctor: Option<Ctor>,
    ctor_data: *mut c_void,
) -> *mut c_void {
    alloc(obj, id, size, gfp, ctor, ctor_data, false)
}

fn free_where(obj: Option<usize>, id: c_ulong, dtor: Option<Dtor>) {
    let Some(sh) = shadows() else { return };
    let mut list = sh.lock();
    for slot in list.iter_mut() {
        let hit = slot
            .as_ref()
            .is_some_and(|s| s.id == id && obj.map_or(true, |o| o == s.obj));
        if !hit {
            continue;
        }
        if let Some(s) = slot.take() {
            if let Some(dtor) = dtor {
                // SAFETY: the destructor gets the parent object and the
                // shadow data, still allocated until `s` drops below.
                unsafe { dtor(s.obj as *mut c_void, s.data.as_ptr()) };
            }
        }
    }
}

/// `klp_shadow_free()`.
#[no_mangle]
pub(crate) extern "C" fn rklp_shadow_free(obj: *mut c_void, id: c_ulong, dtor: Option<Dtor>) {
    free_where(Some(obj as usize), id, dtor);
}

/// `klp_shadow_free_all()`.
#[no_mangle]
pub(crate) extern "C" fn rklp_shadow_free_all(id: c_ulong, dtor: Option<Dtor>) {
    free_where(None, id, dtor);
}

/// Number of shadow variables left (reported at unload).
pub(crate) fn count(sh: &Shadows) -> usize {
    sh.lock().iter().filter(|s| s.is_some()).count()
}
