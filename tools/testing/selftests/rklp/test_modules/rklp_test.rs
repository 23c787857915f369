// SPDX-License-Identifier: GPL-2.0

// Shared by the Rust test patch modules (`include!("rklp_test.rs")`): the
// KlpPatch API and a macro for a module whose init enables one patch.

include!(concat!(env!("RKLP_DIR"), "/include/rklp/api.rs"));
#[allow(unused_imports)]
use klp::{KlpFunc, KlpObject, KlpPatch};

/// `rklp_test_patch_module!(Type, "name", "description", |module| { ... })`:
/// a module whose init runs the block (which enables a patch).
macro_rules! rklp_test_patch_module {
    ($ty:ident, $name:tt, $desc:tt, |$m:ident| $body:block) => {
        module! {
            type: $ty,
            name: $name,
            author: "rklp developers",
            description: $desc,
            license: "GPL",
        }
        struct $ty;
        impl kernel::Module for $ty {
            fn init($m: &'static ThisModule) -> Result<Self> {
                $body
                Ok($ty)
            }
        }
    };
}

/// Writes `<text>\n` to a seq_file: the body of the /proc show replacements.
#[allow(dead_code)]
fn seq_line(m: *mut kernel::bindings::seq_file, text: &kernel::str::CStr) -> kernel::ffi::c_int {
    // SAFETY: `m` is the seq_file of the running /proc read; both strings
    // are NUL-terminated.
    unsafe {
        kernel::bindings::seq_printf(m, kernel::c_str!("%s\n").as_char_ptr(), text.as_char_ptr())
    };
    0
}
