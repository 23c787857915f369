// SPDX-License-Identifier: GPL-2.0

//! Test: patch a function of a module (rklp_test_target).

use core::ffi::c_void;
use kernel::bindings::seq_file;
use kernel::c_str;
use kernel::ffi::c_int;
use kernel::prelude::*;

include!("rklp_test.rs");

#[no_mangle]
extern "C" fn test_rklp_mod_show(m: *mut seq_file, _v: *mut c_void) -> c_int {
    seq_line(m, c_str!("test_rklp_mod: this has been live patched"))
}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::module(
    c_str!("rklp_test_target"),
    &[KlpFunc::new(
        c_str!("rklp_test_target_show"),
        test_rklp_mod_show as extern "C" fn(_, _) -> _,
    )],
)]);

rklp_test_patch_module!(
    TestMod,
    "test_rklp_mod",
    "rklp test: module target",
    |module| {
        PATCH.enable(module)?;
    }
);
