// SPDX-License-Identifier: GPL-2.0

//! Test: an immediate-mode patch of cmdline_proc_show.

use core::ffi::c_void;
use kernel::bindings::seq_file;
use kernel::c_str;
use kernel::ffi::c_int;
use kernel::prelude::*;

include!("rklp_test.rs");

#[no_mangle]
extern "C" fn test_rklp_immediate_cmdline_show(m: *mut seq_file, _v: *mut c_void) -> c_int {
    seq_line(m, c_str!("test_rklp_immediate: patched at once"))
}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::vmlinux(&[KlpFunc::new(
    c_str!("cmdline_proc_show"),
    test_rklp_immediate_cmdline_show as extern "C" fn(_, _) -> _,
)])])
.immediate();

rklp_test_patch_module!(
    TestImmediate,
    "test_rklp_immediate",
    "rklp test: immediate mode",
    |module| {
        PATCH.enable(module)?;
    }
);
