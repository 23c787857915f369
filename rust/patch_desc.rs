// SPDX-License-Identifier: GPL-2.0

//! Safe views of the descriptors a patch module passes to
//! `rklp_enable_patch` (layouts in `include/rklp/abi.rs`).

use crate::patch::validate;
use kernel::prelude::*;
use kernel::str::CStr;

#[allow(dead_code, unreachable_pub)]
mod abi {
    include!("../include/rklp/abi.rs");
}
// The C API (include/rklp/rklp.h, run through bindgen with rklp's other
// bindings) describes the same layouts and constants as abi.rs: checked at
// compile time, field by field.
const _: () = {
    use super::bindings as c;
    use core::mem::{offset_of, size_of};
    macro_rules! same_layout {
        ($r:ty, $c:ty, $($f:ident),*) => {
            assert!(size_of::<$r>() == size_of::<$c>());
            $(assert!(offset_of!($r, $f) == offset_of!($c, $f));)*
        };
    }
    same_layout!(
        abi::RklpFuncDesc,
        c::rklp_func_desc,
        old_name,
        new_func,
        old_sympos,
        proto
    );
    same_layout!(abi::RklpProtoType, c::rklp_proto_type, kind, size);
    same_layout!(abi::RklpProto, c::rklp_proto, nr_args, ret, args);
    assert!(abi::RKLP_PROTO_MAX_ARGS == c::RKLP_PROTO_MAX_ARGS as usize);
    assert!(abi::RKLP_PROTO_VOID == c::RKLP_PROTO_VOID);
    assert!(abi::RKLP_PROTO_INT == c::RKLP_PROTO_INT);
    assert!(abi::RKLP_PROTO_PTR == c::RKLP_PROTO_PTR);
    assert!(abi::RKLP_PROTO_STRUCT == c::RKLP_PROTO_STRUCT);
    assert!(abi::RKLP_PROTO_UNION == c::RKLP_PROTO_UNION);
    assert!(abi::RKLP_PROTO_ENUM == c::RKLP_PROTO_ENUM);
    assert!(abi::RKLP_PROTO_FLOAT == c::RKLP_PROTO_FLOAT);
    // ABI 4's function descriptor is ABI 5's without `proto`.
    assert!(size_of::<abi::RklpFuncDescV4>() == offset_of!(abi::RklpFuncDesc, proto));
    same_layout!(
        abi::RklpCallbacks,
        c::rklp_callbacks,
        pre_patch,
        post_patch,
        pre_unpatch,
        post_unpatch
    );
    same_layout!(abi::RklpSymDesc, c::rklp_sym_desc, name, sympos, slot);
    same_layout!(
        abi::RklpObjectDesc,
        c::rklp_object_desc,
        name,
        funcs,
        nr_funcs,
        callbacks,
        syms,
        nr_syms
    );
    same_layout!(abi::RklpState, c::rklp_state, id, version, data);
    same_layout!(
        abi::RklpPatchDesc,
        c::rklp_patch_desc,
        abi_version,
        flags,
        objs,
        nr_objs,
        states,
        nr_states
    );
    assert!(abi::RKLP_ABI_VERSION == c::RKLP_ABI_VERSION);
    assert!(abi::RKLP_PATCH_IMMEDIATE == c::RKLP_PATCH_IMMEDIATE);
    assert!(abi::RKLP_PATCH_REPLACE == c::RKLP_PATCH_REPLACE);
    assert!(abi::RKLP_MAX_OBJS == c::RKLP_MAX_OBJS as usize);
    assert!(abi::RKLP_MAX_FUNCS == c::RKLP_MAX_FUNCS as usize);
    assert!(abi::RKLP_MAX_SYMS == c::RKLP_MAX_SYMS as usize);
    assert!(abi::RKLP_MAX_STATES == c::RKLP_MAX_STATES as usize);
    assert!(abi::RKLP_KSYM_NAME_LEN == c::RKLP_KSYM_NAME_LEN as usize);
    assert!(abi::RKLP_MODULE_NAME_LEN == c::RKLP_MODULE_NAME_LEN as usize);
};

