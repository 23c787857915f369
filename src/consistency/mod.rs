// SPDX-License-Identifier: GPL-2.0

//! The consistency model: rklp's per-task state (task_table.rs), the
//! per-task transition (transition.rs) and immediate mode with its NMI
//! in-flight guard (immediate.rs).

pub(crate) mod immediate;
pub(crate) mod task_table;
pub(crate) mod transition;
