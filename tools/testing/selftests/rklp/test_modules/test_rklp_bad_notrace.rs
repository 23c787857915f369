// SPDX-License-Identifier: GPL-2.0

//! Test: a function without ftrace location (noinstr) is refused

use kernel::c_str;
use kernel::prelude::*;

include!("rklp_test.rs");

#[no_mangle]
extern "C" fn test_rklp_bad_notrace_func() {}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::vmlinux(&[KlpFunc::new(
    c_str!("native_sched_clock"),
    test_rklp_bad_notrace_func as extern "C" fn(),
)])]);

rklp_test_patch_module!(
    Test,
    "test_rklp_bad_notrace",
    "rklp test: a function without ftrace location (noinstr) is refused",
    |module| {
        PATCH.enable(module)?;
    }
);
