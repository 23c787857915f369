// SPDX-License-Identifier: GPL-2.0

//! Test: symbol references (`KlpSym`). The replacement of
//! rklp_test_sym_show() calls rklp_test_sym's static function
//! rklp_test_sym_scale(), the second of its two static functions
//! rklp_test_sym_twice() (sympos 2), and counts in its static variable
//! rklp_test_sym_calls, none of them exported (test-syms.sh).

use core::ffi::c_void;
use kernel::bindings;
use kernel::c_str;
use kernel::ffi::c_int;
use kernel::prelude::*;

include!("rklp_test.rs");
use klp::{KlpSym, SymFn, SymVar};

// SAFETY: `static int rklp_test_sym_scale(int)` (rklp_test_sym_main.c).
static SCALE: SymFn<extern "C" fn(c_int) -> c_int> = unsafe { SymFn::new() };
// SAFETY: `static int rklp_test_sym_twice(void)` (both of them).
static TWICE: SymFn<extern "C" fn() -> c_int> = unsafe { SymFn::new() };
static CALLS: SymVar<c_int> = SymVar::new();

#[no_mangle]
extern "C" fn test_rklp_sym_show(m: *mut bindings::seq_file, _v: *mut c_void) -> c_int {
    let (Some(scale), Some(twice), Some(calls)) = (SCALE.get(), TWICE.get(), CALLS.ptr()) else {
        return seq_line(m, c_str!("test_rklp_sym: unresolved"));
    };
    let calls = calls.as_ptr();
    // SAFETY: the module's `static int`, which only the show functions
    // (one read of /proc/rklp_test_sym at a time in the test) change.
    let n = unsafe {
        let n = core::ptr::read_volatile(calls) + 1;
        core::ptr::write_volatile(calls, n);
        n
    };
    // SAFETY: `m` is the seq_file of the running read; the format matches
    // the three `int`s.
    unsafe {
        bindings::seq_printf(
            m,
            c_str!("test_rklp_sym: patched calls=%d scale(4)=%d twice=%d\n").as_char_ptr(),
            n,
            scale(4),
            twice(),
        )
    };
    0
}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::module(
    c_str!("rklp_test_sym"),
    &[KlpFunc::new(
        c_str!("rklp_test_sym_show"),
        test_rklp_sym_show as extern "C" fn(_, _) -> _,
    )],
)
.syms(&[
    KlpSym::var(c_str!("rklp_test_sym_calls"), &CALLS),
    KlpSym::func(c_str!("rklp_test_sym_scale"), &SCALE),
    KlpSym::func(c_str!("rklp_test_sym_twice"), &TWICE)
        .sympos(core::num::NonZeroUsize::new(2).unwrap()),
])]);

rklp_test_patch_module!(
    Test,
    "test_rklp_sym",
    "rklp test: a replacement uses a static function and variable of its module",
    |module| {
        PATCH.enable(module)?;
    }
);
