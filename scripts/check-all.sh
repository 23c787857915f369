#!/bin/bash
# make check-all: everything CI checks, with the QEMU guests in parallel.
#
#   unit, model   host jobs (cargo test, spin), started at once
#   kernels       the 6.12 debug kernel, the 6.12 test kernel, the 7.3 test
#                 kernel and Debian's stock 7.3 kernel (not built: its
#                 headers get the Rust artifacts), each with its modules,
#                 built (or taken from $RKLP_CACHE) one after the other in
#                 the background
#   shards        the suites split into shards balanced by their recorded
#                 per-script times (tools/testing/selftests/rklp/times.tsv),
#                 one QEMU guest each, at most one per host core (one fewer
#                 while a kernel builds), longest first, as soon as their
#                 kernel is ready:
#                   test     the whole selftest suite on the test kernel
#                   debug    the whole suite on the debug kernel
#                   torture  CI's short fuzz/fault/torture run (test kernel,
#                            SCALE=1 CYCLES=3 SEED=1)
#                   7.3      the whole suite on the 7.3 test kernel
#                   debian-7.3  the whole suite on Debian's stock 7.3 kernel
#                   sig      the signing test (make check-sign): rklp.ko and
#                            the sample signed by make sign with the key the
#                            6.12 signing kernel trusts, module.sig_enforce=1
#                   nodirect rklp built as for a kernel without ftrace direct
#                            calls (make check-nodirect), on the 7.3 test
#                            kernel: the core scripts and test-direct.sh
#   kdir          with the nodirect suite, once the 7.3 test kernel is
#                 ready: scripts/test-kdir.sh (make KDIR= and make install
#                 against it, and the errors of trees lacking an option)
#
# Each guest's console goes to build/guest-<suite>-<shard>.log; a failure is
# named by suite (kernel), shard and script. The table of times is rewritten
# with what this run measured. The last line is "N passed, N failed" (", N
# skipped" when some were) over all of it; a failed unit or model job, a
# guest that died, or a shard not run counts as one failure more.
#
# Budget guard: with RKLP_CI_DEADLINE (seconds since the epoch; .ci/run sets
# it to its start + 80 minutes) the runner prints its margin after each job,
# and stops with a message, instead of being cut off, as soon as the
# recorded times of what is left cannot fit before the deadline. The
# recorded times come from another machine, or the same one under another
# load: once shards have finished, they are scaled by this run's speed
# (the finished shards' guest time against their recorded time), and the
# guard stops nothing before that (it only prints the margin).
#
# RKLP_SUITES (default "test debug torture 7.3 debian-7.3 sig nodirect"; also
# debug-7.3, the slower target of the 7.3 debug kernel) chooses the suites;
# RKLP_HOST_JOBS (default "unit model", "" for none) the host jobs;
# RKLP_PLAN_ONLY=1 prints the shard plan and stops;
# RKLP_SHARD_TARGET (seconds, default 1200) the guest time a shard aims at:
# each shard pays a boot (about a minute on the debug kernel under TCG
# with two guests on two cores), so few long shards beat many short ones;
# the dynamic longest-first start balances the two cores.
set -uo pipefail
# Job control: every background job (host job, kernel builds, each shard's
# guest) is a process group of its own, which the runner can stop whole.
set -m
. "$(dirname "$0")/env.sh"
cd "$RKLP_ROOT" || exit 1
BUILD=$RKLP_ROOT/build
TIMES=$RKLP_ROOT/tools/testing/selftests/rklp/times.tsv
OUT=$BUILD/check-all
SUITES=${RKLP_SUITES:-test debug torture 7.3 debian-7.3 sig nodirect}
HOST_JOBS=${RKLP_HOST_JOBS-unit model}
SHARD_TARGET=${RKLP_SHARD_TARGET:-1200}
SLOTS=$(nproc)
DEADLINE=${RKLP_CI_DEADLINE:-}
# (a plan-only run leaves a running check-all's files alone)
[ -n "${RKLP_PLAN_ONLY:-}" ] || rm -rf "$OUT"
mkdir -p "$OUT"
T0=$SECONDS

