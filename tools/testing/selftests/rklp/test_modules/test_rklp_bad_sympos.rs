// SPDX-License-Identifier: GPL-2.0

//! Test: an old_sympos past the last occurrence is refused

use kernel::c_str;
use kernel::prelude::*;

include!("rklp_test.rs");

#[no_mangle]
extern "C" fn test_rklp_bad_sympos_func() {}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::vmlinux(&[KlpFunc::new(
    c_str!("cmdline_proc_show"),
    test_rklp_bad_sympos_func as extern "C" fn(),
)
.sympos(core::num::NonZeroUsize::new(2).unwrap())])]);

rklp_test_patch_module!(
    Test,
    "test_rklp_bad_sympos",
    "rklp test: an old_sympos past the last occurrence is refused",
    |module| {
        PATCH.enable(module)?;
    }
);
