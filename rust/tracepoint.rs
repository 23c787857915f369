// SPDX-License-Identifier: GPL-2.0

//! Probes on kernel tracepoints that are not exported (`task_newtask`,
//! `sched_process_free`, `cpu_idle`): found by name with
//! `for_each_kernel_tracepoint()`, registered with
//! `tracepoint_probe_register()` (both exported).

use super::bindings as b;
use core::ffi::c_void;
use kernel::prelude::*;
use kernel::str::CStr;

/// A probe registered on a tracepoint; unregistered on drop.
///
/// # Invariants
///
/// `tp` is a kernel tracepoint with `probe` registered on it (data null).
pub(crate) struct Probe {
    tp: *mut b::tracepoint,
    probe: *mut c_void,
}

// SAFETY: tracepoint registration is internally locked.
unsafe impl Send for Probe {}
// SAFETY: no shared mutation.
unsafe impl Sync for Probe {}

impl Probe {
    /// Registers `probe` on the tracepoint called `name`.
    ///
    /// # Safety
    ///
    /// `probe` must be a function whose C prototype is the tracepoint's
    /// `TP_PROTO` with a leading `void *data`, and must stay valid until the
    /// returned value is dropped and `synchronize()` has run.
    pub(crate) unsafe fn register(name: &CStr, probe: *const c_void) -> Result<Self> {
        // SAFETY: NUL-terminated name; the helper only compares names.
        let tp = unsafe { b::rklp_find_tracepoint(name.as_char_ptr()) };
        if tp.is_null() {
            pr_err!("tracepoint '{}' not found\n", name);
            return Err(ENOENT);
        }
        // SAFETY: `tp` is a kernel tracepoint; probe per the contract.
        let ret = unsafe {
            b::tracepoint_probe_register(tp, probe as *mut c_void, core::ptr::null_mut())
        };
        if ret != 0 {
            pr_err!("cannot register probe on tracepoint '{}' ({})\n", name, ret);
            return Err(Error::from_errno(ret));
        }
        Ok(Self {
            tp,
            probe: probe as *mut c_void,
        })
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        // SAFETY: registered (invariant).
        unsafe { b::tracepoint_probe_unregister(self.tp, self.probe, core::ptr::null_mut()) };
    }
}

/// Waits until no unregistered probe can still be running.
pub(crate) fn synchronize() {
    // SAFETY: sleeps; process context.
    unsafe { b::rklp_tracepoint_synchronize_unregister() };
}
