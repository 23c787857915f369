// SPDX-License-Identifier: GPL-2.0

//! The function hash's sizing rule and bucket function
//! (src/redirect/hash_size.rs).

use crate::hash_size::{bits_for, bucket_of, should_shrink, MAX_BITS, MIN_BITS};
use proptest::prelude::*;

#[test]
fn small_counts_fit_the_static_table() {
    for n in 0..=256 {
        assert_eq!(bits_for(n), MIN_BITS, "n = {n}");
    }
}

#[test]
fn grows_by_powers_of_two() {
    assert_eq!(bits_for(257), 9);
    assert_eq!(bits_for(512), 9);
    assert_eq!(bits_for(513), 10);
    assert_eq!(bits_for(1000), 10);
    assert_eq!(bits_for(5000), 13);
    assert_eq!(bits_for(1 << MAX_BITS), MAX_BITS);
    assert_eq!(bits_for((1 << MAX_BITS) + 1), MAX_BITS);
    assert_eq!(bits_for(usize::MAX), MAX_BITS);
}

#[test]
fn shrinks_only_when_four_times_too_big() {
    assert!(!should_shrink(MIN_BITS, 0));
    assert!(!should_shrink(10, 1000));
    assert!(!should_shrink(10, 257));
    assert!(should_shrink(10, 256));
    assert!(should_shrink(10, 0));
    assert!(!should_shrink(11, 1000));
    assert!(should_shrink(13, 2048));
    assert!(!should_shrink(13, 2049));
}

/// An empty hash goes back to the static table, whatever its size: a
/// 512-bucket table is only twice the static one's, but holds nothing.
#[test]
fn an_empty_table_shrinks_back_to_the_static_one() {
    assert!(!should_shrink(MIN_BITS, 0));
    for bits in MIN_BITS + 1..=MAX_BITS {
        assert!(should_shrink(bits, 0), "bits = {bits}");
        assert_eq!(bits_for(0), MIN_BITS);
    }
    // Not empty and not four times too big: it stays.
    assert!(!should_shrink(MIN_BITS + 1, 1));
}

/// Functions 16-byte aligned in one module, as a generated patch's are: at
/// load factor 1 no chain is long (what keeps a lookup flat in N).
#[test]
fn aligned_functions_spread_over_the_buckets() {
    for n in [256usize, 1000, 5000, 20000] {
        let bits = bits_for(n);
        let mut chains = vec![0u32; 1 << bits];
        for i in 0..n {
            chains[bucket_of(0xffff_ffff_c000_0000 + i * 16, bits)] += 1;
        }
        let longest = *chains.iter().max().unwrap();
        assert!(longest <= 4, "n = {n}: longest chain {longest}");
    }
}

proptest! {
    /// Load factor <= 1 below the cap, and never more than twice the room
    /// needed.
    #[test]
    fn table_fits_n(n in 0usize..(1 << (MAX_BITS + 2))) {
        let bits = bits_for(n);
        prop_assert!((MIN_BITS..=MAX_BITS).contains(&bits));
        if n <= 1 << MAX_BITS {
            prop_assert!(n <= 1 << bits);
        }
        if bits > MIN_BITS {
            prop_assert!(n > 1 << (bits - 1));
        }
        // A table just sized for n is never shrunk.
        prop_assert!(!should_shrink(bits, n));
    }

    /// The bucket is always in the table.
    #[test]
    fn bucket_in_range(ip in any::<usize>(), bits in MIN_BITS..=MAX_BITS) {
        prop_assert!(bucket_of(ip, bits) < 1 << bits);
    }
}
