# SPDX-License-Identifier: GPL-2.0
# The mechanical name mapping that turns upstream's Linux 6.12
# tools/testing/selftests/livepatch/{functions.sh,test-*.sh} into rklp's
# (scripts/run-guest.sh applies it; test-upstream-6.12.sh runs the result):
# upstream's test modules become their rklp ports, livepatch's sysfs and
# log prefix rklp's. Nothing else changes, but for the filter at the end.
#
# test_klp_* -> test_rklp_* (the ports keep upstream's names; the shadow
# variable test on rklp's C ABI, upstream's klp_shadow_* calls, is
# test_rklp_shadow_vars_abi), test_klp-call_getpid -> test_rklp-call_getpid.
s/test_klp_shadow_vars/test_rklp_shadow_vars_abi/g
s/test_klp/test_rklp/g
# "livepatch: " log lines and the modinfo tag of patch modules ("livepatch: Y"
# in modinfo; rklp's are tagged "rklp: Y").
s/livepatch:/rklp:/g
# /sys/kernel/livepatch and the dynamic debug file names kernel/livepatch/*.
s#kernel/livepatch#kernel/rklp#g
# check_result leaves out rklp's notes on prototypes it did not check (they
# depend on the kernel's BTF; Documentation/rklp.rst, "Prototype checks"),
# as rklp's own test_dmesg does.
s/grep -v '\\(tainting\\|taints\\) kernel'/grep -v -e '\\(tainting\\|taints\\) kernel' -e 'rklp: patch .*checked$'/
