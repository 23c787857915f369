// SPDX-License-Identifier: GPL-2.0

//! Test: patch rklp_test_going, enabled while that module is going away.

use kernel::c_str;
use kernel::ffi::c_int;
use kernel::prelude::*;

include!("rklp_test.rs");

/// The new version.
#[no_mangle]
extern "C" fn test_rklp_going_version() -> c_int {
    2
}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::module(
    c_str!("rklp_test_going"),
    &[KlpFunc::new(
        c_str!("rklp_test_going_version"),
        test_rklp_going_version as extern "C" fn() -> _,
    )],
)]);

rklp_test_patch_module!(
    TestGoing,
    "test_rklp_going",
    "rklp test: patch a module in MODULE_STATE_GOING",
    |module| {
        PATCH.enable(module)?;
    }
);
