// SPDX-License-Identifier: GPL-2.0

//! Test: an ambiguous name without old_sympos is refused

use kernel::c_str;
use kernel::prelude::*;

include!("rklp_test.rs");

#[no_mangle]
extern "C" fn test_rklp_bad_ambiguous_func() {}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::vmlinux(&[KlpFunc::new(
    c_str!("force_store"),
    test_rklp_bad_ambiguous_func as extern "C" fn(),
)])]);

rklp_test_patch_module!(
    Test,
    "test_rklp_bad_ambiguous",
    "rklp test: an ambiguous name without old_sympos is refused",
    |module| {
        PATCH.enable(module)?;
    }
);
