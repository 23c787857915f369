// SPDX-License-Identifier: GPL-2.0

// Shared by test_rklp_torture.rs and test_rklp_torture2.rs (test-torture.sh):
// `torture_patch!(Type, "name", VERSION, outer, inner, nmi_outer, nmi_inner,
// show)` is a patch module of the consistency checker's pairs in process,
// softirq and hard IRQ context (rklp_test_cc), in NMI (rklp_test_nmi), and
// of rklp_test_target (loaded and unloaded in a loop). VERSION (even) is
// what its inners return and its outers expect: an outer of one patch that
// saw an inner of another (or the original, 1) is a mismatch. Module
// parameters: replace, immediate (the patch's flags).

use core::sync::atomic::{AtomicBool, Ordering};
use kernel::c_str;
use kernel::ffi::c_int;
use kernel::prelude::*;

include!("rklp_test.rs");

extern "C" {
    fn rklp_cc_inner() -> c_int;
    fn rklp_cc_pause();
    fn rklp_cc_record(version: c_int, a: c_int, b: c_int);
    fn rklp_nmi_inner() -> c_int;
    fn rklp_nmi_record(version: c_int, a: c_int, b: c_int);
}

rklp_test_param!(REPLACE: AtomicBool = false, param_ops_bool, "replace", 0o444);
rklp_test_param!(IMMEDIATE: AtomicBool = false, param_ops_bool, "immediate", 0o444);

macro_rules! torture_patch {
    ($ty:ident, $name:tt, $v:expr, $outer:ident, $inner:ident, $nouter:ident, $ninner:ident, $show:ident) => {
        #[no_mangle]
        extern "C" fn $outer() -> c_int {
            // SAFETY: functions of rklp_test_cc, which this module's
            // symbol references keep loaded.
            unsafe {
                let a = rklp_cc_inner();
                rklp_cc_pause();
                rklp_cc_record($v, a, rklp_cc_inner());
            }
            0
        }

        #[no_mangle]
        extern "C" fn $inner() -> c_int {
            $v
        }

        #[no_mangle]
        extern "C" fn $nouter() -> c_int {
            // SAFETY: functions of rklp_test_nmi (kept loaded as above);
            // __udelay is NMI-safe.
            unsafe {
                let a = rklp_nmi_inner();
                kernel::bindings::__udelay(2);
                rklp_nmi_record($v, a, rklp_nmi_inner());
            }
            0
        }

        #[no_mangle]
        extern "C" fn $ninner() -> c_int {
            $v
        }

        #[no_mangle]
        extern "C" fn $show(
            m: *mut kernel::bindings::seq_file,
            _v: *mut core::ffi::c_void,
        ) -> c_int {
            seq_line(m, c_str!($name))
        }

        static OBJS: [KlpObject; 3] = [
            KlpObject::module(
                c_str!("rklp_test_cc"),
                &[
                    KlpFunc::new(c_str!("rklp_cc_outer"), $outer as extern "C" fn() -> _),
                    KlpFunc::new(c_str!("rklp_cc_inner"), $inner as extern "C" fn() -> _),
                ],
            ),
            KlpObject::module(
                c_str!("rklp_test_nmi"),
                &[
                    KlpFunc::new(c_str!("rklp_nmi_outer"), $nouter as extern "C" fn() -> _),
                    KlpFunc::new(c_str!("rklp_nmi_inner"), $ninner as extern "C" fn() -> _),
                ],
            ),
            KlpObject::module(
                c_str!("rklp_test_target"),
                &[KlpFunc::new(
                    c_str!("rklp_test_target_show"),
                    $show as extern "C" fn(_, _) -> _,
                )],
            ),
        ];
        static PATCH: KlpPatch = KlpPatch::new(&OBJS);
        static PATCH_REPLACE: KlpPatch = KlpPatch::new(&OBJS).replace();
        static PATCH_IMMEDIATE: KlpPatch = KlpPatch::new(&OBJS).immediate();
        static PATCH_BOTH: KlpPatch = KlpPatch::new(&OBJS).replace().immediate();

        rklp_test_patch_module!($ty, $name, "rklp test: torture patch", |module| {
            let p = match (
                REPLACE.load(Ordering::Relaxed),
                IMMEDIATE.load(Ordering::Relaxed),
            ) {
                (false, false) => &PATCH,
                (true, false) => &PATCH_REPLACE,
                (false, true) => &PATCH_IMMEDIATE,
                (true, true) => &PATCH_BOTH,
            };
            p.enable(module)?;
        });
    };
}
