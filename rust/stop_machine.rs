// SPDX-License-Identifier: GPL-2.0

//! `stop_machine()`: run a function while every other CPU spins with
//! interrupts off (NMIs still arrive).

use super::bindings as b;
use core::ffi::c_void;
use kernel::ffi::c_int;

/// Runs `f` on one CPU with all CPUs stopped; returns what `f` returns.
/// `f` must not sleep or allocate with a sleeping allocator.
pub(crate) fn stop_machine<F: FnMut() -> c_int>(mut f: F) -> c_int {
    unsafe extern "C" fn tramp<F: FnMut() -> c_int>(data: *mut c_void) -> c_int {
        // SAFETY: `data` is the closure below, alive for the call.
        let f = unsafe { &mut *data.cast::<F>() };
        f()
    }
    // SAFETY: trampoline matches cpu_stop_fn_t; `f` outlives the
    // synchronous call; a null cpumask means "any one CPU".
    unsafe {
        b::stop_machine(
            Some(tramp::<F>),
            (&mut f as *mut F).cast(),
            core::ptr::null(),
        )
    }
}
