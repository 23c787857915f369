// SPDX-License-Identifier: GPL-2.0

//! Test: the new versions of rklp_cc_outer/rklp_cc_inner (version 2).

use kernel::c_str;
use kernel::ffi::c_int;
use kernel::prelude::*;

include!("rklp_test.rs");

extern "C" {
    fn rklp_cc_inner() -> c_int;
    fn rklp_cc_pause();
    fn rklp_cc_record(version: c_int, a: c_int, b: c_int);
}

#[no_mangle]
extern "C" fn test_rklp_cc_outer() -> c_int {
    // SAFETY: exported by rklp_test_cc, which this module depends on. The
    // calls to rklp_cc_inner go through ftrace, so rklp picks its version.
    unsafe {
        let a = rklp_cc_inner();
        rklp_cc_pause();
        rklp_cc_record(2, a, rklp_cc_inner());
    }
    0
}

#[no_mangle]
extern "C" fn test_rklp_cc_inner() -> c_int {
    2
}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::module(
    c_str!("rklp_test_cc"),
    &[
        KlpFunc::new(
            c_str!("rklp_cc_outer"),
            test_rklp_cc_outer as extern "C" fn() -> _,
        ),
        KlpFunc::new(
            c_str!("rklp_cc_inner"),
            test_rklp_cc_inner as extern "C" fn() -> _,
        ),
    ],
)]);

rklp_test_patch_module!(
    TestCc,
    "test_rklp_cc",
    "rklp test: consistency checker",
    |module| {
        PATCH.enable(module)?;
    }
);
