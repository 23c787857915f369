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

# Upstream signals remaining tasks after 15 retries of 1 s, and its scripts
# compare the log exactly; on a slow guest (TCG, a loaded host) a transition
# of test-syscall's hammering tasks can outlast rklp's 15 s default. Kick only
# after 60 s here, when upstream's own loop_until would give up anyway.
kick_delay=$(cat $RKLP_KICK_DELAY)
echo 60000 >$RKLP_KICK_DELAY
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
echo "$kick_delay" >$RKLP_KICK_DELAY
