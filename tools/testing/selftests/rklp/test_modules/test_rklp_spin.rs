// SPDX-License-Identifier: GPL-2.0

//! Test: patch the function the CPU-bound kthreads of rklp_test_resched call
//! between two cond_resched() (test-preempt.sh).

use kernel::c_str;
use kernel::prelude::*;

include!("rklp_test.rs");

extern "C" {
    fn rklp_test_spin_count_new();
}

/// Counts the call as one of the new version.
#[no_mangle]
extern "C" fn test_rklp_spin_func() {
    // SAFETY: exported by rklp_test_resched, which this module depends on;
    // an atomic increment, callable from any context.
    unsafe { rklp_test_spin_count_new() };
}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::module(
    c_str!("rklp_test_resched"),
    &[KlpFunc::new(
        c_str!("rklp_test_spin_func"),
        test_rklp_spin_func as extern "C" fn(),
    )],
)]);

rklp_test_patch_module!(
    TestSpin,
    "test_rklp_spin",
    "rklp test: CPU-bound kthreads target",
    |module| {
        PATCH.enable(module)?;
    }
);
