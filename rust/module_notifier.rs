// SPDX-License-Identifier: GPL-2.0

//! A module notifier: rklp patches modules as they load and unpatches them
//! as they go (upstream gets the same from direct calls in the loader).

use core::cell::UnsafeCell;
use core::ffi::c_void;
use kernel::bindings as kb;
use kernel::ffi::{c_int, c_ulong};
use kernel::prelude::*;
use kernel::str::CStr;

/// A module in its MODULE_STATE_COMING notifier: what can be learnt of it
/// only then.
///
/// # Invariants
///
/// `module` is a module whose COMING notifier is running (so it is
/// allocated and the loader's copy of its file is not freed yet).
pub(crate) struct ComingModule {
    module: *mut super::bindings::module,
}

impl ComingModule {
    /// The module's address, as an identity (compare with
    /// [`ModuleRef::addr`] and [`ModuleEvents::going_module`]).
    ///
    /// [`ModuleRef::addr`]: super::module_ref::ModuleRef::addr
    pub(crate) fn addr(&self) -> usize {
        self.module as usize
    }

    /// The module, for helpers of the thin layer that may read a COMING
    /// module's fields (rust/btf.rs).
    pub(super) fn as_ptr(&self) -> *mut super::bindings::module {
        self.module
    }

    /// Whether the module's .modinfo has the entry `entry` (`"tag=value"`,
    /// as `modinfo` prints `tag: value`). The loader does not keep
    /// .modinfo: this can be asked only now.
    pub(crate) fn has_modinfo(&self, entry: &CStr) -> bool {
        // SAFETY: a COMING module (type invariant); `entry` is
        // NUL-terminated; the helper reads the module's symbol table and
        // the loader's copy of .modinfo without faulting.
        unsafe { super::bindings::rklp_coming_module_has_modinfo(self.module, entry.as_char_ptr()) }
    }
}

/// What to do when a module loads or unloads.
pub(crate) trait ModuleEvents {
    /// `name` (`module`) is about to run its init (MODULE_STATE_COMING).
    /// An error refuses the module's load.
    fn coming(name: &CStr, module: &ComingModule) -> Result;
    /// `name` is going away (MODULE_STATE_GOING, after its exit ran or its
    /// load failed).
    fn going(name: &CStr);
    /// The module at address `module` is going away (as for `going`,
    /// which follows): an identity to compare with [`ModuleRef::addr`].
    ///
    /// [`ModuleRef::addr`]: super::module_ref::ModuleRef::addr
    fn going_module(_module: usize) {}
}

const NOTIFY_OK: c_int = 0x0001;
const NOTIFY_STOP_MASK: c_int = 0x8000;

unsafe extern "C" fn notifier_tramp<T: ModuleEvents>(
    _nb: *mut kb::notifier_block,
    action: c_ulong,
    data: *mut c_void,
) -> c_int {
    let module = data.cast::<super::bindings::module>();
    // SAFETY: the module notifier chain passes the `struct module` whose
    // state changes; it stays allocated during the call.
    let name = unsafe { CStr::from_char_ptr(super::bindings::rklp_module_name(module)) };
    match action as u32 {
        // INVARIANT: the COMING notifier of `module` is running.
        kb::module_state_MODULE_STATE_COMING => match T::coming(name, &ComingModule { module }) {
            Ok(()) => NOTIFY_OK,
            // notifier_from_errno()
            Err(e) => NOTIFY_STOP_MASK | (NOTIFY_OK - e.to_errno()),
        },
        kb::module_state_MODULE_STATE_GOING => {
            T::going_module(module as usize);
            T::going(name);
            NOTIFY_OK
        }
        _ => NOTIFY_OK,
    }
}

/// A static module notifier block calling `T`.
///
/// # Invariants
///
/// Only the notifier chain touches the inner struct after construction.
pub(crate) struct ModuleNotifier(UnsafeCell<kb::notifier_block>);

// SAFETY: the notifier chain serialises all access (invariant).
unsafe impl Sync for ModuleNotifier {}

impl ModuleNotifier {
    /// A notifier for `T`, called before other module notifiers (highest
    /// priority), as upstream livepatch runs before them on load.
    pub(crate) const fn new<T: ModuleEvents>() -> Self {
        Self(UnsafeCell::new(kb::notifier_block {
            notifier_call: Some(notifier_tramp::<T>),
            next: core::ptr::null_mut(),
            priority: c_int::MAX,
        }))
    }

    /// Starts receiving events.
    pub(crate) fn register(&'static self) -> Result {
        // SAFETY: static notifier block, not registered yet.
        super::to_result(unsafe { kb::register_module_notifier(self.0.get()) })
    }

    /// Stops receiving events; returns after running callbacks finished.
    pub(crate) fn unregister(&'static self) {
        // SAFETY: registered by `register`.
        unsafe { kb::unregister_module_notifier(self.0.get()) };
    }
}