# The suites: which kernel, which guest mode, which scripts (in the order
# they must run within one guest: test-force.sh and test-torture.sh pin
# modules for good, so they stay last), and the extra guest environment.
# (torture: the test kernel in CI, see below; make torture runs it on the
# debug kernel)
# (7.3: the whole suite on the 7.3 test kernel; debian-7.3: the whole
# suite on Debian's stock 7.3 kernel, modules built against its headers;
# debug-7.3: the whole suite on the 7.3 debug kernel, not in CI's default:
# about 75 guest-minutes more than CI's 90 fit, run as
# `make check-all RKLP_SUITES=debug-7.3`)
suite_flavour() { case $1 in debug | debug-7.3) echo debug ;; sig) echo sig ;; *) echo test ;; esac; }
suite_kernel() { case $1 in 7.3 | debian-7.3) echo "$1" ;; debug-7.3 | nodirect) echo 7.3 ;; *) echo 6.12 ;; esac; }
# 1 for the suite whose rklp.ko is built without direct calls (its own
# module tree, built with its target's).
suite_nodirect() { [ "$1" = nodirect ] && echo 1 || echo 0; }
# A target is what a guest boots: kernel and flavour, each built once.
suite_target() { echo "$(suite_kernel "$1")-$(suite_flavour "$1")"; }
suite_mode() { case $1 in torture) echo torture ;; *) echo check ;; esac; }
suite_scripts() {
	case $1 in
	torture) echo "test-fuzz.sh test-faults.sh test-torture.sh" ;;
	sig) echo "test-signing.sh" ;;
	nodirect) sed -n 's/^NODIRECT_TESTS := //p' "$RKLP_ROOT/Makefile" | tr ',' ' ' ;;
	*) sed -n '/^TESTS=/,/"}$/p' "$RKLP_ROOT/tools/testing/selftests/rklp/run_tests.sh" |
		sed 's/^TESTS=\${TESTS:-"//; s/"}$//' | tr -s ' \t\n' ' ' ;;
	esac
}

# What CI runs on the test kernel only, so that the matrix fits in CI's 80
# minutes on two cores (issue 16; "make check-debug" and "make torture" run
# all of it on the debug kernel):
# - the short torture run (fuzz, faults, torture): it checks behaviour under
#   generated input, failures and stress, which the test kernel runs about
#   ten times faster, so with more interleavings per second; the debug
#   suite loads the same modules through the same error paths (about 1,700
#   guest-seconds on the debug kernel);
# - two allocations out of three in the fail-nth sweeps: the debug suite
#   fails allocations FIRST, FIRST + 3, ... with FIRST from 1 to 3 taken from
#   the commit, so three commits in a row cover every allocation under
#   KASAN, kmemleak and lockdep; the test kernel fails every allocation of
#   every run. RKLP_DEBUG_FAILNTH_STRIDE and RKLP_DEBUG_FAILNTH_FIRST
#   override them (a stride of 1 sweeps every point).
DEBUG_FN_STRIDE=${RKLP_DEBUG_FAILNTH_STRIDE:-3}
if [ -n "${RKLP_DEBUG_FAILNTH_FIRST:-}" ]; then
	DEBUG_FN_FIRST=$RKLP_DEBUG_FAILNTH_FIRST
else
	_c=$(git -C "$RKLP_ROOT" rev-parse --short=6 HEAD 2>/dev/null || echo 0)
	DEBUG_FN_FIRST=$(( (0x${_c:-0} % DEBUG_FN_STRIDE) + 1 ))
fi
suite_append() {
	case $1 in
	debug | debug-7.3) echo "rklp_failnth_stride=$DEBUG_FN_STRIDE rklp_failnth_first=$DEBUG_FN_FIRST" ;;
	sig) echo "module.sig_enforce=1" ;;
	esac
}

