// SPDX-License-Identifier: GPL-2.0

//! Enabling a new patch and disabling one: validation, sysfs, and the
//! transition (transition.rs). Messages follow kernel/livepatch/core.c.

#[allow(unused_imports)]
use crate::compat::CStrToBytes as _;
use crate::consistency::op_state::Op;
use crate::consistency::stack_check::Checks;
use crate::consistency::task_table::{PATCHED, UNPATCHED};
use crate::consistency::{finish, immediate, immediate::OP_NONE, transition};
use crate::core_state::{Core, CoreState};
use crate::patch::Patch;
use crate::sys::kobject::KobjDir;
use crate::system_state;
use kernel::prelude::*;

/// `rklp_enable_patch()`: builds the patch that `desc` describes, for the
/// patch module `module` whose text holds `caller`, and enables it.
///
/// # Safety
///
/// `caller` must be an address in the text of the calling module. If
/// `module` is the module containing `caller` (checked here), `desc` must be
/// a descriptor as the C API (include/rklp/rklp.h) describes it, valid until
/// this call returns: rklp copies what it keeps (names, addresses,
/// callbacks, states; a symbol reference's slot is checked to be the
/// module's data, which `module`'s pin keeps).
pub(crate) unsafe fn enable_from_module(
    module: *mut kernel::bindings::module,
    desc: *const crate::sys::patch_desc::RklpPatchDesc,
    caller: usize,
) -> Result {
    let core = crate::core_state::core().ok_or(ENODEV)?;
    // The patch belongs to the module that calls: a patch module passing
    // another module's pointer would have rklp pin, name and call into the
    // wrong module. Compared before `module` is dereferenced.
    if module.is_null() || core.syms.module_of_text(caller) != module as usize {
        pr_err!("rklp_enable_patch: the module argument is not the calling module\n");
        return Err(EINVAL);
    }
    // SAFETY: `module` is the caller's own module (checked above), which is
    // running code, so its `struct module` is allocated.
    let mref = unsafe { crate::sys::module_ref::ModuleRef::get(module) }?;
    // As upstream's klp_enable_patch() checks is_livepatch_module().
    if !core.lock().patch_modules.contains(mref.addr()) {
        pr_err!(
            "module '{}' is not marked as a patch module (no '{}' in its modinfo: build it with include/rklp/api.rs or rklp.h)\n",
            &*mref.name()?,
            crate::patch_modules::TAG
        );
        return Err(EINVAL);
    }
    // SAFETY: `desc` is valid until this call returns (contract), and the
    // view is dropped before it returns: the patch keeps copies only.
    let desc = unsafe { crate::sys::patch_desc::PatchDesc::from_raw(desc) }.inspect_err(|_| {
        pr_err!("invalid patch descriptor\n");
    })?;
    let mut slot = Some(Patch::from_desc(&core.syms, mref, &desc)?);
    let res = enable(&mut core.lock(), &core.root, &mut slot);
    // A patch that failed is dropped only now, with the mutex released:
    // removing its sysfs directory waits for readers of its files, which
    // take the mutex.
    drop(slot);
    res
}

/// Enables a new patch: resolve, sysfs, hash + filter, then the patching
/// transition. On success the patch moves from `slot` into the patch list.
/// On failure nothing is left in the hash, the filter or the list, and the
/// patch stays in `slot`: the caller drops it after unlocking the core mutex,
/// because removing its sysfs directory waits for readers of its files,
/// which wait for the mutex (upstream's `klp_free_patch_finish()`).
fn enable(st: &mut CoreState, root: &KobjDir, slot: &mut Option<KBox<Patch>>) -> Result {
    let patch = slot.as_deref_mut().ok_or(EINVAL)?;
    // First, as upstream's klp_enable_patch.
    system_state::check_compatible(&st.patches, patch)?;
    if st.transition.is_some() {
        pr_err!(
            "cannot enable patch '{}': another patch is in transition\n",
            &*patch.name
        );
        return Err(EBUSY);
    }
    if st
        .patches
        .iter()
        .any(|p| p.name.to_bytes() == patch.name.to_bytes())
    {
        pr_err!("patch '{}' already exists\n", &*patch.name);
        return Err(EEXIST);
    }
    if patch.replace {
        patch.add_nops(&st.patches)?;
    }
    // Resolve every loaded object before touching anything.
    for i in 0..patch.objs.len() {
        if st.gone.object_loaded(&st.kallsyms, &patch.objs[i]) {
            let protos = crate::proto::ProtoCheck {
                patch: &patch.name,
                coming: None,
            };
            patch.objs[i].resolve(&st.kallsyms, protos)?;
        }
    }
    patch.check_no_duplicate_locations()?;
    // Room in the lists now: once its entries are live the patch must find
    // its place (and a replace patch must retire the others) without
    // allocating.
    st.patches.reserve_one()?;
    if patch.replace {
        st.patches.reserve_free(st.patches.len())?;
    }
    crate::sysfs::create_patch_dirs(patch, root)?;
    system_state::begin_transition(&st.patches, st.patches.len())?;
    let res = enable_prepared(st, slot);
    if st.transition.is_none() {
        // Done (immediate mode, completed at once) or failed.
        system_state::end_transition();
    }
    res
}

