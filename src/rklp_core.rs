// SPDX-License-Identifier: GPL-2.0

//! rklp: a live-patching core for Linux, as a loadable Rust module.
//!
//! Where each concept lives (Documentation/rklp.rst has the full map):
//! - `patch/`: patches, objects and functions as rklp keeps them, built
//!   from a patch module's descriptor;
//! - `redirect/`: the shared `ftrace_ops`, its handler and the function hash;
//! - `consistency/`: the task table, the per-task transition, immediate mode;
//! - `lifecycle.rs`: enabling and disabling a patch;
//! - `core_state.rs`: the core mutex and what it protects;
//! - `module_events.rs`, `sysfs.rs` (its input parsing in `sysfs_parse.rs`),
//!   `patch_state.rs` (`/proc/rklp`), `shadow.rs`, `system_state.rs`;
//! - `../rust/` (module `sys`): the thin layer with every raw kernel binding.

use kernel::alloc::flags::GFP_KERNEL;
use kernel::c_str;
use kernel::prelude::*;

// What differs between the kernels' crates (`rklp_module!`, ...): first,
// so that its macros are in scope in every module below.
include!(concat!(env!("RKLP_DIR"), "/rust/compat.rs"));

#[path = "../rust/mod.rs"]
mod sys;

mod consistency;
mod core_state;
mod exports;
mod ftrace_jmp_hazard;
mod lifecycle;
mod module_events;
mod patch;
mod patch_modules;
mod patch_state;
mod proto;
mod published;
mod redirect;
mod settle;
mod shadow;
mod sysfs;
mod sysfs_parse;
mod system_state;

use consistency::{task_table, transition};

/// Makes the core, the shadow variables and the system states unreachable
/// for new users, and waits for the works that use them.
fn unpublish() {
    transition::TRANSITION_WORK.cancel_sync();
    settle::stop();
    patch::list::FREE_WORK.flush();
    core_state::unpublish();
    system_state::unpublish();
    shadow::unpublish();
}

/// `pr_debug`-level message (always emitted at KERN_DEBUG; 6.12's Rust
/// `pr_debug!` is compiled out without debug assertions). Upstream prints
/// these with pr_debug and its selftests enable them.
#[macro_export]
macro_rules! rklp_debug {
    ($($arg:tt)*) => {
        kernel::print_macro!(kernel::print::format_strings::DEBUG, false, $($arg)*)
    };
}

rklp_module!(
    Rklp,
    "rklp",
    "Live-patching core: shared ftrace_ops, per-task consistency"
);

struct Rklp {
    core: Pin<KBox<core_state::Core>>,
    /// Owned here, reached through shadow.rs's published pointer.
    shadows: Pin<KBox<shadow::Shadows>>,
    /// Owned here, reached through system_state.rs's published pointer.
    _system_states: Pin<KBox<system_state::StateRegistry>>,
    table: KBox<task_table::TaskTable>,
    probes: Option<sys::task::TaskEventProbes>,
    /// `/sys/module/rklp/transition` (sysfs.rs).
    status: Option<sys::kobject::KobjDir>,
    /// `/proc/rklp` (patch_state.rs).
    proc_dir: Option<sys::proc_file::ProcDir>,
}

impl kernel::Module for Rklp {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let kallsyms = sys::kallsyms::Kallsyms::resolve()?;
        let task_syms = sys::task::TaskSyms::resolve(&kallsyms)?;
        proto::say_if_no_btf(&kallsyms);
        if cfg!(rklp_no_direct_calls) {
            settle::forbid(settle::NoSettling::NoDirectCalls);
        } else if ftrace_jmp_hazard::list_func_jumped(&kallsyms) {
            settle::forbid(settle::NoSettling::Crashes);
        }
        // SAFETY: module init, before anything can queue them.
        unsafe {
            patch::list::FREE_WORK.init::<patch::list::FreeWork>();
            task_table::REAP_WORK.init::<task_table::ReapWork>();
            transition::TRANSITION_WORK.init::<transition::TransitionWork>();
            settle::SETTLE_WORK.init::<settle::SettleWork>();
        }
        let shadows = KBox::pin_init(shadow::Shadows::new(), GFP_KERNEL)?;
        let system_states = system_state::new_registry()?;