# recorded SUITE SCRIPT: its seconds in the table; for a suite that has
# none yet (debug-7.3), those of the 6.12 suite of its flavour; else 300.
recorded() {
	awk -F'\t' -v s="$1" -v alt="$(suite_flavour "$1")" -v t="$2" '
		$2 == t && $1 == s { print $3; f = 1; exit }
		$2 == t && $1 == alt { a = $3 }
		END { if (!f) print (a != "" ? a : 300) }' "$TIMES" 2>/dev/null || echo 300
}

elapsed() { echo $((SECONDS - T0)); }
say() { echo "check-all: [$(elapsed) s] $*"; }

# --- the shard plan ----------------------------------------------------
# Longest processing time first: each script, longest first, into the
# shard with the least recorded time so far; as many shards as the
# suite's total over SHARD_TARGET or over its longest script, whichever is
# longer (at least one).
SH_NAME=() SH_SUITE=() SH_SCRIPTS=() SH_TIME=() SH_STATE=() SH_PID=() SH_START=() SH_RETRIED=() SH_TOOK=()
plan_suite() {
	local suite=$1 scripts total=0 k i s t best
	scripts=$(suite_scripts "$suite")
	# Each script's recorded time, looked up once.
	local -A sec
	for s in $scripts; do sec[$s]=$(recorded "$suite" "$s"); total=$((total + sec[$s])); done
	# (a script longer than the target is a shard of its own anyway: the
	# target is at least the longest script, so that the others fill the
	# shards up to it instead of paying a boot each)
	local longest=$SHARD_TARGET
	for s in $scripts; do [ "${sec[$s]}" -le "$longest" ] || longest=${sec[$s]}; done
	k=$(( (total + longest - 1) / longest ))
	[ $k -ge 1 ] || k=1
	local -a load list
	for ((i = 0; i < k; i++)); do load[i]=0; list[i]=""; done
	for s in $(for s in $scripts; do echo "${sec[$s]} $s"; done | sort -rn | cut -d' ' -f2); do
		best=0
		for ((i = 1; i < k; i++)); do [ "${load[i]}" -lt "${load[best]}" ] && best=$i; done
		load[best]=$((load[best] + sec[$s]))
		list[best]="${list[best]} $s"
	done
	for ((i = 0; i < k; i++)); do
		[ -n "${list[i]}" ] || continue
		# Back into the suite's order.
		local ordered=""
		for s in $scripts; do case " ${list[i]} " in *" $s "*) ordered="$ordered $s" ;; esac; done
		n=${#SH_NAME[@]}
		SH_NAME[n]=$suite-$((i + 1))
		SH_SUITE[n]=$suite
		SH_SCRIPTS[n]=${ordered# }
		SH_TIME[n]=${load[i]}
		SH_STATE[n]=pending
		SH_RETRIED[n]=0
	done
}
for suite in $SUITES; do plan_suite "$suite"; done
say "plan: ${#SH_NAME[@]} shards on $SLOTS host cores"
case " $SUITES " in *" debug "*)
	say "debug suite: fail-nth sweeps fail allocations $DEBUG_FN_FIRST, $((DEBUG_FN_FIRST + DEBUG_FN_STRIDE)), ... (every $DEBUG_FN_STRIDE; RKLP_DEBUG_FAILNTH_FIRST=$DEBUG_FN_FIRST RKLP_DEBUG_FAILNTH_STRIDE=$DEBUG_FN_STRIDE reproduce it)" ;;
