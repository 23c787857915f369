// SPDX-License-Identifier: GPL-2.0

//! Test: patch rklp_test_hold's function and rklp_test_late's, which is
//! loaded during the transition (see rklp_test_hold.c). Both new versions
//! sleep like the originals, so a task can be caught inside them.

use kernel::c_str;
use kernel::ffi::c_int;
use kernel::prelude::*;

include!("rklp_test.rs");

extern "C" {
    fn rklp_test_hold_blocked() -> bool;
    fn rklp_test_hold_enter(version: c_int);
    fn rklp_test_late_blocked() -> bool;
}

/// Sleeps while "block" is set; returns with preemption disabled, as the
/// original.
#[no_mangle]
extern "C" fn test_rklp_hold_func() {
    // SAFETY: exported by rklp_test_hold, which this module depends on;
    // the caller (its kthread) may sleep.
    while unsafe { rklp_test_hold_blocked() } {
        unsafe { kernel::bindings::msleep_interruptible(10) };
    }
}

/// Reports version 2, re-enables preemption, sleeps while "late_block" is set.
#[no_mangle]
extern "C" fn test_rklp_late_func() {
    // SAFETY: exported by rklp_test_hold (see above); called by its kthread
    // with preemption disabled once, which this call balances.
    unsafe { rklp_test_hold_enter(2) };
    // SAFETY: as above; the kthread may sleep.
    while unsafe { rklp_test_late_blocked() } {
        unsafe { kernel::bindings::msleep_interruptible(10) };
    }
}

static PATCH: KlpPatch = KlpPatch::new(&[
    KlpObject::module(
        c_str!("rklp_test_hold"),
        &[KlpFunc::new(
            c_str!("rklp_test_hold_func"),
            test_rklp_hold_func as extern "C" fn(),
        )],
    ),
    KlpObject::module(
        c_str!("rklp_test_late"),
        &[KlpFunc::new(
            c_str!("rklp_test_late_func"),
            test_rklp_late_func as extern "C" fn(),
        )],
    ),
]);

rklp_test_patch_module!(
    TestLate,
    "test_rklp_late",
    "rklp test: a module loaded during the transition",
    |module| {
        PATCH.enable(module)?;
    }
);
