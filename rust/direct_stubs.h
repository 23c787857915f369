/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The direct-call dispatcher's table (direct_stubs.S, direct.c,
 * rust/direct.rs). Assembler-safe: only #defines.
 */
#ifndef RKLP_DIRECT_STUBS_H
#define RKLP_DIRECT_STUBS_H

/*
 * Entries of the table, a power of two. At most half are used, so at most
 * RKLP_DIRECT_TABLE / 2 functions are settled at once; the others stay on
 * the handler.
 */
#define RKLP_DIRECT_TABLE_BITS 14
#define RKLP_DIRECT_TABLE (1 << RKLP_DIRECT_TABLE_BITS)
#define RKLP_DIRECT_TABLE_MASK (RKLP_DIRECT_TABLE - 1)

/* An entry is 16 bytes: key (fentry return address), target. */
#define RKLP_DIRECT_ENTRY_SHIFT 4

/* Key of a slot whose entry was removed: never a return address. */
#define RKLP_DIRECT_TOMBSTONE 1

#endif
