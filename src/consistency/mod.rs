// SPDX-License-Identifier: GPL-2.0

//! The consistency model: rklp's per-task state (task_table.rs), the stack
//! checks that decide when a task may switch (stack_check.rs), the per-task
//! transition (transition.rs), immediate mode with its NMI in-flight guard
//! (immediate.rs), and the end of a switch in both modes (finish.rs).

pub(crate) mod finish;
pub(crate) mod immediate;
pub(crate) mod stack_check;
pub(crate) mod task_table;
pub(crate) mod transition;