pub(crate) use abi::{
    RklpCallbacks, RklpPatchDesc, RklpProto, RklpState, RKLP_ABI_VERSION, RKLP_PATCH_IMMEDIATE,
    RKLP_PATCH_KNOWN_FLAGS, RKLP_PATCH_REPLACE,
};

/// A validated view of a patch descriptor.
///
/// # Invariants
///
/// All pointers reachable from `desc` were checked non-null where required,
/// and stay valid for `'a` (the `rklp_enable_patch()` call).
pub(crate) struct PatchDesc<'a> {
    desc: &'a abi::RklpPatchDesc,
}

/// An object's function descriptors, in the layout of the patch's ABI.
#[derive(Clone, Copy)]
enum Funcs<'a> {
    /// ABI 4: no recorded prototypes.
    V4(&'a [abi::RklpFuncDescV4]),
    /// The current ABI.
    Current(&'a [abi::RklpFuncDesc]),
}

impl<'a> Funcs<'a> {
    /// The functions of object `o` of a descriptor of `abi_version`.
    ///
    /// # Safety
    ///
    /// As [`slice`], for `o.funcs` read as an array of the version's
    /// function descriptors.
    unsafe fn of(o: &abi::RklpObjectDesc, abi_version: u32) -> Result<Self> {
        Ok(if abi_version == abi::RKLP_ABI_VERSION_MIN {
            // SAFETY: an ABI 4 descriptor's array (contract).
            Funcs::V4(unsafe { slice(o.funcs.cast(), o.nr_funcs, abi::RKLP_MAX_FUNCS) }?)
        } else {
            // SAFETY: per the contract.
            Funcs::Current(unsafe { slice(o.funcs, o.nr_funcs, abi::RKLP_MAX_FUNCS) }?)
        })
    }

    fn len(&self) -> usize {
        match self {
            Funcs::V4(f) => f.len(),
            Funcs::Current(f) => f.len(),
        }
    }

    /// Function `i`'s (name, replacement, sympos, prototype).
    fn get(&self, i: usize) -> (*const u8, *const u8, usize, *const abi::RklpProto) {
        match self {
            Funcs::V4(f) => (
                f[i].old_name,
                f[i].new_func,
                f[i].old_sympos,
                core::ptr::null(),
            ),
            Funcs::Current(f) => (f[i].old_name, f[i].new_func, f[i].old_sympos, f[i].proto),
        }
    }
}

/// A view of one object descriptor.
pub(crate) struct ObjectDesc<'a> {
    /// Module name; `None` for vmlinux.
    pub(crate) name: Option<&'a CStr>,
    funcs: Funcs<'a>,
    syms: &'a [abi::RklpSymDesc],
    /// Callbacks (code in the patch module, pinned with the patch).
    pub(crate) callbacks: abi::RklpCallbacks,
}

/// A copy of one state descriptor.
pub(crate) struct StateDesc {
    /// Identifier.
    pub(crate) id: u64,
    /// Version.
    pub(crate) version: u32,
    /// Initial `data` (an opaque value for the patch module).
    pub(crate) data: usize,
}

/// A view of one symbol reference.
pub(crate) struct SymDesc<'a> {
    /// Name of the symbol.
    pub(crate) name: &'a CStr,
    /// Occurrence of `name` in the object (0: must be unique).
    pub(crate) sympos: usize,
    /// Address of the slot (checked against the patch module's data when
    /// the patch is built).
    pub(crate) slot: usize,
}

/// A view of one function descriptor.
pub(crate) struct FuncDesc<'a> {
    /// Name of the original function.
    pub(crate) old_name: &'a CStr,
    /// Address of the replacement.
    pub(crate) new_func: usize,
    /// Occurrence of `old_name` in the object (0: must be unique).
    pub(crate) old_sympos: usize,
    /// The replacement's recorded prototype (ABI 5), if any.
    pub(crate) proto: Option<&'a abi::RklpProto>,
}

