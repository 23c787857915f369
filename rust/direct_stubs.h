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
#ifndef rklp_no_direct_calls
#define RKLP_DIRECT_TABLE_BITS 14
#else
/* No direct calls (rust/compat.mk): nothing settles, the smallest table. */
#define RKLP_DIRECT_TABLE_BITS 1
#endif
#define RKLP_DIRECT_TABLE (1 << RKLP_DIRECT_TABLE_BITS)
#define RKLP_DIRECT_TABLE_MASK (RKLP_DIRECT_TABLE - 1)

/* An entry is 16 bytes: key (fentry return address), target. */
#define RKLP_DIRECT_ENTRY_SHIFT 4

/*
 * Keys of vacated slots, never return addresses (the dispatcher only
 * compares with its own key and with 0, so it treats all three alike: a
 * slot to probe past). A slot whose entry was removed is QUARANTINED: a
 * dispatcher may have matched the old key and not yet loaded the target, so
 * the slot must not take another key before an RCU-Tasks (and -Rude) grace
 * period has passed. When the settle work starts one, QUARANTINED slots
 * become COOLING; when it has passed, COOLING slots become TOMBSTONEs,
 * which a new entry may take (rust/direct.rs, Table).
 */
#define RKLP_DIRECT_TOMBSTONE 1
#define RKLP_DIRECT_QUARANTINED 2
#define RKLP_DIRECT_COOLING 3

#endif
