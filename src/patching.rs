// SPDX-License-Identifier: GPL-2.0

//! Putting an object's functions into the hash and the ftrace filter, and
//! taking them out: the mechanics under every enable, disable, transition
//! and module load/unload.

use crate::func_hash::Graveyard;
use crate::patch::Object;
use crate::state::CoreState;
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
pub(crate) fn patch_object(
    st: &mut CoreState,
    obj: &mut Object,
    transition: bool,
    op: u8,
) -> Result {
    let mut new_ips = KVec::with_capacity(obj.funcs.len(), GFP_KERNEL)?;
    let mut res = Ok(());
    for f in obj.funcs.iter_mut() {
        match st
            .hash
            .push(f.ftrace_loc, f.new_func, f.new_size, transition, op)
        {
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
