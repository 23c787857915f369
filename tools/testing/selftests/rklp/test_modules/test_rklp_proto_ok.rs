// SPDX-License-Identifier: GPL-2.0

//! Test: replacements with the originals' prototypes (a vmlinux function
//! and one of rklp_test_proto): accepted where the kernel has BTF.

use core::ffi::c_void;
use kernel::bindings::seq_file;
use kernel::c_str;
use kernel::ffi::{c_int, c_long};
use kernel::prelude::*;

include!("rklp_test.rs");

#[no_mangle]
extern "C" fn test_rklp_proto_ok_show(m: *mut seq_file, _v: *mut c_void) -> c_int {
    seq_line(m, c_str!("test_rklp_proto_ok: this has been live patched"))
}

#[no_mangle]
extern "C" fn test_rklp_proto_ok_sum(a: c_long, b: c_int) -> c_long {
    a + b as c_long + 1000
}

// A struct taken by value is declared so (compile-time check of the macro
// and of what it records).
rklp_by_value!(kernel::bindings::kuid_t, Struct);
const _: () = {
    let t = <kernel::bindings::kuid_t as klp::ProtoArg>::TYPE;
    assert!(t.kind == klp::ProtoKind::Struct as u32 && t.size == 4);
};

static PATCH: KlpPatch = KlpPatch::new(&[
    KlpObject::vmlinux(&[KlpFunc::new(
        c_str!("cmdline_proc_show"),
        test_rklp_proto_ok_show as extern "C" fn(_, _) -> _,
    )]),
    KlpObject::module(
        c_str!("rklp_test_proto"),
        &[KlpFunc::new(
            c_str!("rklp_test_proto_sum"),
            test_rklp_proto_ok_sum as extern "C" fn(_, _) -> _,
        )],
    ),
]);

rklp_test_patch_module!(
    TestProtoOk,
    "test_rklp_proto_ok",
    "rklp test: replacements with the originals' prototypes",
    |module| {
        PATCH.enable(module)?;
    }
);