/// The rest of `enable`, for a resolved patch with its sysfs directories.
fn enable_prepared(st: &mut CoreState, slot: &mut Option<KBox<Patch>>) -> Result {
    let patch = slot.as_deref_mut().ok_or(EINVAL)?;
    pr_notice!("enabling patch '{}'\n", &*patch.name);
    crate::rklp_debug!("'{}': initializing patching transition\n", &*patch.name);
    if patch.immediate {
        return enable_immediate(st, slot);
    }
    transition::init_task_states(PATCHED);
    pre_patch_all(st, patch)?;
    patch_objects(st, patch, true, OP_NONE)?;
    // The entries are in transition and every task is unpatched, so nothing
    // runs differently yet: the last allocation can still fail cleanly.
    let checks = match Checks::build(st, patch, PATCHED) {
        Ok(c) => c,
        Err(e) => {
            pr_warn!("failed to enable patch '{}'\n", &*patch.name);
            cancel(st, patch);
            return Err(e);
        }
    };
    crate::sys::taint_livepatch();
    patch.enabled = true;
    let Some(patch) = slot.take() else {
        return Err(EINVAL);
    };
    // Its settled functions decide per task again before any task switches.
    st.redirect.unsettle(&patch);
    // Room reserved in `enable`: cannot fail.
    st.patches.push(patch);
    transition::start(st, st.patches.len() - 1, PATCHED, checks);
    Ok(())
}

/// Starts unpatching `st.patches[idx]`; when the transition completes the
/// patch's directory and module reference go away (deferred free work).
pub(crate) fn disable(st: &mut CoreState, idx: usize) -> Result {
    if st.transition.is_some() {
        pr_err!(
            "cannot disable patch '{}': another patch is in transition\n",
            &*st.patches[idx].name
        );
        return Err(EBUSY);
    }
    system_state::begin_transition(&st.patches, idx)?;
    let res = if st.patches[idx].immediate {
        disable_immediate(st, idx)
    } else {
        disable_transition(st, idx)
    };
    if st.transition.is_none() {
        system_state::end_transition();
    }
    res
}

/// Starts the unpatching transition of `st.patches[idx]`.
fn disable_transition(st: &mut CoreState, idx: usize) -> Result {
    // Allocate before the first visible change.
    let checks = Checks::build(st, &st.patches[idx], UNPATCHED)?;
    finish::reserve(st, idx, UNPATCHED)?;
    crate::rklp_debug!(
        "'{}': initializing unpatching transition\n",
        &*st.patches[idx].name
    );
    transition::init_task_states(UNPATCHED);
    let patch = &mut st.patches[idx];
    for o in patch.objs.iter().filter(|o| o.patched) {
        o.pre_unpatch();
    }
    patch.enabled = false;
    st.redirect.set_transition(&st.patches[idx], true);
    st.redirect.unsettle(&st.patches[idx]);
    transition::start(st, idx, UNPATCHED, checks);
    Ok(())
}

/// Patches every loaded object of a new patch; on failure cancels (with
/// upstream's messages) and leaves nothing in the hash or filter.
fn patch_objects(st: &mut CoreState, patch: &mut Patch, transition: bool, op: Op) -> Result {
    let Err((e, i)) = st
        .redirect
        .patch_objects(patch.objs.as_mut_slice(), transition, op)
    else {
        return Ok(());
    };
    pr_warn!(
        "failed to patch object '{}'\n",
        patch.objs[i].display_name()
    );
    pr_warn!("failed to enable patch '{}'\n", &*patch.name);
    cancel(st, patch);
    Err(e)
}

/// Takes a patch that never completed patching out again.
fn cancel(st: &mut CoreState, patch: &mut Patch) {
    crate::rklp_debug!(
        "'{}': canceling patching transition, going to unpatch\n",
        &*patch.name
    );
    crate::rklp_debug!("'{}': completing unpatching transition\n", &*patch.name);
    finish::unpatch(&mut st.redirect, patch);
}

