// SPDX-License-Identifier: GPL-2.0

//! Parsing sysfs writes (src/sysfs_parse.rs), as test-sysfs.sh checks it
//! through `enabled`, `force` and `/proc/rklp/patch_state`.

use crate::sysfs_parse::{parse_bool, parse_u32};
use proptest::prelude::*;

/// lib/kstrtox.c's kstrtobool() (Linux 6.12), transcribed from C onto a
/// NUL-terminated copy of the input, as sysfs passes it.
fn kstrtobool(input: &[u8]) -> Result<bool, i32> {
    const EINVAL: i32 = 22;
    let mut s = input.to_vec();
    s.push(0);
    match s[0] {
        b'y' | b'Y' | b't' | b'T' | b'1' => return Ok(true),
        b'n' | b'N' | b'f' | b'F' | b'0' => return Ok(false),
        b'o' | b'O' => match s[1] {
            b'n' | b'N' => return Ok(true),
            b'f' | b'F' => return Ok(false),
            _ => {}
        },
        _ => {}
    }
    Err(EINVAL)
}

#[test]
fn true_words_as_test_sysfs_writes_them() {
    for w in [
        "1", "1\n", "y", "Y", "yes", "true", "T", "1x", "on", "ON", "oN\n",
    ] {
        assert_eq!(parse_bool(w.as_bytes()), Some(true), "{w:?}");
    }
}

#[test]
fn false_words_as_test_sysfs_writes_them() {
    for w in [
        "0", "0\n", "n", "N", "no", "false", "F", "0x", "off", "Off", "of",
    ] {
        assert_eq!(parse_bool(w.as_bytes()), Some(false), "{w:?}");
    }
}

#[test]
fn garbage_is_refused() {
    for w in [
        "", "\n", " 1", "2", "o", "o\n", "ok", "enable", "disable", "-1", "\01",
    ] {
        assert_eq!(parse_bool(w.as_bytes()), None, "{w:?}");
    }
}

#[test]
fn pids_parse_with_the_newline_echo_adds() {
    assert_eq!(parse_u32(b"1\n"), Some(1));
    assert_eq!(parse_u32(b"  4194304 \n"), Some(4194304));
    assert_eq!(parse_u32(b"+7"), Some(7));
    assert_eq!(parse_u32(b"4294967295"), Some(u32::MAX));
}

#[test]
fn bad_pids_are_refused() {
    for w in ["", "\n", "-1", "4294967296", "1 2", "0x10", "abc", "1.0"] {
        assert_eq!(parse_u32(w.as_bytes()), None, "{w:?}");
    }
    assert_eq!(parse_u32(&[b'1', 0xff]), None);
}

proptest! {
    /// parse_bool agrees with kstrtobool on any input.
    #[test]
    fn parse_bool_is_kstrtobool(input in proptest::collection::vec(any::<u8>(), 0..8)) {
        prop_assert_eq!(parse_bool(&input), kstrtobool(&input).ok());
    }

    /// ... in particular on inputs made of the letters that matter.
    #[test]
    fn parse_bool_is_kstrtobool_on_words(input in "[yYtTnNfFoO01 \n]{0,4}") {
        prop_assert_eq!(parse_bool(input.as_bytes()), kstrtobool(input.as_bytes()).ok());
    }

    /// Any u32 written in decimal, with surrounding whitespace, reads back.
    #[test]
    fn parse_u32_reads_back_decimal(n in any::<u32>(), pre in "[ \t]{0,2}", post in "[ \t\n]{0,2}") {
        let s = format!("{pre}{n}{post}");
        prop_assert_eq!(parse_u32(s.as_bytes()), Some(n));
    }
}
