// SPDX-License-Identifier: GPL-2.0

//! Test: old_sympos picks one of two functions with the same name

use core::ffi::c_void;
use kernel::c_str;
use kernel::prelude::*;

include!("rklp_test.rs");

/// Both `force_store`s (kernel/livepatch/core.c, kernel/reboot.c) are
/// sysfs stores: `ssize_t (struct kobject *, struct kobj_attribute *,
/// const char *buf, size_t count)`. This one takes every write.
#[no_mangle]
extern "C" fn test_rklp_sympos_func(
    _kobj: *mut c_void,
    _attr: *mut c_void,
    _buf: *const u8,
    count: usize,
) -> isize {
    count as isize
}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::vmlinux(&[KlpFunc::new(
    c_str!("force_store"),
    test_rklp_sympos_func as extern "C" fn(_, _, _, _) -> _,
)
.sympos(core::num::NonZeroUsize::new(2).unwrap())])]);

rklp_test_patch_module!(
    Test,
    "test_rklp_sympos",
    "rklp test: old_sympos picks one of two functions with the same name",
    |module| {
        PATCH.enable(module)?;
    }
);
