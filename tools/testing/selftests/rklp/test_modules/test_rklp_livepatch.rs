// SPDX-License-Identifier: GPL-2.0

//! Test: replaces cmdline_proc_show, after upstream's test_klp_livepatch.

use core::ffi::c_void;
use kernel::bindings::seq_file;
use kernel::c_str;
use kernel::ffi::c_int;
use kernel::prelude::*;

include!("rklp_test.rs");

#[no_mangle]
extern "C" fn test_rklp_livepatch_cmdline_proc_show(m: *mut seq_file, _v: *mut c_void) -> c_int {
    seq_line(m, c_str!("test_rklp_livepatch: this has been live patched"))
}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::vmlinux(&[KlpFunc::new(
    c_str!("cmdline_proc_show"),
    test_rklp_livepatch_cmdline_proc_show as extern "C" fn(_, _) -> _,
)])]);

rklp_test_patch_module!(
    TestLivepatch,
    "test_rklp_livepatch",
    "rklp test: cmdline_proc_show",
    |module| {
        PATCH.enable(module)?;
    }
);
