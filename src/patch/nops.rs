// SPDX-License-Identifier: GPL-2.0

//! Atomic replace's dynamic no-ops: a function an earlier patch changes
//! and the replace patch does not gets an entry that runs the original.

use super::build::copy_cstr;
use super::{Func, Object, Patch};
use crate::sys::patch_desc::RklpCallbacks;
use kernel::alloc::flags::GFP_KERNEL;
use kernel::prelude::*;
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
                    if obj.funcs.iter().any(|f| {
                        super::validate::same_function(
                            f.old_name.as_bytes(),
                            f.old_sympos,
                            of.old_name.as_bytes(),
                            of.old_sympos,
                        )
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
