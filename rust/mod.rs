// SPDX-License-Identifier: GPL-2.0

//! rklp's thin FFI layer: the only place with raw kernel bindings.
//!
//! Everything outside `rust/` uses the safe types exported from here.

pub(crate) mod bindings;
pub(crate) mod btf;
pub(crate) mod direct;
pub(crate) mod ftrace;
pub(crate) mod irq;
pub(crate) mod kallsyms;
pub(crate) mod kernel_addr;
pub(crate) mod kobject;
pub(crate) mod module_notifier;
pub(crate) mod module_ref;
pub(crate) mod mutex;
pub(crate) mod param;
pub(crate) mod patch_desc;
pub(crate) mod pid;
pub(crate) mod proc_file;
pub(crate) mod raw_spinlock;
pub(crate) mod read_slot;
pub(crate) mod shadow_mem;
pub(crate) mod stop_machine;
pub(crate) mod task;
pub(crate) mod tracepoint;
pub(crate) mod vec;
pub(crate) mod work;

/// Marks the kernel tainted with `TAINT_LIVEPATCH` (the 'K' flag).
pub(crate) fn taint_livepatch() {
    // SAFETY: `add_taint` only sets a bit and may print; callable from any
    // sleepable context.
    unsafe {
        bindings::add_taint(
            bindings::TAINT_LIVEPATCH,
            bindings::lockdep_ok_LOCKDEP_STILL_OK,
        )
    };
}

/// Waits until every CPU has left any preemption-disabled section, including
/// code that runs where RCU is not watching (idle, early entry). rklp's
/// ftrace handler reads its hash only with preemption disabled, so after this
/// returns no handler can still see an entry that was unpublished before.
///
/// A kworker runs on every online CPU (`schedule_on_each_cpu()`, which is
/// not exported, and which RCU Tasks Rude also uses, behind a grace-period
/// kthread that sleeps HZ/10 between grace periods: 100 ms or more per
/// call, the floor of every enable, disable and replace): a CPU runs it
/// only once it has left the preemption-disabled section it was in.
/// Offline CPUs run no handler. Falls back to the RCU grace period when
/// out of memory.
pub(crate) fn synchronize_handlers() {
    if work::on_each_cpu(|_| {}, &|| {}).is_err() {
        // SAFETY: sleeps; callers are in process context without spinlocks
        // held.
        unsafe { bindings::synchronize_rcu_tasks_rude() };
    }
}

/// True if the current context is an NMI.
#[inline(always)]
pub(crate) fn in_nmi() -> bool {
    // SAFETY: reads the preempt count of the current CPU; always valid.
    unsafe { bindings::rklp_in_nmi() }
}

/// Prints `args` at KERN_ERR as `rklp hint: ...`: a diagnosis that follows
/// one of upstream's error lines. Not `rklp: `, so that the kernel log
/// upstream's selftests compare (the lines with `livepatch:`, mapped to
/// `rklp:`) stays upstream's, line for line.
pub(crate) fn print_hint(args: core::fmt::Arguments<'_>) {
    // SAFETY: `ERR` is one of `format_strings` and the name is
    // NUL-terminated.
    unsafe {
        kernel::print::call_printk(&kernel::print::format_strings::ERR, b"rklp hint\0", args)
    };
}

/// `-errno` to `kernel::error::Error`.
pub(crate) fn to_result(ret: kernel::ffi::c_int) -> kernel::error::Result {
    kernel::error::to_result(ret)
}
