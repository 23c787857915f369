// SPDX-License-Identifier: GPL-2.0

//! rklp benchmark: a patch of rklp_bench_fn (see rklp_bench_patch.rs).

use kernel::prelude::*;

include!("rklp_bench_patch.rs");

rklp_bench_patch!(TestBench, "test_rklp_bench", test_rklp_bench_fn);
