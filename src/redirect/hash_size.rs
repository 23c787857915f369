// SPDX-License-Identifier: GPL-2.0

//! How big the function hash is and which bucket a function falls in (pure:
//! `core` only; also compiled into the host unit tests, tools/unit).
//!
//! The table has `1 << bits` buckets, enough for one function per bucket
//! (load factor <= 1), so a lookup walks about one node whatever the number
//! of patched functions; never fewer than the static initial table's, never
//! more than a kernel has ftrace locations to patch.

/// Bits of the initial (static) table: 256 buckets.
pub(crate) const MIN_BITS: u32 = 8;

/// Bits of the largest table: 128 Ki buckets (1 MiB of pointers), more than
/// a kernel's ~60k ftrace locations; past it, chains grow.
pub(crate) const MAX_BITS: u32 = 17;

/// The bits of a table for `n` functions: the smallest power of two `>= n`,
/// within `MIN_BITS..=MAX_BITS`.
pub(crate) fn bits_for(n: usize) -> u32 {
    let bits = match n.checked_next_power_of_two() {
        Some(p) => p.trailing_zeros(),
        None => MAX_BITS,
    };
    bits.clamp(MIN_BITS, MAX_BITS)
}

/// Whether a table of `bits` holding `n` functions is worth shrinking: four
/// times too big or more (so that a shrink and the next growth are far
/// apart), or empty and not the static table's size (an empty hash goes
/// back to the static table, which costs no memory: a 512-bucket table is
/// only twice too big, but holds nothing).
pub(crate) fn should_shrink(bits: u32, n: usize) -> bool {
    bits >= bits_for(n) + 2 || (n == 0 && bits > MIN_BITS)
}

/// The bucket of `ip` in a table of `bits` (`MIN_BITS..=MAX_BITS`):
/// hash_64()'s multiplicative hash (include/linux/hash.h), whose top bits
/// spread the 16-byte-aligned addresses of functions evenly.
#[inline(always)]
pub(crate) fn bucket_of(ip: usize, bits: u32) -> usize {
    // Wrapping shift: no overflow check (and its panic call) on the
    // handler's path; `bits` is in range, so it never wraps.
    let h = (ip as u64).wrapping_mul(0x61c8864680b583eb);
    h.wrapping_shr(64u32.wrapping_sub(bits)) as usize
}
