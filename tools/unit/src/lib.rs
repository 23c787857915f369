// SPDX-License-Identifier: GPL-2.0

//! Host unit and property tests of rklp's pure modules: the rules that use
//! only `core`, compiled here from the same source files as into rklp.ko.
//! Run with `make unit` (cargo test); no kernel build is needed.

// Items the kernel uses but these tests do not reach.
#![allow(dead_code)]

#[path = "../../../src/redirect/entry_stack.rs"]
pub(crate) mod entry_stack;
#[path = "../../../src/redirect/hash_size.rs"]
pub(crate) mod hash_size;
#[path = "../../../src/consistency/op_state.rs"]
pub(crate) mod op_state;
#[path = "../../../src/consistency/reason.rs"]
pub(crate) mod reason;
#[path = "../../../src/sysfs_parse.rs"]
pub(crate) mod sysfs_parse;
#[path = "../../../src/consistency/task_state.rs"]
pub(crate) mod task_state;
#[path = "../../../src/patch/validate.rs"]
pub(crate) mod validate;
// The pure half of src/proto/: the BTF reader and the comparison (which
// names the reader `super::btf`: both sit at the root here).
#[path = "../../../src/proto/btf.rs"]
pub(crate) mod btf;
#[path = "../../../src/proto/compare.rs"]
pub(crate) mod compare;

#[cfg(test)]
mod entry_stack_tests;
#[cfg(test)]
mod hash_size_tests;
#[cfg(test)]
mod op_state_tests;
#[cfg(test)]
mod proto_tests;
#[cfg(test)]
mod reason_tests;
#[cfg(test)]
mod sysfs_parse_tests;
#[cfg(test)]
mod task_state_tests;
#[cfg(test)]
mod validate_tests;
