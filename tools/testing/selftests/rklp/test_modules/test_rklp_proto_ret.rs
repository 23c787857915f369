// SPDX-License-Identifier: GPL-2.0

//! Test: a replacement of cmdline_proc_show(), which returns int, that
//! returns nothing: refused where the kernel has BTF.

use core::ffi::c_void;
use kernel::bindings::seq_file;
use kernel::c_str;
use kernel::prelude::*;

include!("rklp_test.rs");

#[no_mangle]
extern "C" fn test_rklp_proto_ret_show(m: *mut seq_file, _v: *mut c_void) {
    seq_line(m, c_str!("test_rklp_proto_ret: this has been live patched"));
}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::vmlinux(&[KlpFunc::new(
    c_str!("cmdline_proc_show"),
    test_rklp_proto_ret_show as extern "C" fn(_, _) -> _,
)])]);

rklp_test_patch_module!(
    TestProtoRet,
    "test_rklp_proto_ret",
    "rklp test: a return value of the wrong kind",
    |module| {
        PATCH.enable(module)?;
    }
);
