// SPDX-License-Identifier: GPL-2.0

//! Test: a pre_patch callback that refuses with -ENODEV.

use kernel::c_str;
use kernel::prelude::*;
use kernel::str::CStr;

include!("rklp_test.rs");
use klp::KlpCallbacks;

struct Refuse;

impl KlpCallbacks for Refuse {
    fn pre_patch(obj: Option<&CStr>) -> Result {
        pr_info!("pre_patch_callback: {}\n", obj.unwrap_or(c_str!("vmlinux")));
        Err(ENODEV)
    }
    fn post_unpatch(_obj: Option<&CStr>) {
        pr_info!("post_unpatch_callback must not run\n");
    }
}

rklp_test_patch_module!(
    TestCallbacksFail,
    "test_rklp_callbacks_fail",
    "rklp test: failing pre_patch",
    |module| {
        KlpPatch::new()
            .object(KlpObject::vmlinux().callbacks::<Refuse>())?
            .enable(module)?;
    }
);
