// SPDX-License-Identifier: GPL-2.0

//! Patches, objects and functions as rklp keeps them, built from a patch
//! module's descriptor, and symbol resolution for loaded objects.

pub(crate) mod list;

use crate::redirect::func_hash::EntryId;
use crate::sys::kallsyms::{Kallsyms, Lookup};
use crate::sys::kobject::KobjDir;
use crate::sys::module_ref::ModuleRef;
use crate::sys::patch_desc::{call, PatchDesc, RklpCallbacks};
use crate::system_state::PatchStates;
use kernel::alloc::flags::GFP_KERNEL;
use kernel::c_str;
use kernel::fmt;
use kernel::prelude::*;
use kernel::str::{CStr, CString};

/// Longest symbol name (KSYM_NAME_LEN in include/linux/kallsyms.h).
const KSYM_NAME_LEN: usize = 512;
/// Longest module name (MODULE_NAME_LEN for 64-bit).
const MODULE_NAME_LEN: usize = 56;

/// One function of a patch.
pub(crate) struct Func {
    /// Name of the original function.
    pub(crate) old_name: CString,
    /// Occurrence requested (0 = unique).
    pub(crate) old_sympos: usize,
    /// The replacement's address.
    pub(crate) new_func: usize,
    /// Original's address and size, once resolved (object loaded).
    pub(crate) old_addr: usize,
    pub(crate) old_size: usize,
    /// Replacement's size (from the patch module's kallsyms).
    pub(crate) new_size: usize,
    /// The original's ftrace location: the hash key.
    pub(crate) ftrace_loc: usize,
    /// A dynamic no-op added by atomic replace: runs the original.
    pub(crate) nop: bool,
    /// This function's entry in the hash while patched.
    pub(crate) entry: Option<EntryId>,
    /// `<patch>/<object>/<func,sympos>/`.
    pub(crate) dir: Option<KobjDir>,
}

/// vmlinux or one module.
pub(crate) struct Object {
    /// Module name; `None` for vmlinux.
    pub(crate) name: Option<CString>,
    // Children before `dir`: drop order removes sysfs bottom-up.
    pub(crate) funcs: KVec<Func>,
    /// Whether the functions are in the hash.
    pub(crate) patched: bool,
    /// Callbacks (in the pinned patch module).
    pub(crate) callbacks: RklpCallbacks,
    /// pre_patch ran and succeeded: post_unpatch is due.
    pub(crate) callbacks_enabled: bool,
    /// Loaded and resolved (every function's addresses are known).
    loaded: bool,
    /// `<patch>/<object>/`.
    pub(crate) dir: Option<KobjDir>,
}

/// One patch, named after its module.
pub(crate) struct Patch {
    /// The patch module's name.
    pub(crate) name: CString,
    pub(crate) objs: KVec<Object>,
    /// `<patch>/enabled`.
    pub(crate) enabled: bool,
    /// Atomic replace patch.
    pub(crate) replace: bool,
    /// Switched all at once in stop_machine (immediate mode).
    pub(crate) immediate: bool,
    /// The system states this patch changes (system_state.rs).
    pub(crate) states: PatchStates,
    /// A transition was forced while this patch existed: its module may
    /// still be in use and is never released.
    pub(crate) forced: bool,
    /// `/sys/kernel/rklp/<patch>/`; dropped after the object dirs.
    pub(crate) dir: Option<KobjDir>,
    /// Pins the patch module; dropped last (or never, if forced).
    module: Option<ModuleRef>,
}

impl Drop for Patch {
    fn drop(&mut self) {
        if self.forced {
            // Keep the module pinned forever (as upstream's forced patches).
            if let Some(m) = self.module.take() {
                core::mem::forget(m);
            }
        }
    }
}

impl Patch {
    /// The patch module's address (its identity), unless released.
    pub(crate) fn module_addr(&self) -> Option<usize> {
        self.module.as_ref().map(|m| m.addr())
    }

    /// Every function of every object (upstream's `klp_for_each_func` in
    /// `klp_for_each_object`).
    pub(crate) fn funcs(&self) -> impl Iterator<Item = &Func> {
        self.objs.iter().flat_map(|o| o.funcs.iter())
    }

