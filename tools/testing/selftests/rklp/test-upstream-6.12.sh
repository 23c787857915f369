#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Upstream's own selftests: Linux 6.12's tools/testing/selftests/livepatch
# scripts (as Debian's linux-source-6.12 ships them), changed only by the
# mechanical name mapping upstream-6.12.sed (livepatch -> rklp, test_klp_*
# -> the ports), which scripts/run-guest.sh applies when it builds the
# guest. Each script is one case; it passes if it exits 0, as kselftest's
# runner counts it (4 is a skip). Its own output follows as comments.
. ./functions.sh

UP=/rklp/upstream
# bash's <(...) (in upstream's check_result) needs /dev/fd.
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd

for t in $(cd $UP && ls test-*.sh); do
	start_test "upstream 6.12 $t"
	out=$(cd $UP && PATH=/usr/gnu/bin:$PATH KDIR=$UP bash ./$t 2>&1)
	rc=$?
	echo "$out" | sed 's/^/# /'
	case $rc in
	0) ;;
	4) skip "$t skipped itself" ;;
	*) fail "$t exited $rc" ;;
	esac
	end_test
done
