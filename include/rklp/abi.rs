// SPDX-License-Identifier: GPL-2.0

// The C ABI between patch modules and rklp.ko. This file is compiled into
// both sides (`include!`), so the layouts cannot drift apart; its C twin,
// include/rklp/rklp.h, is checked against it when rklp.ko is built (rklp
// runs bindgen over the header: rust/patch_desc.rs compares sizes and
// offsets). Rust patch modules never build these structs by hand: the
// typed `KlpPatch` API in `api.rs` wraps them (its static tables are arrays
// of them), and rklp copies what it needs at registration.

/// Version of the descriptor layout below. rklp also reads descriptors of
/// [`RKLP_ABI_VERSION_MIN`] (patch modules built before the current
/// layout) and refuses any other.
pub const RKLP_ABI_VERSION: u32 = 5;

/// Oldest descriptor layout rklp still reads: ABI 4, whose function
/// descriptors are [`RklpFuncDescV4`] (no recorded prototype; such
/// patches are not type-checked).
pub const RKLP_ABI_VERSION_MIN: u32 = 4;

/// One function to replace (`struct rklp_func_desc`).
#[repr(C)]
pub struct RklpFuncDesc {
    /// Name of the original function, NUL-terminated.
    pub old_name: *const u8,
    /// Address of the replacement (an `extern "C"` function).
    pub new_func: *const u8,
    /// Which occurrence of `old_name` in the object's kallsyms (1-based);
    /// 0 means the name must be unique.
    pub old_sympos: usize,
    /// The replacement's prototype as its patch module was compiled with
    /// it (ABI 5); null if not recorded (then it is not checked).
    pub proto: *const RklpProto,
}

/// A function descriptor of ABI 4 (`RklpFuncDesc` without `proto`).
#[repr(C)]
pub struct RklpFuncDescV4 {
    /// As [`RklpFuncDesc::old_name`].
    pub old_name: *const u8,
    /// As [`RklpFuncDesc::new_func`].
    pub new_func: *const u8,
    /// As [`RklpFuncDesc::old_sympos`].
    pub old_sympos: usize,
}

/// `RklpProtoType::kind`: no type (a return value of `void`).
pub const RKLP_PROTO_VOID: u32 = 1;
/// An integer (signed or not, `bool` and `char` included).
pub const RKLP_PROTO_INT: u32 = 2;
/// A pointer (to data or to a function).
pub const RKLP_PROTO_PTR: u32 = 3;
/// A struct passed by value.
pub const RKLP_PROTO_STRUCT: u32 = 4;
/// A union passed by value.
pub const RKLP_PROTO_UNION: u32 = 5;
/// An enum (C passes it as an integer of its size: rklp takes an enum and
/// an integer of the same size as the same class).
pub const RKLP_PROTO_ENUM: u32 = 6;
/// A floating-point number.
pub const RKLP_PROTO_FLOAT: u32 = 7;

/// Most arguments a recorded prototype describes.
pub const RKLP_PROTO_MAX_ARGS: usize = 12;

/// The kind and size of one argument or return value
/// (`struct rklp_proto_type`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct RklpProtoType {
    /// `RKLP_PROTO_*`.
    pub kind: u32,
    /// Size in bytes (0 for `void`).
    pub size: u32,
}

/// A replacement's prototype, recorded when its patch module was compiled
/// (`struct rklp_proto`): rklp compares it with the original function's
/// BTF prototype where the kernel has BTF.
#[repr(C)]
pub struct RklpProto {
    /// Number of arguments (at most [`RKLP_PROTO_MAX_ARGS`]).
    pub nr_args: u32,
    /// The return value.
    pub ret: RklpProtoType,
    /// The arguments; entries from `nr_args` on are unused.
    pub args: [RklpProtoType; RKLP_PROTO_MAX_ARGS],
}

/// Per-object callbacks (`struct rklp_callbacks`); each gets the object's
/// name (null for vmlinux). Rules as upstream livepatch's klp_callbacks.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct RklpCallbacks {
    /// Before the object is patched; non-zero (a -errno) stops it.
    pub pre_patch: Option<unsafe extern "C" fn(*const u8) -> i32>,
    /// After the patching transition completed.
    pub post_patch: Option<unsafe extern "C" fn(*const u8)>,
    /// Before an unpatching transition starts.
    pub pre_unpatch: Option<unsafe extern "C" fn(*const u8)>,
    /// After unpatching completed (only if pre_patch ran and succeeded).
    pub post_unpatch: Option<unsafe extern "C" fn(*const u8)>,
}

