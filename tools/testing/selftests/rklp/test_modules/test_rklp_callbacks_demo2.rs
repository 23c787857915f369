// SPDX-License-Identifier: GPL-2.0

//! Test: a second callbacks patch (vmlinux only), after upstream's
//! test_klp_callbacks_demo2. Parameter `replace`: atomic replace.

use core::sync::atomic::{AtomicI32, Ordering};
use kernel::prelude::*;
use kernel::str::CStr;

include!("rklp_test.rs");
use klp::KlpCallbacks;

rklp_test_param!(REPLACE: AtomicI32 = 0, param_ops_int, "replace", 0o644);

struct Demo2;

impl KlpCallbacks for Demo2 {
    fn pre_patch(obj: Option<&CStr>) -> Result {
        callback_info("pre_patch_callback", obj);
        Ok(())
    }
    fn post_patch(obj: Option<&CStr>) {
        callback_info("post_patch_callback", obj);
    }
    fn pre_unpatch(obj: Option<&CStr>) {
        callback_info("pre_unpatch_callback", obj);
    }
    fn post_unpatch(obj: Option<&CStr>) {
        callback_info("post_unpatch_callback", obj);
    }
}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::vmlinux(&[]).callbacks::<Demo2>()]);

rklp_test_patch_module!(
    TestCallbacksDemo2,
    "test_rklp_callbacks_demo2",
    "rklp test: callbacks demo (2)",
    |module| {
        let mut patch = PATCH;
        if REPLACE.load(Ordering::Relaxed) != 0 {
            patch = patch.replace();
        }
        patch.enable(module)?;
    }
);
