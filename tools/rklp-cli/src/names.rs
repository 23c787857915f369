// SPDX-License-Identifier: GPL-2.0

//! What the tool accepts as a patch name, a pid, a delay and a module
//! parameter. Everything else is refused before any file is touched.

/// The longest module name (`MODULE_NAME_LEN` - 1 on 64-bit).
pub const MAX_NAME: usize = 55;

/// A module name as the kernel spells it: `[A-Za-z0-9_]`, 1 to 55
/// characters. No `/`, `..`, blank, quote or leading `-`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// A decimal number of at most `u32`'s range, digits only (no sign, no
/// blank, no `0x`).
pub fn parse_u32(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A module parameter as `finit_module(2)` takes it: `name` or
/// `name=value`, where the name is `[A-Za-z0-9_.-]` (not starting with `-`)
/// and the value has no blank, quote or control character (the kernel
/// would split or unquote it, so what it saw would not be what was typed).
pub fn valid_param(p: &str) -> bool {
    let (name, value) = match p.split_once('=') {
        Some((n, v)) => (n, v),
        None => (p, ""),
    };
    let name_ok = !name.is_empty()
        && !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-');
    let value_ok = value
        .chars()
        .all(|c| !c.is_whitespace() && !c.is_control() && c != '"' && c != '\'');
    name_ok && value_ok
}

/// A `-t` value: whole seconds (digits only).
pub fn parse_timeout(s: &str) -> Result<u64, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("bad timeout '{s}' (whole seconds)"));
    }
    s.parse()
        .map_err(|_| format!("bad timeout '{s}' (whole seconds)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(valid_name("rklp_sample"));
        assert!(valid_name(&"a".repeat(55)));
        for bad in [
            "",
            "..",
            "../x",
            "a/b",
            "-f",
            "a b",
            "$(touch z)",
            "x;y",
            "q'q",
            "é",
            "a-b",
        ] {
            assert!(!valid_name(bad), "{bad}");
        }
        assert!(!valid_name(&"a".repeat(56)));
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_u32("15000"), Some(15000));
        assert_eq!(parse_u32("4294967295"), Some(u32::MAX));
        for bad in ["", "-1", "+1", "0x10", "1e9", "4294967296", " 1", "abc"] {
            assert_eq!(parse_u32(bad), None, "{bad}");
        }
        assert_eq!(parse_timeout("5"), Ok(5));
        assert!(parse_timeout("x").is_err());
        assert!(parse_timeout("-1").is_err());
        assert!(parse_timeout("").is_err());
    }

    #[test]
    fn params() {
        for ok in ["case=7", "block", "a.b=1", "x=", "dyndbg=+p"] {
            assert!(valid_param(ok), "{ok}");
        }
        for bad in [
            "-f", "--force", "=1", "a=b c", "a=\"x\"", "a='x'", "a=\n", "a b=1", "",
        ] {
            assert!(!valid_param(bad), "{bad}");
        }
    }
}
