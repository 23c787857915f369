// SPDX-License-Identifier: GPL-2.0

//! Safe views of the descriptors a patch module passes to
//! `rklp_enable_patch` (layouts in `include/rklp/abi.rs`).

use kernel::prelude::*;
use kernel::str::CStr;

#[allow(dead_code, unreachable_pub)]
mod abi {
    include!("../include/rklp/abi.rs");
}
pub(crate) use abi::{
    RklpCallbacks, RklpPatchDesc, RklpState, RKLP_ABI_VERSION, RKLP_PATCH_IMMEDIATE,
    RKLP_PATCH_KNOWN_FLAGS, RKLP_PATCH_REPLACE,
};

/// A validated view of a patch descriptor.
///
/// # Invariants
///
/// All pointers reachable from `desc` were checked non-null where required,
/// and point into the patch module, which stays loaded for `'a`.
pub(crate) struct PatchDesc<'a> {
    desc: &'a abi::RklpPatchDesc,
}

/// A view of one object descriptor.
pub(crate) struct ObjectDesc<'a> {
    /// Module name; `None` for vmlinux.
    pub(crate) name: Option<&'a CStr>,
    funcs: &'a [abi::RklpFuncDesc],
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

/// A view of one function descriptor.
pub(crate) struct FuncDesc<'a> {
    /// Name of the original function.
    pub(crate) old_name: &'a CStr,
    /// Address of the replacement.
    pub(crate) new_func: usize,
    /// Occurrence of `old_name` in the object (0: must be unique).
    pub(crate) old_sympos: usize,
}

/// Builds a slice from a C array, refusing null pointers for non-empty ones.
///
/// # Safety
///
/// If non-null, `ptr` must point to `len` valid `T`s that live for `'a`.
unsafe fn slice<'a, T>(ptr: *const T, len: usize) -> Result<&'a [T]> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(EINVAL);
    }
    // SAFETY: non-null, and valid for `len` elements per the contract.
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

impl<'a> PatchDesc<'a> {
    /// Checks and wraps a descriptor.
    ///
    /// # Safety
    ///
    /// `desc` and everything it points to must be valid (as built by the
    /// `KlpPatch` API) and stay valid for `'a`: the caller pins the patch
    /// module for that long.
    pub(crate) unsafe fn from_raw(desc: *const abi::RklpPatchDesc) -> Result<Self> {
        // SAFETY: valid or null per the contract.
        let desc = unsafe { desc.as_ref() }.ok_or(EINVAL)?;
        if desc.abi_version != RKLP_ABI_VERSION {
            pr_err!(
                "patch ABI version {} not supported (rklp speaks {})\n",
                desc.abi_version,
                RKLP_ABI_VERSION
            );
            return Err(EINVAL);
        }
        // SAFETY: per the contract; checked for null.
        unsafe { slice(desc.states, desc.nr_states) }?;
        // SAFETY: per the contract; checked for null.
        let objs = unsafe { slice(desc.objs, desc.nr_objs) }?;
        for o in objs {
            // SAFETY: per the contract; checked for null.
            let funcs = unsafe { slice(o.funcs, o.nr_funcs) }?;
            for f in funcs {
                if f.old_name.is_null() || f.new_func.is_null() {
                    return Err(EINVAL);
                }
            }
        }
        Ok(Self { desc })
    }

    /// `RKLP_PATCH_*` flags.
    pub(crate) fn flags(&self) -> u32 {
        self.desc.flags
    }

    /// The declared system states: (id, version, initial data).
    pub(crate) fn states(&self) -> impl Iterator<Item = StateDesc> + 'a {
        // SAFETY: checked in `from_raw` (type invariant).
        let states = unsafe { slice(self.desc.states, self.desc.nr_states) }.unwrap_or(&[]);
        states.iter().map(|s| StateDesc {
            id: s.id,
            version: s.version,
            data: s.data as usize,
        })
    }

    /// The objects.
    pub(crate) fn objects(&self) -> impl Iterator<Item = ObjectDesc<'a>> + 'a {
        // SAFETY: checked in `from_raw` (type invariant).
        let objs = unsafe { slice(self.desc.objs, self.desc.nr_objs) }.unwrap_or(&[]);
        objs.iter().map(|o| ObjectDesc {
            // SAFETY: a non-null name is NUL-terminated (contract of from_raw).
            name: (!o.name.is_null()).then(|| unsafe { CStr::from_char_ptr(o.name.cast()) }),
            // SAFETY: checked in `from_raw` (type invariant).
            funcs: unsafe { slice(o.funcs, o.nr_funcs) }.unwrap_or(&[]),
            callbacks: o.callbacks,
        })
    }
}

impl<'a> ObjectDesc<'a> {
    /// Number of functions.
    pub(crate) fn nr_funcs(&self) -> usize {
        self.funcs.len()
    }

    /// The functions.
    pub(crate) fn funcs(&self) -> impl Iterator<Item = FuncDesc<'a>> + 'a {
        self.funcs.iter().map(|f| FuncDesc {
            // SAFETY: non-null (checked in `from_raw`) and NUL-terminated.
            old_name: unsafe { CStr::from_char_ptr(f.old_name.cast()) },
            new_func: f.new_func as usize,
            old_sympos: f.old_sympos,
        })
    }
}

/// Calls an object's callbacks. The callbacks live in the patch module,
/// which the patch pins for as long as it holds them.
pub(crate) mod call {
    use super::abi::RklpCallbacks;
    use kernel::str::CStr;

    fn arg(name: Option<&CStr>) -> *const u8 {
        name.map_or(core::ptr::null(), |n| n.as_char_ptr().cast())
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
