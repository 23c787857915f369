/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pool of direct-call stubs (direct_stubs.S): shared by the assembly,
 * the C helpers and, through bindgen, the Rust side (rust/direct.rs).
 * Assembler-safe: only #defines.
 */
#ifndef RKLP_DIRECT_STUBS_H
#define RKLP_DIRECT_STUBS_H

/* How many functions can be settled at once; the others stay on the handler. */
#define RKLP_DIRECT_STUBS 8192

/*
 * Bytes per stub (a power of two): ENDBR, CALL_DEPTH_ACCOUNT (10 bytes when
 * call-depth tracking is built in), the slot load and test, the store and a
 * RET that may be a 5-byte jump to the return thunk. The assembler checks
 * that each stub fits.
 */
#ifdef CONFIG_MITIGATION_CALL_DEPTH_TRACKING
#define RKLP_DIRECT_STUB_SIZE 64
#else
#define RKLP_DIRECT_STUB_SIZE 32
#endif

#endif
