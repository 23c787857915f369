// SPDX-License-Identifier: GPL-2.0

//! Patching modules that load after their patch, and unpatching modules
//! that unload while patched. Messages as kernel/livepatch/core.c.

#[allow(unused_imports)]
use crate::compat::CStrToBytes as _;
use crate::core_state::core;
use crate::patch::{Object, Patch};
use crate::sys::kallsyms::Kallsyms;
use crate::sys::module_notifier::{ComingModule, ModuleEvents, ModuleNotifier};
use kernel::alloc::flags::GFP_KERNEL;
use kernel::prelude::*;
use kernel::str::{CStr, CString};

/// `MODULE_STATE_*` (include/linux/module.h).
const MODULE_STATE_LIVE: u32 = 0;
const MODULE_STATE_COMING: u32 = 1;
const MODULE_STATE_GOING: u32 = 2;

/// Modules in MODULE_STATE_GOING whose going notifier has run (upstream:
/// `!mod->klp_alive`); see [`GoneModules::object_loaded`].
pub(crate) struct GoneModules {
    names: KVec<CString>,
    /// A name could not be added to `names`: treat every GOING module as
    /// gone.
    unknown: bool,
}

impl GoneModules {
    pub(crate) const fn new() -> Self {
        Self {
            names: KVec::new(),
            unknown: false,
        }
    }

    /// Records that the going notifier of `name` has run; forgets the names
    /// of modules that are no longer loaded.
    fn add(&mut self, name: &CStr, ks: &Kallsyms) {
        self.retain(|n| ks.module_state(n).is_some() && n.to_bytes() != name.to_bytes());
        let pushed = CString::try_from(name)
            .map_err(|_| ENOMEM)
            .and_then(|n| self.names.push(n, GFP_KERNEL).map_err(|_| ENOMEM));
        if pushed.is_err() {
            pr_err!("out of memory: modules being removed will not be patched\n");
            self.unknown = true;
        }
    }

    /// A module called `name` is coming: a former one of that name is gone.
    fn forget(&mut self, name: &CStr) {
        self.retain(|n| n.to_bytes() != name.to_bytes());
    }

    /// Whether the going notifier of the (GOING) module `name` has run.
    fn contains(&self, name: &CStr) -> bool {
        self.unknown || self.names.iter().any(|n| n.to_bytes() == name.to_bytes())
    }

    /// Whether `obj` is loaded: vmlinux always; a module when live or
    /// coming, or going but before rklp's going notifier (its code runs
    /// until its exit() has finished; upstream patches it too,
    /// `mod->klp_alive`).
    pub(crate) fn object_loaded(&self, ks: &Kallsyms, obj: &Object) -> bool {
        match &obj.name {
            None => true,
            Some(n) => match ks.module_state(n) {
                Some(MODULE_STATE_LIVE) | Some(MODULE_STATE_COMING) => true,
                Some(MODULE_STATE_GOING) => !self.contains(n),
                _ => false,
            },
        }
    }

    /// Keeps the names for which `keep` holds (6.12's `KVec` has no
    /// `retain`).
    fn retain(&mut self, mut keep: impl FnMut(&CStr) -> bool) {
        crate::sys::vec::retain(&mut self.names, |n| keep(n));
    }
}

pub(crate) struct RklpModuleEvents;

/// rklp's module notifier.
pub(crate) static NOTIFIER: ModuleNotifier = ModuleNotifier::new::<RklpModuleEvents>();

fn is_obj(name: &Option<kernel::str::CString>, module: &CStr) -> bool {
    name.as_ref()
        .map(|n| n.to_bytes() == module.to_bytes())
        .unwrap_or(false)
}

