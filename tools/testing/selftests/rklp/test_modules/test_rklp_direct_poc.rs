// SPDX-License-Identifier: GPL-2.0

//! Direct-call PoC (rklp_direct_poc.c): an rklp patch of rklp_bench_fn whose
//! replacement is told apart from the original and from the PoC's direct
//! replacement by its result (3x + 1 + 2^32).

use kernel::c_str;
use kernel::prelude::*;

include!("rklp_test.rs");

#[no_mangle]
extern "C" fn test_rklp_direct_poc_fn(x: core::ffi::c_ulong) -> core::ffi::c_ulong {
    x.wrapping_mul(3).wrapping_add(1).wrapping_add(1 << 32)
}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::module(
    c_str!("rklp_bench_target"),
    &[KlpFunc::new(
        c_str!("rklp_bench_fn"),
        test_rklp_direct_poc_fn as extern "C" fn(_) -> _,
    )],
)]);

rklp_test_patch_module!(
    TestDirectPoc,
    "test_rklp_direct_poc",
    "rklp direct-call PoC: patch of rklp_bench_fn",
    |module| {
        PATCH.enable(module)?;
    }
);
