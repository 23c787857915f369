/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The direct-call stubs of settled functions (Documentation/direct-calls.rst).
 *
 * Stub k is what ftrace's direct call at a settled function's __fentry__
 * site calls (or, when other ftrace users share the function,
 * ftrace_regs_caller enters it by push+RET with the ip the handlers chose as
 * its return address). It reads slot k (rklp_direct_slots[k], written by
 * rust/direct.rs):
 *
 * - non-zero: the settled replacement. The stub overwrites its return
 *   address with it and returns into it. RET, not `add $8,%rsp; jmp`: the RET
 *   consumes the return-stack-buffer entry of the fentry call.
 * - zero: undecided (a transition touches the function, or it is no longer
 *   patched): tail-jump to rklp_direct_undecided, which asks rklp's handler
 *   logic (rklp_direct_decide(), helpers.c) what this task runs, exactly as
 *   the ftrace handler would, and returns there.
 *
 * So a stub always sends a call where the handler would have: the slot holds
 * a replacement only while no transition touches the function.
 *
 * ENDBR: the stubs' addresses are taken. CALL_DEPTH_ACCOUNT: ftrace writes
 * direct calls without a call-depth thunk (arch/x86/kernel/ftrace.c). %r11
 * is free at a __fentry__ site (the function has not started; ftrace_caller
 * does not save it either). The stubs never move %rsp: each starts in the
 * function-entry state (UNWIND_HINT_FUNC) and stays in it, so the unwinder
 * sees a task stopped in a stub as called from the patched function's
 * fentry site (or, after the store, from the replacement's entry).
 */
#include <linux/linkage.h>
#include <asm/ibt.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>
#include "direct_stubs.h"

	.section .text, "ax"

	.balign RKLP_DIRECT_STUB_SIZE
SYM_CODE_START(rklp_direct_stubs)
	.set rklp_stub_index, 0
	.rept RKLP_DIRECT_STUBS
0:
	UNWIND_HINT_FUNC
	ENDBR
	CALL_DEPTH_ACCOUNT
	movq rklp_direct_slots + 8 * rklp_stub_index(%rip), %r11
	testq %r11, %r11
	jz rklp_direct_undecided
	movq %r11, (%rsp)
	RET
	/* Pads with int3; an error ("move .org backwards") if it is too big. */
	.org 0b + RKLP_DIRECT_STUB_SIZE, 0xcc
	.set rklp_stub_index, rklp_stub_index + 1
	.endr
SYM_CODE_END(rklp_direct_stubs)

/*
 * Entered by a stub's jump with the stack as at the fentry call: (%rsp) is
 * the return address, the fentry site's next instruction (a direct call), or
 * the ip the ftrace handlers chose (through ftrace_regs_caller). Saves the
 * argument registers of the patched function, asks rklp_direct_decide()
 * where this call goes, and returns there.
 */
SYM_FUNC_START(rklp_direct_undecided)
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %rcx
	pushq %r8
	pushq %r9
	pushq %rax
	pushq %r10
	movq 8 * 8(%rsp), %rdi
	call rklp_direct_decide
	movq %rax, 8 * 8(%rsp)
	popq %r10
	popq %rax
	popq %r9
	popq %r8
	popq %rcx
	popq %rdx
	popq %rsi
	popq %rdi
	RET
SYM_FUNC_END(rklp_direct_undecided)