/// A symbol of the object (a function or a variable, usually one it does
/// not export) that the patch's code uses (`struct rklp_sym_desc`, ABI 4):
/// rklp stores its address in `*slot` when the object is patched, before
/// any replacement of the object can run, and stores 0 when the object's
/// module goes away.
#[repr(C)]
pub struct RklpSymDesc {
    /// Name of the symbol, NUL-terminated.
    pub name: *const u8,
    /// Which occurrence of `name` in the object's kallsyms (1-based); 0
    /// means the name must be unique.
    pub sympos: usize,
    /// Where rklp stores the address: a pointer-sized, aligned word of the
    /// patch module's core data (not read-only, not init data).
    pub slot: *mut usize,
}

/// One object: vmlinux (null `name`) or a module (`struct rklp_object_desc`).
#[repr(C)]
pub struct RklpObjectDesc {
    /// Module name, NUL-terminated; null for vmlinux.
    pub name: *const u8,
    /// The functions of this object.
    pub funcs: *const RklpFuncDesc,
    /// Number of entries in `funcs`.
    pub nr_funcs: usize,
    /// Callbacks.
    pub callbacks: RklpCallbacks,
    /// The symbols of this object the patch uses (ABI 4).
    pub syms: *const RklpSymDesc,
    /// Number of entries in `syms`.
    pub nr_syms: usize,
}

/// A system state the patch modifies (`struct rklp_state`, as upstream's
/// `struct klp_state`). In a descriptor it declares the state; rklp copies
/// it into a `struct rklp_state` of its own, which `rklp_get_state()` and
/// `rklp_get_prev_state()` return and whose `data` callbacks may use.
#[repr(C)]
pub struct RklpState {
    /// Identifier of the state (non-zero, unique in the patch).
    pub id: u64,
    /// Version of the change of the state; a later patch must carry the
    /// same or a higher one.
    pub version: u32,
    /// For the patch's use (copied from the descriptor at registration).
    pub data: *mut core::ffi::c_void,
}

/// A whole patch (`struct rklp_patch_desc`).
#[repr(C)]
pub struct RklpPatchDesc {
    /// Must be [`RKLP_ABI_VERSION`].
    pub abi_version: u32,
    /// `RKLP_PATCH_*` flags.
    pub flags: u32,
    /// The objects of this patch.
    pub objs: *const RklpObjectDesc,
    /// Number of entries in `objs`.
    pub nr_objs: usize,
    /// The system states this patch modifies (ABI 3).
    pub states: *const RklpState,
    /// Number of entries in `states`.
    pub nr_states: usize,
}

/// Switch all tasks at once in stop_machine instead of task by task.
pub const RKLP_PATCH_IMMEDIATE: u32 = 1 << 0;

/// Atomic replace: supersede every earlier patch in one transition.
pub const RKLP_PATCH_REPLACE: u32 = 1 << 1;

/// Every `RKLP_PATCH_*` flag this version of rklp knows.
pub const RKLP_PATCH_KNOWN_FLAGS: u32 = RKLP_PATCH_IMMEDIATE | RKLP_PATCH_REPLACE;

/// Most objects in one patch; rklp refuses a descriptor with more.
pub const RKLP_MAX_OBJS: usize = 1024;

/// Most functions in one object; rklp refuses a descriptor with more.
pub const RKLP_MAX_FUNCS: usize = 65536;

/// Most symbols of one object; rklp refuses a descriptor with more.
pub const RKLP_MAX_SYMS: usize = 65536;

/// Most system states in one patch; rklp refuses a descriptor with more.
pub const RKLP_MAX_STATES: usize = 1024;

/// Longest function name with its NUL (the kernel's `KSYM_NAME_LEN`).
pub const RKLP_KSYM_NAME_LEN: usize = 512;

/// Longest object (module) name with its NUL (`MODULE_NAME_LEN` on 64-bit).
pub const RKLP_MODULE_NAME_LEN: usize = 56;
