// SPDX-License-Identifier: GPL-2.0

//! Output of rklp's private bindgen run over `rklp_helpers.h` (see Kbuild).
//!
//! Types that `kernel::bindings` also has (e.g. `struct module`) are distinct
//! Rust types here; convert pointers with `.cast()` at the boundary.

#![allow(
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    dead_code,
    missing_docs,
    unreachable_pub,
    improper_ctypes,
    unsafe_op_in_unsafe_fn,
    clippy::all,
    clippy::undocumented_unsafe_blocks
)]
#![cfg_attr(not(CONFIG_RUSTC_HAS_UNNECESSARY_TRANSMUTES), allow(unknown_lints))]
#![allow(unnecessary_transmutes)]

use kernel::ffi;
type __kernel_size_t = usize;
type __kernel_ssize_t = isize;
type __kernel_ptrdiff_t = isize;

rklp_bindings_prelude!();

include!("rklp_bindings_generated.rs");
