// SPDX-License-Identifier: GPL-2.0

//! Test: a replacement address that is data of the patch module is refused.

use kernel::c_str;
use kernel::prelude::*;

include!("rklp_test.rs");

/// Not code: a static of the module (in .data).
#[no_mangle]
static mut TEST_RKLP_BAD_DATA_VAR: [u64; 8] = [0; 8];

static FUNCS: InitOnce<[KlpFunc; 1]> = InitOnce::new();
static OBJS: InitOnce<[KlpObject; 1]> = InitOnce::new();

rklp_test_patch_module!(
    Test,
    "test_rklp_bad_data",
    "rklp test: a replacement that is data is refused",
    |module| {
        let data = core::ptr::addr_of!(TEST_RKLP_BAD_DATA_VAR) as usize;
        // SAFETY: never called: rklp must refuse the patch. (Were it
        // accepted, the test fails on the insmod that succeeded.)
        let f: extern "C" fn() = unsafe { core::mem::transmute(data) };
        // SAFETY: init runs once; nothing else uses the slots.
        let funcs = unsafe { FUNCS.set([KlpFunc::new(c_str!("cmdline_proc_show"), f)]) };
        // SAFETY: as above.
        let objs = unsafe { OBJS.set([KlpObject::vmlinux(funcs)]) };
        KlpPatch::new(objs).enable(module)?;
    }
);
