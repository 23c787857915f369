// SPDX-License-Identifier: GPL-2.0

//! Test: a patch named like a file rklp once kept in /sys/kernel/rklp
//! (`stalled`): patch names must not collide with rklp's own files.

use core::ffi::c_void;
use kernel::bindings::seq_file;
use kernel::c_str;
use kernel::ffi::c_int;
use kernel::prelude::*;

include!("rklp_test.rs");

#[no_mangle]
extern "C" fn stalled_cmdline_proc_show(m: *mut seq_file, _v: *mut c_void) -> c_int {
    seq_line(m, c_str!("stalled: this has been live patched"))
}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::vmlinux(&[KlpFunc::new(
    c_str!("cmdline_proc_show"),
    stalled_cmdline_proc_show as extern "C" fn(_, _) -> _,
)])]);

rklp_test_patch_module!(
    Stalled,
    "stalled",
    "rklp test: a patch named 'stalled'",
    |module| {
        PATCH.enable(module)?;
    }
);
