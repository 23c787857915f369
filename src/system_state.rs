// SPDX-License-Identifier: GPL-2.0

//! System states, as kernel/livepatch/state.c: a patch declares the states
//! of the system it changes as (id, version); each has a `data` slot for the
//! patch's callbacks. A new patch must be able to deal with the states the
//! installed patches changed (`is_patch_compatible`, checked at enable):
//! for every state of every installed patch, a patch carrying the same id
//! must have the same or a higher version, and an atomic replace patch must
//! carry it.
//!
//! C ABI (exported; typed for Rust in include/rklp/api.rs, `klp::KlpState`):
//!
//! * `rklp_get_state(module, id)`: the state `id` of the patch of `module`
//!   (a patch module's `THIS_MODULE` is its patch handle), or null;
//! * `rklp_get_prev_state(id)`: during a transition, the state `id` of the
//!   latest patch installed before the one in transition, or null.
//!
//! Callbacks run under the core mutex, so neither function may take it:
//! they read [`Registry`], an index kept beside the core state under a raw
//! spinlock, always taken with interrupts off (replacement functions may
//! call them from hard IRQ context, where a `spinlock_t` must not be taken:
//! it sleeps on PREEMPT_RT). Nothing is allocated or freed under it. Both return addresses of [`SystemState`]s owned by rklp's
//! patches (the `data` the patch module sets lives there, not in the
//! module): valid while that patch exists, which for a patch's own states
//! covers its callbacks and replacement functions, and for the previous
//! states the transition they were looked up in.

use crate::patch::Patch;
use crate::published::Published;
use crate::sys::patch_desc::{RklpState, StateDesc};
use crate::sys::raw_spinlock::{new_raw_spinlock, RawSpinLock};
use core::ffi::c_void;
use core::mem::{align_of, offset_of, size_of};
use core::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use kernel::alloc::flags::{GFP_ATOMIC, GFP_KERNEL};
use kernel::prelude::*;
use kernel::str::CStr;

/// One state of a patch, as rklp keeps it. Same layout as the ABI's
/// `struct rklp_state` (checked below), so its address is handed out as
/// one; `data` is atomic because the patch module writes it through that
/// address while other code may read it.
#[repr(C)]
pub(crate) struct SystemState {
    /// Identifier (non-zero).
    pub(crate) id: u64,
    /// Version.
    pub(crate) version: u32,
    data: AtomicPtr<c_void>,
}

const _: () = assert!(
    size_of::<SystemState>() == size_of::<RklpState>()
        && align_of::<SystemState>() == align_of::<RklpState>()
        && offset_of!(SystemState, id) == offset_of!(RklpState, id)
        && offset_of!(SystemState, version) == offset_of!(RklpState, version)
        && offset_of!(SystemState, data) == offset_of!(RklpState, data)
);

impl SystemState {
    /// The address handed out through the C ABI.
    fn as_abi(&self) -> *mut RklpState {
        self as *const SystemState as *mut RklpState
    }
}

/// The system states of one patch, findable by its module (through the
/// [`Registry`]) while they exist.
///
/// # Invariants
///
/// `list` is never resized after [`PatchStates::new`], so the states'
/// addresses are stable. If `registered`, the registry holds `list`'s
/// address under the patch's module; `Drop` removes it before `list` is
/// freed.
pub(crate) struct PatchStates {
    list: KVec<SystemState>,
    registered: bool,
}

impl PatchStates {
    /// Copies a patch's state declarations, refusing id 0 (upstream's
    /// terminator) and ids listed twice with `-EINVAL` and a message.
    pub(crate) fn new(patch: &CStr, descs: impl Iterator<Item = StateDesc>) -> Result<Self> {
        let mut list = KVec::<SystemState>::new();
        for d in descs {
            if d.id == 0 {
                pr_err!("patch '{}': system state id 0 is reserved\n", patch);
                return Err(EINVAL);
            }
            if list.iter().any(|s| s.id == d.id) {
                pr_err!("patch '{}': system state {} is listed twice\n", patch, d.id);
                return Err(EINVAL);
            }
            list.push(
                SystemState {
                    id: d.id,
                    version: d.version,
                    data: AtomicPtr::new(d.data as *mut c_void),
                },
                GFP_KERNEL,
            )?;
        }
        Ok(Self {
            list,
            registered: false,
        })
    }

