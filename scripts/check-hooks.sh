#!/bin/bash
# check-hooks.sh RKLP_KO: rklp.ko's test-only hooks (fault injection, see
# Kbuild) are in it if and only if it is a test build (RKLP_TEST_HOOKS=1):
# the production rklp.ko must not reference the fault-injection framework
# nor show test hooks in its modinfo, and a test build must have them (the
# selftests use them). Fails the build otherwise.
set -euo pipefail
ko=${1:?usage: check-hooks.sh rklp.ko [KERNEL_CONFIG]}
# The kernel's .config: without CONFIG_FAULT_INJECTION (Debian's stock
# kernel) should_fail() and fault_create_debugfs_attr() are static inline
# stubs, so a test build has the hooks' modinfo tag but no references.
kconfig=${2:-}
fault_injection=1
[ -z "$kconfig" ] || grep -q '^CONFIG_FAULT_INJECTION=y' "$kconfig" || fault_injection=0
# What the hooks call in the kernel: rklp.ko's undefined symbols.
refs=$(nm -u "$ko" | awk '{ print $2 }' | grep -xE 'should_fail(_ex)?|fault_create_debugfs_attr' || true)
tags=$(/sbin/modinfo -F test_hooks "$ko" 2>/dev/null || modinfo -F test_hooks "$ko")
if [ "${RKLP_TEST_HOOKS:-0}" = 1 ]; then
	if { [ -z "$refs" ] && [ $fault_injection = 1 ]; } || [ -z "$tags" ]; then
		echo "rklp: $ko is a test build (RKLP_TEST_HOOKS=1) without its test hooks" >&2
		exit 1
	fi
	echo "rklp: test build of rklp.ko, test hooks: $tags"
elif [ -n "$refs$tags" ]; then
	echo "rklp: the production $ko has test-only hooks:" $refs${tags:+ (modinfo test_hooks: $tags)} >&2
	exit 1
else
	echo "rklp: production rklp.ko: no test hooks"
fi
