// SPDX-License-Identifier: GPL-2.0

//! Test: a replacement of cmdline_proc_show(struct seq_file *m, void *v)
//! whose second argument is a 4-byte integer: refused where the kernel
//! has BTF (without the check it is accepted, and would read half of `v`).

use kernel::bindings::seq_file;
use kernel::c_str;
use kernel::ffi::c_int;
use kernel::prelude::*;

include!("rklp_test.rs");

#[no_mangle]
extern "C" fn test_rklp_proto_size_show(m: *mut seq_file, _v: u32) -> c_int {
    seq_line(
        m,
        c_str!("test_rklp_proto_size: this has been live patched"),
    )
}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::vmlinux(&[KlpFunc::new(
    c_str!("cmdline_proc_show"),
    test_rklp_proto_size_show as extern "C" fn(_, _) -> _,
)])]);

rklp_test_patch_module!(
    TestProtoSize,
    "test_rklp_proto_size",
    "rklp test: an argument of the wrong size",
    |module| {
        PATCH.enable(module)?;
    }
);
