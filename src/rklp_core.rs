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
//! - `module_events.rs`, `sysfs.rs`, `shadow.rs`, `system_state.rs`;
//! - `../rust/` (module `sys`): the thin layer with every raw kernel binding.

use kernel::alloc::flags::GFP_KERNEL;
use kernel::c_str;
use kernel::ffi::c_int;
use kernel::prelude::*;

#[path = "../rust/mod.rs"]
mod sys;

mod consistency;
mod core_state;
mod lifecycle;
mod module_events;
mod patch;
mod redirect;
mod shadow;
mod sysfs;
mod system_state;

use consistency::task_table;

/// `pr_debug`-level message (always emitted at KERN_DEBUG; 6.12's Rust
/// `pr_debug!` is compiled out without debug assertions). Upstream prints
/// these with pr_debug and its selftests enable them.
#[macro_export]
macro_rules! rklp_debug {
    ($($arg:tt)*) => {
        kernel::print_macro!(kernel::print::format_strings::DEBUG, false, $($arg)*)
    };
}

module! {
    type: Rklp,
    name: "rklp",
    author: "rklp developers",
    description: "Live-patching core: shared ftrace_ops, per-task consistency",
    license: "GPL",
}

struct Rklp {
    core: Pin<KBox<core_state::Core>>,
    table: KBox<task_table::TaskTable>,
    probes: Option<sys::task::TaskEventProbes>,
    /// `/sys/module/rklp/transition` (sysfs.rs).
    status: Option<sys::kobject::KobjDir>,
}

impl kernel::Module for Rklp {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let kallsyms = sys::kallsyms::Kallsyms::resolve()?;
        let task_syms = sys::task::TaskSyms::resolve(&kallsyms)?;
        core_state::FREE_WORK.init::<core_state::FreeWork>();
        core_state::REAP_WORK.init::<core_state::ReapWork>();
        core_state::TRANSITION_WORK.init::<core_state::TransitionWork>();

        // Track tasks: probes first, then the walk, so none is missed.
        let table = KBox::new(task_table::TaskTable::new()?, GFP_KERNEL)?;
        task_table::publish(&table);
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
            core_state::REAP_WORK.flush();
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
        let core = match core_state::new_core(kallsyms, task_syms, root) {
            Ok(c) => c,
            Err(e) => {
                fail(&mut this_probes, &table);
                return Err(e);
            }
        };
        core_state::publish(&core);
        if let Err(e) = module_events::NOTIFIER.register() {
            core_state::unpublish();
            fail(&mut this_probes, &table);
            return Err(e);
        }
        pr_info!("ready, tracking {} tasks\n", table.live());
        Ok(Self {
            core,
            table,
            probes: this_probes,
            status: Some(status),
        })
    }
}

impl Drop for Rklp {
    fn drop(&mut self) {
        // Removing the directory waits for its readers, which use the core.
        drop(self.status.take());
        // Patch modules depend on our symbols, so none is loaded now, and
        // every disabled patch is queued on the free work.
        module_events::NOTIFIER.unregister();
        core_state::unpublish();
        let task_syms = {
            let mut st = self.core.state.lock();
            if !st.patches.is_empty() || st.filter.count() != 0 {
                pr_err!("unloading with live patches: this is a bug\n");
            }
            // Never leave ftrace calling into freed text.
            st.filter.shutdown();
            st.task_syms.clone()
        };
        // Without the mutex: a kick that is running takes it.
        task_table::cancel_kicks(&self.table, &task_syms);
        // A kick that has finished may still be returning through our text.
        sys::task::TaskWork::quiesce();
        let left = shadow::count(&self.core.shadows);
        if left > 0 {
            pr_warn!("freeing {} shadow variables left at unload\n", left);
        }
        drop(self.probes.take());
        sys::tracepoint::synchronize();
        core_state::REAP_WORK.flush();
        self.table.clear();
        task_table::unpublish();
    }
}

/// Registers and enables the patch described by `desc`, from the init
/// function of patch module `module`. Returns 0 or a negative errno.
/// Called by the exported C wrapper `rklp_enable_patch` (rust/exports.c),
/// which passes its return address as `caller`.
///
/// # Safety
///
/// `caller` must be an address in the text of the calling module. If
/// `module` is the module containing `caller` (checked here), `desc` must
/// be a descriptor built by the `KlpPatch` API, valid as long as `module`
/// is loaded.
#[no_mangle]
pub unsafe extern "C" fn rklp_enable_patch_from(
    module: *mut core::ffi::c_void,
    desc: *const sys::patch_desc::RklpPatchDesc,
    caller: usize,
) -> c_int {
    match enable_patch(module.cast(), desc, caller) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// `MODULE_STATE_*` of the loaded module `name`, or `-ENOENT`: what
/// upstream's callbacks read from `obj->mod->state` (rklp's callbacks get
/// the object's name). Does not take the core mutex: callbacks may call it.
///
/// # Safety
///
/// `name` must be a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn rklp_loaded_module_state(name: *const kernel::ffi::c_char) -> c_int {
    let Some(core) = core_state::core() else {
        return ENODEV.to_errno();
    };
    // SAFETY: NUL-terminated (contract).
    let name = unsafe { kernel::str::CStr::from_char_ptr(name) };
    match core.syms.module_state(name) {
        Some(s) => s as c_int,
        None => ENOENT.to_errno(),
    }
}

fn enable_patch(
    module: *mut kernel::bindings::module,
    desc: *const sys::patch_desc::RklpPatchDesc,
    caller: usize,
) -> Result {
    let core = core_state::core().ok_or(ENODEV)?;
    // The patch belongs to the module that calls: a patch module passing
    // another module's pointer would have rklp pin, name and call into the
    // wrong module. Compared before `module` is dereferenced.
    if module.is_null() || core.syms.module_of_text(caller) != module as usize {
        pr_err!("rklp_enable_patch: the module argument is not the calling module\n");
        return Err(EINVAL);
    }
    // SAFETY: `module` is the caller's own module (checked above), which is
    // running code, so its `struct module` is allocated.
    let mref = unsafe { sys::module_ref::ModuleRef::get(module) }?;
    // SAFETY: `desc` lives as long as the patch module, which `mref` pins
    // and which the patch keeps pinned for as long as it uses `desc`.
    let desc = unsafe { sys::patch_desc::PatchDesc::from_raw(desc) }.inspect_err(|_| {
        pr_err!("invalid patch descriptor\n");
    })?;
    let mut slot = Some(patch::Patch::from_desc(&core.syms, mref, &desc)?);
    let res = lifecycle::enable(&mut core.state.lock(), &core.root, &mut slot);
    // A patch that failed is dropped only now, with the mutex released: removing its
    // sysfs directory waits for readers of its files, which take the mutex.
    drop(slot);
    res
}
