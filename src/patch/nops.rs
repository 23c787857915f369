// SPDX-License-Identifier: GPL-2.0

//! Atomic replace's dynamic no-ops: a function an earlier patch changes
//! and the replace patch does not gets an entry that runs the original.

use super::build::copy_cstr;
use super::{Func, Object, Patch};
#[allow(unused_imports)]
use crate::compat::CStrToBytes as _;
use crate::sys::patch_desc::RklpCallbacks;
use kernel::alloc::flags::GFP_KERNEL;
use kernel::prelude::*;
impl Patch {
    /// Atomic replace: adds a no-op for every function an earlier patch
    /// changes and this one does not (in new objects if needed).
    pub(crate) fn add_nops(&mut self, earlier: &[KBox<Patch>]) -> Result {
        for old in earlier {
            for oo in old.objs.iter() {
                let oname = oo.display_name().to_bytes();
                let idx = match self
                    .objs
                    .iter()
                    .position(|o| o.display_name().to_bytes() == oname)
                {
                    Some(i) => i,
                    None => {
                        self.objs.push(
                            Object {
                                name: oo.name.as_deref().map(copy_cstr).transpose()?,
                                funcs: KVec::new(),
                                syms: KVec::new(),
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
                add_object_nops(obj, oo)?;
            }
        }
        Ok(())
    }
}

/// Adds to `obj` a no-op for each function of `old` (the same object in an
/// earlier patch) that `obj` lacks. `obj`'s functions are sorted by (name,
/// position) once and looked up by binary search: a cumulative patch of N
/// functions replacing one of N costs N log N comparisons, not N^2.
fn add_object_nops(obj: &mut Object, old: &Object) -> Result {
    fn key(f: &Func) -> (&[u8], usize) {
        (f.old_name.to_bytes(), f.old_sympos.max(1))
    }
    let mut have = KVec::with_capacity(obj.funcs.len(), GFP_KERNEL)?;
    for i in 0..obj.funcs.len() {
        have.push(i, GFP_KERNEL)?;
    }
    have.as_mut_slice()
        .sort_unstable_by(|&a, &b| key(&obj.funcs[a]).cmp(&key(&obj.funcs[b])));
    let mut nops = KVec::new();
    for of in old.funcs.iter().filter(|f| !f.nop) {
        let k = key(of);
        if have
            .as_slice()
            .binary_search_by(|&i| key(&obj.funcs[i]).cmp(&k))
            .is_ok()
        {
            continue;
        }
        nops.push(
            Func {
                old_name: copy_cstr(&of.old_name)?,
                old_sympos: of.old_sympos,
                new_func: 0,
                old_addr: 0,
                old_size: 0,
                new_size: 0,
                ftrace_loc: 0,
                nop: true,
                proto: None,
                entry: None,
                dir: None,
            },
            GFP_KERNEL,
        )?;
    }
    // Within one earlier object a function appears once (check_shape), so
    // `nops` holds no repeats; later objects see them in `obj`.
    obj.funcs.reserve(nops.len(), GFP_KERNEL)?;
    for f in nops {
        obj.funcs.push(f, GFP_KERNEL)?;
    }
    Ok(())
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
            syms: KVec::new(),
            patched: self.patched,
            callbacks: RklpCallbacks::default(),
            callbacks_enabled: false,
            loaded: self.loaded,
            dir: None,
        })
    }
}
