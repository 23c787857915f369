// SPDX-License-Identifier: GPL-2.0

//! Test: a replacement address in the middle of a function is refused.

use kernel::c_str;
use kernel::prelude::*;

include!("rklp_test.rs");

#[no_mangle]
extern "C" fn test_rklp_bad_mid_func() {}

static FUNCS: InitOnce<[KlpFunc; 1]> = InitOnce::new();
static OBJS: InitOnce<[KlpObject; 1]> = InitOnce::new();

rklp_test_patch_module!(
    Test,
    "test_rklp_bad_mid",
    "rklp test: a replacement in the middle of a function is refused",
    |module| {
        let start = test_rklp_bad_mid_func as extern "C" fn() as usize;
        // SAFETY: never called: rklp must refuse the patch. (Were it
        // accepted, the test fails on the insmod that succeeded.)
        let mid: extern "C" fn() = unsafe { core::mem::transmute(start + 1) };
        // SAFETY: init runs once; nothing else uses the slots.
        let funcs = unsafe { FUNCS.set([KlpFunc::new(c_str!("cmdline_proc_show"), mid)]) };
        // SAFETY: as above.
        let objs = unsafe { OBJS.set([KlpObject::vmlinux(funcs)]) };
        KlpPatch::new(objs).enable(module)?;
    }
);
