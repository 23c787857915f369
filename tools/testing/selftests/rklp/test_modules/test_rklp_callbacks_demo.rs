// SPDX-License-Identifier: GPL-2.0

//! Test: per-object callbacks on vmlinux and rklp_test_target (no
//! functions), after upstream's test_klp_callbacks_demo.

use kernel::c_str;
use kernel::prelude::*;
use kernel::str::CStr;

include!("rklp_test.rs");
use klp::KlpCallbacks;

fn name(obj: Option<&CStr>) -> &CStr {
    obj.unwrap_or(c_str!("vmlinux"))
}

struct Demo;

impl KlpCallbacks for Demo {
    fn pre_patch(obj: Option<&CStr>) -> Result {
        pr_info!("pre_patch_callback: {}\n", name(obj));
        Ok(())
    }
    fn post_patch(obj: Option<&CStr>) {
        pr_info!("post_patch_callback: {}\n", name(obj));
    }
    fn pre_unpatch(obj: Option<&CStr>) {
        pr_info!("pre_unpatch_callback: {}\n", name(obj));
    }
    fn post_unpatch(obj: Option<&CStr>) {
        pr_info!("post_unpatch_callback: {}\n", name(obj));
    }
}

rklp_test_patch_module!(
    TestCallbacksDemo,
    "test_rklp_callbacks_demo",
    "rklp test: callbacks",
    |module| {
        KlpPatch::new()
            .object(KlpObject::vmlinux().callbacks::<Demo>())?
            .object(KlpObject::module(c_str!("rklp_test_target")).callbacks::<Demo>())?
            .enable(module)?;
    }
);
