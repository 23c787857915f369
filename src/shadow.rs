// SPDX-License-Identifier: GPL-2.0

//! Shadow variables: data attached to an existing object, found by
//! (object address, id), as kernel/livepatch/shadow.c. They belong to rklp,
//! not to a patch: a patch may allocate them and a later one use or free
//! them. C ABI in exports.rs (`rklp_shadow_*`); typed for Rust in
//! include/rklp/api.rs (`klp::Shadow<T>`).
//!
//! As upstream, a hash table keyed by the object: lookups
//! (`rklp_shadow_get`) take no lock, only an RCU read-side section, so they
//! work from any context but NMI (a replacement running in hard or soft
//! IRQ, a constructor); changes take a spinlock with interrupts disabled,
//! so an interrupt never finds it held by the code it interrupted, and a
//! removed variable is freed after a grace period. Constructors and
//! destructors run under that lock, with interrupts disabled (as
//! upstream's): they may call `rklp_shadow_get`, not the functions that
//! change variables.

use crate::published::Published;
use crate::sys::irq::IrqSave;
// `%p`, as upstream's messages: Rust's `{:p}` would print the address.
use crate::sys::kernel_addr::Hashed;
use crate::sys::shadow_mem::{NewShadow, ShadowNode};
use crate::sys::task::rcu_read;
use core::ffi::c_void;
use core::pin::Pin;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::ffi::{c_int, c_uint, c_ulong};
use kernel::prelude::*;
use kernel::sync::SpinLock;

/// Constructor: fills a new shadow variable; non-zero refuses it.
pub(crate) type Ctor = unsafe extern "C" fn(*mut c_void, *mut c_void, *mut c_void) -> c_int;
/// Destructor: called before a shadow variable is freed.
pub(crate) type Dtor = unsafe extern "C" fn(*mut c_void, *mut c_void);

const HASH_BITS: u32 = 7;
const NR_BUCKETS: usize = 1 << HASH_BITS;

/// All shadow variables.
///
/// # Invariants
///
/// Every node reachable from `buckets` came from [`NewShadow::into_raw`]
/// and is owned by the table; nodes are linked and unlinked only under
/// `lock` (taken with interrupts off), and an unlinked node is freed only
/// after an RCU grace period (or at drop, when no reader is left).
#[pin_data(PinnedDrop)]
pub(crate) struct Shadows {
    #[pin]
    lock: SpinLock<()>,
    buckets: [AtomicPtr<ShadowNode>; NR_BUCKETS],
}

impl Shadows {
    /// An empty table.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            lock <- kernel::new_spinlock!((), "rklp_shadows"),
            buckets: [const { AtomicPtr::new(core::ptr::null_mut()) }; NR_BUCKETS],
        })
    }

    /// The chain of `obj` (hash_long() of the address, as upstream's hash).
    fn bucket(&self, obj: usize) -> &AtomicPtr<ShadowNode> {
        const GOLDEN_RATIO_64: u64 = 0x61C8864680B583EB;
        let h = (obj as u64).wrapping_mul(GOLDEN_RATIO_64) >> (64 - HASH_BITS);
        &self.buckets[h as usize]
    }

    /// Runs `f` with the lock held and interrupts off.
    fn locked<R>(&self, f: impl FnOnce() -> R) -> R {
        let _irq = IrqSave::new();
        let _guard = self.lock.lock();
        f()
        // `_guard` drops before `_irq`: unlock, then restore interrupts.
    }

    /// The variable (`obj`, `id`), or null.
    ///
    /// # Safety
    ///
    /// The caller is in an RCU read-side section or holds `lock`; the node
    /// may be used only until it leaves it.
    unsafe fn find(&self, obj: usize, id: c_ulong) -> *mut ShadowNode {
        let mut p = self.bucket(obj).load(Ordering::Acquire);
        // SAFETY: nodes reachable from the chain stay allocated until a
        // grace period after they are unlinked (type invariant), and the
        // caller is in a read-side section or excludes unlinking.
        while let Some(n) = unsafe { p.as_ref() } {
            if n.obj == obj && n.id == id {
                return p;
            }
            p = n.next.load(Ordering::Acquire);
        }
        core::ptr::null_mut()
    }

    /// The data of variable (`obj`, `id`), or null; lock-free.
    fn get(&self, obj: usize, id: c_ulong) -> *mut c_void {
        rcu_read(|_| {
            // SAFETY: inside an RCU read-side section.
            let n = unsafe { self.find(obj, id) };
            // SAFETY: `n` is valid in the section (see `find`).
            unsafe { n.as_ref() }.map_or(core::ptr::null_mut(), |n| n.data())
        })
    }

    /// Unlinks every variable `id` (of `obj`, or of every object) under the
    /// lock, calling `dtor` on each, and frees them after a grace period.
    fn free_where(&self, obj: Option<usize>, id: c_ulong, dtor: Option<Dtor>) {
        self.locked(|| {
            let chains = match obj {
                Some(o) => core::slice::from_ref(self.bucket(o)),
                None => &self.buckets[..],
            };
            for head in chains {
                let mut link = head;
                while let Some(nn) = NonNull::new(link.load(Ordering::Relaxed)) {
                    // SAFETY: linked, and only we (holding the lock) unlink.
                    let n = unsafe { &*nn.as_ptr() };
                    if n.id != id || obj.is_some_and(|o| o != n.obj) {
                        link = &n.next;
                        continue;
                    }
                    // Readers at `n` still see its `next`: unlinking keeps
                    // the chain walkable for them.
                    link.store(n.next.load(Ordering::Relaxed), Ordering::Release);
                    if let Some(dtor) = dtor {
                        // SAFETY: the destructor gets the parent object and
                        // the shadow data, allocated until the grace period.
                        unsafe { dtor(n.obj as *mut c_void, n.data()) };
                    }
                    // SAFETY: unlinked above, owned by the table, freed once.
                    unsafe { ShadowNode::free_rcu(nn) };
                }
            }
        })
    }

    /// Number of variables.
    pub(crate) fn count(&self) -> usize {
        self.locked(|| {
            let mut n = 0;
            for head in self.buckets.iter() {
                let mut p = head.load(Ordering::Relaxed);
                // SAFETY: linked nodes are valid while we hold the lock.
                while let Some(node) = unsafe { p.as_ref() } {
                    n += 1;
                    p = node.next.load(Ordering::Relaxed);
                }
            }
            n
        })
    }
}