/// Immediate mode: everything switches at once in stop_machine.
fn enable_immediate(st: &mut CoreState, slot: &mut Option<KBox<Patch>>) -> Result {
    let patch = slot.as_deref_mut().ok_or(EINVAL)?;
    pre_patch_all(st, patch)?;
    immediate::begin();
    if let Err(e) = patch_objects(st, patch, false, immediate::OP_PATCH) {
        immediate::end();
        return Err(e);
    }
    pr_notice!("'{}': starting patching transition\n", &*patch.name);
    // Settled functions decide again (with `op`) before stop_machine, which
    // waits for NMIs that entered them through their stubs.
    st.redirect.unsettle(patch);
    if let Err(e) = immediate::switch(st, patch, PATCHED) {
        pr_warn!("failed to enable patch '{}'\n", &*patch.name);
        // FAILED keeps the entries on the old version until they are gone.
        cancel(st, patch);
        immediate::end();
        return Err(e);
    }
    // Every entry runs its new version through SUCCESS: make that
    // permanent, then retire `op`.
    st.redirect.set_op(patch, OP_NONE);
    immediate::end();
    crate::sys::taint_livepatch();
    patch.enabled = true;
    crate::rklp_debug!("'{}': completing patching transition\n", &*patch.name);
    let Some(patch) = slot.take() else {
        return Err(EINVAL);
    };
    // Room reserved in `enable`: cannot fail.
    st.patches.push(patch);
    finish::patching(st, st.patches.len() - 1);
    Ok(())
}

/// Immediate mode: unpatch at once; on EBUSY the patch stays enabled.
fn disable_immediate(st: &mut CoreState, idx: usize) -> Result {
    finish::reserve(st, idx, UNPATCHED)?;
    let name = &*st.patches[idx].name;
    crate::rklp_debug!("'{}': initializing unpatching transition\n", name);
    for o in st.patches[idx].objs.iter().filter(|o| o.patched) {
        o.pre_unpatch();
    }
    pr_notice!("'{}': starting unpatching transition\n", name);
    immediate::begin();
    st.redirect.set_op(&st.patches[idx], immediate::OP_UNPATCH);
    st.redirect.unsettle(&st.patches[idx]);
    if let Err(e) = immediate::switch(st, &st.patches[idx], UNPATCHED) {
        // FAILED: entries with OP_UNPATCH run their (committed) new
        // version; retire `op` so they stay there.
        st.redirect.set_op(&st.patches[idx], OP_NONE);
        immediate::end();
        // Unsettled above: they settle again.
        crate::settle::schedule();
        pr_warn!(
            "'{}': unpatching failed, the patch stays enabled\n",
            &*st.patches[idx].name
        );
        return Err(e);
    }
    crate::rklp_debug!(
        "'{}': completing unpatching transition\n",
        &*st.patches[idx].name
    );
    // Still OP_UNPATCH under SUCCESS (the code below runs) until removed.
    finish::unpatching(st, idx);
    immediate::end();
    Ok(())
}

/// Runs pre_patch for every loaded object; on failure cancels as upstream.
fn pre_patch_all(st: &mut CoreState, patch: &mut Patch) -> Result {
    let mut res = Ok(());
    for o in patch.objs.iter_mut().filter(|o| o.is_resolved()) {
        res = o.pre_patch();
        if res.is_err() {
            break;
        }
    }
    if res.is_err() {
        pr_warn!("failed to enable patch '{}'\n", &*patch.name);
        cancel(st, patch);
    }
    res
}

/// Module `module` (its address) is going away. If it is the module of a
/// patch, its init failed after enabling the patch (a patch pins its
/// module, so nothing else makes it go), and the kernel frees it whatever
/// its reference count once the notifiers return. Take the patch out first,
/// as a disable would (reversing its transition if it is still patching),
/// wait until no task can run its code, and drop the patch, its sysfs
/// directory and its module reference while the module is still there.
pub(crate) fn patch_module_going(core: &Core, module: usize) {
    let mut warned = false;
    loop {
        {
            let mut st = core.lock();
            let Some(idx) = st
                .patches
                .iter()
                .position(|p| p.module_addr() == Some(module))
            else {
                break;
            };
            if !warned {
                pr_warn!(
                    "patch module '{}' is going away: disabling its patch\n",
                    &*st.patches[idx].name
                );
                warned = true;
            }
            let ours = st
                .transition
                .as_ref()
                .map(|t| (t.is_patch(&st.patches[idx]), t.target == PATCHED));
            // Errors (out of memory, an immediate switch that found a task
            // in the code) are retried below.
            let _ = match ours {
                None => disable(&mut st, idx),
                Some((true, true)) => transition::reverse(&mut st),
                Some((true, false)) => {
                    transition::try_complete(&mut st);
                    Ok(())
                }
                // Another patch's transition: wait for it.
                Some((false, _)) => Ok(()),
            };
            if !st.patches.iter().any(|p| p.module_addr() == Some(module)) {
                break;
            }
        }
        crate::sys::task::sleep_ms(transition::RETRY_MS);
    }
    // The patch is queued for freeing: free it now, while its module exists.
    crate::patch::list::FREE_WORK.flush();
}
