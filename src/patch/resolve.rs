// SPDX-License-Identifier: GPL-2.0

//! Symbol resolution for a loaded object: address, size and ftrace
//! location of every function, as klp_init_object_loaded().

use super::Object;
use crate::sys::kallsyms::{Kallsyms, Lookup};
use kernel::c_str;
use kernel::prelude::*;
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
