// SPDX-License-Identifier: GPL-2.0

//! ftrace direct calls for settled functions: the pool of stubs
//! (direct_stubs.S), their slots, one direct `ftrace_ops` per settled
//! function, and the anchor ops (direct.c).

use super::bindings as b;
use core::cell::UnsafeCell;
use core::mem::ManuallyDrop;
use core::sync::atomic::{AtomicUsize, Ordering};
use kernel::alloc::flags::GFP_KERNEL;
use kernel::error::Result;
use kernel::prelude::*;

/// Number of stubs: at most this many functions are settled at once.
pub(crate) const POOL: usize = b::RKLP_DIRECT_STUBS as usize;

/// Index of a stub of the pool.
///
/// # Invariants
///
/// `0 <= self.0 < POOL`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct StubIndex(u32);

impl StubIndex {
    /// Stub `k`, if the pool has it.
    pub(crate) fn new(k: usize) -> Option<Self> {
        (k < POOL).then_some(Self(k as u32))
    }

    /// The index, below [`POOL`].
    pub(crate) fn get(self) -> usize {
        self.0 as usize
    }

    fn slot(self) -> &'static AtomicUsize {
        // SAFETY: `self.0 < POOL` (invariant), the length of the C array,
        // which is static; `AtomicUsize` has the layout of `unsigned long`,
        // and the stubs only read the slots (one aligned 8-byte load each).
        unsafe {
            &*(&raw mut b::rklp_direct_slots)
                .cast::<AtomicUsize>()
                .add(self.get())
        }
    }

    /// Sets what the stub enters: a replacement's address, or 0 for "ask
    /// rklp's handler logic" (`rklp_direct_decide()`). Release: a stub that
    /// reads 0 then reads the hash entries published before.
    pub(crate) fn set_target(self, target: usize) {
        self.slot().store(target, Ordering::Release);
    }

    /// What the stub enters now (0: undecided).
    pub(crate) fn target(self) -> usize {
        self.slot().load(Ordering::Relaxed)
    }

    /// The stub's address, which ftrace's direct call targets.
    pub(crate) fn addr(self) -> usize {
        // SAFETY: pure address arithmetic on the static pool.
        unsafe { b::rklp_direct_stub_addr(self.0) as usize }
    }
}

/// The text where a task stopped in a stub, or deciding for one, has its
/// program counter or a return address: the pool, then the undecided path
/// (`rklp_direct_undecided`), and the C decision function.
pub(crate) fn pool_text() -> (usize, usize) {
    // SAFETY: pure address computations.
    unsafe {
        (
            b::rklp_direct_text_start() as usize,
            b::rklp_direct_text_end() as usize,
        )
    }
}

/// Entry points of the undecided path, for stack checks (with their sizes
/// from kallsyms).
pub(crate) fn undecided_entries() -> [usize; 2] {
    [
        b::rklp_direct_undecided as *const () as usize,
        b::rklp_direct_decide as *const () as usize,
    ]
}

/// One function's direct `ftrace_ops`, filtered on it and registered on
/// its stub.
///
/// # Invariants
///
/// `ops` is boxed (ftrace keeps pointers to it), initialised by
/// `rklp_direct_ops_init` plus a one-ip filter, and registered with
/// `register_ftrace_direct(ops, stub.addr())`. Dropping unregisters it
/// (which waits for RCU-tasks grace periods) and only then frees it; if
/// ftrace refuses to unregister it, it is leaked, never freed in use.
pub(crate) struct DirectOps {
    ops: ManuallyDrop<KBox<UnsafeCell<b::ftrace_ops>>>,
    stub: StubIndex,
}

// SAFETY: ftrace serialises all access to the ops under its own locks;
// rklp only passes the pointer, under the core mutex.
unsafe impl Send for DirectOps {}

impl DirectOps {
    /// Registers a direct call at the ftrace location `ip` to `stub`. The
    /// stub's slot must already hold what calls must enter.
    pub(crate) fn register(ip: usize, stub: StubIndex) -> Result<Self> {
        // SAFETY: all-zero is the documented initial state of an ftrace_ops
        // (ftrace_ops_init fills in the rest on first use).
        let ops = KBox::new(UnsafeCell::new(unsafe { core::mem::zeroed() }), GFP_KERNEL)?;
        let p = ops.get();
        // SAFETY: `p` is a fresh, boxed ops that nothing else uses yet; `ip`
        // is checked by ftrace (-EINVAL if not an ftrace location). The ops
        // is then initialised, filtered on one function, boxed (stable
        // address) and not registered, as register_ftrace_direct requires.
        let ret = unsafe {
            b::rklp_direct_ops_init(p);
            let mut ret = b::ftrace_set_filter_ip(p, ip as _, 0, 0);
            if ret == 0 {
                ret = b::register_ftrace_direct(p, stub.addr() as _);
            }
            if ret != 0 {
                // Never registered: frees what the filter allocated.
                b::ftrace_free_filter(p);
            }
            ret
        };
        super::to_result(ret)?;
        Ok(Self {
            ops: ManuallyDrop::new(ops),
            stub,
        })
    }
}

impl Drop for DirectOps {
    fn drop(&mut self) {
        let p = self.ops.get();
        // SAFETY: registered on `stub` (invariant). Returns once no task can
        // be in the stub any more (RCU-tasks and -rude grace periods).
        let ret = unsafe { b::unregister_ftrace_direct(p, self.stub.addr() as _, false) };
        if ret != 0 {
            pr_err!("cannot unregister a direct call ({}): leaking it\n", ret);
            return;
        }
        // SAFETY: unregistered above, so ftrace no longer uses the ops; its
        // filter is ours to free, then the box.
        unsafe {
            b::ftrace_free_filter(p);
            ManuallyDrop::drop(&mut self.ops);
        }
    }
}

/// Registers the anchor ops (PERMANENT, on a function of rklp.ko nothing
/// calls): `kernel.ftrace_enabled=0` then fails instead of silently turning
/// the direct calls off. Fails (EBUSY) while ftrace is disabled.
pub(crate) fn anchor_register() -> Result {
    // SAFETY: the anchor is a static ops; callers serialise with the core
    // mutex and pair each success with one `anchor_unregister`.
    super::to_result(unsafe { b::rklp_direct_anchor_register() })
}

/// Unregisters the anchor ops.
pub(crate) fn anchor_unregister() {
    // SAFETY: registered by `anchor_register` (callers' pairing).
    unsafe { b::rklp_direct_anchor_unregister() };
}
