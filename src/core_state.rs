// SPDX-License-Identifier: GPL-2.0

//! rklp's global state: the patch list and everything that changes with it,
//! behind one mutex (the equivalent of upstream's `klp_mutex`).

use crate::consistency::transition::Transition;
use crate::patch::Patch;
use crate::redirect::func_hash::HashWriter;
use crate::redirect::handler::Filter;
use crate::sys::kallsyms::Kallsyms;
use crate::sys::kobject::{KobjDir, KobjId};
use crate::sys::task::TaskSyms;
use crate::sys::work::{StaticDelayedWork, StaticWork, WorkFn};
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::alloc::flags::GFP_KERNEL;
use kernel::new_mutex;
use kernel::prelude::*;
use kernel::str::{CStr, CString};
use kernel::sync::Mutex;

/// Everything the core mutex protects.
pub(crate) struct CoreState {
    /// Enabled patches, oldest first (the stacking order).
    pub(crate) patches: KVec<KBox<Patch>>,
    /// Disabled patches waiting for [`FreeWork`].
    to_free: KVec<KBox<Patch>>,
    /// The only writer of the function hash.
    pub(crate) hash: HashWriter,
    /// The shared ftrace_ops' filter.
    pub(crate) filter: Filter,
    /// Symbol lookup.
    pub(crate) kallsyms: Kallsyms,
    /// Scheduler helpers.
    pub(crate) task_syms: TaskSyms,
    /// The running transition, if any.
    pub(crate) transition: Option<Transition>,
    /// Modules in MODULE_STATE_GOING whose going notifier has run (upstream:
    /// `!mod->klp_alive`); see [`crate::redirect::install::object_loaded`].
    gone_modules: KVec<CString>,
    /// A name could not be added to `gone_modules`: treat every GOING
    /// module as gone.
    gone_unknown: bool,
}

/// The core: state and the sysfs root `/sys/kernel/rklp`.
#[pin_data]
pub(crate) struct Core {
    #[pin]
    pub(crate) state: Mutex<CoreState>,
    /// `/sys/kernel/rklp`.
    pub(crate) root: KobjDir,
    /// Symbol lookup without the mutex (for `rklp_loaded_module_state`, which
    /// callbacks call while the mutex is held).
    pub(crate) syms: Kallsyms,
    /// Shadow variables (shadow.rs).
    #[pin]
    pub(crate) shadows: crate::shadow::Shadows,
    /// System states, for the C ABI (system_state.rs; own lock: callbacks
    /// run under `state`'s).
    #[pin]
    pub(crate) system_states: crate::system_state::StateRegistry,
}

static CORE: AtomicPtr<Core> = AtomicPtr::new(core::ptr::null_mut());

/// Frees disabled patches outside the store() that disabled them: removing
/// a sysfs directory waits for its running callbacks, so it cannot be done
/// from one of them.
pub(crate) struct FreeWork;
pub(crate) static FREE_WORK: StaticWork = StaticWork::new();

impl WorkFn for FreeWork {
    fn run() {
        let Some(core) = core() else { return };
        let list = {
            let mut st = core.state.lock();
            core::mem::replace(&mut st.to_free, KVec::new())
        };
        // Drops sysfs dirs (bottom-up), then module references: after this
        // the patch modules can be removed.
        drop(list);
    }
}

impl CoreState {
    pub(crate) fn new(kallsyms: Kallsyms, task_syms: TaskSyms) -> Self {
        Self {
            task_syms,
            transition: None,
            gone_modules: KVec::new(),
            gone_unknown: false,
            patches: KVec::new(),
            to_free: KVec::new(),
            hash: HashWriter::new_once(),
            filter: Filter::new_once(),
            kallsyms,
        }
    }

    /// Removes and returns patch `idx`, keeping the others in order. Does
    /// not allocate, so a following [`CoreState::insert_patch`] cannot fail.
    pub(crate) fn take_patch(&mut self, idx: usize) -> KBox<Patch> {
        crate::sys::vec::remove(&mut self.patches, idx)
    }

    /// Puts a patch taken with `take_patch` back at `idx`.
    pub(crate) fn insert_patch(&mut self, idx: usize, patch: KBox<Patch>) {
        if let Err(patch) = crate::sys::vec::insert(&mut self.patches, idx, patch, GFP_KERNEL) {
            // Only without a preceding take_patch. Its entries may be in the
            // hash: leaking is safer than freeing what handlers may run.
            pr_err!(
                "patch list: out of memory, leaking patch '{}'\n",
                &*patch.name
            );
            core::mem::forget(patch);
        }
    }

