// SPDX-License-Identifier: GPL-2.0

//! Enabling and disabling patches.
//!
//! For now every switch applies to all tasks at once (the hash update is the
//! switch). Entries are pushed with their `transition` flag set and cleared
//! on completion, so the per-task consistency model can slot in between
//! "starting" and "completing" without changing the entry layout.
//! Messages follow kernel/livepatch/{core,transition}.c word for word.

use crate::func_hash::Graveyard;
use crate::patch::{Object, Patch};
use crate::state::CoreState;
use crate::sys::kobject::KobjDir;
use kernel::alloc::flags::GFP_KERNEL;
use kernel::prelude::*;

/// `MODULE_STATE_LIVE` and `MODULE_STATE_COMING` (include/linux/module.h).
const MODULE_STATE_LIVE: u32 = 0;
const MODULE_STATE_COMING: u32 = 1;

/// Whether `obj` is loaded: vmlinux always; a module when live or coming.
pub(crate) fn object_loaded(st: &CoreState, obj: &Object) -> bool {
    match &obj.name {
        None => true,
        Some(n) => matches!(
            st.kallsyms.module_state(n),
            Some(MODULE_STATE_LIVE) | Some(MODULE_STATE_COMING)
        ),
    }
}

/// Puts the functions of a resolved `obj` into the hash and the filter (one
/// batched filter update). On failure the hash and filter are as before.
pub(crate) fn patch_object(st: &mut CoreState, obj: &mut Object, transition: bool) -> Result {
    let mut new_ips = KVec::with_capacity(obj.funcs.len(), GFP_KERNEL)?;
    let mut res = Ok(());
    for f in obj.funcs.iter_mut() {
        match st.hash.push(f.ftrace_loc, f.new_func, transition) {
            Ok((id, new_key)) => {
                f.entry = Some(id);
                if new_key {
                    new_ips.push(f.ftrace_loc, GFP_KERNEL)?;
                }
            }
            Err(e) => {
                res = Err(e);
                break;
            }
        }
    }
    if res.is_ok() {
        res = st.filter.add(&mut new_ips);
        if let Err(e) = res {
            report_filter_failure(st, obj, &new_ips, e);
        }
    }
    if res.is_err() {
        // Roll back: nothing was added to the filter.
        let mut grave = Graveyard::new();
        for f in obj.funcs.iter_mut() {
            if let Some(id) = f.entry.take() {
                let _ = st.hash.remove(f.ftrace_loc, id, &mut grave);
            }
        }
        grave.free_after_grace_period();
        return res;
    }
    obj.patched = true;
    Ok(())
}

/// Names the function a batched filter update failed on, as upstream does
/// per function (kernel/livepatch/patch.c): retries each one alone.
fn report_filter_failure(st: &mut CoreState, obj: &Object, ips: &[usize], err: Error) {
    for f in obj.funcs.iter() {
        if !ips.contains(&f.ftrace_loc) {
            continue;
        }
        let mut one = [f.ftrace_loc];
        match st.filter.add(&mut one) {
            Ok(()) => {
                let _ = st.filter.remove(&mut one);
            }
            Err(e) => {
                let what = if st.filter.registered() {
                    "set ftrace filter"
                } else {
                    "register ftrace handler"
                };
                pr_err!(
                    "failed to {} for function '{}' ({})\n",
                    what,
                    &*f.old_name,
                    e.to_errno()
                );
                return;
            }
        }
    }
    pr_err!(
        "failed to update the ftrace filter for object '{}' ({})\n",
        obj.display_name(),
        err.to_errno()
    );
}

/// Takes the functions of `obj` out of the hash and the filter. Frees the
/// entries after a handler grace period.
pub(crate) fn unpatch_object(st: &mut CoreState, obj: &mut Object) {
    let mut grave = Graveyard::new();
    let mut gone = KVec::new();
    for f in obj.funcs.iter_mut() {
        if let Some(id) = f.entry.take() {
            match st.hash.remove(f.ftrace_loc, id, &mut grave) {
                Ok(true) => {
                    if gone.push(f.ftrace_loc, GFP_KERNEL).is_err() {
                        pr_err!("out of memory unpatching '{}'\n", &*f.old_name);
                    }
                }
                Ok(false) => {}
                Err(e) => pr_err!("cannot unpatch '{}' ({})\n", &*f.old_name, e.to_errno()),
            }
        }
    }
    if let Err(e) = st.filter.remove(&mut gone) {
        pr_err!(
            "failed to remove ftrace filter entries of object '{}' ({})\n",
            obj.display_name(),
            e.to_errno()
        );
    }
    grave.free_after_grace_period();
    obj.patched = false;
}

