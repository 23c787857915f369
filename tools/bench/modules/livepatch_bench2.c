// SPDX-License-Identifier: GPL-2.0
/* rklp benchmark: patch 2 of a stack of upstream livepatches (see livepatch_bench.c). */
#define LIVEPATCH_BENCH_NEW livepatch_bench2_fn
#include "livepatch_bench.c"
