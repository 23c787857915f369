// SPDX-License-Identifier: GPL-2.0

//! Building a patch from its module's descriptor, refusing malformed ones
//! (`-EINVAL` and a message, as kernel/livepatch/core.c).

use super::validate::{self, NameError, ObjectShape, ShapeError};
use super::{Func, Object, Patch, Sym};
use crate::compat::fmt;
#[allow(unused_imports)]
use crate::compat::CStrToBytes as _;
use crate::sys::kallsyms::Kallsyms;
use crate::sys::kallsyms::ModuleSyms;
use crate::sys::module_ref::ModuleRef;
use crate::sys::patch_desc::PatchDesc;
use crate::system_state::PatchStates;
use kernel::alloc::flags::GFP_KERNEL;
use kernel::c_str;
use kernel::prelude::*;
use kernel::str::{CStr, CString};

/// Refuses a code pointer (a replacement or a callback) that is not the
/// start of a function in the patch module's core text: anything else
/// (init text, freed after init; data; another module's or vmlinux's code,
/// which the patch does not pin; the middle of a function) would have rklp
/// jump to code that is not what the patch module means or not there.
fn check_code(
    syms: &ModuleSyms,
    module: &ModuleRef,
    patch: &CStr,
    addr: usize,
    what: core::fmt::Arguments<'_>,
) -> Result<usize> {
    if !module.text_contains(addr) {
        pr_err!(
            "patch '{}': {} is not in the patch module's text\n",
            patch,
            what
        );
        return Err(EINVAL);
    }
    match syms.size_offset(addr) {
        Some((size, 0)) => Ok(size),
        _ => {
            pr_err!(
                "patch '{}': {} is not the start of a function\n",
                patch,
                what
            );
            Err(EINVAL)
        }
    }
}

/// [`check_code`] for each callback of an object.
fn check_callbacks(
    syms: &ModuleSyms,
    module: &ModuleRef,
    patch: &CStr,
    o: &crate::sys::patch_desc::ObjectDesc<'_>,
) -> Result {
    let obj = o.name.unwrap_or(c_str!("vmlinux"));
    let cb = &o.callbacks;
    let all = [
        ("pre_patch", cb.pre_patch.map(|f| f as usize)),
        ("post_patch", cb.post_patch.map(|f| f as usize)),
        ("pre_unpatch", cb.pre_unpatch.map(|f| f as usize)),
        ("post_unpatch", cb.post_unpatch.map(|f| f as usize)),
    ];
    for (kind, addr) in all {
        if let Some(addr) = addr {
            check_code(
                syms,
                module,
                patch,
                addr,
                fmt!("{} callback of object '{}'", kind, obj),
            )?;
        }
    }
    Ok(())
}

/// Says why a name of the descriptor was refused. The name itself is shown
/// only when it is printable.
fn name_error(patch: &CStr, what: core::fmt::Arguments<'_>, e: NameError, max: usize) {
    let why = match e {
        NameError::Empty => "is empty",
        NameError::TooLong(_) => "is too long",
        NameError::Vmlinux => "is 'vmlinux' (vmlinux is the object without a name)",
        NameError::Dot => "is '.' or '..'",
        NameError::Slash => "contains a '/'",
        NameError::Control => "contains a control character",
    };
    match e {
        NameError::TooLong(len) => pr_err!(
            "patch '{}': {}: name of {} bytes is too long (at most {})\n",
            patch,
            what,
            len,
            max - 1
        ),
        _ => pr_err!("patch '{}': {}: name {}\n", patch, what, why),
    }
}

/// A recorded prototype, checked (`-EINVAL` and a message if malformed).
fn recorded(
    patch: &CStr,
    func: &CStr,
    p: &crate::sys::patch_desc::RklpProto,
) -> Result<crate::proto::compare::Recorded> {
    use crate::proto::compare::{BadRecord, Recorded, MAX_ARGS};
    let args: [(u32, u32); MAX_ARGS] = core::array::from_fn(|i| (p.args[i].kind, p.args[i].size));
    Recorded::from_raw(p.nr_args, (p.ret.kind, p.ret.size), &args).map_err(|e| {
        let (what, n) = match e {
            BadRecord::TooManyArgs(n) => ("more arguments than a record holds", n as usize),
            BadRecord::Kind(None, k) | BadRecord::Kind(Some(_), k) => {
                ("an unknown kind", k as usize)
            }
            BadRecord::Void(at) => ("a void argument", at.map_or(0, |i| i + 1)),
        };
        pr_err!(
            "patch '{}': replacement of '{}': malformed recorded prototype ({} {})\n",
            patch,
            func,
            what,
            n
        );
        EINVAL
    })
}

