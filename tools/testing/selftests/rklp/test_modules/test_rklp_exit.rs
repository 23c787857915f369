// SPDX-License-Identifier: GPL-2.0

//! Test: patch `exit_rcu()`, which every exiting task calls after
//! `exit_notify()`, i.e. when it is no longer on the task list. Empty on
//! this kernel (non-preemptible RCU), so the replacement only lingers a
//! little, to widen the window in which an exiting task runs module code.

use kernel::c_str;
use kernel::prelude::*;

include!("rklp_test.rs");

#[no_mangle]
extern "C" fn test_rklp_exit_rcu() {
    // SAFETY: busy-waits ~50 us; callable with preemption disabled.
    unsafe { kernel::bindings::__udelay(50) };
}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::vmlinux(&[KlpFunc::new(
    c_str!("exit_rcu"),
    test_rklp_exit_rcu as extern "C" fn(),
)])]);

rklp_test_patch_module!(
    TestExit,
    "test_rklp_exit",
    "rklp test: exiting tasks",
    |module| {
        PATCH.enable(module)?;
    }
);