    /// Makes the states reachable by `rklp_get_state(module, id)`.
    pub(crate) fn register(&mut self, module: usize) -> Result {
        if self.list.is_empty() {
            return Ok(());
        }
        let reg = registry().ok_or(ENODEV)?;
        let entry = Some(Registered {
            module,
            states: self.list.as_ptr() as usize,
            len: self.list.len(),
        });
        // No allocation under the raw lock: when every slot is taken and
        // the list is full, a larger one is allocated here and swapped in
        // below. Registering runs under the core mutex, the only writer
        // that adds slots, so the list cannot fill up in between.
        let full_len = with_registry(reg, |r| {
            let full =
                r.patches.iter().all(|e| e.is_some()) && r.patches.len() == r.patches.capacity();
            full.then_some(r.patches.len())
        });
        let mut larger = match full_len {
            Some(len) => Some(KVec::with_capacity(core::cmp::max(4, 2 * len), GFP_KERNEL)?),
            None => None,
        };
        let old = with_registry(reg, |r| -> Result<Option<KVec<Option<Registered>>>> {
            if let Some(slot) = r.patches.iter_mut().find(|e| e.is_none()) {
                *slot = entry;
                return Ok(None);
            }
            let Some(mut new) = larger.take() else {
                // Within its capacity: `push` does not allocate.
                r.patches.push(entry, GFP_ATOMIC)?;
                return Ok(None);
            };
            // Within `new`'s capacity (at least twice the old length).
            for e in r.patches.iter_mut() {
                new.push(e.take(), GFP_ATOMIC)?;
            }
            new.push(entry, GFP_ATOMIC)?;
            Ok(Some(core::mem::replace(&mut r.patches, new)))
        })?;
        // Freed with the lock released and interrupts back on.
        drop(old);
        drop(larger);
        self.registered = true;
        Ok(())
    }

    /// The state `id`, if the patch declares it (upstream klp_get_state).
    pub(crate) fn get(&self, id: u64) -> Option<&SystemState> {
        self.list.iter().find(|s| s.id == id)
    }

    /// All states, in declaration order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &SystemState> {
        self.list.iter()
    }
}

impl Drop for PatchStates {
    fn drop(&mut self) {
        if !self.registered {
            return;
        }
        let Some(reg) = registry() else { return };
        let me = self.list.as_ptr() as usize;
        with_registry(reg, |r| {
            if let Some(slot) = r
                .patches
                .iter_mut()
                .find(|e| e.as_ref().is_some_and(|e| e.states == me))
            {
                *slot = None;
            }
        });
    }
}

/// One registered patch's states.
struct Registered {
    /// Its module (the patch handle).
    module: usize,
    /// Address and length of its `PatchStates::list`.
    states: usize,
    len: usize,
}

/// What the C ABI reads without the core mutex.
///
/// # Invariants
///
/// Every `Registered` entry (a `None` slot is free) describes the live, never-resized state list of
/// an existing patch (see [`PatchStates`]). `prev` is `Some` only between
/// [`begin_transition`] and [`end_transition`], which run under the core
/// mutex, and then holds addresses of states of patches that stay alive
/// until `end_transition` (patches installed before the one in transition:
/// they cannot be disabled during it, and replaced ones are freed only by
/// the free work, after the transition completed).
pub(crate) struct Registry {
    patches: KVec<Option<Registered>>,
    /// The previous states of the running transition: (id, address) of
    /// the latest installed patch's state with that id.
    prev: Option<KVec<(u64, usize)>>,
}

/// The registry, beside the core state (it has its own lock).
pub(crate) type StateRegistry = RawSpinLock<Registry>;

impl Registry {
    /// An empty registry.
    pub(crate) fn new() -> Self {
        Self {
            patches: KVec::new(),
            prev: None,
        }
    }
}

/// Runs `f` on the registry with its lock held and interrupts off: the C
/// ABI may be called from a replacement function running in hard or soft
/// IRQ context, which must never find the lock held by the code it
/// interrupted on the same CPU. `f` neither allocates nor frees.
fn with_registry<R>(reg: &StateRegistry, f: impl FnOnce(&mut Registry) -> R) -> R {
    reg.with(f)
}

/// The registry, for the C ABI (src/exports.rs).
static REGISTRY: Published<StateRegistry> = Published::new();

/// A new, empty registry.
pub(crate) fn new_registry() -> Result<Pin<KBox<StateRegistry>>> {
    KBox::pin_init(
        new_raw_spinlock!(Registry::new(), "rklp_system_states"),
        kernel::alloc::flags::GFP_KERNEL,
    )
}