    /// The objects that are loaded and resolved (those whose callbacks run).
    pub(crate) fn resolved_objs(&mut self) -> impl Iterator<Item = &mut Object> {
        self.objs.iter_mut().filter(|o| o.is_resolved())
    }
}

impl Object {
    /// Runs pre_patch (upstream klp_pre_patch_callback); on success the
    /// post_unpatch callback becomes due.
    pub(crate) fn pre_patch(&mut self) -> Result {
        match call::pre_patch(&self.callbacks, self.name.as_deref()) {
            Ok(()) => {
                self.callbacks_enabled = true;
                Ok(())
            }
            Err(e) => {
                self.callbacks_enabled = false;
                pr_warn!(
                    "pre-patch callback failed for object '{}'\n",
                    self.display_name()
                );
                Err(Error::from_errno(e))
            }
        }
    }

    /// Runs post_patch.
    pub(crate) fn post_patch(&self) {
        call::notify(self.callbacks.post_patch, self.name.as_deref());
    }

    /// Runs pre_unpatch.
    pub(crate) fn pre_unpatch(&self) {
        call::notify(self.callbacks.pre_unpatch, self.name.as_deref());
    }

    /// Runs post_unpatch if pre_patch ran and succeeded (once).
    pub(crate) fn post_unpatch(&mut self) {
        if self.callbacks_enabled {
            call::notify(self.callbacks.post_unpatch, self.name.as_deref());
        }
        self.callbacks_enabled = false;
    }

    /// Whether every function is resolved (the object is loaded).
    pub(crate) fn is_resolved(&self) -> bool {
        self.loaded
    }

    /// Display name: the module's, or "vmlinux".
    pub(crate) fn display_name(&self) -> &CStr {
        match &self.name {
            Some(n) => n,
            None => c_str!("vmlinux"),
        }
    }
}

/// Refuses a code pointer (a replacement or a callback) that is not the
/// start of a function in the patch module's core text: anything else
/// (init text, freed after init; data; another module's or vmlinux's code,
/// which the patch does not pin; the middle of a function) would have rklp
/// jump to code that is not what the patch module means or not there.
fn check_code(
    ks: &Kallsyms,
    module: &ModuleRef,
    patch: &CStr,
    addr: usize,
    what: core::fmt::Arguments<'_>,
) -> Result {
    if !module.text_contains(addr) {
        pr_err!(
            "patch '{}': {} is not in the patch module's text\n",
            patch,
            what
        );
        return Err(EINVAL);
    }
    if !matches!(ks.symbol_size_offset(addr), Some((_, 0))) {
        pr_err!(
            "patch '{}': {} is not the start of a function\n",
            patch,
            what
        );
        return Err(EINVAL);
    }
    Ok(())
}

/// [`check_code`] for each callback of an object.
fn check_callbacks(
    ks: &Kallsyms,
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
                ks,
                module,
                patch,
                addr,
                fmt!("{} callback of object '{}'", kind, obj),
            )?;
        }
    }
    Ok(())
}

