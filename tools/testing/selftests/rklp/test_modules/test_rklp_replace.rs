// SPDX-License-Identifier: GPL-2.0

//! Test: an atomic replace patch that changes only /proc/meminfo.
//! Parameter `immediate`: switch in immediate mode.

use core::ffi::c_void;
use core::sync::atomic::{AtomicI32, Ordering};
use kernel::bindings::seq_file;
use kernel::c_str;
use kernel::ffi::c_int;
use kernel::prelude::*;

include!("rklp_test.rs");

rklp_test_param!(IMMEDIATE: AtomicI32 = 0, param_ops_int, "immediate", 0o444);

#[no_mangle]
extern "C" fn test_rklp_replace_meminfo_show(m: *mut seq_file, _v: *mut c_void) -> c_int {
    seq_line(m, c_str!("test_rklp_replace: meminfo replaced"))
}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::vmlinux(&[KlpFunc::new(
    c_str!("meminfo_proc_show"),
    test_rklp_replace_meminfo_show as extern "C" fn(_, _) -> _,
)])])
.replace();

rklp_test_patch_module!(
    TestReplace,
    "test_rklp_replace",
    "rklp test: atomic replace",
    |module| {
        let mut patch = PATCH;
        if IMMEDIATE.load(Ordering::Relaxed) != 0 {
            patch = patch.immediate();
        }
        patch.enable(module)?;
    }
);
