// SPDX-License-Identifier: GPL-2.0

//! Test: a function that does not exist is refused

use kernel::c_str;
use kernel::prelude::*;

include!("rklp_test.rs");

#[no_mangle]
extern "C" fn test_rklp_bad_nosym_func() {}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::vmlinux(&[KlpFunc::new(
    c_str!("rklp_no_such_function"),
    test_rklp_bad_nosym_func as extern "C" fn(),
)])]);

rklp_test_patch_module!(
    Test,
    "test_rklp_bad_nosym",
    "rklp test: a function that does not exist is refused",
    |module| {
        PATCH.enable(module)?;
    }
);