#[pinned_drop]
impl PinnedDrop for Shadows {
    fn drop(self: Pin<&mut Self>) {
        // rklp is unloading: every module that could call the C ABI is
        // gone (they depend on rklp), so there are no readers left.
        for head in self.buckets.iter() {
            let mut p = head.swap(core::ptr::null_mut(), Ordering::Relaxed);
            while let Some(nn) = NonNull::new(p) {
                // SAFETY: a linked node, valid until freed below.
                p = unsafe { nn.as_ref() }.next.load(Ordering::Relaxed);
                // SAFETY: unreachable now (no readers, chain cleared).
                unsafe { ShadowNode::free_now(nn) };
            }
        }
    }
}

/// The shadow variables, for the C ABI (src/exports.rs).
static SHADOWS: Published<Shadows> = Published::new();

/// Makes `sh` the table of the C ABI.
///
/// # Safety
///
/// `sh` must outlive [`unpublish`] and every caller of the C ABI (module
/// exit: patch modules depend on rklp, so they are gone by then).
pub(crate) unsafe fn publish(sh: &Pin<KBox<Shadows>>) {
    // SAFETY: contract.
    unsafe { SHADOWS.publish(sh) };
}

/// Makes the table unreachable (module exit).
pub(crate) fn unpublish() {
    SHADOWS.unpublish();
}

fn shadows() -> Option<&'static Shadows> {
    SHADOWS.get()
}

/// `klp_shadow_get()`: callable from any context but NMI.
pub(crate) fn get(obj: *mut c_void, id: c_ulong) -> *mut c_void {
    match shadows() {
        Some(sh) => sh.get(obj as usize, id),
        None => core::ptr::null_mut(),
    }
}

/// Outcome of `alloc` under the lock (messages are printed after it).
enum Added {
    New(*mut c_void),
    Exists(*mut c_void),
    CtorFailed(c_int),
}

/// `klp_shadow_alloc()` (`warn_on_exist`: fails, with a warning, if the
/// variable exists) and `klp_shadow_get_or_alloc()`.
pub(crate) fn alloc(
    obj: *mut c_void,
    id: c_ulong,
    size: usize,
    gfp: c_uint,
    ctor: Option<Ctor>,
    ctor_data: *mut c_void,
    warn_on_exist: bool,
) -> *mut c_void {
    let Some(sh) = shadows() else {
        return core::ptr::null_mut();
    };
    let key = obj as usize;
    let mut res = match sh.get(key, id) {
        p if !p.is_null() => Added::Exists(p),
        _ => Added::New(core::ptr::null_mut()),
    };
    if let Added::New(_) = res {
        // Allocate outside the lock, with the caller's flags.
        let Some(new) = NewShadow::new(key, id, size, gfp) else {
            return core::ptr::null_mut();
        };
        res = sh.locked(|| {
            // SAFETY: we hold the lock.
            let old = unsafe { sh.find(key, id) };
            // SAFETY: valid while we hold the lock.
            if let Some(old) = unsafe { old.as_ref() } {
                return Added::Exists(old.data());
            }
            let data = new.node().data();
            if let Some(ctor) = ctor {
                // SAFETY: the constructor gets the parent object and the
                // new, zeroed memory of `size` bytes, as the C API
                // documents; interrupts are off and the lock is held.
                let ret = unsafe { ctor(obj, data, ctor_data) };
                if ret != 0 {
                    return Added::CtorFailed(ret);
                }
            }
            let head = sh.bucket(key);
            let node = new.into_raw();
            // SAFETY: ours until published by the store below.
            unsafe { node.as_ref() }
                .next
                .store(head.load(Ordering::Relaxed), Ordering::Relaxed);
            // Release: readers see the initialised node and data.
            head.store(node.as_ptr(), Ordering::Release);
            Added::New(data)
        });
        // `new` was either published or dropped (freed) by the closure.
    }
    match res {
        Added::New(p) => p,
        Added::Exists(p) if !warn_on_exist => p,
        Added::Exists(_) => {
            pr_warn!("Duplicate shadow variable <{}, {:x}>\n", Hashed(obj), id);
            core::ptr::null_mut()
        }
        Added::CtorFailed(ret) => {
            pr_err!(
                "Failed to construct shadow variable <{}, {:x}> ({})\n",
                Hashed(obj),
                id,
                ret
            );
            core::ptr::null_mut()
        }
    }
}

/// `klp_shadow_free()`.
pub(crate) fn free(obj: *mut c_void, id: c_ulong, dtor: Option<Dtor>) {
    if let Some(sh) = shadows() {
        sh.free_where(Some(obj as usize), id, dtor);
    }
}

/// `klp_shadow_free_all()`.
pub(crate) fn free_all(id: c_ulong, dtor: Option<Dtor>) {
    if let Some(sh) = shadows() {
        sh.free_where(None, id, dtor);
    }
}

/// Number of shadow variables left (reported at unload).
pub(crate) fn count(sh: &Shadows) -> usize {
    sh.count()
}