/// Builds a slice from a C array, refusing null pointers for non-empty ones
/// and counts above `max` (which keeps `len * size_of::<T>()` far below
/// `isize::MAX`, as `from_raw_parts` requires).
///
/// # Safety
///
/// If non-null and `len <= max`, `ptr` must point to `len` valid `T`s that
/// live for `'a`.
unsafe fn slice<'a, T>(ptr: *const T, len: usize, max: usize) -> Result<&'a [T]> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() || len > max {
        return Err(EINVAL);
    }
    // SAFETY: non-null, `len` is bounded, and valid for `len` elements per
    // the contract.
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

/// The NUL-terminated string at `ptr` if its NUL is among its first `max`
/// bytes (so it is at most `max - 1` characters long); never reads more
/// than `max` bytes.
///
/// # Safety
///
/// `ptr` must be non-null and readable up to its first NUL or for `max`
/// bytes, whichever comes first, for `'a`.
unsafe fn bounded_cstr<'a>(ptr: *const u8, max: usize) -> Option<&'a CStr> {
    // SAFETY: `nul_within` reads byte `i` only if no byte before it is a
    // NUL and `i < max`, so it is readable (contract).
    let i = validate::nul_within(|i| unsafe { ptr.add(i).read() }, max)?;
    // SAFETY: bytes `0..=i` are readable, byte `i` is the first NUL.
    let bytes = unsafe { core::slice::from_raw_parts(ptr, i + 1) };
    // SAFETY: `bytes` ends with its only NUL.
    Some(unsafe { CStr::from_bytes_with_nul_unchecked(bytes) })
}

/// [`bounded_cstr`] for a possibly null pointer (`None` for null).
///
/// # Safety
///
/// As [`bounded_cstr`] if `ptr` is non-null.
unsafe fn nonnull_cstr<'a>(ptr: *const u8, max: usize) -> Option<&'a CStr> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: non-null; the rest is the caller's contract.
    unsafe { bounded_cstr(ptr, max) }
}

