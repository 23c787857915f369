// SPDX-License-Identifier: GPL-2.0

//! The core mutex (upstream's `klp_mutex`) and what it protects: the patch
//! list, the redirect machinery, the running transition. Each part is its
//! own type, so that code holding the mutex borrows the parts it uses
//! separately (a patch of the list and the hash writer at once, say).
//!
//! The mutex is taken only through [`Core::lock`] and
//! [`Core::lock_interruptible`] (sysfs), whose guard publishes, before it
//! unlocks, what the lock-free sysfs files show (`enabled`, `transition`,
//! `replace`, `patched`: [`crate::sysfs::publish`]). Those reads then never
//! wait for the mutex, which is held across slow operations (callbacks,
//! RCU-Tasks grace periods of direct-call unregistration), and they see
//! the state as of the last unlock, never a half-done operation.

use crate::consistency::transition::Transition;
use crate::module_events::GoneModules;
use crate::patch::list::PatchList;
use crate::patch_modules::PatchModules;
use crate::published::Published;
use crate::redirect::Redirect;
use crate::sys::kallsyms::Kallsyms;
use crate::sys::kobject::KobjDir;
use crate::sys::mutex::{new_mutex, Guard, Mutex};
use crate::sys::task::TaskSyms;
use core::ops::{Deref, DerefMut};
use kernel::alloc::flags::GFP_KERNEL;
use kernel::prelude::*;

/// Everything the core mutex protects.
pub(crate) struct CoreState {
    /// Enabled patches, and disabled ones waiting to be freed.
    pub(crate) patches: PatchList,
    /// The function hash and the shared ops' filter.
    pub(crate) redirect: Redirect,
    /// The running transition, if any.
    pub(crate) transition: Option<Transition>,
    /// Modules whose going notifier has run.
    pub(crate) gone: GoneModules,
    /// Loaded modules marked as patch modules (`rklp=Y` in .modinfo).
    pub(crate) patch_modules: PatchModules,
    /// Symbol lookup.
    pub(crate) kallsyms: Kallsyms,
    /// Scheduler helpers.
    pub(crate) task_syms: TaskSyms,
    /// The per-CPU works that switch tasks found running
    /// (`transition::RunningWork`), allocated at their first use; taken
    /// out and dropped (which waits for them) without the mutex at exit.
    pub(crate) cpu_works: Option<crate::sys::work::PerCpuWorks>,
}

/// The core: state and the sysfs root `/sys/kernel/rklp`.
#[pin_data]
pub(crate) struct Core {
    /// Taken through [`Core::lock`] and [`Core::lock_interruptible`] only.
    #[pin]
    state: Mutex<CoreState>,
    /// Held across one release of a batch of direct calls (detach under
    /// `state`, unregistration without it, finish under it): a going
    /// module waits for a release of its own functions that is under way.
    /// Taken before `state`, never while holding it.
    #[pin]
    pub(crate) release: Mutex<()>,
    /// `/sys/kernel/rklp`.
    pub(crate) root: KobjDir,
    /// Symbol lookup without the mutex (for `rklp_loaded_module_state`, which
    /// callbacks call while the mutex is held).
    pub(crate) syms: Kallsyms,
}

impl Core {
    /// Waits for the core mutex (uninterruptibly).
    pub(crate) fn lock(&self) -> CoreGuard<'_> {
        CoreGuard(self.state.lock())
    }

    /// Waits for the core mutex until a signal arrives (then
    /// `ERESTARTSYS`): for sysfs, so that no reader or writer of rklp's
    /// files sits in D state behind a long operation.
    pub(crate) fn lock_interruptible(&self) -> Result<CoreGuard<'_>> {
        Ok(CoreGuard(self.state.lock_interruptible()?))
    }
}

/// The core mutex, held. Dropping it publishes the lock-free sysfs state,
/// then unlocks.
pub(crate) struct CoreGuard<'a>(Guard<'a, CoreState>);

impl Deref for CoreGuard<'_> {
    type Target = CoreState;

    fn deref(&self) -> &CoreState {
        &self.0
    }
}

impl DerefMut for CoreGuard<'_> {
    fn deref_mut(&mut self) -> &mut CoreState {
        &mut self.0
    }
}

impl Drop for CoreGuard<'_> {
    fn drop(&mut self) {
        // Before the unlock (the inner guard's drop): the next holder
        // starts from what is published.
        crate::sysfs::publish(&self.0);
    }
}

/// The core, for the C ABI, sysfs and the works.
static CORE: Published<Core> = Published::new();

/// The live core, if rklp is initialised.
pub(crate) fn core() -> Option<&'static Core> {
    CORE.get()
}

/// Allocates the core.
///
/// # Safety
///
/// Called once: the core is the only writer of the function hash and the
/// only user of the shared ops' filter.
pub(crate) unsafe fn new_core(
    kallsyms: Kallsyms,
    task_syms: TaskSyms,
    root: KobjDir,
) -> Result<Pin<KBox<Core>>> {
    // SAFETY: called once (contract).
    let redirect = unsafe { Redirect::new_once(kallsyms.clone()) };
    KBox::pin_init(
        pin_init!(Core {
            state <- new_mutex!(
                CoreState {
                    patches: PatchList::new(),
                    redirect,
                    transition: None,
                    gone: GoneModules::new(),
                    patch_modules: PatchModules::new(),
                    kallsyms: kallsyms.clone(),
                    task_syms,
                    cpu_works: None,
                },
                "rklp_mutex"
            ),
            release <- new_mutex!((), "rklp_release"),
            root,
            syms: kallsyms,
        }),
        GFP_KERNEL,
    )
}

/// Makes `core` reachable from the C ABI, sysfs and the works.
///
/// # Safety
///
/// As [`Published::publish`]: `core` outlives [`unpublish`] and every user.
pub(crate) unsafe fn publish(core: &Pin<KBox<Core>>) {
    // SAFETY: contract.
    unsafe { CORE.publish(core) };
}

/// Makes the core unreachable for new users.
pub(crate) fn unpublish() {
    CORE.unpublish();
}