fn set_transition(st: &mut CoreState, patch: &Patch, on: bool) {
    for o in patch.objs.iter() {
        for f in o.funcs.iter() {
            if let Some(id) = f.entry {
                st.hash.set_transition(id, on);
            }
        }
    }
}

/// Enables a new patch: resolve, sysfs, hash + filter, messages. On failure
/// nothing is left behind and the error goes back to the patch's insmod.
pub(crate) fn enable(st: &mut CoreState, root: &KobjDir, mut patch: KBox<Patch>) -> Result {
    if st
        .patches
        .iter()
        .any(|p| p.name.as_bytes() == patch.name.as_bytes())
    {
        pr_err!("patch '{}' already exists\n", &*patch.name);
        return Err(EEXIST);
    }
    // Resolve every loaded object before touching anything.
    for i in 0..patch.objs.len() {
        if object_loaded(st, &patch.objs[i]) {
            patch.objs[i].resolve(&st.kallsyms)?;
        }
    }
    // The same function reached twice (e.g. through two names or sympos).
    for (i, o) in patch.objs.iter().enumerate() {
        for (j, f) in o.funcs.iter().enumerate() {
            if f.ftrace_loc == 0 {
                continue;
            }
            let dup = patch.objs.iter().enumerate().any(|(k, p)| {
                p.funcs
                    .iter()
                    .enumerate()
                    .any(|(l, g)| (k, l) < (i, j) && g.ftrace_loc == f.ftrace_loc)
            });
            if dup {
                pr_err!(
                    "patch '{}': function '{}' is patched twice\n",
                    &*patch.name,
                    &*f.old_name
                );
                return Err(EINVAL);
            }
        }
    }
    crate::sysfs::create_patch_dirs(&mut patch, root)?;

    let name = &*patch.name;
    pr_notice!("enabling patch '{}'\n", name);
    crate::rklp_debug!("'{}': initializing patching transition\n", name);
    let mut failed = None;
    for i in 0..patch.objs.len() {
        if patch.objs[i].ftrace_loc_ready() {
            if let Err(e) = patch_object(st, &mut patch.objs[i], true) {
                pr_warn!(
                    "failed to patch object '{}'\n",
                    patch.objs[i].display_name()
                );
                failed = Some(e);
                break;
            }
        }
    }
    if let Some(e) = failed {
        pr_warn!("failed to enable patch '{}'\n", &*patch.name);
        crate::rklp_debug!(
            "'{}': canceling patching transition, going to unpatch\n",
            &*patch.name
        );
        crate::rklp_debug!("'{}': completing unpatching transition\n", &*patch.name);
        for i in 0..patch.objs.len() {
            if patch.objs[i].patched {
                unpatch_object(st, &mut patch.objs[i]);
            }
        }
        pr_notice!("'{}': unpatching complete\n", &*patch.name);
        return Err(e);
    }
    pr_notice!("'{}': starting patching transition\n", &*patch.name);
    crate::sys::taint_livepatch();
    patch.enabled = true;
    crate::rklp_debug!("'{}': completing patching transition\n", &*patch.name);
    set_transition(st, &patch, false);
    pr_notice!("'{}': patching complete\n", &*patch.name);
    st.patches.push(patch, GFP_KERNEL)?;
    Ok(())
}

/// Disables patch number `idx`; its directory and module reference go away
/// in the deferred free work.
pub(crate) fn disable(st: &mut CoreState, idx: usize) -> Result {
    let mut patch = st.take_patch(idx);
    crate::rklp_debug!("'{}': initializing unpatching transition\n", &*patch.name);
    set_transition(st, &patch, true);
    pr_notice!("'{}': starting unpatching transition\n", &*patch.name);
    patch.enabled = false;
    crate::rklp_debug!("'{}': completing unpatching transition\n", &*patch.name);
    for i in 0..patch.objs.len() {
        if patch.objs[i].patched {
            unpatch_object(st, &mut patch.objs[i]);
        }
    }
    pr_notice!("'{}': unpatching complete\n", &*patch.name);
    st.defer_free(patch);
    Ok(())
}

impl Object {
    fn ftrace_loc_ready(&self) -> bool {
        self.funcs.iter().all(|f| f.ftrace_loc != 0)
    }
}
