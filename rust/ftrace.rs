// SPDX-License-Identifier: GPL-2.0

//! The one `struct ftrace_ops` of rklp, and what its handler may touch.

use super::bindings as b;
use core::cell::UnsafeCell;
use kernel::error::{code::EINVAL, Result};

/// What rklp's handler does for one traced call.
pub(crate) trait Handler {
    /// Called for every traced call of a filtered function, with the ftrace
    /// location `ip` and recursion protection held (preemption disabled).
    /// Returns where the call continues instead of the original body, if
    /// it is redirected.
    fn redirect(ip: usize, ctx: &HandlerCtx) -> Option<usize>;
}

/// Proof that the code holding it runs inside rklp's ftrace handler, with
/// preemption disabled: the read side of rklp's handler data (see
/// `func_hash.rs`). Only [`ftrace_handler!`]'s entry point creates one.
pub(crate) struct HandlerCtx {
    /// `current`, read by the C half (one per-CPU load there, a call from
    /// Rust).
    current: crate::sys::task::TaskKey,
}

impl HandlerCtx {
    /// # Safety
    ///
    /// Only for the entry point called by `rklp_ftrace_entry()` (helpers.c),
    /// which holds ftrace's recursion lock (preemption disabled) around it,
    /// or by `rklp_direct_decide()` (direct.c), which disables preemption;
    /// `current` is the running task.
    #[doc(hidden)]
    #[inline(always)]
    pub(crate) unsafe fn assume_in_handler(current: usize) -> Self {
        Self {
            current: crate::sys::task::TaskKey(current),
        }
    }

    /// The task the handler runs for (or in whose context an IRQ or NMI
    /// runs).
    #[inline(always)]
    pub(crate) fn current(&self) -> crate::sys::task::TaskKey {
        self.current
    }
}

/// Defines the Rust half of rklp's ftrace handler: `rklp_ftrace_redirect`,
/// called by the C half, `rklp_ftrace_entry()` in helpers.c (the ops'
/// `func`). The C half keeps the per-call static inlines (recursion lock,
/// register access) inline, so a traced call costs one call into Rust
/// instead of three calls out of it.
macro_rules! ftrace_handler {
    ($h:ty) => {
        /// The Rust half of the ftrace handler (see `sys::ftrace`).
        ///
        /// # Safety
        ///
        /// Only called by `rklp_ftrace_entry()`, with ftrace's recursion
        /// lock held, and `rklp_direct_decide()`, with preemption disabled;
        /// `current` is the running task.
        #[no_mangle]
        pub(crate) unsafe extern "C" fn rklp_ftrace_redirect(ip: usize, current: usize) -> usize {
            // SAFETY: our callers hold the recursion lock or disable
            // preemption, and pass `current` (see above).
            let ctx = unsafe { $crate::sys::ftrace::HandlerCtx::assume_in_handler(current) };
            <$h as $crate::sys::ftrace::Handler>::redirect(ip, &ctx).unwrap_or(0)
        }
    };
}
pub(crate) use ftrace_handler;

/// A statically allocated `ftrace_ops` whose callback is
/// `rklp_ftrace_entry()`, which calls the [`ftrace_handler!`].
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
    /// An ops calling the [`ftrace_handler!`], IPMODIFY (it redirects
    /// calls) and PERMANENT (so `kernel.ftrace_enabled=0` cannot silently
    /// drop live patches), as upstream livepatch sets them
    /// (kernel/livepatch/patch.c).
    pub(crate) const fn new() -> Self {
        // SAFETY: ftrace_ops is a C struct for which all-zero is the
        // documented static initial state (ftrace_ops_init fills the rest).
        let mut ops: b::ftrace_ops = unsafe { core::mem::zeroed() };
        ops.func = Some(b::rklp_ftrace_entry);
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

    /// [`set_filter_ips`](Self::set_filter_ips) that leaves the records'
    /// `FTRACE_FL_IPMODIFY` as it is: rklp keeps its claim on a function
    /// whose calls its direct call takes over, and takes the function back
    /// under that claim (direct.c, `rklp_ftrace_set_filter_ips_claimed`).
    /// Removing with it keeps the claim; adding with it is only for
    /// functions rklp claims.
    pub(crate) fn set_filter_ips_claimed(&self, ips: &mut [usize], remove: bool) -> Result {
        if ips.is_empty() {
            return Ok(());
        }
        let cnt = u32::try_from(ips.len()).map_err(|_| EINVAL)?;
        // SAFETY: `ips` is a valid array of `cnt` addresses; ops is static;
        // its updates are serialised by the caller (# Invariants).
        super::to_result(unsafe {
            b::rklp_ftrace_set_filter_ips_claimed(self.ptr(), ips.as_mut_ptr(), cnt, remove as _)
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

/// Size of the `call __fentry__` at a function's ftrace location: a task
/// inside that call (in the trampoline or the handler) has the location
/// plus this as a return address on its stack.
pub(crate) const FENTRY_CALL_SIZE: usize = b::MCOUNT_INSN_SIZE as usize;

/// Address of the handler's C half, `rklp_ftrace_entry()` (the only part of
/// the handler that can be preempted: its recursion unlock re-enables
/// preemption).
pub(crate) fn handler_entry() -> usize {
    b::rklp_ftrace_entry as *const () as usize
}