fn copy_cstr(s: &CStr) -> Result<CString> {
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
        if desc.flags() & !crate::sys::patch_desc::RKLP_PATCH_KNOWN_FLAGS != 0 {
            pr_err!("patch '{}': unknown flags {:#x}\n", &*name, desc.flags());
            return Err(EINVAL);
        }
        let mut states = PatchStates::new(&name, desc.states())?;
        states.register(module.addr())?;
        let mut objs = KVec::new();
        for o in desc.objects() {
            if let Some(n) = o.name {
                if n.len() >= MODULE_NAME_LEN || n.as_bytes() == b"vmlinux" || n.is_empty() {
                    pr_err!("patch '{}': invalid object name '{}'\n", &*name, n);
                    return Err(EINVAL);
                }
            }
            check_callbacks(ks, &module, &name, &o)?;
            let mut funcs = KVec::with_capacity(o.nr_funcs(), GFP_KERNEL)?;
            for f in o.funcs() {
                if f.old_name.is_empty() || f.old_name.len() >= KSYM_NAME_LEN {
                    pr_err!(
                        "patch '{}': invalid function name '{}'\n",
                        &*name,
                        f.old_name
                    );
                    return Err(EINVAL);
                }
                check_code(
                    ks,
                    &module,
                    &name,
                    f.new_func,
                    fmt!("replacement of '{}'", f.old_name),
                )?;
                funcs.push(
                    Func {
                        old_name: copy_cstr(f.old_name)?,
                        old_sympos: f.old_sympos,
                        new_func: f.new_func,
                        old_addr: 0,
                        old_size: 0,
                        new_size: 0,
                        ftrace_loc: 0,
                        nop: false,
                        entry: None,
                        dir: None,
                    },
                    GFP_KERNEL,
                )?;
            }
            objs.push(
                Object {
                    name: o.name.map(copy_cstr).transpose()?,
                    funcs,
                    patched: false,
                    callbacks: o.callbacks,
                    callbacks_enabled: false,
                    loaded: false,
                    dir: None,
                },
                GFP_KERNEL,
            )?;
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
        for (i, o) in self.objs.iter().enumerate() {
            for (j, f) in o.funcs.iter().enumerate() {
                if f.ftrace_loc == 0 {
                    continue;
                }
                let dup = self.objs.iter().enumerate().any(|(k, p)| {
                    p.funcs
                        .iter()
                        .enumerate()
                        .any(|(l, g)| (k, l) < (i, j) && g.ftrace_loc == f.ftrace_loc)
                });
                if dup {
                    pr_err!(
                        "patch '{}': function '{}' is patched twice\n",
                        &*self.name,
                        &*f.old_name
                    );
                    return Err(EINVAL);
                }
            }
        }
        Ok(())
    }

    /// Structural rules: at least one object, every object has functions,
    /// no object twice, no function (name, sympos) twice in one object.
    fn check_shape(&self) -> Result {
        let name = &*self.name;
        if self.objs.is_empty() {
            pr_err!("patch '{}' has no objects\n", name);
            return Err(EINVAL);
        }
        for (i, o) in self.objs.iter().enumerate() {
            let cb = &o.callbacks;
            let has_callbacks = cb.pre_patch.is_some()
                || cb.post_patch.is_some()
                || cb.pre_unpatch.is_some()
                || cb.post_unpatch.is_some();
            if o.funcs.is_empty() && !has_callbacks {
                pr_err!(
                    "patch '{}': object '{}' has no functions\n",
                    name,
                    o.display_name()
                );
                return Err(EINVAL);
            }
            if self
                .objs
                .iter()
                .take(i)
                .any(|p| p.display_name().as_bytes() == o.display_name().as_bytes())
            {
                pr_err!(
                    "patch '{}': object '{}' is listed twice\n",
                    name,
                    o.display_name()
                );
                return Err(EINVAL);
            }
            for (j, f) in o.funcs.iter().enumerate() {
                let pos = f.old_sympos.max(1);
                if o.funcs.iter().take(j).any(|g| {
                    g.old_name.as_bytes() == f.old_name.as_bytes() && g.old_sympos.max(1) == pos
                }) {
                    pr_err!(
                        "patch '{}': function '{}' is listed twice in object '{}'\n",
                        name,
                        &*f.old_name,
                        o.display_name()
                    );
                    return Err(EINVAL);
                }
            }
        }
        Ok(())
    }
}

impl Object {
    /// Resolves every function of this (loaded) object: address, size,
    /// ftrace location, and the replacement's size. Messages follow
    /// kernel/livepatch/core.c.
    pub(crate) fn resolve(&mut self, ks: &Kallsyms) -> Result {
        let objname = match &self.name {
            Some(n) => n,
            None => c_str!("vmlinux"),
        };
        let module = self.name.as_deref();
        for f in self.funcs.iter_mut() {
            let name = &*f.old_name;
            f.old_addr = match ks.lookup(module, name, f.old_sympos) {
                Lookup::Found(a) => a,
                Lookup::NotFound => {
                    pr_err!("symbol '{}' not found in symbol table\n", name);
                    return Err(EINVAL);
                }
                Lookup::Ambiguous(n) => {
                    pr_err!(
                        "unresolvable ambiguity for symbol '{}' in object '{}'\n",
                        name,
                        objname
                    );
                    pr_info!(
                        "'{}' occurs {} times in '{}': set old_sympos\n",
                        name,
                        n,
                        objname
                    );
                    return Err(EINVAL);
                }
                Lookup::NoSuchPos => {
                    pr_err!(
                        "symbol position {} for symbol '{}' in object '{}' not found\n",
                        f.old_sympos,
                        name,
                        objname
                    );
                    return Err(EINVAL);
                }
            };
            if !f.nop && f.new_func == f.old_addr {
                // ftrace would send every call back to the function's own
                // start, through the handler again: an endless loop.
                pr_err!("function '{}' cannot be its own replacement\n", name);
                return Err(EINVAL);
            }
            f.old_size = match ks.symbol_size(f.old_addr) {
                Some(s) => s,
                None => {
                    pr_err!("kallsyms size lookup failed for '{}'\n", name);
                    return Err(ENOENT);
                }
            };
            f.new_size = match ks.symbol_size(f.new_func) {
                _ if f.nop => 0,
                Some(s) => s,
                None => {
                    pr_err!("kallsyms size lookup failed for '{}' replacement\n", name);
                    return Err(ENOENT);
                }
            };
            f.ftrace_loc = match ks.ftrace_location(f.old_addr) {
                Some(l) => l,
                None => {
                    pr_err!("failed to find location for function '{}'\n", name);
                    return Err(EINVAL);
                }
            };
        }
        self.loaded = true;
        Ok(())
    }

