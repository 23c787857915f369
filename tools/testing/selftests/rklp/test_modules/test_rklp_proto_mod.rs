// SPDX-License-Identifier: GPL-2.0

//! Test: a replacement of rklp_test_proto_sum(long a, int b) whose first
//! argument is a 4-byte integer: refused with the module's BTF, whether
//! the module is loaded before the patch or after it.

use kernel::c_str;
use kernel::ffi::{c_int, c_long};
use kernel::prelude::*;

include!("rklp_test.rs");

#[no_mangle]
extern "C" fn test_rklp_proto_mod_sum(a: c_int, b: c_int) -> c_long {
    a as c_long + b as c_long
}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::module(
    c_str!("rklp_test_proto"),
    &[KlpFunc::new(
        c_str!("rklp_test_proto_sum"),
        test_rklp_proto_mod_sum as extern "C" fn(_, _) -> _,
    )],
)]);

rklp_test_patch_module!(
    TestProtoMod,
    "test_rklp_proto_mod",
    "rklp test: a module function's argument of the wrong size",
    |module| {
        PATCH.enable(module)?;
    }
);