impl<'a> PatchDesc<'a> {
    /// Checks and wraps a descriptor: ABI version, counts within the
    /// `RKLP_MAX_*` caps, non-null arrays, names and replacements, names
    /// terminated within the kernel's length limits (read with bounds, so a
    /// garbage count or an unterminated name is refused, not followed).
    /// Each refusal is `-EINVAL` with a message.
    ///
    /// # Safety
    ///
    /// `desc` and everything it points to must be valid (as the C API
    /// describes it) and stay valid for `'a`: the caller keeps the view no
    /// longer than its `rklp_enable_patch()` call. Counts and names need
    /// not be sane.
    pub(crate) unsafe fn from_raw(desc: *const abi::RklpPatchDesc) -> Result<Self> {
        // SAFETY: valid or null per the contract.
        let desc = unsafe { desc.as_ref() }.ok_or(EINVAL)?;
        if desc.abi_version != RKLP_ABI_VERSION && desc.abi_version != abi::RKLP_ABI_VERSION_MIN {
            pr_err!(
                "patch ABI version {} not supported (rklp speaks {} and {})\n",
                desc.abi_version,
                abi::RKLP_ABI_VERSION_MIN,
                RKLP_ABI_VERSION
            );
            return Err(EINVAL);
        }
        if !validate::counts_within(
            desc.nr_objs,
            desc.nr_states,
            abi::RKLP_MAX_OBJS,
            abi::RKLP_MAX_STATES,
        ) {
            pr_err!(
                "patch descriptor: {} objects and {} system states (at most {} and {})\n",
                desc.nr_objs,
                desc.nr_states,
                abi::RKLP_MAX_OBJS,
                abi::RKLP_MAX_STATES
            );
            return Err(EINVAL);
        }
        // SAFETY: per the contract; checked for null and bounded.
        unsafe { slice(desc.states, desc.nr_states, abi::RKLP_MAX_STATES) }?;
        // SAFETY: per the contract; checked for null and bounded.
        let objs = unsafe { slice(desc.objs, desc.nr_objs, abi::RKLP_MAX_OBJS) }?;
        for (i, o) in objs.iter().enumerate() {
            // SAFETY: a non-null name is readable up to its NUL (contract).
            if !o.name.is_null()
                && unsafe { bounded_cstr(o.name, abi::RKLP_MODULE_NAME_LEN) }.is_none()
            {
                pr_err!(
                    "patch descriptor: object {}: name not NUL-terminated within {} bytes\n",
                    i,
                    abi::RKLP_MODULE_NAME_LEN
                );
                return Err(EINVAL);
            }
            if o.nr_syms > abi::RKLP_MAX_SYMS {
                pr_err!(
                    "patch descriptor: object {}: {} symbols (at most {})\n",
                    i,
                    o.nr_syms,
                    abi::RKLP_MAX_SYMS
                );
                return Err(EINVAL);
            }
            // SAFETY: per the contract; checked for null and bounded.
            let syms = unsafe { slice(o.syms, o.nr_syms, abi::RKLP_MAX_SYMS) }?;
            for (j, sym) in syms.iter().enumerate() {
                if sym.name.is_null() || sym.slot.is_null() {
                    pr_err!(
                        "patch descriptor: object {} symbol {}: null name or slot\n",
                        i,
                        j
                    );
                    return Err(EINVAL);
                }
                // SAFETY: non-null, readable up to its NUL (contract).
                if unsafe { bounded_cstr(sym.name, abi::RKLP_KSYM_NAME_LEN) }.is_none() {
                    pr_err!(
                        "patch descriptor: object {} symbol {}: name not NUL-terminated within {} bytes\n",
                        i,
                        j,
                        abi::RKLP_KSYM_NAME_LEN
                    );
                    return Err(EINVAL);
                }
            }
            if o.nr_funcs > abi::RKLP_MAX_FUNCS {
                pr_err!(
                    "patch descriptor: object {}: {} functions (at most {})\n",
                    i,
                    o.nr_funcs,
                    abi::RKLP_MAX_FUNCS
                );
                return Err(EINVAL);
            }
            // SAFETY: per the contract (an array of the descriptor's
            // version); checked for null and bounded.
            let funcs = unsafe { Funcs::of(o, desc.abi_version) }?;
            for j in 0..funcs.len() {
                let (old_name, new_func, _, _) = funcs.get(j);
                if old_name.is_null() || new_func.is_null() {
                    pr_err!(
                        "patch descriptor: object {} function {}: null name or replacement\n",
                        i,
                        j
                    );
                    return Err(EINVAL);
                }
                // SAFETY: non-null, readable up to its NUL (contract).
                if unsafe { bounded_cstr(old_name, abi::RKLP_KSYM_NAME_LEN) }.is_none() {
                    pr_err!(
                        "patch descriptor: object {} function {}: name not NUL-terminated within {} bytes\n",
                        i,
                        j,
                        abi::RKLP_KSYM_NAME_LEN
                    );
                    return Err(EINVAL);
                }
            }
        }
        Ok(Self { desc })
    }

    /// The descriptor's ABI version (current or [`RKLP_ABI_VERSION_MIN`]).
    pub(crate) fn abi_version(&self) -> u32 {
        self.desc.abi_version
    }

    /// `RKLP_PATCH_*` flags.
    pub(crate) fn flags(&self) -> u32 {
        self.desc.flags
    }

