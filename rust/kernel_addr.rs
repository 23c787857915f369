// SPDX-License-Identifier: GPL-2.0

//! Kernel addresses as the kernel log may show them: as a symbol and offset
//! (C's `%pS`) or hashed (C's `%p`), never raw. Rust's `{:p}` and `{:x}`
//! print the address itself, which gives the KASLR offset away to whoever
//! may read the log (`dmesg_restrict=0`).

use super::bindings as b;
use core::ffi::c_void;
use core::fmt;
use kernel::ffi::c_ulong;

/// Room for `%pS`: a symbol (Rust's mangled names are long), its offset
/// and size, and its module; a longer one is cut, never leaking more.
const SYMBOL_LEN: usize = 256;
/// Room for `%p`: 16 hex digits, or "(____ptrval____)" early at boot.
const HASHED_LEN: usize = 24;

/// Prints a text address as `%pS` does: `name+0x4/0x20 [module]`.
pub(crate) struct Symbol(pub(crate) usize);

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; SYMBOL_LEN];
        // SAFETY: `buf` holds SYMBOL_LEN bytes; scnprintf writes at most
        // that many (NUL included) and returns the length written.
        let n = unsafe {
            b::rklp_format_symbol(buf.as_mut_ptr().cast(), SYMBOL_LEN, self.0 as c_ulong)
        };
        write_ascii(f, &buf[..n.min(SYMBOL_LEN - 1)])
    }
}
rklp_display!(Symbol);

/// Prints a pointer as `%p` does: hashed, stable for the boot, so that two
/// messages about one object can be matched without revealing where it is.
pub(crate) struct Hashed(pub(crate) *const c_void);

impl fmt::Display for Hashed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; HASHED_LEN];
        // SAFETY: as for `Symbol`; `%p` does not dereference the pointer.
        let n = unsafe { b::rklp_format_hashed(buf.as_mut_ptr().cast(), HASHED_LEN, self.0) };
        write_ascii(f, &buf[..n.min(HASHED_LEN - 1)])
    }
}
rklp_display!(Hashed);

fn write_ascii(f: &mut fmt::Formatter<'_>, s: &[u8]) -> fmt::Result {
    match core::str::from_utf8(s) {
        Ok(s) => f.write_str(s),
        Err(_) => f.write_str("?"),
    }
}