    /// Records that the going notifier of `name` has run; forgets the names
    /// of modules that are no longer loaded.
    pub(crate) fn add_gone_module(&mut self, name: &CStr) {
        let ks = &self.kallsyms;
        retain_names(&mut self.gone_modules, |n| {
            ks.module_state(n).is_some() && n.as_bytes() != name.as_bytes()
        });
        let pushed = CString::try_from(name)
            .map_err(|_| ENOMEM)
            .and_then(|n| self.gone_modules.push(n, GFP_KERNEL).map_err(|_| ENOMEM));
        if pushed.is_err() {
            pr_err!("out of memory: modules being removed will not be patched\n");
            self.gone_unknown = true;
        }
    }

    /// A module called `name` is coming: a former one of that name is gone.
    pub(crate) fn forget_gone_module(&mut self, name: &CStr) {
        retain_names(&mut self.gone_modules, |n| n.as_bytes() != name.as_bytes());
    }

    /// Whether the going notifier of the (GOING) module `name` has run.
    pub(crate) fn module_gone(&self, name: &CStr) -> bool {
        self.gone_unknown
            || self
                .gone_modules
                .iter()
                .any(|n| n.as_bytes() == name.as_bytes())
    }

    /// Makes room to queue `n` more patches for freeing, so that a following
    /// [`CoreState::defer_free`] of that many cannot fail.
    pub(crate) fn reserve_free(&mut self, n: usize) -> Result {
        self.to_free.reserve(n, GFP_KERNEL)?;
        Ok(())
    }

    /// Queues a disabled patch for freeing.
    pub(crate) fn defer_free(&mut self, patch: KBox<Patch>) {
        if let Err(e) = self.to_free.push(patch, GFP_KERNEL) {
            // Dropping here would deadlock on our own sysfs file; leak.
            pr_err!("cannot queue patch for freeing: {:?}\n", e);
            return;
        }
        FREE_WORK.schedule();
    }

    /// Index of the patch whose directory is `dir`.
    pub(crate) fn patch_by_dir(&self, dir: KobjId) -> Option<usize> {
        self.patches
            .iter()
            .position(|p| p.dir.as_ref().map(|d| d.id()) == Some(dir))
    }
}

/// Keeps the names for which `keep` holds (6.12's `KVec` has no `retain`).
fn retain_names(v: &mut KVec<CString>, mut keep: impl FnMut(&CStr) -> bool) {
    let mut i = 0;
    while i < v.len() {
        if keep(&v[i]) {
            i += 1;
        } else {
            drop(crate::sys::vec::remove(v, i));
        }
    }
}

/// Retries the running transition.
pub(crate) struct TransitionWork;
pub(crate) static TRANSITION_WORK: StaticDelayedWork = StaticDelayedWork::new();

impl WorkFn for TransitionWork {
    fn run() {
        let Some(core) = core() else { return };
        let mut st = core.state.lock();
        if st.transition.is_some() {
            crate::consistency::transition::try_complete(&mut st);
        }
    }
}

/// Drops the records of dead tasks.
pub(crate) struct ReapWork;
pub(crate) static REAP_WORK: StaticWork = StaticWork::new();

impl WorkFn for ReapWork {
    fn run() {
        if let Some(t) = crate::consistency::task_table::tasks() {
            t.reap();
        }
    }
}

/// The live core, if rklp is initialised.
pub(crate) fn core() -> Option<&'static Core> {
    let p = CORE.load(Ordering::Acquire);
    // SAFETY: `CORE` is set by `publish` to a pinned allocation that stays
    // alive until `unpublish`, which runs at module exit after every user
    // (patch modules, sysfs files, the free work) is gone.
    unsafe { p.as_ref() }
}

/// Allocates the core.
pub(crate) fn new_core(
    kallsyms: Kallsyms,
    task_syms: TaskSyms,
    root: KobjDir,
) -> Result<Pin<KBox<Core>>> {
    KBox::pin_init(
        pin_init!(Core {
            state <- new_mutex!(CoreState::new(kallsyms, task_syms), "rklp_mutex"),
            root,
            syms: kallsyms,
            shadows <- crate::shadow::Shadows::new(),
            system_states <- kernel::new_spinlock!(
                crate::system_state::Registry::new(),
                "rklp_system_states"
            ),
        }),
        GFP_KERNEL,
    )
}

/// Makes `core` reachable from the C ABI and sysfs.
pub(crate) fn publish(core: &Pin<KBox<Core>>) {
    CORE.store(&**core as *const Core as *mut Core, Ordering::Release);
}

/// Makes the core unreachable; waits for the works.
pub(crate) fn unpublish() {
    TRANSITION_WORK.cancel_sync();
    FREE_WORK.flush();
    CORE.store(core::ptr::null_mut(), Ordering::Release);
}
