// SPDX-License-Identifier: GPL-2.0

//! Test: a patch of three of rklp_test_many's functions (the first, middle
//! and last of gen_many.sh's default 1000), to stack under and over
//! test_rklp_many: its entries live in the function hash while
//! test_rklp_many's 1000 grow and shrink the table (test-livepatch.sh).

use kernel::c_str;
use kernel::ffi::c_int;
use kernel::prelude::*;

include!("rklp_test.rs");

/// What the replacement of rklp_many_<i>() returns: i plus this.
const FEW: c_int = 2000000;

#[no_mangle]
extern "C" fn test_rklp_many_few_0() -> c_int {
    FEW
}

#[no_mangle]
extern "C" fn test_rklp_many_few_500() -> c_int {
    FEW + 500
}

#[no_mangle]
extern "C" fn test_rklp_many_few_999() -> c_int {
    FEW + 999
}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::module(
    c_str!("rklp_test_many"),
    &[
        KlpFunc::new(
            c_str!("rklp_many_0"),
            test_rklp_many_few_0 as extern "C" fn() -> _,
        ),
        KlpFunc::new(
            c_str!("rklp_many_500"),
            test_rklp_many_few_500 as extern "C" fn() -> _,
        ),
        KlpFunc::new(
            c_str!("rklp_many_999"),
            test_rklp_many_few_999 as extern "C" fn() -> _,
        ),
    ],
)]);

rklp_test_patch_module!(
    TestManyFew,
    "test_rklp_many_few",
    "rklp test: three functions stacked with test_rklp_many",
    |module| {
        PATCH.enable(module)?;
    }
);
