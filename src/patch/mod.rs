// SPDX-License-Identifier: GPL-2.0

//! Patches, objects and functions as rklp keeps them, and their callbacks.
//! Built from a patch module's descriptor (build.rs), resolved against
//! loaded objects (resolve.rs), given no-ops by atomic replace (nops.rs),
//! kept in the patch list (list.rs). The descriptor's rules that need no
//! kernel are in validate.rs (pure: compiled into the host unit tests too).

mod build;
pub(crate) mod list;
mod nops;
mod resolve;
pub(crate) mod validate;

use crate::redirect::func_hash::EntryId;
use crate::sys::kobject::KobjDir;
use crate::sys::module_ref::{DataSlot, ModuleRef};
use crate::sys::patch_desc::{call, RklpCallbacks};
use crate::system_state::PatchStates;
use kernel::c_str;
use kernel::prelude::*;
use kernel::str::{CStr, CString};

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
    /// The replacement's recorded prototype (src/proto/), if the patch
    /// module recorded one.
    pub(crate) proto: Option<crate::proto::compare::Recorded>,
    /// This function's entry in the hash while patched.
    pub(crate) entry: Option<EntryId>,
    /// `<patch>/<object>/<func,sympos>/`.
    pub(crate) dir: Option<KobjDir>,
}

/// A symbol of an object that the patch's code uses (`KlpSym`): rklp
/// stores its address in the patch module's slot when the object is
/// resolved, and 0 when it goes away.
pub(crate) struct Sym {
    /// Name of the symbol.
    pub(crate) name: CString,
    /// Occurrence requested (0 = unique).
    pub(crate) sympos: usize,
    /// Where the patch module reads the address.
    pub(crate) slot: DataSlot,
}

/// vmlinux or one module.
pub(crate) struct Object {
    /// Module name; `None` for vmlinux.
    pub(crate) name: Option<CString>,
    // Children before `dir`: drop order removes sysfs bottom-up.
    pub(crate) funcs: KVec<Func>,
    /// The object's symbols the patch's code uses.
    pub(crate) syms: KVec<Sym>,
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