    /// Forgets resolved addresses (the object's module went away).
    pub(crate) fn unresolve(&mut self) {
        self.loaded = false;
        for f in self.funcs.iter_mut() {
            f.old_addr = 0;
            f.old_size = 0;
            f.ftrace_loc = 0;
        }
    }
}

impl Patch {
    /// Atomic replace: adds a no-op for every function an earlier patch
    /// changes and this one does not (in new objects if needed).
    pub(crate) fn add_nops(&mut self, earlier: &[KBox<Patch>]) -> Result {
        for old in earlier {
            for oo in old.objs.iter() {
                let oname = oo.display_name().as_bytes();
                let idx = match self
                    .objs
                    .iter()
                    .position(|o| o.display_name().as_bytes() == oname)
                {
                    Some(i) => i,
                    None => {
                        self.objs.push(
                            Object {
                                name: oo.name.as_deref().map(copy_cstr).transpose()?,
                                funcs: KVec::new(),
                                patched: false,
                                callbacks: RklpCallbacks::default(),
                                callbacks_enabled: false,
                                loaded: false,
                                dir: None,
                            },
                            GFP_KERNEL,
                        )?;
                        self.objs.len() - 1
                    }
                };
                let obj = &mut self.objs[idx];
                for of in oo.funcs.iter().filter(|f| !f.nop) {
                    let pos = of.old_sympos.max(1);
                    if obj.funcs.iter().any(|f| {
                        f.old_name.as_bytes() == of.old_name.as_bytes()
                            && f.old_sympos.max(1) == pos
                    }) {
                        continue;
                    }
                    obj.funcs.push(
                        Func {
                            old_name: copy_cstr(&of.old_name)?,
                            old_sympos: of.old_sympos,
                            new_func: 0,
                            old_addr: 0,
                            old_size: 0,
                            new_size: 0,
                            ftrace_loc: 0,
                            nop: true,
                            entry: None,
                            dir: None,
                        },
                        GFP_KERNEL,
                    )?;
                }
            }
        }
        Ok(())
    }
}

impl Object {
    /// Moves this object's no-ops out (with their sysfs dirs) into a
    /// detached object, to be unpatched and dropped.
    /// On failure (out of memory) `self` is unchanged.
    pub(crate) fn take_nops(&mut self) -> Result<Object> {
        // Allocate both halves first: once the functions are moved out,
        // every one of them must land somewhere (their entries are live).
        let n = self.funcs.iter().filter(|f| f.nop).count();
        let mut nops = KVec::with_capacity(n, GFP_KERNEL)?;
        let mut keep = KVec::with_capacity(self.funcs.len() - n, GFP_KERNEL)?;
        for f in core::mem::replace(&mut self.funcs, KVec::new()) {
            let to = if f.nop { &mut nops } else { &mut keep };
            // Capacity reserved above: cannot fail.
            let _ = to.push(f, GFP_KERNEL);
        }
        self.funcs = keep;
        Ok(Object {
            name: None,
            funcs: nops,
            patched: self.patched,
            callbacks: RklpCallbacks::default(),
            callbacks_enabled: false,
            loaded: self.loaded,
            dir: None,
        })
    }
}
