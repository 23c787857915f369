/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The direct-call dispatcher of settled functions (Documentation/rklp.rst,
 * "Settled functions"; Documentation/direct-calls.rst).
 *
 * ftrace's direct call at a settled function's __fentry__ site calls
 * rklp_direct_dispatch (or, when other ftrace users share the function,
 * ftrace_regs_caller enters it by push+RET with the ip the handlers chose as
 * its return address). It looks its return address up in rklp_direct_table
 * (open addressing, linear probing; direct.c, written by rust/direct.rs):
 *
 * - a key that matches with a non-zero target: the settled replacement. The
 *   dispatcher overwrites its return address with it and returns into it.
 *   RET, not `add $8,%rsp; jmp`: the RET consumes the return-stack-buffer
 *   entry of the fentry call.
 * - anything else (target 0: a transition touches the function; no entry;
 *   a return address the handlers chose): tail-jump to
 *   rklp_direct_undecided, which asks rklp's handler logic
 *   (rklp_direct_decide(), direct.c) what this task runs, exactly as the
 *   ftrace handler would, and returns there.
 *
 * So the table is only a cache of decisions that are the same for every
 * task: a miss is always correct, only slower, and the writer may clear
 * entries at any time. A hit is a replacement only while no transition
 * touches the function.
 *
 * CALL_DEPTH_ACCOUNT: ftrace writes direct calls without a call-depth thunk
 * (arch/x86/kernel/ftrace.c). %r10 and %r11 are free at a __fentry__ site
 * (neither carries an argument; the function has not started). The
 * dispatcher never moves %rsp: it stays in the function-entry state, so
 * the unwinder sees a task stopped in it as called from the patched
 * function's fentry site (or, after the store, from the replacement's
 * entry). The table's address is a 32-bit sign-extended absolute, as
 * modules are linked in the top 2 GB (-mcmodel=kernel).
 */
#include <linux/linkage.h>
#include <linux/objtool.h>
#include <asm/nospec-branch.h>
#include "direct_stubs.h"

	.section .text, "ax"

SYM_FUNC_START(rklp_direct_dispatch)
	/*
	 * Entered by a direct CALL or by RET, never by an indirect branch:
	 * no ENDBR, although rklp takes its address (to register it).
	 */
	ANNOTATE_NOENDBR
	CALL_DEPTH_ACCOUNT
	movq	(%rsp), %r11
	movl	%r11d, %r10d
	shrl	$4, %r10d
	andl	$RKLP_DIRECT_TABLE_MASK, %r10d
	shll	$RKLP_DIRECT_ENTRY_SHIFT, %r10d
.Lprobe:
	cmpq	rklp_direct_table(%r10), %r11
	jne	.Lnext
	movq	rklp_direct_table + 8(%r10), %r11
	testq	%r11, %r11
	jz	rklp_direct_undecided
	movq	%r11, (%rsp)
	RET
.Lnext:
	/* An empty key ends the chain (at least half the table is empty). */
	cmpq	$0, rklp_direct_table(%r10)
	je	rklp_direct_undecided
	addl	$(1 << RKLP_DIRECT_ENTRY_SHIFT), %r10d
	andl	$(RKLP_DIRECT_TABLE_MASK << RKLP_DIRECT_ENTRY_SHIFT), %r10d
	jmp	.Lprobe
SYM_FUNC_END(rklp_direct_dispatch)

/*
 * Entered by the dispatcher's jump with the stack as at the fentry call:
 * (%rsp) is the return address, the fentry site's next instruction (a
 * direct call), or the ip the ftrace handlers chose (through
 * ftrace_regs_caller). Saves the argument registers of the patched
 * function, asks rklp_direct_decide() where this call goes, and returns
 * there.
 */
SYM_FUNC_START(rklp_direct_undecided)
	/* Entered by the dispatcher's direct jumps only (see above). */
	ANNOTATE_NOENDBR
	pushq	%rdi
	pushq	%rsi
	pushq	%rdx
	pushq	%rcx
	pushq	%r8
	pushq	%r9
	pushq	%rax
	pushq	%r10
	movq	8 * 8(%rsp), %rdi
	call	rklp_direct_decide
	movq	%rax, 8 * 8(%rsp)
	popq	%r10
	popq	%rax
	popq	%r9
	popq	%r8
	popq	%rcx
	popq	%rdx
	popq	%rsi
	popq	%rdi
	RET
SYM_FUNC_END(rklp_direct_undecided)
