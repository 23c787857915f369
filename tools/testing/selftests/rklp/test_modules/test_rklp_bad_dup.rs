// SPDX-License-Identifier: GPL-2.0

//! Test: the same function twice in one patch is refused

use kernel::c_str;
use kernel::prelude::*;

include!("rklp_test.rs");

#[no_mangle]
extern "C" fn test_rklp_bad_dup_func() {}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::vmlinux(&[
    KlpFunc::new(
        c_str!("version_proc_show"),
        test_rklp_bad_dup_func as extern "C" fn(),
    ),
    KlpFunc::new(
        c_str!("version_proc_show"),
        test_rklp_bad_dup_func as extern "C" fn(),
    ),
])]);

rklp_test_patch_module!(
    Test,
    "test_rklp_bad_dup",
    "rklp test: the same function twice in one patch is refused",
    |module| {
        PATCH.enable(module)?;
    }
);
