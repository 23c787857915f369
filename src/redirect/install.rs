// SPDX-License-Identifier: GPL-2.0

//! Putting an object's functions into the hash and the ftrace filter, and
//! taking them out: the mechanics under every enable, disable, transition
//! and module load/unload.

use super::Redirect;
use crate::compat::fmt;
use crate::consistency::op_state::Op;
use crate::patch::Object;
use crate::redirect::func_hash::Graveyard;
use kernel::alloc::flags::GFP_KERNEL;
use kernel::prelude::*;
use kernel::str::CStr;

/// Puts the functions of the resolved, unpatched objects among `objs` into
/// the hash and the filter, with one batched filter update for all of them.
/// On failure the hash and filter are as before, and the error says which
/// object failed (upstream's "failed to patch object" is per object).
impl Redirect {
    pub(crate) fn patch_objects(
        &mut self,
        objs: &mut [Object],
        transition: bool,
        op: Op,
    ) -> core::result::Result<(), (Error, usize)> {
        let todo = |o: &Object| !o.patched && o.is_resolved();
        let n: usize = objs.iter().filter(|o| todo(o)).map(|o| o.funcs.len()).sum();
        let mut new_ips = KVec::with_capacity(n, GFP_KERNEL).map_err(|e| (e.into(), 0))?;
        // Functions whose released direct call left rklp's claim on them.
        let mut claimed = KVec::with_capacity(n, GFP_KERNEL).map_err(|e| (e.into(), 0))?;
        // For a rollback, which must not fail half-way.
        let mut grave = Graveyard::with_capacity(n).map_err(|e| (e, 0))?;
        // One resize for the whole batch, not one per doubling.
        self.hash.reserve(n);
        let mut res = Ok(());
        'push: for (i, o) in objs.iter_mut().enumerate() {
            if !todo(o) {
                continue;
            }
            for f in o.funcs.iter_mut() {
                let pushed = self
                    .hash
                    .push(f.ftrace_loc, f.new_func, f.new_size, transition, op);
                match pushed {
                    Ok((id, new_key)) => {
                        f.entry = Some(id);
                        // A function whose direct call is still there
                        // (waiting to be released with its batch) keeps it:
                        // the dispatcher's slow path finds this entry.
                        if new_key && self.direct.is_outside(f.ftrace_loc) {
                            // Capacity reserved above: cannot fail.
                            let _ = claimed.push(f.ftrace_loc, GFP_KERNEL);
                        } else if new_key && !self.direct.covers(f.ftrace_loc) {
                            // Capacity reserved above: cannot fail.
                            let _ = new_ips.push(f.ftrace_loc, GFP_KERNEL);
                        }
                    }
                    Err(e) => {
                        res = Err((e, i));
                        break 'push;
                    }
                }
            }
        }
        if res.is_ok() {
            if let Err(e) = self.filter.add(&mut new_ips) {
                res = Err((e, self.report_filter_failure(objs, &new_ips, e)));
            } else if let Err(e) = self.filter.add_claimed(&mut claimed) {
                pr_err!("failed to update the ftrace filter ({})\n", e.to_errno());
                self.remove_from_filter(&mut new_ips);
                res = Err((e, 0));
            } else {
                for &ip in claimed.iter() {
                    self.direct.take_claim(ip);
                }
            }
        }
        if res.is_err() {
            // Roll back: nothing was added to the filter.
            for o in objs.iter_mut().filter(|o| !o.patched) {
                for f in o.funcs.iter_mut() {
                    if let Some(id) = f.entry.take() {
                        let _ = self.hash.remove(f.ftrace_loc, id, &mut grave);
                    }
                }
            }
            self.hash.shrink(&mut grave);
            grave.free_after_grace_period();
            return res;
        }
        for o in objs.iter_mut().filter(|o| todo(o)) {
            o.patched = true;
        }
        Ok(())
    }

    /// [`patch_objects`] for one object.
    pub(crate) fn patch_object(&mut self, obj: &mut Object, transition: bool, op: Op) -> Result {
        self.patch_objects(core::slice::from_mut(obj), transition, op)
            .map_err(|(e, _)| e)
    }

    /// Names the function a batched filter update failed on, as upstream does
    /// per function (kernel/livepatch/patch.c): retries each one alone. Returns
    /// the index of its object.
    fn report_filter_failure(&mut self, objs: &[Object], ips: &[usize], err: Error) -> usize {
        for (i, o) in objs.iter().enumerate() {
            for f in o.funcs.iter().filter(|f| ips.contains(&f.ftrace_loc)) {
                let mut one = [f.ftrace_loc];
                match self.filter.add(&mut one) {
                    Ok(()) => self.remove_from_filter(&mut one),
                    Err(e) => {
                        let what = if self.filter.registered() {
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
                        if e == EBUSY {
                            self.explain_busy(&f.old_name);
                        }
                        return i;
                    }
                }
            }
        }
        pr_err!("failed to update the ftrace filter ({})\n", err.to_errno());
        0
    }

    /// Says why ftrace refused with `-EBUSY` (as a hint line, which upstream's
    /// selftests do not compare): the sysctl that turns ftrace off
    /// refuses permanent ops such as rklp's, and only one ftrace user may change
    /// the instruction pointer of a function.
    fn explain_busy(&self, name: &CStr) {
        if !self.filter.registered() && self.kallsyms.ftrace_enabled() == Some(false) {
            crate::sys::print_hint(format_args!(
                "ftrace is disabled (sysctl kernel.ftrace_enabled is 0)\n"
            ));
        } else {
            crate::sys::print_hint(fmt!(
            "'{}' is already redirected by another ftrace user (the in-kernel livepatch, a kprobe with a post_handler, or another live-patching core)\n",
            name
        ));
        }
    }

    /// Takes the functions of the patched objects among `objs` out of the hash
    /// and the filter (one batched filter update), then frees the entries after
    /// a handler grace period. Everything it allocates is allocated first, so
    /// no entry is ever left in the hash without its owner.
    pub(crate) fn unpatch_objects(&mut self, objs: &mut [Object]) {
        let n: usize = objs
            .iter()
            .filter(|o| o.patched)
            .map(|o| o.funcs.len())
            .sum();
        let mut grave = alloc_retry("unpatching", || Graveyard::with_capacity(n));
        let mut gone = alloc_retry("unpatching", || Ok(KVec::with_capacity(n, GFP_KERNEL)?));
        let mut released = false;
        for o in objs.iter_mut().filter(|o| o.patched) {
            for f in o.funcs.iter_mut() {
                if let Some(id) = f.entry.take() {
                    match self.hash.remove(f.ftrace_loc, id, &mut grave) {
                        Ok(true) if self.direct.covers(f.ftrace_loc) => {
                            // Not in the filter: its direct call now runs
                            // the original, until released with its batch.
                            self.direct.unpatched(f.ftrace_loc);
                            released = true;
                        }
                        Ok(true) => {
                            // Capacity reserved above: cannot fail.
                            let _ = gone.push(f.ftrace_loc, GFP_KERNEL);
                        }
                        Ok(false) => {}
                        Err(e) => pr_err!("cannot unpatch '{}' ({})\n", &*f.old_name, e.to_errno()),
                    }
                }
            }
            o.patched = false;
        }
        self.remove_from_filter(&mut gone);
        self.hash.shrink(&mut grave);
        grave.free_after_grace_period();
        if released {
            crate::settle::schedule_release();
        }
    }

    /// Removes `ips` from the filter. ftrace allocates a new filter for that:
    /// when it cannot, retry, as for [`alloc_retry`]; a location left in the
    /// filter without its node would stay traced, and would keep the count of
    /// the filter's entries off (it decides when the ops is unregistered).
    pub(crate) fn remove_from_filter(&mut self, ips: &mut [usize]) {
        let mut warned = false;
        loop {
            match self.filter.remove(ips) {
                Ok(()) => return,
                Err(e) if e == ENOMEM => {
                    if !warned {
                        pr_warn!("out of memory updating the ftrace filter: retrying\n");
                        warned = true;
                    }
                    crate::sys::task::sleep_ms(10);
                }
                Err(e) => {
                    pr_err!(
                        "failed to remove ftrace filter entries ({})\n",
                        e.to_errno()
                    );
                    return;
                }
            }
        }
    }

    /// Removes `ips`, which now have direct calls, from the filter, keeping
    /// rklp's IPMODIFY claim on them (`Filter::remove_keep_claim`);
    /// retries out of memory, as [`remove_from_filter`].
    pub(crate) fn hand_over_from_filter(&mut self, ips: &mut [usize]) {
        let mut warned = false;
        loop {
            match self.filter.remove_keep_claim(ips) {
                Ok(()) => return,
                Err(e) if e == ENOMEM => {
                    if !warned {
                        pr_warn!("out of memory updating the ftrace filter: retrying\n");
                        warned = true;
                    }
                    crate::sys::task::sleep_ms(10);
                }
                Err(e) => {
                    pr_err!(
                        "failed to remove ftrace filter entries ({})\n",
                        e.to_errno()
                    );
                    return;
                }
            }
        }
    }

    /// [`unpatch_objects`] for one object.
    pub(crate) fn unpatch_object(&mut self, obj: &mut Object) {
        self.unpatch_objects(core::slice::from_mut(obj));
    }
}

/// Retries `f` until it succeeds: for the few allocations of paths that
/// cannot fail (taking code out), made before anything changes. GFP_KERNEL
/// allocations this small only fail under fault injection or when the task
/// is an OOM victim, so waiting is what the allocator would do anyway.
fn alloc_retry<T>(what: &str, mut f: impl FnMut() -> Result<T>) -> T {
    let mut warned = false;
    loop {
        match f() {
            Ok(t) => return t,
            Err(_) if !warned => {
                pr_warn!("out of memory {}: retrying\n", what);
                warned = true;
            }
            Err(_) => {}
        }
        crate::sys::task::sleep_ms(10);
    }
}
