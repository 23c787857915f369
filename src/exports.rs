// SPDX-License-Identifier: GPL-2.0

//! rklp's C ABI: every `#[no_mangle]` function, exported by rust/exports.c
//! (`EXPORT_SYMBOL_GPL`) and typed for Rust patch modules by
//! include/rklp/api.rs. Each one checks what it can of its arguments and
//! hands over to the file that owns the concept.

use crate::core_state;
use crate::shadow::{self, Ctor, Dtor};
use crate::sys;
use crate::system_state;
use core::ffi::c_void;
use kernel::ffi::{c_int, c_uint, c_ulong};
use kernel::prelude::*;

/// Registers and enables the patch described by `desc`, from the init
/// function of patch module `module`. Returns 0 or a negative errno.
/// Called by the exported C wrapper `rklp_enable_patch` (rust/exports.c),
/// which passes its return address as `caller`.
///
/// # Safety
///
/// `caller` must be an address in the text of the calling module. If
/// `module` is the module containing `caller` (checked here), `desc` must
/// be a descriptor as include/rklp/rklp.h describes it, valid until this
/// call returns (rklp copies what it keeps).
#[no_mangle]
pub(crate) unsafe extern "C" fn rklp_enable_patch_from(
    module: *mut c_void,
    desc: *const sys::patch_desc::RklpPatchDesc,
    caller: usize,
) -> c_int {
    // SAFETY: the same contract.
    match unsafe { crate::lifecycle::enable_from_module(module.cast(), desc, caller) } {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// `MODULE_STATE_*` of the loaded module `name`, or `-ENOENT`: what
/// upstream's callbacks read from `obj->mod->state` (rklp's callbacks get
/// the object's name). Does not take the core mutex: callbacks may call it.
///
/// # Safety
///
/// `name` must be a NUL-terminated string.
#[no_mangle]
pub(crate) unsafe extern "C" fn rklp_loaded_module_state(
    name: *const kernel::ffi::c_char,
) -> c_int {
    let Some(core) = core_state::core() else {
        return ENODEV.to_errno();
    };
    // SAFETY: NUL-terminated (contract).
    let name = unsafe { kernel::str::CStr::from_char_ptr(name) };
    match core.syms.module_state(name) {
        Some(s) => s as c_int,
        None => ENOENT.to_errno(),
    }
}

/// The `struct module` of the loaded module `name`, or null: what
/// upstream's callbacks find in `obj->mod` (include/rklp/livepatch.h sets
/// it). Valid while the module is held (in a callback of its object).
/// Does not take the core mutex: callbacks may call it.
///
/// # Safety
///
/// `name` must be a NUL-terminated string.
#[no_mangle]
pub(crate) unsafe extern "C" fn rklp_loaded_module(
    name: *const kernel::ffi::c_char,
) -> *mut c_void {
    let Some(core) = core_state::core() else {
        return core::ptr::null_mut();
    };
    // SAFETY: NUL-terminated (contract).
    let name = unsafe { kernel::str::CStr::from_char_ptr(name) };
    core.syms.module_by_name(name) as *mut c_void
}

/// `klp_shadow_get()`: callable from any context but NMI.
#[no_mangle]
pub(crate) extern "C" fn rklp_shadow_get(obj: *mut c_void, id: c_ulong) -> *mut c_void {
    shadow::get(obj, id)
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
    shadow::alloc(obj, id, size, gfp, ctor, ctor_data, true)
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
    shadow::alloc(obj, id, size, gfp, ctor, ctor_data, false)
}

/// `klp_shadow_free()`.
#[no_mangle]
pub(crate) extern "C" fn rklp_shadow_free(obj: *mut c_void, id: c_ulong, dtor: Option<Dtor>) {
    shadow::free(obj, id, dtor)
}

/// `klp_shadow_free_all()`.
#[no_mangle]
pub(crate) extern "C" fn rklp_shadow_free_all(id: c_ulong, dtor: Option<Dtor>) {
    shadow::free_all(id, dtor)
}

/// `klp_get_state()`: the state `id` of the patch of `module` (the patch
/// module's `THIS_MODULE`), or null.
#[no_mangle]
pub(crate) extern "C" fn rklp_get_state(
    module: *mut c_void,
    id: u64,
) -> *mut sys::patch_desc::RklpState {
    system_state::get_state(module, id)
}

/// `klp_get_prev_state()`: during a transition, the state `id` of the
/// latest patch installed before the one in transition, or null (also
/// outside a transition, with a warning, as upstream's WARN_ON_ONCE).
#[no_mangle]
pub(crate) extern "C" fn rklp_get_prev_state(id: u64) -> *mut sys::patch_desc::RklpState {
    system_state::get_prev_state(id)
}
