// SPDX-License-Identifier: GPL-2.0

//! Test: an immediate patch of rklp_nmi_outer/rklp_nmi_inner (version 2),
//! switched while NMIs call them.

use kernel::c_str;
use kernel::ffi::c_int;
use kernel::prelude::*;

include!("rklp_test.rs");

extern "C" {
    fn rklp_nmi_inner() -> c_int;
    fn rklp_nmi_record(version: c_int, a: c_int, b: c_int);
}

#[no_mangle]
extern "C" fn test_rklp_nmi_outer() -> c_int {
    // SAFETY: exported by rklp_test_nmi (a dependency); NMI-safe calls.
    unsafe {
        let a = rklp_nmi_inner();
        kernel::bindings::__udelay(2);
        rklp_nmi_record(2, a, rklp_nmi_inner());
    }
    0
}

#[no_mangle]
extern "C" fn test_rklp_nmi_inner() -> c_int {
    2
}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::module(
    c_str!("rklp_test_nmi"),
    &[
        KlpFunc::new(
            c_str!("rklp_nmi_outer"),
            test_rklp_nmi_outer as extern "C" fn() -> _,
        ),
        KlpFunc::new(
            c_str!("rklp_nmi_inner"),
            test_rklp_nmi_inner as extern "C" fn() -> _,
        ),
    ],
)])
.immediate();

rklp_test_patch_module!(TestNmi, "test_rklp_nmi", "rklp test: NMI guard", |module| {
    PATCH.enable(module)?;
});
