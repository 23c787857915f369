// SPDX-License-Identifier: GPL-2.0

// Shared by test_rklp_bench*.rs (`include!("rklp_bench_patch.rs")`): the
// rklp side of the benchmarks (tools/bench/bench.sh), a
// patch of rklp_bench_fn() in rklp_bench_target with a replacement
// equivalent to the original and to livepatch_bench.c's.

include!(concat!(
    env!("RKLP_DIR"),
    "/tools/testing/selftests/rklp/test_modules/rklp_test.rs"
));

/// `rklp_bench_patch!(Type, "module name", replacement_fn)`.
macro_rules! rklp_bench_patch {
    ($ty:ident, $name:tt, $new:ident) => {
        #[no_mangle]
        extern "C" fn $new(x: core::ffi::c_ulong) -> core::ffi::c_ulong {
            x.wrapping_mul(3).wrapping_add(1)
        }

        static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::module(
            kernel::c_str!("rklp_bench_target"),
            &[KlpFunc::new(
                kernel::c_str!("rklp_bench_fn"),
                $new as extern "C" fn(_) -> _,
            )],
        )]);

        rklp_test_patch_module!(
            $ty,
            $name,
            "rklp benchmark: patch of rklp_bench_fn",
            |module| {
                PATCH.enable(module)?;
            }
        );
    };
}