pub(super) fn copy_cstr(s: &CStr) -> Result<CString> {
    CString::try_from(s).map_err(|_| ENOMEM)
}

impl Patch {
    /// Builds the patch from its descriptor, refusing malformed ones with
    /// `-EINVAL` and a message.
    pub(crate) fn from_desc(
        ks: &Kallsyms,
        module: ModuleRef,
        desc: &PatchDesc<'_>,
    ) -> Result<KBox<Patch>> {
        let name = module.name()?;
        if validate::unknown_flags(desc.flags(), crate::sys::patch_desc::RKLP_PATCH_KNOWN_FLAGS)
            != 0
        {
            pr_err!("patch '{}': unknown flags {:#x}\n", &*name, desc.flags());
            return Err(EINVAL);
        }
        // The patch module's symbols, walked once: the replacements and
        // callbacks must start functions of its core text.
        let syms = ks.module_syms(&name, module.text_range())?;
        let mut states = PatchStates::new(&name, desc.states())?;
        states.register(module.addr())?;
        let mut objs = KVec::new();
        // Functions whose prototype the patch module did not record.
        let mut unrecorded = 0usize;
        for (i, o) in desc.objects().enumerate() {
            if let Some(n) = o.name {
                if let Some(e) = validate::object_name_error(n.to_bytes()) {
                    name_error(&name, fmt!("object {}", i), e, validate::MODULE_NAME_LEN);
                    return Err(EINVAL);
                }
            }
            check_callbacks(&syms, &module, &name, &o)?;
            let mut funcs = KVec::with_capacity(o.nr_funcs(), GFP_KERNEL)?;
            for f in o.funcs() {
                if let Some(e) = validate::symbol_name_error(f.old_name.to_bytes()) {
                    name_error(
                        &name,
                        fmt!("object {} function {}", i, funcs.len()),
                        e,
                        validate::KSYM_NAME_LEN,
                    );
                    return Err(EINVAL);
                }
                let new_size = check_code(
                    &syms,
                    &module,
                    &name,
                    f.new_func,
                    fmt!("replacement of '{}'", f.old_name),
                )?;
                let proto = match f.proto {
                    Some(p) => Some(recorded(&name, f.old_name, p)?),
                    None => {
                        unrecorded += 1;
                        None
                    }
                };
                funcs.push(
                    Func {
                        old_name: copy_cstr(f.old_name)?,
                        old_sympos: f.old_sympos,
                        new_func: f.new_func,
                        old_addr: 0,
                        old_size: 0,
                        new_size,
                        ftrace_loc: 0,
                        nop: false,
                        proto,
                        entry: None,
                        dir: None,
                    },
                    GFP_KERNEL,
                )?;
            }
            let mut syms = KVec::with_capacity(o.nr_syms(), GFP_KERNEL)?;
            for sd in o.syms() {
                if let Some(e) = validate::symbol_name_error(sd.name.to_bytes()) {
                    name_error(
                        &name,
                        fmt!("object {} symbol {}", i, syms.len()),
                        e,
                        validate::KSYM_NAME_LEN,
                    );
                    return Err(EINVAL);
                }
                // SAFETY: the slot lives in `syms`, thus in an object of
                // the patch, which drops its objects before `module` (the
                // field declared last) or, if forced, never releases it.
                let Some(slot) = (unsafe { module.data_slot(sd.slot) }) else {
                    pr_err!(
                        "patch '{}': object '{}': the slot of symbol '{}' is not a pointer variable of the patch module's data\n",
                        &*name,
                        o.name.unwrap_or(c_str!("vmlinux")),
                        sd.name
                    );
                    return Err(EINVAL);
                };
                syms.push(
                    Sym {
                        name: copy_cstr(sd.name)?,
                        sympos: sd.sympos,
                        slot,
                    },
                    GFP_KERNEL,
                )?;
            }
            objs.push(
                Object {
                    name: o.name.map(copy_cstr).transpose()?,
                    funcs,
                    syms,
                    patched: false,
                    callbacks: o.callbacks,
                    callbacks_enabled: false,
                    loaded: false,
                    dir: None,
                },
                GFP_KERNEL,
            )?;
        }
        if unrecorded > 0 {
            if desc.abi_version() < crate::sys::patch_desc::RKLP_ABI_VERSION {
                pr_info!(
                    "patch '{}': built for descriptor ABI {}, which records no prototypes: not checked\n",
                    &*name,
                    desc.abi_version()
                );
            } else {
                pr_info!(
                    "patch '{}': {} function(s) carry no recorded prototype (C's RKLP_FUNC or livepatch.h): not checked\n",
                    &*name,
                    unrecorded
                );
            }
        }
        let patch = KBox::new(
            Patch {
                name,
                objs,
                enabled: false,
                replace: desc.flags() & crate::sys::patch_desc::RKLP_PATCH_REPLACE != 0,
                immediate: desc.flags() & crate::sys::patch_desc::RKLP_PATCH_IMMEDIATE != 0,
                states,
                dir: None,
                forced: false,
                module: Some(module),
            },
            GFP_KERNEL,
        )?;
        patch.check_shape()?;
        Ok(patch)
    }

