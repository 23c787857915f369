// SPDX-License-Identifier: GPL-2.0

//! Test: a second patch of cmdline_proc_show, stacked on rklp_sample.

use core::ffi::c_void;
use kernel::bindings::seq_file;
use kernel::c_str;
use kernel::ffi::c_int;
use kernel::prelude::*;

include!("rklp_test.rs");

#[no_mangle]
extern "C" fn test_rklp_stack_cmdline_show(m: *mut seq_file, _v: *mut c_void) -> c_int {
    seq_line(m, c_str!("test_rklp_stack: stacked patch"))
}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::vmlinux(&[KlpFunc::new(
    c_str!("cmdline_proc_show"),
    test_rklp_stack_cmdline_show as extern "C" fn(_, _) -> _,
)])]);

rklp_test_patch_module!(
    TestStack,
    "test_rklp_stack",
    "rklp test: stacking",
    |module| {
        PATCH.enable(module)?;
    }
);
