// SPDX-License-Identifier: GPL-2.0

//! Test: patch rklp_test_handler's function and its holder's sleep
//! (`immediate=1`: as an immediate patch).

use core::sync::atomic::{AtomicBool, Ordering};
use kernel::c_str;
use kernel::ffi::c_int;
use kernel::prelude::*;

include!("rklp_test.rs");

extern "C" {
    fn rklp_test_handler_held() -> bool;
}

/// The new version.
#[no_mangle]
extern "C" fn test_rklp_handler_func() -> c_int {
    2
}

/// Sleeps in its own frame while "hold" is set, as the original.
#[no_mangle]
extern "C" fn test_rklp_handler_hold() {
    // SAFETY: exported by rklp_test_handler, which this module depends on;
    // the caller (its holder kthread) may sleep.
    while unsafe { rklp_test_handler_held() } {
        unsafe { kernel::bindings::msleep_interruptible(10) };
    }
}

const OBJ: KlpObject = KlpObject::module(
    c_str!("rklp_test_handler"),
    &[
        KlpFunc::new(
            c_str!("rklp_test_handler_func"),
            test_rklp_handler_func as extern "C" fn() -> _,
        ),
        KlpFunc::new(
            c_str!("rklp_test_handler_hold"),
            test_rklp_handler_hold as extern "C" fn(),
        ),
    ],
);

static PATCH: KlpPatch = KlpPatch::new(&[OBJ]);
static PATCH_IMMEDIATE: KlpPatch = KlpPatch::new(&[OBJ]).immediate();

rklp_test_param!(IMMEDIATE: AtomicBool = false, param_ops_bool, "immediate", 0o444);

rklp_test_patch_module!(
    TestHandler,
    "test_rklp_handler",
    "rklp test: tasks stopped inside the handler",
    |module| {
        if IMMEDIATE.load(Ordering::Relaxed) {
            PATCH_IMMEDIATE.enable(module)?;
        } else {
            PATCH.enable(module)?;
        }
    }
);