        // Track tasks: probes first, then the walk, so none is missed.
        let table = KBox::new(task_table::TaskTable::new()?, GFP_KERNEL)?;
        // SAFETY: the table lives in `Self` until `drop`, which unpublishes
        // it after every user is gone (probes unregistered, kicks done).
        unsafe { task_table::publish(&table) };
        let probes = match sys::task::TaskEventProbes::register::<task_table::RklpTaskEvents>() {
            Ok(p) => p,
            Err(e) => {
                task_table::unpublish();
                return Err(e);
            }
        };
        // Every CPU now runs the probes: from here on each new task is seen.
        sys::tracepoint::synchronize();
        table.probes_live();
        let mut this_probes = Some(probes);
        let fail = |probes: &mut Option<sys::task::TaskEventProbes>,
                    table: &task_table::TaskTable| {
            drop(probes.take());
            sys::tracepoint::synchronize();
            task_table::REAP_WORK.flush();
            table.clear();
            task_table::unpublish();
        };
        if let Err(e) = task_table::populate(&table, &task_syms) {
            fail(&mut this_probes, &table);
            return Err(e);
        }
        let root = match sys::kobject::KobjDir::new(c_str!("rklp"), None) {
            Ok(r) => r,
            Err(e) => {
                pr_err!("cannot create /sys/kernel/rklp\n");
                fail(&mut this_probes, &table);
                return Err(e);
            }
        };
        let status = match sysfs::create_status_dir(module) {
            Ok(d) => d,
            Err(e) => {
                fail(&mut this_probes, &table);
                return Err(e);
            }
        };
        let proc_dir = match patch_state::create_proc_dir() {
            Ok(d) => d,
            Err(e) => {
                fail(&mut this_probes, &table);
                return Err(e);
            }
        };
        // SAFETY: the only core.
        let core = match unsafe { core_state::new_core(kallsyms, task_syms, root) } {
            Ok(c) => c,
            Err(e) => {
                fail(&mut this_probes, &table);
                return Err(e);
            }
        };
        // SAFETY: these live in `Self` until `drop`, which unpublishes them
        // after every user (sysfs, patch modules, works) is gone.
        unsafe {
            shadow::publish(&shadows);
            system_state::publish(&system_states);
            core_state::publish(&core);
        }
        settle::start();
        if let Err(e) = module_events::NOTIFIER.register() {
            unpublish();
            fail(&mut this_probes, &table);
            return Err(e);
        }
        pr_info!("ready, tracking {} tasks\n", table.live());
        Ok(Self {
            core,
            shadows,
            _system_states: system_states,
            table,
            probes: this_probes,
            status: Some(status),
            proc_dir: Some(proc_dir),
        })
    }
}

impl Drop for Rklp {
    fn drop(&mut self) {
        // Removing the directories waits for their readers, which use the
        // core (and releases the open patch_state files).
        drop(self.status.take());
        drop(self.proc_dir.take());
        // Patch modules depend on our symbols, so none is loaded now, and
        // every disabled patch is queued on the free work.
        module_events::NOTIFIER.unregister();
        unpublish();
        // Cancelled (and waited for) without the mutex, which they take.
        drop(self.core.lock().cpu_works.take());
        let task_syms = {
            let mut st = self.core.lock();
            // Never leave ftrace calling into freed text: the direct calls
            // of functions no longer patched, and the anchor, go first.
            settle::release_all(&mut st);
            if !st.patches.is_empty() || st.redirect.filter.count() != 0 {
                pr_err!("unloading with live patches: this is a bug\n");
            }
            st.redirect.filter.shutdown();
            st.task_syms.clone()
        };
        // The tasks' own switches (TWA_RESUME works queued at each
        // transition's start, kicks): cancelled, or waited for.
        task_table::cancel_kicks(&self.table, &task_syms);
        // A work that has finished may still be returning through our text.
        sys::task::TaskWork::quiesce();
        // Nothing reads it any more; drops the checks it may still hold.
        transition::withdraw_self_switch();
        let left = shadow::count(&self.shadows);
        if left > 0 {
            pr_warn!("freeing {} shadow variables left at unload\n", left);
        }
        drop(self.probes.take());
        sys::tracepoint::synchronize();
        task_table::REAP_WORK.flush();
        self.table.clear();
        task_table::unpublish();
    }
}
