// SPDX-License-Identifier: GPL-2.0

//! Redirecting calls: the one shared `ftrace_ops` and its handler
//! (handler.rs), the hash it looks replacements up in (func_hash.rs), and
//! putting an object's functions into both and taking them out
//! (install.rs).

pub(crate) mod func_hash;
pub(crate) mod handler;
pub(crate) mod install;
