// SPDX-License-Identifier: GPL-2.0

//! Pids as user space names tasks: numbers in the caller's pid namespace.

use super::bindings as b;
use super::task::TaskRef;
use core::ptr::NonNull;

/// A counted reference on a `struct pid`: it keeps naming the same task,
/// whose number may be reused by another one after it is reaped.
///
/// # Invariants
///
/// Holds one reference on `ptr`.
pub(crate) struct PidRef {
    ptr: NonNull<b::pid>,
}

// SAFETY: pid references are atomic counts, dropped from any context.
unsafe impl Send for PidRef {}
// SAFETY: shared access only reads.
unsafe impl Sync for PidRef {}

impl PidRef {
    /// The pid numbered `nr` in the current task's pid namespace
    /// (`find_get_pid`, which is `find_vpid`: a thread id as the caller sees
    /// it), if one is in use.
    pub(crate) fn find(nr: i32) -> Option<Self> {
        // SAFETY: takes the RCU read lock itself; returns a counted
        // reference or null.
        let p = unsafe { b::find_get_pid(nr) };
        // INVARIANT: the reference find_get_pid took.
        NonNull::new(p).map(|ptr| Self { ptr })
    }

    /// The task this pid names (`get_pid_task(PIDTYPE_PID)`), unless it
    /// has been reaped.
    pub(crate) fn task(&self) -> Option<TaskRef> {
        // SAFETY: `ptr` is live (invariant); returns a counted reference or
        // null.
        let t = unsafe { b::rklp_pid_task(self.ptr.as_ptr()) };
        // SAFETY: the reference get_pid_task took is handed over.
        unsafe { TaskRef::adopt(t) }
    }
}

impl Drop for PidRef {
    fn drop(&mut self) {
        // SAFETY: we hold one reference (invariant).
        unsafe { b::put_pid(self.ptr.as_ptr()) };
    }
}