/// Makes `reg` the registry of the C ABI and of the patches.
///
/// # Safety
///
/// `reg` must outlive [`unpublish`] and every caller of the C ABI (module
/// exit).
pub(crate) unsafe fn publish(reg: &Pin<KBox<StateRegistry>>) {
    // SAFETY: contract.
    unsafe { REGISTRY.publish(reg) };
}

/// Makes the registry unreachable (module exit).
pub(crate) fn unpublish() {
    REGISTRY.unpublish();
}

fn registry() -> Option<&'static StateRegistry> {
    REGISTRY.get()
}

/// Upstream klp_is_patch_compatible: every state of every installed patch
/// must be handled by `patch` (same id, same or higher version), except
/// that a non-replace patch may leave a state alone.
pub(crate) fn is_patch_compatible(installed: &[KBox<Patch>], patch: &Patch) -> bool {
    installed.iter().all(|old| {
        old.states.iter().all(|os| match patch.states.get(os.id) {
            None => !patch.replace,
            Some(s) => s.version >= os.version,
        })
    })
}

/// Refuses an incompatible patch with upstream's message.
pub(crate) fn check_compatible(installed: &[KBox<Patch>], patch: &Patch) -> Result {
    if is_patch_compatible(installed, patch) {
        return Ok(());
    }
    pr_err!(
        "Livepatch patch ({}) is not compatible with the already installed livepatches.\n",
        &*patch.name
    );
    Err(EINVAL)
}

/// A transition of the patch at `installed[upto]` (or of a new patch, for
/// `upto == installed.len()`) begins: from now until [`end_transition`],
/// `rklp_get_prev_state` sees the states of `installed[..upto]`.
pub(crate) fn begin_transition(installed: &[KBox<Patch>], upto: usize) -> Result {
    let mut prev = KVec::<(u64, usize)>::new();
    for p in installed.iter().take(upto) {
        for s in p.states.iter() {
            let addr = s as *const SystemState as usize;
            match prev.iter_mut().find(|e| e.0 == s.id) {
                // A later patch has the latest information.
                Some(e) => e.1 = addr,
                None => prev.push((s.id, addr), GFP_KERNEL)?,
            }
        }
    }
    let reg = registry().ok_or(ENODEV)?;
    let old = with_registry(reg, |r| core::mem::replace(&mut r.prev, Some(prev)));
    // Freed after the lock is released and interrupts are back on.
    drop(old);
    Ok(())
}

/// The transition completed or was cancelled (idempotent).
pub(crate) fn end_transition() {
    let Some(reg) = registry() else { return };
    let old = with_registry(reg, |r| r.prev.take());
    drop(old);
}

/// `klp_get_state()`: the state `id` of the patch of `module` (the patch
/// module's `THIS_MODULE`), or null.
pub(crate) fn get_state(module: *mut c_void, id: u64) -> *mut RklpState {
    let Some(reg) = registry() else {
        return core::ptr::null_mut();
    };
    with_registry(reg, |r| {
        for e in r
            .patches
            .iter()
            .flatten()
            .filter(|e| e.module == module as usize)
        {
            // SAFETY: a registered list is alive and not resized (invariant
            // of `Registry`); the lock keeps it registered while we read it.
            let list =
                unsafe { core::slice::from_raw_parts(e.states as *const SystemState, e.len) };
            if let Some(s) = list.iter().find(|s| s.id == id) {
                return s.as_abi();
            }
        }
        core::ptr::null_mut()
    })
}

static PREV_WARNED: AtomicBool = AtomicBool::new(false);

/// `klp_get_prev_state()`: during a transition, the state `id` of the latest
/// patch installed before the one in transition, or null (also outside a
/// transition, with a warning, as upstream's WARN_ON_ONCE).
pub(crate) fn get_prev_state(id: u64) -> *mut RklpState {
    let Some(reg) = registry() else {
        return core::ptr::null_mut();
    };
    let found = with_registry(reg, |r| {
        r.prev.as_ref().map(|prev| {
            prev.iter()
                .find(|e| e.0 == id)
                .map_or(core::ptr::null_mut(), |e| e.1 as *mut RklpState)
        })
    });
    found.unwrap_or_else(|| {
        if !PREV_WARNED.swap(true, Ordering::Relaxed) {
            pr_warn!("rklp_get_prev_state() called outside a transition\n");
        }
        core::ptr::null_mut()
    })
}
