// SPDX-License-Identifier: GPL-2.0

//! The consistency model: rklp's per-task state (task_table.rs), the stack
//! checks that decide when a task may switch (stack_check.rs), the per-task
//! transition (transition.rs), immediate mode with its NMI in-flight guard
//! (immediate.rs), and the end of a switch in both modes (finish.rs). Their
//! rules that need no kernel are in pure modules, compiled into the host
//! unit tests too (tools/unit): task_state.rs (a task's state and the
//! transition's rules), op_state.rs (the immediate switch's states, the NMI
//! guard) and reason.rs (why a task has not switched).

pub(crate) mod finish;
pub(crate) mod immediate;
pub(crate) mod op_state;
pub(crate) mod reason;
pub(crate) mod stack_check;
pub(crate) mod task_state;
pub(crate) mod task_table;
pub(crate) mod transition;
