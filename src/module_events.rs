// SPDX-License-Identifier: GPL-2.0

//! Patching modules that load after their patch, and unpatching modules
//! that unload while patched. Messages as kernel/livepatch/core.c.

use crate::core_state::core;
use crate::patch::Patch;
use crate::redirect::install::{patch_object, unpatch_object};
use crate::sys::module_notifier::{ModuleEvents, ModuleNotifier};
use kernel::prelude::*;
use kernel::str::CStr;

pub(crate) struct RklpModuleEvents;

/// rklp's module notifier.
pub(crate) static NOTIFIER: ModuleNotifier = ModuleNotifier::new::<RklpModuleEvents>();

fn is_obj(name: &Option<kernel::str::CString>, module: &CStr) -> bool {
    name.as_ref()
        .map(|n| n.as_bytes() == module.as_bytes())
        .unwrap_or(false)
}

impl ModuleEvents for RklpModuleEvents {
    fn coming(module: &CStr) -> Result {
        let Some(core) = core() else { return Ok(()) };
        let mut guard = core.state.lock();
        let st = &mut *guard;
        // A module of this name that went before is freed by now.
        st.forget_gone_module(module);
        // Take the patch list out so objects and the hash writer can be
        // borrowed at once; put it back before returning.
        let mut patches = core::mem::replace(&mut st.patches, KVec::new());
        let mut res = Ok(());
        'outer: for p in patches.iter_mut() {
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
                let applied = match o.resolve(&st.kallsyms) {
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
                        patch_object(st, o, in_transition, crate::consistency::immediate::OP_NONE)
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
            if let Some(p) = patches
                .iter()
                .find(|p| st.transition.as_ref().is_some_and(|t| t.is_patch(p)))
            {
                if let Err(e) = crate::consistency::transition::refresh_checks(st, p) {
                    pr_warn!(
                        "patch '{}' failed for module '{}', refusing to load module '{}'\n",
                        &*p.name,
                        module,
                        module
                    );
                    res = Err(e);
                }
            }
        }
        if res.is_err() {
            // Undo what this load already patched: the module will not run.
            for p in patches.iter_mut() {
                for o in p.objs.iter_mut() {
                    if o.patched && is_obj(&o.name, module) {
                        unpatch_object(st, o);
                        o.post_unpatch();
                        o.unresolve();
                    }
                }
            }
        }
        st.patches = patches;
        res
    }

    fn going_module(module: usize) {
        if let Some(core) = core() {
            crate::lifecycle::patch_module_going(core, module);
        }
    }

    fn going(module: &CStr) {
        let Some(core) = core() else { return };
        let mut guard = core.state.lock();
        let st = &mut *guard;
        let mut patches = core::mem::replace(&mut st.patches, KVec::new());
        for p in patches.iter_mut() {
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
                    unpatch_object(st, o);
                    o.post_unpatch();
                    o.unresolve();
                }
            }
        }
        if let Some(p) = patches
            .iter()
            .find(|p| st.transition.as_ref().is_some_and(|t| t.is_patch(p)))
        {
            // Stop checking the module's functions. On failure the old
            // checks stay: a superset, which can only delay the transition.
            let _ = crate::consistency::transition::refresh_checks(st, p);
        }
        st.patches = patches;
        // Its exit() has run: new patches must leave it alone although it is
        // still in MODULE_STATE_GOING until it is freed.
        st.add_gone_module(module);
    }
}
