// SPDX-License-Identifier: GPL-2.0

//! Test: replaces meminfo_proc_show, after upstream's
//! test_klp_atomic_replace. Parameter `replace`: atomic replace.

use core::ffi::c_void;
use core::sync::atomic::{AtomicI32, Ordering};
use kernel::bindings::seq_file;
use kernel::c_str;
use kernel::ffi::c_int;
use kernel::prelude::*;

include!("rklp_test.rs");

rklp_test_param!(REPLACE: AtomicI32 = 0, param_ops_int, "replace", 0o644);

#[no_mangle]
extern "C" fn test_rklp_atomic_replace_meminfo_proc_show(
    m: *mut seq_file,
    _v: *mut c_void,
) -> c_int {
    seq_line(
        m,
        c_str!("test_rklp_atomic_replace: this has been live patched"),
    )
}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::vmlinux(&[KlpFunc::new(
    c_str!("meminfo_proc_show"),
    test_rklp_atomic_replace_meminfo_proc_show as extern "C" fn(_, _) -> _,
)])]);

rklp_test_patch_module!(
    TestAtomicReplace,
    "test_rklp_atomic_replace",
    "rklp test: atomic replace",
    |module| {
        let mut patch = PATCH;
        if REPLACE.load(Ordering::Relaxed) != 0 {
            patch = patch.replace();
        }
        patch.enable(module)?;
    }
);