esac
for ((i = 0; i < ${#SH_NAME[@]}; i++)); do
	say "  ${SH_NAME[i]} (~${SH_TIME[i]} s): ${SH_SCRIPTS[i]}"
done

# RKLP_PLAN_ONLY=1: the plan, nothing run.
[ -z "${RKLP_PLAN_ONLY:-}" ] || exit 0

# --- host jobs and kernels ---------------------------------------------
declare -A JOB_PID=() JOB_START=() JOB_RC=()
start_job() {
	local name=$1
	shift
	JOB_START[$name]=$SECONDS
	("$@") >"$OUT/$name.out" 2>&1 &
	JOB_PID[$name]=$!
}
# The kernels one after the other (each build uses every core); each
# target's modules right after its kernel. A ready-<kernel>-<flavour> file
# says the target's guests can start.
build_target() {
	local target=$1 k f t
	k=${target%-*}
	f=${target##*-}
	t=$SECONDS
	RKLP_KERNEL=$k RKLP_FLAVOUR=$f "$RKLP_ROOT/scripts/build-kernel.sh" || return 1
	echo "ci: kernel-$target took $((SECONDS - t)) s"
	t=$SECONDS
	# A test build: rklp.ko with its test-only hooks (Kbuild), without the
	# N-function benchmark modules (tools/bench/modules/Kbuild: no test
	# loads them; 15 modules, 6 of them Rust, built while one guest at most
	# runs).
	RKLP_KERNEL=$k RKLP_FLAVOUR=$f RKLP_TEST_HOOKS=1 RKLP_BENCH_NS= "$RKLP_ROOT/scripts/build-modules.sh" || return 1
	echo "ci: modules-$target took $((SECONDS - t)) s"
	[ "$f" != sig ] || "$RKLP_ROOT/scripts/sign-modules.sh" || return 1
	if [ "$target" = 7.3-test ] && case " $SUITES " in *" nodirect "*) true ;; *) false ;; esac; then
		t=$SECONDS
		RKLP_KERNEL=$k RKLP_FLAVOUR=$f RKLP_TEST_HOOKS=1 RKLP_BENCH_NS= RKLP_NO_DIRECT_CALLS=1 \
			"$RKLP_ROOT/scripts/build-modules.sh" || return 1
		echo "ci: modules-$target-nodirect took $((SECONDS - t)) s"
		# make KDIR= as a user runs it, beside the guests (a few builds;
		# builds waits for it).
		(
			t=$SECONDS
			RKLP_KERNEL=7.3 "$RKLP_ROOT/scripts/test-kdir.sh" >"$OUT/kdir.out" 2>&1
			echo $? >"$OUT/kdir.rc"
			echo "ci: kdir took $((SECONDS - t)) s"
		) &
	fi
	touch "$OUT/ready-$target"
}
TARGETS=""
for suite in $SUITES; do
	t=$(suite_target "$suite")
	case " $TARGETS " in *" $t "*) ;; *) TARGETS="$TARGETS $t" ;; esac
done
builds() {
	local f t
	# The rklp tool every guest runs (/bin/rklp), once, before the guests.
	t=$SECONDS
	"$RKLP_ROOT/scripts/build-tools.sh" || {
		echo "check-all: the rklp tool did not build"
		for t in $TARGETS; do touch "$OUT/failed-$t"; done
		return 1
	}
	echo "ci: tools took $((SECONDS - t)) s"
	# The debug kernel first: its guests are most of the work, and they
	# run while the others build.
	for t in 6.12-debug 7.3-debug 6.12-test 7.3-test debian-7.3-test 6.12-sig; do
		case " $TARGETS " in *" $t "*) build_target $t || { touch "$OUT/failed-$t"; } ;; esac
	done
	wait
	return 0
}
# Nothing started here outlives the runner: a job's whole process tree
# (timeout(1), which runs QEMU, makes a process group of its own, and
# passes the signal on to QEMU).
kill_tree() {
	local c
	for c in $(pgrep -P "$1"); do kill_tree "$c"; done
	kill "$1" 2>/dev/null
}
stop_all() {
	local name i
	for name in "${!JOB_PID[@]}"; do kill_tree "${JOB_PID[$name]}"; done
	for i in "${!SH_PID[@]}"; do kill_tree "${SH_PID[i]}"; done
}
trap 'stop_all; exit 130' INT TERM
trap stop_all EXIT
for name in $HOST_JOBS; do start_job "$name" make -s "$name"; done
start_job builds builds

