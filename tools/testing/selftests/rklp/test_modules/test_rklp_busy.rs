// SPDX-License-Identifier: GPL-2.0

//! Test: patch the busy kthread's function and the sleeping reader's wait
//! (rklp_test_busy). The new busy function blocks like the old one, so a
//! task can also be caught inside the new version.

use kernel::c_str;
use kernel::ffi::c_int;
use kernel::prelude::*;

include!("rklp_test.rs");

extern "C" {
    fn rklp_test_busy_blocked() -> bool;
}

/// Sleeps in its own frame while the target's "block" is set, like the
/// original, so a task can be caught inside the new version too.
#[no_mangle]
extern "C" fn test_rklp_busy_func() {
    // SAFETY: exported by rklp_test_busy, which this module depends on;
    // msleep_interruptible may sleep, as the caller (a kthread) allows.
    while unsafe { rklp_test_busy_blocked() } {
        unsafe { kernel::bindings::msleep_interruptible(10) };
    }
}

/// The new wait returns at once: "patched".
#[no_mangle]
extern "C" fn test_rklp_sleep_wait() -> c_int {
    1
}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::module(
    c_str!("rklp_test_busy"),
    &[
        KlpFunc::new(
            c_str!("rklp_test_busy_func"),
            test_rklp_busy_func as extern "C" fn(),
        ),
        KlpFunc::new(
            c_str!("rklp_test_sleep_wait"),
            test_rklp_sleep_wait as extern "C" fn() -> _,
        ),
    ],
)]);

rklp_test_patch_module!(
    TestBusy,
    "test_rklp_busy",
    "rklp test: busy target",
    |module| {
        PATCH.enable(module)?;
    }
);
