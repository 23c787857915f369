// SPDX-License-Identifier: GPL-2.0

//! Test: one patch, two vmlinux functions (/proc/version and /proc/meminfo).

use core::ffi::c_void;
use kernel::bindings::seq_file;
use kernel::c_str;
use kernel::ffi::c_int;
use kernel::prelude::*;

include!("rklp_test.rs");

#[no_mangle]
extern "C" fn test_rklp_multi_version_show(m: *mut seq_file, _v: *mut c_void) -> c_int {
    seq_line(m, c_str!("test_rklp_multi: version patched"))
}

#[no_mangle]
extern "C" fn test_rklp_multi_meminfo_show(m: *mut seq_file, _v: *mut c_void) -> c_int {
    seq_line(m, c_str!("test_rklp_multi: meminfo patched"))
}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::vmlinux(&[
    KlpFunc::new(
        c_str!("version_proc_show"),
        test_rklp_multi_version_show as extern "C" fn(_, _) -> _,
    ),
    KlpFunc::new(
        c_str!("meminfo_proc_show"),
        test_rklp_multi_meminfo_show as extern "C" fn(_, _) -> _,
    ),
])]);

rklp_test_patch_module!(
    TestMulti,
    "test_rklp_multi",
    "rklp test: two functions",
    |module| {
        PATCH.enable(module)?;
    }
);
