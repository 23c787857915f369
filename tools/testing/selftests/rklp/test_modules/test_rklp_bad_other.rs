// SPDX-License-Identifier: GPL-2.0

//! Test: a replacement that is another module's function (here rklp's own
//! `rklp_shadow_get`) is refused: the patch pins only its own module.

use kernel::c_str;
use kernel::prelude::*;

include!("rklp_test.rs");

use klp::raw::rklp_shadow_get;

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::vmlinux(&[KlpFunc::new(
    c_str!("cmdline_proc_show"),
    rklp_shadow_get as unsafe extern "C" fn(_, _) -> _,
)])]);

rklp_test_patch_module!(
    Test,
    "test_rklp_bad_other",
    "rklp test: a replacement in another module is refused",
    |module| {
        PATCH.enable(module)?;
    }
);
