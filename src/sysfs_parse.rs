// SPDX-License-Identifier: GPL-2.0

//! Parsing what user space writes to rklp's sysfs files (pure: `core` only;
//! also compiled into the host unit tests, tools/unit). `None` is refused
//! input: the caller returns `-EINVAL`.

/// A sysfs write as a boolean, exactly as the kernel's `kstrtobool`
/// (lib/kstrtox.c, Linux 6.12), which upstream livepatch's `enabled` and
/// `force` stores use: only the first character counts (`y`, `Y`, `t`, `T`,
/// `1` are true; `n`, `N`, `f`, `F`, `0` are false), except after `o`/`O`,
/// where the second decides (`n`/`N` true, `f`/`F` false). So `yes`, `true`,
/// `1x`, `on` and `no`, `false`, `0x`, `off` are all accepted, as upstream.
/// sysfs NUL-terminates the written bytes; a byte past `input` reads as NUL.
pub(crate) fn parse_bool(input: &[u8]) -> Option<bool> {
    let at = |i: usize| input.get(i).copied().unwrap_or(0);
    match at(0) {
        b'y' | b'Y' | b't' | b'T' | b'1' => Some(true),
        b'n' | b'N' | b'f' | b'F' | b'0' => Some(false),
        b'o' | b'O' => match at(1) {
            b'n' | b'N' => Some(true),
            b'f' | b'F' => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A decimal `u32`, surrounded by any whitespace (the newline `echo`
/// adds); a leading '+' is allowed, nothing else.
pub(crate) fn parse_u32(input: &[u8]) -> Option<u32> {
    let s = core::str::from_utf8(input).ok()?.trim();
    s.parse::<u32>().ok()
}