    /// Refuses a patch that reaches one function twice (two names or
    /// positions resolving to the same ftrace location).
    pub(crate) fn check_no_duplicate_locations(&self) -> Result {
        let n = self.objs.iter().map(|o| o.funcs.len()).sum();
        let mut scratch = KVec::from_elem((0, 0, 0), n, GFP_KERNEL)?;
        let dup = validate::first_duplicate_location(
            self.objs.as_slice(),
            |o| o.funcs.len(),
            |o, j| o.funcs[j].ftrace_loc,
            &mut scratch,
        );
        if let Some((i, j)) = dup {
            pr_err!(
                "patch '{}': function '{}' is patched twice\n",
                &*self.name,
                &*self.objs[i].funcs[j].old_name
            );
            return Err(EINVAL);
        }
        Ok(())
    }

    /// Structural rules: at least one object, every object has functions,
    /// no object twice, no function (name, sympos) twice in one object.
    fn check_shape(&self) -> Result {
        let name = &*self.name;
        let most = self.objs.iter().map(|o| o.funcs.len()).max().unwrap_or(0);
        let mut scratch = KVec::from_elem(0usize, most, GFP_KERNEL)?;
        match validate::check_shape(self.objs.as_slice(), &mut scratch) {
            Ok(()) => return Ok(()),
            Err(ShapeError::NoObjects) => pr_err!("patch '{}' has no objects\n", name),
            Err(ShapeError::NoFunctions(i)) => pr_err!(
                "patch '{}': object '{}' has no functions\n",
                name,
                self.objs[i].display_name()
            ),
            Err(ShapeError::ObjectTwice(i)) => pr_err!(
                "patch '{}': object '{}' is listed twice\n",
                name,
                self.objs[i].display_name()
            ),
            Err(ShapeError::FunctionTwice(i, j)) => pr_err!(
                "patch '{}': function '{}' is listed twice in object '{}'\n",
                name,
                &*self.objs[i].funcs[j].old_name,
                self.objs[i].display_name()
            ),
        }
        Err(EINVAL)
    }
}

impl ObjectShape for Object {
    fn name(&self) -> &[u8] {
        self.display_name().to_bytes()
    }

    fn has_callbacks(&self) -> bool {
        let cb = &self.callbacks;
        cb.pre_patch.is_some()
            || cb.post_patch.is_some()
            || cb.pre_unpatch.is_some()
            || cb.post_unpatch.is_some()
    }

    fn nr_funcs(&self) -> usize {
        self.funcs.len()
    }

    fn func(&self, j: usize) -> (&[u8], usize) {
        let f = &self.funcs[j];
        (f.old_name.to_bytes(), f.old_sympos)
    }
}
