// SPDX-License-Identifier: GPL-2.0
/* rklp benchmark: patch 3 of a stack of upstream livepatches (see livepatch_bench.c). */
#define LIVEPATCH_BENCH_NEW livepatch_bench3_fn
#include "livepatch_bench.c"