# --- shards --------------------------------------------------------------
start_shard() {
	local i=$1 suite=${SH_SUITE[$1]} f k mode tests timeout_s
	f=$(suite_flavour "$suite")
	k=$(suite_kernel "$suite")
	mode=$(suite_mode "$suite")
	tests=$(echo "${SH_SCRIPTS[i]}" | tr ' ' ,)
	# Four times the recorded time (guests compete for the host), at
	# least 20 minutes: a hung guest is what this catches; a slow run is
	# the budget guard's. Never past the deadline.
	timeout_s=$((4 * SH_TIME[i]))
	[ $timeout_s -ge 1200 ] || timeout_s=1200
	if [ -n "$DEADLINE" ]; then
		local left=$((DEADLINE - $(date +%s)))
		[ $timeout_s -le $left ] || timeout_s=$left
	fi
	SH_START[i]=$SECONDS
	SH_STATE[i]=running
	say "start ${SH_NAME[i]} ($k $f kernel, timeout ${timeout_s} s): ${SH_SCRIPTS[i]}"
	if [ "$mode" = torture ]; then
		env RKLP_KERNEL=$k RKLP_FLAVOUR=$f RKLP_SHARD=${SH_NAME[i]} RKLP_TESTS=$tests RKLP_GUEST_TIMEOUT=$timeout_s \
			RKLP_SEED=1 RKLP_SCALE=1 RKLP_CYCLES=3 "$RKLP_ROOT/scripts/run-guest.sh" torture \
			>"$OUT/${SH_NAME[i]}.out" 2>&1 &
	else
		env RKLP_KERNEL=$k RKLP_FLAVOUR=$f RKLP_SHARD=${SH_NAME[i]} RKLP_TESTS=$tests RKLP_GUEST_TIMEOUT=$timeout_s \
			RKLP_APPEND="$(suite_append "$suite")" RKLP_NO_DIRECT_CALLS="$(suite_nodirect "$suite")" \
			"$RKLP_ROOT/scripts/run-guest.sh" check >"$OUT/${SH_NAME[i]}.out" 2>&1 &
	fi
	SH_PID[i]=$!
}

# The guest log of shard I (run-guest.sh's tag).
shard_log() {
	local i=$1 mode f k tag
	mode=$(suite_mode "${SH_SUITE[i]}")
	f=$(suite_flavour "${SH_SUITE[i]}")
	k=$(suite_kernel "${SH_SUITE[i]}")
	tag=$mode
	[ "$f" = test ] || tag=$tag-$f
	[ "$k" = 6.12 ] || tag=$tag-$k
	[ "$(suite_nodirect "${SH_SUITE[i]}")" = 0 ] || tag=$tag-nodirect
	echo "$BUILD/guest-$tag-${SH_NAME[i]}.log"
}