impl ModuleEvents for RklpModuleEvents {
    fn coming(module: &CStr, coming: &ComingModule) -> Result {
        let Some(core) = core() else { return Ok(()) };
        let mut guard = core.lock();
        let st = &mut *guard;
        // A module of this name that went before is freed by now.
        st.gone.forget(module);
        // Now or never: the loader drops .modinfo before the module's init.
        st.patch_modules.coming(module, coming)?;
        let mut res = Ok(());
        'outer: for p in st.patches.iter_mut() {
            let in_transition = st.transition.as_ref().is_some_and(|t| t.is_patch(p));
            let Patch { name, objs, .. } = &mut **p;
            for o in objs.iter_mut() {
                if o.patched || !is_obj(&o.name, module) {
                    continue;
                }
                pr_notice!(
                    "applying patch '{}' to loading module '{}'\n",
                    &**name,
                    module
                );
                let protos = crate::proto::ProtoCheck {
                    patch: name,
                    coming: Some(coming),
                };
                let applied = match o.resolve(&st.kallsyms, protos) {
                    Err(e) => {
                        pr_warn!(
                            "failed to initialize patch '{}' for module '{}' ({})\n",
                            &**name,
                            module,
                            e.to_errno()
                        );
                        Err(e)
                    }
                    Ok(()) => o.pre_patch().and_then(|()| {
                        st.redirect
                            .patch_object(o, in_transition, crate::consistency::immediate::OP_NONE)
                            .inspect_err(|e| {
                                pr_warn!(
                                    "failed to apply patch '{}' to module '{}' ({})\n",
                                    &**name,
                                    module,
                                    e.to_errno()
                                );
                                o.post_unpatch();
                            })
                    }),
                };
                if applied.is_ok() && !in_transition {
                    o.post_patch();
                }
                if let Err(e) = applied {
                    pr_warn!(
                        "patch '{}' failed for module '{}', refusing to load module '{}'\n",
                        &**name,
                        module,
                        module
                    );
                    o.unresolve();
                    res = Err(e);
                    break 'outer;
                }
            }
        }
        if res.is_ok() {
            // The transition must also wait for tasks in the functions just
            // patched: a task that has not switched may enter one now.
            if let Err(e) = crate::consistency::transition::refresh_checks(st) {
                let idx = crate::consistency::transition::patch_index(st).unwrap_or(0);
                pr_warn!(
                    "patch '{}' failed for module '{}', refusing to load module '{}'\n",
                    &*st.patches[idx].name,
                    module,
                    module
                );
                res = Err(e);
            }
        }
        if res.is_ok() {
            crate::settle::schedule();
        }
        if res.is_err() {
            // No going notifier follows a refused load.
            st.patch_modules.going(coming.addr());
            // Undo what this load already patched: the module will not run.
            for p in st.patches.iter_mut() {
                for o in p.objs.iter_mut() {
                    if o.patched && is_obj(&o.name, module) {
                        st.redirect.unpatch_object(o);
                        o.post_unpatch();
                        o.unresolve();
                    }
                }
            }
        }
        res
    }

    fn going_module(module: usize) {
        if let Some(core) = core() {
            core.lock().patch_modules.going(module);
            crate::lifecycle::patch_module_going(core, module);
        }
    }

    fn going(module: &CStr) {
        let Some(core) = core() else { return };
        let mut guard = core.lock();
        let st = &mut *guard;
        // The module's patched functions, whose direct calls must go before
        // ftrace forgets them. Out of memory: every batch with an unpatched
        // function goes (`None`).
        let mut ips = Some(KVec::<usize>::new());
        for p in st.patches.iter_mut() {
            let in_transition = st.transition.as_ref().is_some_and(|t| t.is_patch(p));
            let Patch { name, objs, .. } = &mut **p;
            for o in objs.iter_mut() {
                if o.patched && is_obj(&o.name, module) {
                    if !in_transition {
                        o.pre_unpatch();
                    }
                    pr_notice!(
                        "reverting patch '{}' on unloading module '{}'\n",
                        &**name,
                        module
                    );
                    if let Some(v) = ips.as_mut() {
                        for f in o.funcs.iter() {
                            if v.push(f.ftrace_loc, GFP_KERNEL).is_err() {
                                ips = None;
                                break;
                            }
                        }
                    }
                    st.redirect.unpatch_object(o);
                    o.post_unpatch();
                    o.unresolve();
                }
            }
        }
        // The module's functions that are no longer patched but still have
        // a direct call (settled, waiting for the settle work's release, or
        // being released by it): theirs must go now too, before ftrace
        // forgets their records, or the release would drop rklp's claim
        // on records that no longer exist ("cannot drop the IPMODIFY
        // claim", seen on the debug kernel when the target module went
        // during a release's RCU-tasks grace period). release_module()
        // waits for a release in flight (the release lock) and releases
        // the settled batches.
        if let Some(v) = ips.as_mut() {
            let m = st.kallsyms.module_by_name(module);
            let ks = &st.kallsyms;
            let mut oom = false;
            if m != 0 {
                st.redirect.direct.for_each_ip(|ip| {
                    if !oom && ks.module_of_text(ip) == m && v.push(ip, GFP_KERNEL).is_err() {
                        oom = true;
                    }
                });
            }
            if oom {
                ips = None;
            }
        }
        // Stop checking the module's functions. On failure the old checks
        // stay: a superset, which can only delay the transition.
        let _ = crate::consistency::transition::refresh_checks(st);
        // Its exit() has run: new patches must leave it alone although it is
        // still in MODULE_STATE_GOING until it is freed.
        st.gone.add(module, &st.kallsyms);
        // ftrace drops the module's records but not their direct calls:
        // those go now, without the core mutex; other modules' notifiers
        // have nothing to wait for (the settle work releases the rest).
        match ips {
            Some(ips) => {
                let own = st.redirect.direct.has_any(&ips);
                drop(guard);
                if own {
                    crate::settle::release_module(core, &ips);
                }
            }
            None => {
                drop(guard);
                crate::settle::release_unpatched(core);
            }
        }
    }
}
