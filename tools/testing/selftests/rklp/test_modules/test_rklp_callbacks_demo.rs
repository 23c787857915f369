// SPDX-License-Identifier: GPL-2.0

//! Test: per-object callbacks, after upstream's test_klp_callbacks_demo:
//! callbacks on vmlinux, test_rklp_callbacks_mod (no functions) and
//! test_rklp_callbacks_busy (whose busymod_work_func is replaced); each
//! prints the object and, for modules, the module's state. Parameter
//! `pre_patch_ret`: what pre_patch returns (0 or a -errno). Parameter
//! `pre_patch_fail_at` (test-faults.sh): if k > 0, only the k-th pre_patch
//! call since the module loaded fails, with `pre_patch_ret` or -ENODEV.

use core::sync::atomic::{AtomicI32, Ordering};
use kernel::c_str;
use kernel::prelude::*;
use kernel::str::CStr;

include!("rklp_test.rs");
use klp::KlpCallbacks;

rklp_test_param!(PRE_PATCH_RET: AtomicI32 = 0, param_ops_int, "pre_patch_ret", 0o644);
rklp_test_param!(PRE_PATCH_FAIL_AT: AtomicI32 = 0, param_ops_int, "pre_patch_fail_at", 0o644);

/// pre_patch calls so far (for `pre_patch_fail_at`).
static PRE_PATCH_CALLS: AtomicI32 = AtomicI32::new(0);

struct Demo;

impl KlpCallbacks for Demo {
    fn pre_patch(obj: Option<&CStr>) -> Result {
        callback_info("pre_patch_callback", obj);
        let call = PRE_PATCH_CALLS.fetch_add(1, Ordering::Relaxed) + 1;
        let fail_at = PRE_PATCH_FAIL_AT.load(Ordering::Relaxed);
        match PRE_PATCH_RET.load(Ordering::Relaxed) {
            _ if fail_at > 0 && call != fail_at => Ok(()),
            0 if fail_at > 0 => Err(ENODEV),
            0 => Ok(()),
            e => Err(Error::from_errno(e)),
        }
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

#[no_mangle]
extern "C" fn patched_work_func(_work: *mut kernel::bindings::work_struct) {
    pr_info!("patched_work_func\n");
}

static PATCH: KlpPatch = KlpPatch::new(&[
    KlpObject::vmlinux(&[]).callbacks::<Demo>(),
    KlpObject::module(c_str!("test_rklp_callbacks_mod"), &[]).callbacks::<Demo>(),
    KlpObject::module(
        c_str!("test_rklp_callbacks_busy"),
        &[KlpFunc::new(
            c_str!("busymod_work_func"),
            patched_work_func as extern "C" fn(_) -> _,
        )],
    )
    .callbacks::<Demo>(),
]);

rklp_test_patch_module!(
    TestCallbacksDemo,
    "test_rklp_callbacks_demo",
    "rklp test: callbacks demo",
    |module| {
        PATCH.enable(module)?;
    }
);
