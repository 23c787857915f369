// SPDX-License-Identifier: GPL-2.0

//! rklp benchmark: patch 2 of a stack of three, a patch of rklp_bench_fn (see rklp_bench_patch.rs).

use kernel::prelude::*;

include!("rklp_bench_patch.rs");

rklp_bench_patch!(TestBench2, "test_rklp_bench2", test_rklp_bench2_fn);
