// SPDX-License-Identifier: GPL-2.0

//! The end of a switch, the same for a per-task transition and an immediate
//! one: atomic replace retires the other patches, the post callbacks run,
//! and an unpatched patch leaves the list to be freed.

use crate::consistency::task_state::PatchState;
use crate::consistency::task_table::PATCHED;
use crate::core_state::CoreState;
use crate::patch::Patch;
use crate::redirect::Redirect;
use kernel::prelude::*;

/// Makes room for what finishing the switch of `st.patches[idx]` towards
/// `target` queues for freeing (the replaced patches, or this one), so that
/// [`patching`] or [`unpatching`] cannot fail afterwards.
pub(crate) fn reserve(st: &mut CoreState, idx: usize, target: PatchState) -> Result {
    let n = if target != PATCHED {
        1
    } else if st.patches[idx].replace {
        st.patches.len() - 1
    } else {
        0
    };
    st.patches.reserve_free(n)
}

/// Every task now runs `st.patches[idx]`: an atomic replace retires the
/// others, then the post-patch callbacks run. Room must be [`reserve`]d.
pub(crate) fn patching(st: &mut CoreState, idx: usize) {
    let idx = if st.patches[idx].replace {
        replace_others(st, idx)
    } else {
        idx
    };
    let patch = &mut st.patches[idx];
    for o in patch.resolved_objs() {
        o.post_patch();
    }
    pr_notice!("'{}': patching complete\n", &*patch.name);
    crate::settle::schedule();
}

/// Every task has left `st.patches[idx]`: its entries go, the post-unpatch
/// callbacks run, and it is queued for freeing. Room must be [`reserve`]d.
pub(crate) fn unpatching(st: &mut CoreState, idx: usize) {
    let mut patch = st.patches.remove(idx);
    patch.enabled = false;
    unpatch(&mut st.redirect, &mut patch);
    st.patches.defer_free(patch);
}

/// Takes `patch`, which no task runs, out of the hash and the filter and
/// runs its post-unpatch callbacks. Also ends a patching that failed or was
/// cancelled before the patch joined the list.
pub(crate) fn unpatch(redirect: &mut Redirect, patch: &mut Patch) {
    redirect.unpatch_objects(patch.objs.as_mut_slice());
    for o in patch.resolved_objs() {
        o.post_unpatch();
    }
    pr_notice!("'{}': unpatching complete\n", &*patch.name);
    // The functions still patched below it (or, after a failed enable,
    // under the patches that stay) settle again.
    crate::settle::schedule();
}

/// Completes an atomic replace: every other patch is taken out (no
/// callbacks, as upstream) and freed, then the no-ops of `st.patches[idx]`,
/// which now only stand for the original code, are dropped. Returns the
/// patch's new index (0).
fn replace_others(st: &mut CoreState, idx: usize) -> usize {
    let mut i = st.patches.len();
    while i > 0 {
        i -= 1;
        if i == idx {
            continue;
        }
        let mut old = st.patches.remove(i);
        st.redirect.unpatch_objects(old.objs.as_mut_slice());
        old.enabled = false;
        st.patches.defer_free(old);
    }
    for o in st.patches[0].objs.iter_mut() {
        match o.take_nops() {
            Ok(mut nops) => st.redirect.unpatch_object(&mut nops),
            // They stay, as entries that run the original: harmless.
            Err(e) => pr_err!("cannot drop no-ops ({})\n", e.to_errno()),
        }
    }
    0
}
