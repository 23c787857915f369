// SPDX-License-Identifier: GPL-2.0
/* A second rklp_test_kprobe, for two kprobes at once (test-direct.sh). */
#include "rklp_test_kprobe.c"
