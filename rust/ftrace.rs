// SPDX-License-Identifier: GPL-2.0

//! The one `struct ftrace_ops` of rklp, and what its handler may touch.

use super::bindings as b;
use core::cell::UnsafeCell;
use kernel::error::{code::EINVAL, Result};

/// What rklp's handler does for one traced call.
pub(crate) trait Handler {
    /// Called for every traced call of a filtered function, with the ftrace
    /// location `ip` and recursion protection held (preemption disabled).
    fn handle(ip: usize, regs: &mut Regs<'_>, ctx: &HandlerCtx);
}

/// Proof that the code holding it runs inside rklp's ftrace handler, with
/// preemption disabled: the read side of rklp's handler data (see
/// `func_hash.rs`). Only `trampoline` creates one.
pub(crate) struct HandlerCtx {
    _p: (),
}

/// The saved registers of a traced call; lets the handler redirect it.
pub(crate) struct Regs<'a> {
    fregs: *mut b::ftrace_regs,
    _p: core::marker::PhantomData<&'a mut b::ftrace_regs>,
}

impl Regs<'_> {
    /// Makes the traced call continue at `addr` instead of the original body.
    #[inline(always)]
    pub(crate) fn set_ip(&mut self, addr: usize) {
        // SAFETY: `fregs` is the live ftrace_regs of this call (type invariant
        // of `Regs`, only built in `trampoline`), and our ops has IPMODIFY.
        unsafe { b::rklp_ftrace_regs_set_ip(self.fregs, addr) };
    }
}

/// `ftrace_func_t` for handler `H`.
///
/// # Safety
///
/// Only ftrace may call this, with a valid `fregs` for the current call.
unsafe extern "C" fn trampoline<H: Handler>(
    ip: usize,
    parent_ip: usize,
    _op: *mut b::ftrace_ops,
    fregs: *mut b::ftrace_regs,
) {
    // SAFETY: plain inline helper; disables preemption on success.
    let bit = unsafe { b::rklp_ftrace_recursion_trylock(ip, parent_ip) };
    if bit < 0 {
        return;
    }
    let mut regs = Regs {
        fregs,
        _p: core::marker::PhantomData,
    };
    H::handle(ip, &mut regs, &HandlerCtx { _p: () });
    // SAFETY: `bit` came from the successful trylock above.
    unsafe { b::rklp_ftrace_recursion_unlock(bit) };
}

/// A statically allocated `ftrace_ops` whose callback is `H::handle`.
///
/// # Invariants
///
/// The inner `ftrace_ops` is only written by ftrace itself (under its own
/// locks) once it is first passed to ftrace; callers serialise `register`,
/// `unregister` and filter updates with rklp's core mutex.
pub(crate) struct FtraceOps {
    ops: UnsafeCell<b::ftrace_ops>,
}

// SAFETY: all mutation happens inside ftrace, which locks; see # Invariants.
unsafe impl Sync for FtraceOps {}

impl FtraceOps {
    /// An ops calling `H`, IPMODIFY (it redirects calls) and PERMANENT (so
    /// `kernel.ftrace_enabled=0` cannot silently drop live patches), as
    /// upstream livepatch sets them (kernel/livepatch/patch.c).
    pub(crate) const fn new<H: Handler>() -> Self {
        // SAFETY: ftrace_ops is a C struct for which all-zero is the
        // documented static initial state (ftrace_ops_init fills the rest).
        let mut ops: b::ftrace_ops = unsafe { core::mem::zeroed() };
        ops.func = Some(trampoline::<H>);
        ops.flags = (b::FTRACE_OPS_FL_IPMODIFY | b::FTRACE_OPS_FL_PERMANENT) as _;
        Self {
            ops: UnsafeCell::new(ops),
        }
    }

    fn ptr(&self) -> *mut b::ftrace_ops {
        self.ops.get()
    }

    /// Adds (`remove == false`) or removes ftrace locations from the filter,
    /// all in one hash update.
    pub(crate) fn set_filter_ips(&self, ips: &mut [usize], remove: bool) -> Result {
        if ips.is_empty() {
            return Ok(());
        }
        let cnt = u32::try_from(ips.len()).map_err(|_| EINVAL)?;
        // SAFETY: `ips` is a valid array of `cnt` addresses; ops is static.
        super::to_result(unsafe {
            b::ftrace_set_filter_ips(self.ptr(), ips.as_mut_ptr(), cnt, remove as _, 0)
        })
    }

    /// Starts calling the handler for the filtered functions.
    pub(crate) fn register(&self) -> Result {
        // SAFETY: ops is static and its filter is non-empty (callers' duty:
        // an empty filter would trace every function).
        super::to_result(unsafe { b::register_ftrace_function(self.ptr()) })
    }

    /// Stops the handler; ftrace waits for running handlers before return.
    pub(crate) fn unregister(&self) -> Result {
        // SAFETY: ops is static and was registered.
        super::to_result(unsafe { b::unregister_ftrace_function(self.ptr()) })
    }
}
