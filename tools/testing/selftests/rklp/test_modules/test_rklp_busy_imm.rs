// SPDX-License-Identifier: GPL-2.0

//! Test: an immediate-mode patch of the busy kthread's function, which
//! stays inside it (old or new version) while the target's "block" is set.

use kernel::c_str;
use kernel::prelude::*;

include!("rklp_test.rs");

extern "C" {
    fn rklp_test_busy_blocked() -> bool;
}

#[no_mangle]
extern "C" fn test_rklp_busy_imm_func() {
    // SAFETY: exported by rklp_test_busy (a dependency of this module);
    // the caller is a kthread, which may sleep.
    while unsafe { rklp_test_busy_blocked() } {
        unsafe { kernel::bindings::msleep_interruptible(10) };
    }
}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::module(
    c_str!("rklp_test_busy"),
    &[KlpFunc::new(
        c_str!("rklp_test_busy_func"),
        test_rklp_busy_imm_func as extern "C" fn(),
    )],
)])
.immediate();

rklp_test_patch_module!(
    TestBusyImm,
    "test_rklp_busy_imm",
    "rklp test: immediate, busy",
    |module| {
        PATCH.enable(module)?;
    }
);