    /// The declared system states: (id, version, initial data).
    pub(crate) fn states(&self) -> impl Iterator<Item = StateDesc> + 'a {
        // SAFETY: checked in `from_raw` (type invariant).
        let states = unsafe { slice(self.desc.states, self.desc.nr_states, abi::RKLP_MAX_STATES) }
            .unwrap_or(&[]);
        states.iter().map(|s| StateDesc {
            id: s.id,
            version: s.version,
            data: s.data as usize,
        })
    }

    /// The objects.
    pub(crate) fn objects(&self) -> impl Iterator<Item = ObjectDesc<'a>> + 'a {
        // SAFETY: checked in `from_raw` (type invariant).
        let objs =
            unsafe { slice(self.desc.objs, self.desc.nr_objs, abi::RKLP_MAX_OBJS) }.unwrap_or(&[]);
        let version = self.desc.abi_version;
        objs.iter().map(move |o| ObjectDesc {
            // SAFETY: a non-null name was found terminated within the bound
            // in `from_raw` (type invariant); a null one is vmlinux.
            name: unsafe { nonnull_cstr(o.name, abi::RKLP_MODULE_NAME_LEN) },
            // SAFETY: checked in `from_raw` (type invariant).
            funcs: unsafe { Funcs::of(o, version) }.unwrap_or(Funcs::Current(&[])),
            // SAFETY: checked in `from_raw` (type invariant).
            syms: unsafe { slice(o.syms, o.nr_syms, abi::RKLP_MAX_SYMS) }.unwrap_or(&[]),
            callbacks: o.callbacks,
        })
    }
}

impl<'a> ObjectDesc<'a> {
    /// Number of functions.
    pub(crate) fn nr_funcs(&self) -> usize {
        self.funcs.len()
    }

    /// Number of symbol references.
    pub(crate) fn nr_syms(&self) -> usize {
        self.syms.len()
    }

    /// The symbol references.
    pub(crate) fn syms(&self) -> impl Iterator<Item = SymDesc<'a>> + 'a {
        self.syms.iter().map(|s| SymDesc {
            // SAFETY: non-null and terminated within the bound (checked in
            // `from_raw`, type invariant of `PatchDesc`).
            name: unsafe { nonnull_cstr(s.name, abi::RKLP_KSYM_NAME_LEN) }
                .unwrap_or(kernel::c_str!("")),
            sympos: s.sympos,
            slot: s.slot as usize,
        })
    }

    /// The functions.
    pub(crate) fn funcs(&self) -> impl Iterator<Item = FuncDesc<'a>> + 'a {
        let funcs = self.funcs;
        (0..funcs.len()).map(move |i| {
            let (old_name, new_func, old_sympos, proto) = funcs.get(i);
            FuncDesc {
                // SAFETY: non-null and terminated within the bound (checked
                // in `from_raw`, type invariant of `PatchDesc`).
                old_name: unsafe { nonnull_cstr(old_name, abi::RKLP_KSYM_NAME_LEN) }
                    .unwrap_or(kernel::c_str!("")),
                new_func: new_func as usize,
                old_sympos,
                // SAFETY: a non-null `proto` points to a prototype record
                // valid for `'a` (the C API's contract, type invariant of
                // `PatchDesc`); its fields are checked when it is copied.
                proto: unsafe { proto.as_ref() },
            }
        })
    }
}

/// Calls an object's callbacks. The callbacks live in the patch module,
/// which the patch pins for as long as it holds them.
pub(crate) mod call {
    use super::abi::RklpCallbacks;
    use kernel::str::CStr;

    fn arg(name: Option<&CStr>) -> *const u8 {
        name.map_or(core::ptr::null(), |n| crate::compat::cstr_ptr(n).cast())
    }

    /// `pre_patch`; `Err(errno)` if it refused.
    pub(crate) fn pre_patch(
        cb: &RklpCallbacks,
        name: Option<&CStr>,
    ) -> core::result::Result<(), i32> {
        match cb.pre_patch {
            // SAFETY: a callback of the pinned patch module; NUL-terminated
            // name or null for vmlinux, as the ABI says.
            Some(f) => match unsafe { f(arg(name)) } {
                0 => Ok(()),
                e => Err(e),
            },
            None => Ok(()),
        }
    }

    /// `post_patch`, `pre_unpatch` or `post_unpatch`.
    pub(crate) fn notify(f: Option<unsafe extern "C" fn(*const u8)>, name: Option<&CStr>) {
        if let Some(f) = f {
            // SAFETY: as in `pre_patch`.
            unsafe { f(arg(name)) };
        }
    }
}
