// SPDX-License-Identifier: GPL-2.0

//! A kernel whose ftrace turns the call of its own list function into a
//! jump to the byte before it: detected at load, and said in the log.
//!
//! From 7.x on, x86's ftrace can write a direct call's site as a JMP
//! (`DYNAMIC_FTRACE_WITH_JMP`, for BPF trampolines) and marks such a target
//! by setting bit 0 of its address: `ftrace_call_replace()` writes a JMP to
//! `addr & ~1` for every odd `addr` it is given, including the ops functions
//! it installs at `ftrace_caller`/`ftrace_regs_caller` and in ops
//! trampolines. Kernel functions are at even addresses only if the compiler
//! aligns them; gcc before 14 ignores `-falign-functions` at `-Os`
//! (`CONFIG_CC_OPTIMIZE_FOR_SIZE`, which tinyconfig selects). On such a
//! kernel `ftrace_ops_list_func` may be odd: as soon as two ftrace users
//! share a function (the function tracer on a function rklp patches),
//! ftrace calls the list function through `ftrace_regs_caller`, which then
//! jumps into the last byte of the function before it and crashes (seen:
//! `decl (%rdi)`, a write to kernel text, test-ftrace.sh on the 7.3 test
//! kernel). Other callbacks of the kernel's are odd as well there: a kprobe
//! on an ftrace site alone jumps to `kprobe_ftrace_handler - 1` and
//! crashes. Nothing a module can do prevents it; rklp says so once at load,
//! so that the crash is not taken for rklp's, and keeps its own two ftrace
//! users (the handler and a settled function's direct call, both on the
//! function while it settles or is released) apart: no settling there.
//! rklp's own ops function is aligned (rust/helpers.c).

use crate::sys::kallsyms::Kallsyms;
use kernel::c_str;
use kernel::prelude::*;

/// Whether this kernel's ftrace would jump, instead of call, its list
/// function: it has the jump encoding (`DYNAMIC_FTRACE_WITH_JMP`) and
/// `ftrace_ops_list_func` is at an odd address. If so, says it in the log;
/// the caller keeps rklp from putting two of its own ftrace users on one
/// function (settle.rs's `forbid`).
pub(crate) fn list_func_jumped(ks: &Kallsyms) -> bool {
    // The option, not a symbol: 6.12 has `ftrace_regs_caller_jmp` too (a
    // label of its direct-call trampoline) and calls odd callbacks like any
    // other; there an odd list function (the signing test kernel's) is
    // harmless and settling must stay on.
    if !cfg!(CONFIG_DYNAMIC_FTRACE_WITH_JMP) {
        return false;
    }
    let Some(list_func) = ks.addr_if_any(c_str!("ftrace_ops_list_func")) else {
        return false;
    };
    if list_func & 1 == 0 {
        return false;
    }
    pr_warn!(
        "this kernel's ftrace_ops_list_func is at an odd address, which x86 ftrace takes for a jump target (DYNAMIC_FTRACE_WITH_JMP): two ftrace users on one function (rklp and the function tracer, ...) or a kprobe on ftrace will crash it; a kernel bug of unaligned builds (gcc < 14 at -Os), not rklp's\n"
    );
    true
}
