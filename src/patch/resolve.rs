// SPDX-License-Identifier: GPL-2.0

//! Symbol resolution for a loaded object: address, size and ftrace
//! location of every function, as klp_init_object_loaded().

use super::Object;
#[allow(unused_imports)]
use crate::compat::CStrToBytes as _;
use crate::proto::ProtoCheck;
use crate::sys::kallsyms::{Kallsyms, Lookup};
use kernel::alloc::flags::GFP_KERNEL;
use kernel::c_str;
use kernel::prelude::*;
use kernel::str::CStr;
impl Object {
    /// Resolves every function of this (loaded) object: address, size,
    /// ftrace location, and the replacement's size; checks the recorded
    /// prototypes against the object's BTF (src/proto/). Messages follow
    /// kernel/livepatch/core.c.
    pub(crate) fn resolve(&mut self, ks: &Kallsyms, protos: ProtoCheck<'_>) -> Result {
        let objname = match &self.name {
            Some(n) => n,
            None => c_str!("vmlinux"),
        };
        let module = self.name.as_deref();
        // A module's symbols are walked once for all the functions (one
        // walk per function grows with N times the module's size).
        let in_module = match module {
            Some(m) if self.funcs.len() > 1 => {
                let mut wanted = KVec::with_capacity(self.funcs.len(), GFP_KERNEL)?;
                for f in self.funcs.iter() {
                    wanted.push((&*f.old_name, f.old_sympos), GFP_KERNEL)?;
                }
                Some(ks.lookup_in_module(m, &wanted)?)
            }
            _ => None,
        };
        // The module's symbol addresses, for the sizes (one walk too).
        let mut msyms = None;
        let n = self.funcs.len();
        for (i, f) in self.funcs.iter_mut().enumerate() {
            let name = &*f.old_name;
            let found = match &in_module {
                Some(v) => v[i],
                None => ks.lookup(module, name, f.old_sympos),
            };
            f.old_addr = match found {
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
            if module.is_some() && msyms.is_none() && n > 1 {
                if let Some(text) = ks.module_text_range(f.old_addr) {
                    msyms = ks.module_syms(objname, text).ok();
                }
            }
            let size = match &msyms {
                Some(m) => m.size_offset(f.old_addr).map(|(s, _)| s),
                None => ks.symbol_size(f.old_addr),
            };
            f.old_size = match size {
                Some(s) => s,
                None => {
                    pr_err!("kallsyms size lookup failed for '{}'\n", name);
                    return Err(ENOENT);
                }
            };
            f.ftrace_loc = match ks.ftrace_location_in(f.old_addr, f.old_size) {
                Some(l) => l,
                None => {
                    pr_err!("failed to find location for function '{}'\n", name);
                    return Err(EINVAL);
                }
            };
        }
        // Before the symbols' slots are filled: nothing of a refused object
        // is left behind.
        self.check_protos(ks, protos)?;
        self.resolve_syms(ks)?;
        self.loaded = true;
        Ok(())
    }

    /// Resolves the object's symbol references (`KlpSym`), in this object
    /// only (as upstream's klp_resolve_symbols() resolves a module's klp
    /// relocations in that module), then stores every address in its slot:
    /// all or none. Called before any replacement of the object can run.
    fn resolve_syms(&self, ks: &Kallsyms) -> Result {
        if self.syms.is_empty() {
            return Ok(());
        }
        let objname: &CStr = self.display_name();
        let module = self.name.as_deref();
        let mut addrs = KVec::with_capacity(self.syms.len(), GFP_KERNEL)?;
        for s in self.syms.iter() {
            let found = ks.lookup(module, &s.name, s.sympos);
            match found {
                Lookup::Found(a) => addrs.push(a, GFP_KERNEL)?,
                Lookup::NotFound => {
                    pr_err!("symbol '{}' not found in object '{}'\n", &*s.name, objname);
                    match ks.owner_of(&s.name) {
                        Some(Some(m)) if m.to_bytes() != objname.to_bytes() => pr_info!(
                            "'{}' is in object '{}': a patch names a symbol under the object that has it\n",
                            &*s.name,
                            &*m
                        ),
                        Some(None) if module.is_some() => pr_info!(
                            "'{}' is in object 'vmlinux': a patch names a symbol under the object that has it\n",
                            &*s.name
                        ),
                        _ => (),
                    }
                    return Err(EINVAL);
                }
                Lookup::Ambiguous(n) => {
                    pr_err!(
                        "unresolvable ambiguity for symbol '{}' in object '{}'\n",
                        &*s.name,
                        objname
                    );
                    pr_info!(
                        "'{}' occurs {} times in '{}': set its sympos\n",
                        &*s.name,
                        n,
                        objname
                    );
                    return Err(EINVAL);
                }
                Lookup::NoSuchPos => {
                    pr_err!(
                        "symbol position {} for symbol '{}' in object '{}' not found\n",
                        s.sympos,
                        &*s.name,
                        objname
                    );
                    return Err(EINVAL);
                }
            }
        }
        for (s, a) in self.syms.iter().zip(addrs.iter()) {
            s.slot.set(*a);
        }
        Ok(())
    }

    /// Forgets resolved addresses (the object's module went away), and
    /// clears the slots of its symbol references.
    pub(crate) fn unresolve(&mut self) {
        for s in self.syms.iter() {
            s.slot.set(0);
        }
        self.loaded = false;
        for f in self.funcs.iter_mut() {
            f.old_addr = 0;
            f.old_size = 0;
            f.ftrace_loc = 0;
        }
    }
}