# This run's speed against the recorded times, in percent: the finished
# shards' guest time over their recorded time (empty before any finished).
speed_pct() {
	local i took=0 rec=0
	for ((i = 0; i < ${#SH_NAME[@]}; i++)); do
		[ "${SH_STATE[i]}" = done ] && [ -n "${SH_TOOK[i]:-}" ] || continue
		took=$((took + SH_TOOK[i]))
		rec=$((rec + SH_TIME[i]))
	done
	[ $rec -gt 0 ] && echo $((took * 100 / rec))
}

# Seconds the remaining work needs at least, by the recorded times scaled
# by this run's speed (speed_pct; 100 before a shard has finished): what is
# pending, plus what the running shards have left, over the cores.
remaining_estimate() {
	local i sum=0 left pct
	pct=$(speed_pct)
	pct=${pct:-100}
	for ((i = 0; i < ${#SH_NAME[@]}; i++)); do
		case ${SH_STATE[i]} in
		pending) sum=$((sum + SH_TIME[i] * pct / 100)) ;;
		running)
			left=$((SH_TIME[i] * pct / 100 - (SECONDS - SH_START[i])))
			[ $left -gt 0 ] && sum=$((sum + left)) ;;
		esac
	done
	echo $(( (sum + SLOTS - 1) / SLOTS ))
}

margin() {
	[ -n "$DEADLINE" ] || return 0
	local now est
	now=$(date +%s)
	est=$(remaining_estimate)
	local pct
	pct=$(speed_pct)
	say "budget: $((DEADLINE - now)) s to the 80-minute mark, recorded work left ~${est} s (${pct:-no shard finished, 100}% of the recorded times), margin $((DEADLINE - now - est)) s"
}

STOPPED=""
guard() {
	[ -n "$DEADLINE" ] || return 0
	[ -z "$STOPPED" ] || return 0
	# Not before this run's speed is known (see the top).
	[ -n "$(speed_pct)" ] || return 0
	local now est
	now=$(date +%s)
	est=$(remaining_estimate)
	if [ $((now + est)) -gt "$DEADLINE" ]; then
		STOPPED="the recorded times of what is left (~${est} s) go past CI's 80-minute budget ($((DEADLINE - now)) s left)"
		say "BUDGET: stopping: $STOPPED; the running shards go on until they end or reach the deadline"
		local i
		# Running shards are not stopped: their results count, and their
		# guests' timeouts end at the deadline anyway (start_shard).
		for ((i = 0; i < ${#SH_NAME[@]}; i++)); do
			[ "${SH_STATE[i]}" = pending ] && SH_STATE[i]=notrun
		done
	fi
}

builds_running() { kill -0 "${JOB_PID[builds]}" 2>/dev/null; }

reap_jobs() {
	local name
	for name in "${!JOB_PID[@]}"; do
		[ -z "${JOB_RC[$name]:-}" ] || continue
		kill -0 "${JOB_PID[$name]}" 2>/dev/null && continue
		wait "${JOB_PID[$name]}"
		JOB_RC[$name]=$?
		grep '^ci: ' "$OUT/$name.out"
		echo "ci: $name took $((SECONDS - JOB_START[$name])) s (rc=${JOB_RC[$name]})"
		margin
	done
}

# A guest whose init has not started BOOT_TIMEOUT seconds after QEMU did
# hung in the kernel's boot, before any rklp code (seen once under load on
# the debug kernel: an endless KASAN report in an early interrupt, the
# clock stopped at 9.7 s): it is stopped and started again, once, with a
# message; a second hang fails the shard.
BOOT_TIMEOUT=${RKLP_BOOT_TIMEOUT:-300}
watch_boots() {
	local i log
	for ((i = 0; i < ${#SH_NAME[@]}; i++)); do
		[ "${SH_STATE[i]}" = running ] || continue
		[ $((SECONDS - SH_START[i])) -ge "$BOOT_TIMEOUT" ] || continue
		log=$(shard_log "$i")
		# (not at the start of a line: the firmware clears the screen first)
		grep -qa 'rklp-guest: kernel' "$log" 2>/dev/null && continue
		kill_tree "${SH_PID[i]}"
		wait "${SH_PID[i]}" 2>/dev/null
		cp "$log" "$log.boot-hang" 2>/dev/null
		if [ "${SH_RETRIED[i]}" = 0 ]; then
			SH_RETRIED[i]=1
			SH_STATE[i]=pending
			say "shard ${SH_NAME[i]}: the guest did not reach its init in ${BOOT_TIMEOUT} s (boot hang, log kept in $log.boot-hang): starting it again, once"
		else
			SH_STATE[i]=hung
			say "shard ${SH_NAME[i]}: the guest did not reach its init in ${BOOT_TIMEOUT} s, twice (logs in $log.boot-hang)"
		fi
		grep -a -m3 -E 'BUG:|Kernel panic|Oops' "$log.boot-hang" 2>/dev/null | sed 's/^/check-all:   /'
	done
}

reap_shards() {
	local i rc
	for ((i = 0; i < ${#SH_NAME[@]}; i++)); do
		[ "${SH_STATE[i]}" = running ] || continue
		kill -0 "${SH_PID[i]}" 2>/dev/null && continue
		wait "${SH_PID[i]}"
		rc=$?
		SH_STATE[i]=done
		SH_TOOK[i]=$((SECONDS - SH_START[i]))
		echo "ci: ${SH_NAME[i]} took $((SECONDS - SH_START[i])) s (rc=$rc): $(summary_of "$i")"
		margin
	done
}

summary_of() {
	grep -E '^[0-9]+ passed, [0-9]+ failed' "$OUT/${SH_NAME[$1]}.out" | tail -1
}

# Main loop: start what can start, reap what ended, watch the budget.
while :; do
	reap_jobs
	reap_shards
	watch_boots
	guard
	cap=$SLOTS
	builds_running && [ $cap -gt 1 ] && cap=$((cap - 1))
	running=0
	for ((i = 0; i < ${#SH_NAME[@]}; i++)); do [ "${SH_STATE[i]}" = running ] && running=$((running + 1)); done
	# Longest pending shard whose kernel is ready.
	while [ $running -lt $cap ]; do
		best=-1
		for ((i = 0; i < ${#SH_NAME[@]}; i++)); do
			[ "${SH_STATE[i]}" = pending ] || continue
			f=$(suite_target "${SH_SUITE[i]}")
			if [ -e "$OUT/failed-$f" ]; then SH_STATE[i]=notrun; continue; fi
			[ -e "$OUT/ready-$f" ] || continue
			if [ $best -lt 0 ] || [ "${SH_TIME[i]}" -gt "${SH_TIME[best]}" ]; then best=$i; fi
		done
		[ $best -ge 0 ] || break
		start_shard $best
		running=$((running + 1))
	done
	left=0
	for ((i = 0; i < ${#SH_NAME[@]}; i++)); do
		case ${SH_STATE[i]} in pending | running) left=1 ;; esac
	done
	[ $left = 1 ] || builds_running || {
		# Wait for the host jobs too.
		for name in "${!JOB_PID[@]}"; do [ -n "${JOB_RC[$name]:-}" ] || left=1; done
		[ $left = 1 ] || break
	}
	sleep 2
done

# --- results ---------------------------------------------------------------
pass=0 fail=0 skip=0
for name in $HOST_JOBS; do
	if [ "${JOB_RC[$name]}" != 0 ]; then
		fail=$((fail + 1))
		echo "check-all: FAILED: make $name (build/check-all/$name.out):"
		tail -n 20 "$OUT/$name.out" | sed 's/^/check-all:   /'
	fi
done
# The kdir checks (with the nodirect suite): their cases count as tests.
case " $SUITES " in *" nodirect "*)
	kl=$(grep -E '^kdir: [0-9]+ passed, [0-9]+ failed' "$OUT/kdir.out" 2>/dev/null | tail -1)
	if [ -n "$kl" ]; then
		read -r _ kp _ kf _ <<<"$kl"
		pass=$((pass + kp))
		fail=$((fail + kf))
	fi
	if [ "$(cat "$OUT/kdir.rc" 2>/dev/null)" != 0 ]; then
		[ -n "$kl" ] || fail=$((fail + 1))
		echo "check-all: FAILED: scripts/test-kdir.sh (build/check-all/kdir.out):"
		grep -E 'FAIL|not ok' "$OUT/kdir.out" 2>/dev/null | head -n 20 | sed 's/^/check-all:   /'
	fi
	echo "ci: kdir:  ${kl:-not run}"
	;;
esac
[ ! -f "$OUT/unit.out" ] || echo "ci: unit:  $(grep -E '^test result:' "$OUT/unit.out" | tail -1)"
[ ! -f "$OUT/model.out" ] || echo "ci: model: $(grep -E '^(total|check.sh):' "$OUT/model.out" | tr '\n' ' ')"
for t in $TARGETS; do
	[ ! -e "$OUT/failed-$t" ] || { echo "check-all: FAILED: the $t kernel or its modules did not build:"; tail -n 30 "$OUT/builds.out" | sed 's/^/check-all:   /'; }
done
for ((i = 0; i < ${#SH_NAME[@]}; i++)); do
	name=${SH_NAME[i]}
	kernel=$(suite_target "${SH_SUITE[i]}")
	log=$(shard_log "$i")
	if [ "${SH_STATE[i]}" = hung ]; then
		fail=$((fail + 1))
		echo "check-all: FAILED: shard $name ($kernel kernel): the guest hung in its boot twice (see $log.boot-hang)"
		continue
	fi
	if [ "${SH_STATE[i]}" = notrun ]; then
		fail=$((fail + 1))
		echo "check-all: FAILED: shard $name ($kernel kernel) not run${STOPPED:+: $STOPPED}: ${SH_SCRIPTS[i]}"
		continue
	fi
	s=$(summary_of "$i")
	if [ -z "$s" ]; then
		fail=$((fail + 1))
		echo "check-all: FAILED: shard $name ($kernel kernel): no summary (see $OUT/$name.out)"
		tail -n 15 "$OUT/$name.out" | sed 's/^/check-all:   /'
		continue
	fi
	set -- $s
	pass=$((pass + $1))
	fail=$((fail + $3))
	[ -z "${5:-}" ] || skip=$((skip + $5))
	# Name each failure: shard, kernel, script, case. A guest that died
	# names the script it was in.
	awk -v shard="$name" -v kernel="$kernel" '
		/^# selftests: rklp: / { s = $4 }
		/^not ok [0-9]+ / && !/# TODO/ { printf "check-all: FAILED: shard %s, %s kernel, %s: %s\n", shard, kernel, s, $0 }
		/^rklp-guest: done rc=/ { done = 1 }
		END { if (!done) printf "check-all: FAILED: shard %s, %s kernel: the guest did not finish, last in %s\n", shard, kernel, s }
	' "$log" 2>/dev/null
	grep -E '^rklp: (the guest kernel crashed|guest TIMED OUT)' "$OUT/$name.out" | sed "s/^/check-all: shard $name: /"
	grep -E '^rklp: (fuzz|torture|faults):' "$OUT/$name.out" | sed 's/^/ci:   /'
done

# Refresh the table with this run's per-script times (seconds, rounded up).
tmp=$(mktemp)
{
	[ -f "$TIMES" ] && cat "$TIMES"
	for ((i = 0; i < ${#SH_NAME[@]}; i++)); do
		[ "${SH_STATE[i]}" = done ] || continue
		sed -n 's/^# script time: \([^ ]*\) \([0-9]*\) ms$/\1 \2/p' "$(shard_log "$i")" 2>/dev/null |
			while read -r script ms; do
				printf '%s\t%s\t%d\tnew\n' "${SH_SUITE[i]}" "$script" $(( (ms + 999) / 1000 ))
			done
	done
} | awk -F'\t' '/^#/ { print; next }
	{ k = $1 "\t" $2; if ($4 == "new" || !(k in v)) v[k] = $3; if (!(k in o)) o[k] = n++ }
	END { for (k in o) print o[k] "\t" k "\t" v[k] }' | sort -n | cut -f2- >"$tmp.body"
{
	echo "# Guest seconds per selftest script, per suite (make check-all's shard"
	echo "# plan). Rewritten by scripts/check-all.sh with what each run measured."
	grep -v '^#' "$tmp.body"
} >"$tmp"
mv "$tmp" "$TIMES"
rm -f "$tmp.body"

echo "ci: check-all took $(elapsed) s"
[ -z "$STOPPED" ] || echo "check-all: BUDGET: $STOPPED"
if [ $skip -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ $fail = 0 ]
