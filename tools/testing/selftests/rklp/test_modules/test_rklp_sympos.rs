// SPDX-License-Identifier: GPL-2.0

//! Test: old_sympos picks one of two functions with the same name

use kernel::c_str;
use kernel::prelude::*;

include!("rklp_test.rs");

#[no_mangle]
extern "C" fn test_rklp_sympos_func() {}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::vmlinux(&[KlpFunc::new(
    c_str!("force_store"),
    test_rklp_sympos_func as extern "C" fn(),
)
.sympos(core::num::NonZeroUsize::new(2).unwrap())])]);

rklp_test_patch_module!(
    Test,
    "test_rklp_sympos",
    "rklp test: old_sympos picks one of two functions with the same name",
    |module| {
        PATCH.enable(module)?;
    }
);
