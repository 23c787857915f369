// SPDX-License-Identifier: GPL-2.0

//! Which loaded modules are marked as patch modules: their .modinfo carries
//! `rklp=Y` (`modinfo` shows `rklp: Y`), which the patch API adds
//! (include/rklp/api.rs, include/rklp/rklp.h). rklp refuses a patch from
//! any other module, as upstream's klp_enable_patch() refuses one whose
//! module is not marked `livepatch: Y` (is_livepatch_module()).
//!
//! Upstream's loader reads the tag while it has the module's file; rklp,
//! a module itself, reads it in its COMING notifier, the last moment the
//! loader still has .modinfo, and remembers the answer until the module
//! goes.

use crate::sys::module_notifier::ComingModule;
use kernel::alloc::flags::GFP_KERNEL;
use kernel::c_str;
use kernel::prelude::*;
use kernel::str::CStr;

/// The .modinfo entry that marks a patch module.
pub(crate) const TAG: &CStr = c_str!("rklp=Y");

/// The loaded modules (as addresses, identities only) whose .modinfo has
/// [`TAG`].
pub(crate) struct PatchModules {
    addrs: KVec<usize>,
}

impl PatchModules {
    pub(crate) const fn new() -> Self {
        Self { addrs: KVec::new() }
    }

    /// `module` is coming: remembers it if it is tagged. Fails (and the
    /// module's load with it) only if a tagged module cannot be recorded.
    pub(crate) fn coming(&mut self, name: &CStr, module: &ComingModule) -> Result {
        if !module.has_modinfo(TAG) {
            return Ok(());
        }
        self.addrs
            .push(module.addr(), GFP_KERNEL)
            .inspect_err(|_| {
                pr_err!(
                    "out of memory: cannot record '{}' as a patch module, refusing to load it\n",
                    name
                );
            })?;
        Ok(())
    }

    /// The module at `module` is going away (or its load failed).
    pub(crate) fn going(&mut self, module: usize) {
        crate::sys::vec::retain(&mut self.addrs, |&a| a != module);
    }

    /// Whether the module at `module` was tagged when it loaded.
    pub(crate) fn contains(&self, module: usize) -> bool {
        self.addrs.iter().any(|&a| a == module)
    }
}
