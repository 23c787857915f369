// SPDX-License-Identifier: GPL-2.0

//! rklp benchmark: patch 3 of a stack of three, a patch of rklp_bench_fn (see rklp_bench_patch.rs).

use kernel::prelude::*;

include!("rklp_bench_patch.rs");

rklp_bench_patch!(TestBench3, "test_rklp_bench3", test_rklp_bench3_fn);
