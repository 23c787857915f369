#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rklp benchmarks (make bench, make bench-quick): rklp against the kernel's
# own livepatch, side by side in one boot, interleaved round by round (the
# order of the two cores alternates), medians over the rounds. Prints
# ratios, never a pass/fail verdict on a time: "# ..." lines are details,
# "bench: ..." lines the results, "csv:<file>:<line>" lines the CSV files
# that run-guest.sh writes to build/bench/<file>.
#
# With generated modules (gen_bench.sh) of N functions, N in $NS:
#   1. per-call ns of a sample of the target's functions (16 direct calls in
#      a loop, spread over the N; f0 when N = 1): unpatched, livepatch, rklp
#      on its shared handler (rklp parameter direct=0), rklp settled on
#      ftrace direct calls (direct=1, once settled = N), both cores while a
#      transition is held open (a kthread sleeps inside f0, patched), both
#      cores while the atomic replace of a patch (rklp's settled) is held
#      open the same way (the dispatcher's per-task path), and
#      with the function tracer on the sampled functions; at N in $CALL_NS;
#   2. enable (insmod until transition 0), disable (echo 0 until the patch
#      directory is gone) and atomic replace (insmod of the replacing patch
#      until transition 0) latency, with the growth exponent (slope of the
#      log-log least-squares fit over N);
#   3. transition completion (enable of a 1-function patch until transition
#      0) with 10 / 1,000 / 10,000 threads sleeping in the kernel or busy in
#      user space (rklp_bench_threads; busy only at $BUSY_THREADS);
#   4. memory of enabling the patch: Slab (/proc/meminfo) and vmalloc
#      (/proc/vmallocinfo pages, without the patch module's own sections)
#      deltas, per function, and the module's core size;
# then the call overhead under a stack of three patches of one function.
# "Added" costs are over the baseline (unpatched, or the tracer alone);
# ratios are rklp/livepatch of the added cost.
#
# rklp_bench=quick (kernel command line; run-guest.sh passes RKLP_BENCH):
# N <= 100, fewer rounds, 10 and 1,000 threads. BENCH_ROUNDS and BENCH_RUN_MS
# (ms per call measurement) override the defaults. BENCH_SECTIONS=threads
# runs only the transition completion section (section 3), at the thread
# counts of BENCH_THREADS (default: the mode's) and the kinds of
# BENCH_THREAD_KINDS (default "sleep busy").
cd "$(dirname "$0")" || exit 1
. ../selftests/functions.sh

if [ "${rklp_bench:-full}" = quick ]; then
	NS="1 10 100" CALL_NS="1 100" THREADS="10 1000" BUSY_THREADS=${BENCH_BUSY_THREADS:-10 1000}
	LP_MAX_N=${BENCH_LP_MAX_N:-100}
	ROUNDS=${BENCH_ROUNDS:-3} BIG_ROUNDS=$ROUNDS HUGE_ROUNDS=$ROUNDS THREAD_ROUNDS=2
	RUN_MS=${BENCH_RUN_MS:-200} STACK_ROUNDS=0
else
	# Livepatch disables N functions one ftrace_ops at a time, each
	# waiting for RCU grace periods (0.13-0.2 s per function under TCG):
	# N = 1000 gets one round (BENCH_BIG_ROUNDS). Livepatch runs up to
	# N = BENCH_LP_MAX_N (default 1000; above it rklp runs alone, the
	# ratios n/a); with BENCH_LP_MAX_N=5000 it runs at 5000 once, after
	# rklp in round 1, without the transition cycle (its disable of 5000
	# functions alone should take more than 10 minutes). At N >= 1000 the
	# transition cycle runs in the first round only. 10,000 threads
	# spinning under TCG: minutes per transition, left out unless
	# BENCH_BUSY_THREADS says so.
	NS="1 10 100 1000 5000" CALL_NS="1 100 1000 5000" THREADS="10 1000 10000"
	BUSY_THREADS=${BENCH_BUSY_THREADS:-10 1000} LP_MAX_N=${BENCH_LP_MAX_N:-1000}
	ROUNDS=${BENCH_ROUNDS:-5} BIG_ROUNDS=${BENCH_BIG_ROUNDS:-1} HUGE_ROUNDS=${BENCH_HUGE_ROUNDS:-3}
	THREAD_ROUNDS=3
	RUN_MS=${BENCH_RUN_MS:-300} STACK_ROUNDS=${BENCH_ROUNDS:-5}
fi
# BENCH_NS (a subset of the mode's N) and BENCH_THREADS (of its thread
# counts; set but empty: no threads section) narrow a run to what is being
# looked at, e.g. BENCH_NS=1 BENCH_THREADS= for the per-call figures at
# N = 1.
if [ -n "${BENCH_NS+set}" ]; then
	_ns="" _cn=""
	for n in $BENCH_NS; do
		case " $NS " in *" $n "*) _ns="$_ns $n" ;; *) echo "# bench: ERROR: N = $n is not one of this mode's ($NS)"; exit 1 ;; esac
		case " $CALL_NS " in *" $n "*) _cn="$_cn $n" ;; esac
	done
	NS=${_ns# } CALL_NS=${_cn# }
fi
[ -z "${BENCH_THREADS+set}" ] || THREADS=$BENCH_THREADS
THREAD_KINDS=${BENCH_THREAD_KINDS:-sleep busy}
SECTIONS=${BENCH_SECTIONS:-all}
LAT=./rklp_bench_lat
THR=./rklp_bench_threads
DIRECT=/sys/module/rklp/parameters/direct
SAMPLES=/tmp/bench_samples
T0=$(now_ms)

die() {
	echo "# bench: ERROR: $*"
	dmesg | tail -n 12 | sed 's/^/#   dmesg: /'
	[ -w $TRACING/current_tracer ] && echo nop >$TRACING/current_tracer
	exit 1
}

# csv FILE LINE: a line of build/bench/FILE.
csv() { echo "csv:$1:$2"; }

# median V...: the median of the values (mean of the middle two if even).
median() {
	echo "$@" | tr ' ' '\n' | grep . | sort -n |
		awk '{ v[NR] = $1 } END { if (!NR) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# add SECTION N CONFIG CORE ROUND VALUE: a sample (kept for med, and in
# samples.csv).
add() {
	echo "$1:$2:$3:$4 $6" >>$SAMPLES
	csv samples.csv "$1,$2,$3,$4,$5,$6"
}
# med SECTION N CONFIG CORE: the median of its samples ("n/a" if none).
med() { median "$(awk -v k="$1:$2:$3:$4" '$1 == k { print $2 }' $SAMPLES)"; }

# ratio A B: A/B with three decimals; sub A B: A-B; ms NS: NS in ms.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b + 0 <= 0) print "n/a"; else printf "%.3f", a / b }'; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a") print "n/a"; else printf "%.2f", a - b }'; }
ms() { awk -v n="$1" 'BEGIN { if (n == "n/a") print "n/a"; else printf "%.3f", n / 1e6 }'; }
elapsed() { awk -v t="$(now_ms)" -v t0="$T0" 'BEGIN { printf "%d s", (t - t0) / 1000 }'; }

module() { if [ "$1" = lp ]; then echo "livepatch_bench_n$2"; else echo "test_rklp_bench_n$2"; fi; }
pdir() { if [ "$1" = lp ]; then echo "$SYSFS_KLP/$2"; else echo "$SYSFS_RKLP/$2"; fi; }
name() { if [ "$1" = lp ]; then echo livepatch; else echo rklp; fi; }
# order ROUND [N [transition]]: the cores in this round (only rklp above
# LP_MAX_N; above N = 1000 livepatch in round 1 only, after rklp, and not
# in the transition cycle).
order() {
	if [ "${2:-0}" -gt "$LP_MAX_N" ]; then echo rk
	elif [ "${2:-0}" -gt 1000 ]; then
		if [ "$1" = 1 ] && [ -z "${3:-}" ]; then echo "rk lp"; else echo rk; fi
	elif [ $(($1 % 2)) = 1 ]; then echo "lp rk"
	else echo "rk lp"; fi
}
in_list() { case " $2 " in *" $1 "*) return 0 ;; esac; return 1; }

# measure N: sets COST, ns per call of the sample of rklp_bench_n<N>.
measure() {
	echo "$RUN_MS" >"/sys/module/rklp_bench_n$1/parameters/run" || die "call loop failed"
	COST=$(cut -d' ' -f1 "/sys/module/rklp_bench_n$1/parameters/run")
}

# The function tracer on the sampled functions of rklp_bench_n<N>, and off.
tracer_on() {
	echo "$(cat "/sys/module/rklp_bench_n$1/parameters/sample")" >$TRACING/set_ftrace_filter || die "set_ftrace_filter"
	echo function >$TRACING/current_tracer || die "function tracer"
}
tracer_off() {
	echo nop >$TRACING/current_tracer
	echo >$TRACING/set_ftrace_filter
	echo >$TRACING/trace
}

# set_direct 1|0: rklp's direct parameter (settle onto direct calls), if any.
set_direct() { [ ! -w $DIRECT ] || echo "$1" >$DIRECT || die "cannot set $DIRECT"; }

# Memory: mem_start before enabling, mem_end MODULE after; mem_end sets
# SLAB_KB and VM_KB, the Slab and vmalloc deltas (kB), the vmalloc ones
# without the areas that hold MODULE's sections.
slab_kb() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }
# "<start> <end> <pages>" of each vmalloc'ed area but kernel stacks (forks
# and exits of the helpers allocate and free them meanwhile).
vm_pages() {
	awk '/thread_stack/ { next }
		{ for (i = 3; i <= NF; i++) if ($i ~ /^pages=/) { split($1, a, "-"); print "h" substr(a[1], 3), "h" substr(a[2], 3), substr($i, 7) } }' /proc/vmallocinfo
}
# (mem_start waits 2 s first: the previous cycle's unload frees its
# objects after RCU grace periods, which would count as a negative delta.)
mem_start() { sleep 2; SLAB0=$(slab_kb); vm_pages >/tmp/vm0; }
mem_end() {
	_sl=$(slab_kb)
	vm_pages >/tmp/vm1
	for _f in /sys/module/$1/sections/.* /sys/module/$1/sections/*; do
		[ -f "$_f" ] && echo "h$(cut -c3- "$_f")"
	done >/tmp/vmsec
	SLAB_KB=$((_sl - SLAB0))
	VM_KB=$(awk 'FILENAME == "/tmp/vmsec" { sec[$1] = 1; next }
		FILENAME == "/tmp/vm0" { old[$1] = $3; next }
		{ now[$1] = 1; if ($1 in old) next
		  for (s in sec) if (s >= $1 && s < $2) next	# the module itself
		  d += $3 }
		END { for (a in old) if (!(a in now)) d -= old[a]; print d * 4 }' /tmp/vmsec /tmp/vm0 /tmp/vm1)
}

# enable CORE MODULE: load a patch module, wait for its transition; sets
# INS (ns until finit_module returned) and EN (ns until transition read 0).
enable() {
	log "% insmod $2.ko"
	_out=$($LAT load "$MODDIR/$2.ko" "$(pdir "$1" "$2")") || die "enabling $2 failed"
	INS=${_out% *} EN=${_out#* }
}
# disable CORE MODULE: sets DIS (ns until the patch directory was gone).
disable() {
	log "% echo 0 > $(pdir "$1" "$2")/enabled"
	DIS=$($LAT disable "$(pdir "$1" "$2")") || die "disabling $2 failed"
}

# cycle_main CORE N ROUND: enable (memory, latency), per-call and with the
# tracer (if N is in CALL_NS), atomic replace, disable, unload. rklp runs
# on its handler (direct=0).
cycle_main() {
	_c=$1 _n=$2 _r=$3 _m=$(module "$1" "$2")
	[ "$_c" = lp ] || set_direct 0
	mem_start
	enable "$_c" "$_m"
	mem_end "$_m"
	add mem "$_n" slab_kb "$_c" "$_r" "$SLAB_KB"
	add mem "$_n" vmalloc_kb "$_c" "$_r" "$VM_KB"
	add mem "$_n" module_kb "$_c" "$_r" "$(($(cat "/sys/module/$_m/coresize") / 1024))"
	add lat "$_n" insmod "$_c" "$_r" "$INS"
	add lat "$_n" enable "$_c" "$_r" "$EN"
	_line="$(name "$_c") enable $(ms "$EN") ms"
	if in_list "$_n" "$CALL_NS"; then
		measure "$_n"
		_pc=$COST
		add call "$_n" patched "$_c" "$_r" "$_pc"
		tracer_on "$_n"
		measure "$_n"
		_tc=$COST
		tracer_off
		add call "$_n" tracer "$_c" "$_r" "$_tc"
		_line="$_line, $_pc ns/call, with tracer $_tc"
	fi
	enable "$_c" "${_m}r"
	add lat "$_n" replace "$_c" "$_r" "$EN"
	disable "$_c" "${_m}r"
	add lat "$_n" disable "$_c" "$_r" "$DIS"
	unload_mod "${_m}r"
	unload_mod "$_m"
	_line="$_line, replace $(ms "$(med lat "$_n" replace "$_c")") ms, disable $(ms "$DIS") ms"
	LINE="$LINE; $_line"
}

# cycle_settled N ROUND: rklp with direct=1, until settled = N: memory,
# latency, per-call (and with the tracer), disable. Only when rklp has the
# direct parameter.
cycle_settled() {
	_n=$1 _r=$2 _m=$(module rk "$1")
	set_direct 1
	mem_start
	enable rk "$_m"
	# Settling starts settle_delay_ms after the transition: done when
	# settled = N, or when it has not moved for 1 s after that delay.
	_s=$($LAT settle "$(pdir rk "$_m")" "$_n" $((1000 + SETTLE_DELAY))) || die "settle"
	mem_end "$_m"
	add mem "$_n" slab_kb rks "$_r" "$SLAB_KB"
	add mem "$_n" vmalloc_kb rks "$_r" "$VM_KB"
	add lat "$_n" enable rks "$_r" "$EN"
	add lat "$_n" settle rks "$_r" "${_s% *}"
	add lat "$_n" settled_count rks "$_r" "${_s#* }"
	_line="rklp settled ${_s#* }/$_n in $(ms "${_s% *}") ms after enable"
	if in_list "$_n" "$CALL_NS"; then
		measure "$_n"
		_pc=$COST
		add call "$_n" settled rk "$_r" "$_pc"
		tracer_on "$_n"
		measure "$_n"
		_tc=$COST
		tracer_off
		add call "$_n" tracer_settled rk "$_r" "$_tc"
		_line="$_line, $_pc ns/call, with tracer $_tc"
	fi
	disable rk "$_m"
	add lat "$_n" disable rks "$_r" "$DIS"
	unload_mod "$_m"
	LINE="$LINE; $_line"
}

# held_transition CORE N ROUND MODE MODULE: loads MODULE, a patch of
# rklp_bench_n<N>'s f0, with the kthread sleeping in f0 (holding its
# transition open), measures the per-call cost as MODE, then lets the
# transition end, disables and unloads MODULE.
held_transition() {
	_c=$1 _n=$2 _r=$3 _mode=$4 _hm=$5
	_p=/sys/module/rklp_bench_n$_n/parameters
	echo 1 >$_p/hold
	loop_until "[ \"\$(cat $_p/held)\" = 1 ]" || die "the hold kthread did not enter f0"
	$LAT insmod "$MODDIR/$_hm.ko" >/dev/null || die "insmod $_hm"
	_t=$(cat "$(pdir "$_c" "$_hm")/transition")
	measure "$_n"
	[ "$_t" = 1 ] && [ "$(cat "$(pdir "$_c" "$_hm")/transition")" = 1 ] || die "$_hm: transition not held open"
	add call "$_n" "$_mode" "$_c" "$_r" "$COST"
	echo 0 >$_p/hold
	$LAT wait "$(pdir "$_c" "$_hm")" >/dev/null || die "transition of $_hm did not end"
	disable "$_c" "$_hm"
	unload_mod "$_hm"
}

# cycle_transition CORE N ROUND: per-call while a transition of the patch
# is held open by the kthread sleeping in f0. rklp's functions are on its
# handler: the direct calls of an earlier settled cycle are gone first (a
# function still on a direct call when it is patched again takes the
# dispatcher's slow path instead: which of the two was measured depended on
# how soon the settle work released them).
cycle_transition() {
	[ "$1" = lp ] || [ $HAVE_DIRECT = 0 ] ||
		loop_until "[ \"\$(cat /sys/module/rklp/parameters/direct_calls)\" = 0 ]" ||
		die "the direct calls of the settled cycle were not released"
	held_transition "$1" "$2" "$3" transition "$(module "$1" "$2")"
	LINE="$LINE; $(name "$1") in transition $COST ns/call"
}

# cycle_transition_over CORE N ROUND: per-call while the atomic replace of
# an enabled patch is held open by the kthread sleeping in the patch's f0
# (every f0 sleeps in the target's hold). rklp's patch is settled first
# (direct=1, settled = N): its functions keep their direct calls during the
# replace's transition, and the dispatcher decides per task (its slow path).
# Only when rklp has the direct parameter.
cycle_transition_over() {
	_m=$(module "$1" "$2")
	if [ "$1" = rk ]; then
		set_direct 1
		enable rk "$_m"
		_s=$($LAT settle "$(pdir rk "$_m")" "$2" $((1000 + SETTLE_DELAY))) || die "settle"
		[ "${_s#* }" = "$2" ] || die "$_m: ${_s#* } of $2 settled"
	else
		enable lp "$_m"
	fi
	held_transition "$1" "$2" "$3" transition_over "${_m}r"
	unload_mod "$_m"
	LINE="$LINE; $(name "$1") in a replace's transition $COST ns/call"
}

# fit: the slope of the least-squares line through the "x y" points on
# stdin, in log-log ("n/a" with fewer than two).
# (The guest's busybox awk has no log(): ln() by halving into [1, 2) and
# the atanh series.)
fit() {
	awk 'function ln(v,    k, y, y2, s, t, i) {
			k = 0
			while (v >= 2) { v /= 2; k++ }
			while (v < 1) { v *= 2; k-- }
			y = (v - 1) / (v + 1); y2 = y * y; s = 0; t = y
			for (i = 1; i < 40; i += 2) { s += t / i; t *= y2 }
			return 2 * s + k * 0.69314718055994531
		}
		$2 > 0 { x = ln($1); y = ln($2); n++; sx += x; sy += y; sxx += x * x; sxy += x * y }
		END { d = n * sxx - sx * sx; if (n < 2 || d == 0) print "n/a"; else printf "%.3f", (n * sxy - sx * sy) / d }'
}

: >$SAMPLES
echo "# bench: rklp vs upstream livepatch, kernel $(uname -r), $(nproc) CPUs, mode ${rklp_bench:-full}: N $NS (per-call at $CALL_NS), $ROUNDS rounds (N >= 1000: $BIG_ROUNDS, N >= 5000: $HUGE_ROUNDS; the transition cycle in round 1 only at N >= 1000), ${RUN_MS} ms per call measurement, threads $THREADS (busy: $BUSY_THREADS), livepatch up to N = $LP_MAX_N"
csv meta.csv "key,value"
csv meta.csv "date,$(date -u '+%Y-%m-%d %H:%M UTC')"
csv meta.csv "kernel,$(uname -r)"
csv meta.csv "guest_cpu,$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo | tr ',' ' ')"
csv meta.csv "cpus,$(nproc)"
csv meta.csv "mem_kb,$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)"
csv meta.csv "mode,${rklp_bench:-full}"
csv meta.csv "rounds,$ROUNDS"
csv meta.csv "big_rounds,$BIG_ROUNDS"
csv meta.csv "huge_rounds,$HUGE_ROUNDS"
csv meta.csv "lp_max_n,$LP_MAX_N"
csv meta.csv "run_ms,$RUN_MS"
# What changes the price of an indirect call, a return and a trampoline on
# this kernel and guest CPU: the kernel's own account of its mitigations
# (retpolines, return thunks, call depth tracking, IBRS, ...), and IBT.
csv mitigations.csv "vulnerability,state"
for f in /sys/devices/system/cpu/vulnerabilities/*; do
	[ -r "$f" ] || continue
	v=$(tr ',' ';' <"$f")
	echo "# bench: mitigation ${f##*/}: $v"
	csv mitigations.csv "${f##*/},$v"
done
ibt=$(dmesg | grep -o 'CET detected: Indirect Branch Tracking enabled' | head -1)
[ -n "$ibt" ] || ibt="off ($(grep -qw ibt /proc/cpuinfo && echo 'the guest CPU has IBT' || echo 'the guest CPU has no IBT'); the kernel $(grep -qw 'ibt=off' /proc/cmdline && echo 'was told ibt=off' || echo 'did not enable it'))"
echo "# bench: IBT: $ibt"
csv mitigations.csv "IBT,$(echo "$ibt" | tr ',' ';')"
csv meta.csv "cmdline_mitigations,$(tr ' ' '\n' </proc/cmdline | grep -E '^(mitigations|spectre|retbleed|ibt)=' | tr '\n' ' ' | tr ',' ';')"
csv samples.csv "section,n,config,core,round,value"
insmod "$MODDIR/rklp.ko" || die "cannot load rklp.ko"
SETTLE_DELAY=$(cat /sys/module/rklp/parameters/settle_delay_ms 2>/dev/null || echo 0)
if [ -w $DIRECT ]; then
	HAVE_DIRECT=1
	csv meta.csv "rklp_direct,yes"
else
	HAVE_DIRECT=0
	echo "# bench: rklp has no parameter direct: no settled figures (n/a)"
	csv meta.csv "rklp_direct,no"
fi

# bench_n N: sections 1, 2 and 4 at N.
bench_n() {
	n=$1
	rounds=$ROUNDS
	[ "$n" -lt 1000 ] || rounds=$BIG_ROUNDS
	[ "$n" -lt 5000 ] || rounds=$HUGE_ROUNDS
	insmod "$MODDIR/rklp_bench_n$n.ko" || die "cannot load rklp_bench_n$n.ko"
	if in_list "$n" "$CALL_NS"; then measure "$n"; fi	# warm-up
	r=1
	while [ $r -le "$rounds" ]; do
		LINE="# N=$n round $r"
		if in_list "$n" "$CALL_NS"; then
			measure "$n"
			_u=$COST
			add call "$n" unpatched base "$r" "$_u"
			tracer_on "$n"
			measure "$n"
			_tc=$COST
			tracer_off
			add call "$n" tracer base "$r" "$_tc"
			LINE="$LINE: unpatched $_u ns/call, tracer alone $_tc"
		fi
		for c in $(order $r "$n"); do
			cycle_main "$c" "$n" "$r"
			[ "$c" = lp ] || [ $HAVE_DIRECT = 0 ] || cycle_settled "$n" "$r"
		done
		if in_list "$n" "$CALL_NS" && { [ "$n" -lt 1000 ] || [ $r = 1 ]; }; then
			for c in $(order $r "$n" transition); do cycle_transition "$c" "$n" "$r"; done
			[ $HAVE_DIRECT = 0 ] ||
				for c in $(order $r "$n" transition); do cycle_transition_over "$c" "$n" "$r"; done
		fi
		echo "$LINE [$(elapsed)]"
		r=$((r + 1))
	done
	set_direct 1
	rmmod "rklp_bench_n$n" || die "rmmod rklp_bench_n$n"
	report_n "$n"
}

# report_n N: the medians and ratios at N (bench lines and CSV).
report_n() {
	n=$1
	if in_list "$n" "$CALL_NS"; then
		u=$(med call "$n" unpatched base) ut=$(med call "$n" tracer base)
		lp=$(med call "$n" patched lp) lpt=$(med call "$n" tracer lp) lptr=$(med call "$n" transition lp)
		for mode in handler settled transition transition_over tracer tracer_settled; do
			case $mode in
			transition_over) [ $HAVE_DIRECT = 1 ] || continue
				b=$u l=$(med call "$n" transition_over lp) k=$(med call "$n" transition_over rk) ;;
			handler) b=$u l=$lp k=$(med call "$n" patched rk) ;;
			settled) b=$u l=$lp k=$(med call "$n" settled rk) ;;
			transition) b=$u l=$lptr k=$(med call "$n" transition rk) ;;
			tracer) b=$ut l=$lpt k=$(med call "$n" tracer rk) ;;
			tracer_settled) b=$ut l=$lpt k=$(med call "$n" tracer_settled rk) ;;
			esac
			dl=$(sub "$l" "$b") dk=$(sub "$k" "$b")
			echo "bench: N=$n per-call $mode: baseline $b ns, livepatch $l ns (+$dl), rklp $k ns (+$dk); added rklp/livepatch = $(ratio "$dk" "$dl")"
			csv percall.csv "$n,$mode,$b,$l,$k,$dl,$dk,$(ratio "$dk" "$dl")"
		done
	fi
	for op in insmod enable disable replace; do
		l=$(med lat "$n" $op lp) k=$(med lat "$n" $op rk)
		echo "bench: N=$n $op: livepatch $(ms "$l") ms, rklp $(ms "$k") ms; rklp/livepatch = $(ratio "$k" "$l"), livepatch/rklp = $(ratio "$l" "$k")"
		csv latency.csv "$n,$op,$(ms "$l"),$(ms "$k"),$(ratio "$k" "$l")"
	done
	if [ $HAVE_DIRECT = 1 ]; then
		for op in enable disable settle; do
			l=$(med lat "$n" $op lp) k=$(med lat "$n" $op rks)
			[ $op != settle ] || l=n/a
			echo "bench: N=$n $op (rklp settled, direct=1): livepatch $(ms "$l") ms, rklp $(ms "$k") ms; rklp/livepatch = $(ratio "$k" "$l")"
			csv latency.csv "$n,${op}_settled,$(ms "$l"),$(ms "$k"),$(ratio "$k" "$l")"
		done
		echo "bench: N=$n settled count: $(med lat "$n" settled_count rks) of $n"
	fi
	for c in lp rk rks; do
		[ $c != rks ] || [ $HAVE_DIRECT = 1 ] || continue
		s=$(med mem "$n" slab_kb $c) v=$(med mem "$n" vmalloc_kb $c)
		mk=$(med mem "$n" module_kb $c)
		[ $c != rks ] || mk=$(med mem "$n" module_kb rk)
		ps=$(awk -v s="$s" -v n="$n" 'BEGIN { printf "%.0f", s * 1024 / n }')
		pv=$(awk -v s="$v" -v n="$n" 'BEGIN { printf "%.0f", s * 1024 / n }')
		eval "M_$c=$((ps + pv))"
		case $c in lp) cn=livepatch ;; rk) cn=rklp ;; *) cn=rklp_settled ;; esac
		echo "bench: N=$n memory $cn: slab +$s kB, vmalloc +$v kB, per function $ps + $pv B, module core $mk kB"
		csv memory.csv "$n,$cn,$s,$v,$ps,$pv,$((ps + pv)),$mk"
	done
	echo "bench: N=$n memory per function rklp/livepatch = $(ratio "$M_rk" "$M_lp")$([ $HAVE_DIRECT = 0 ] || echo ", settled $(ratio "$M_rks" "$M_lp")")"
}

# Section 3: transition completion with T threads sleeping or busy.
bench_threads() {
	insmod "$MODDIR/rklp_bench_n1.ko" || die "cannot load rklp_bench_n1.ko"
	for t in $THREADS; do
		for kind in $THREAD_KINDS; do
			[ $kind = sleep ] || in_list "$t" "$BUSY_THREADS" || continue
			rm -f /tmp/threads_ready
			$THR "$t" $kind /tmp/threads_ready &
			tp=$!
			loop_until "[ -e /tmp/threads_ready ]" || die "$t $kind threads did not start"
			LINE="# threads $t $kind"
			# Spinning threads under TCG: tens of seconds per transition
			# at 1,000 (the kworker that walks the tasks gets a
			# thousandth of a CPU): one round.
			rounds=$THREAD_ROUNDS
			[ $kind = sleep ] || [ "$t" -lt 1000 ] || rounds=1
			r=1
			while [ $r -le $rounds ]; do
				for c in $(order $r); do
					m=$(module "$c" 1)
					enable "$c" "$m"
					# Progress (a stalled run still shows what it measured).
					echo "# threads $t $kind round $r: $(name "$c") enable $(ms "$EN") ms [$(elapsed)]"
					add thr "$t" "$kind" "$c" "$r" "$EN"
					disable "$c" "$m"
					unload_mod "$m"
					LINE="$LINE; $(name "$c") $(ms "$EN") ms"
				done
				r=$((r + 1))
			done
			kill "$tp"
			wait "$tp" 2>/dev/null
			echo "$LINE [$(elapsed)]"
			l=$(med thr "$t" "$kind" lp) k=$(med thr "$t" "$kind" rk)
			echo "bench: transition completion, $t threads $kind: livepatch $(ms "$l") ms, rklp $(ms "$k") ms; rklp/livepatch = $(ratio "$k" "$l")"
			csv transition.csv "$t,$kind,$(ms "$l"),$(ms "$k"),$(ratio "$k" "$l")"
		done
	done
	rmmod rklp_bench_n1 || die "rmmod rklp_bench_n1"
}

csv percall.csv "n,mode,baseline_ns,livepatch_ns,rklp_ns,livepatch_added_ns,rklp_added_ns,ratio"
csv latency.csv "n,op,livepatch_ms,rklp_ms,ratio"
csv memory.csv "n,core,slab_kb,vmalloc_kb,per_func_slab_b,per_func_vmalloc_b,per_func_b,module_core_kb"
csv transition.csv "threads,kind,livepatch_ms,rklp_ms,ratio"
csv growth.csv "op,livepatch_slope,rklp_slope"
if [ "$SECTIONS" = threads ]; then
	bench_threads
	echo "bench: total $(elapsed) in the guest"
	[ -z "$TEST_FAILED" ] || exit 1
	exit 0
fi
# The threads section before N = 5000, whose livepatch rounds are the
# longest part of the run.
for n in $NS; do
	[ "$n" != 5000 ] || [ -z "$THREADS" ] || bench_threads
	bench_n "$n"
done
in_list 5000 "$NS" || [ -z "$THREADS" ] || bench_threads

# Growth exponents: the log-log slope over NS, per core.
for op in enable disable replace enable_settled disable_settled; do
	case $op in *_settled) [ $HAVE_DIRECT = 1 ] || continue; o=${op%_settled} kc=rks ;; *) o=$op kc=rk ;; esac
	l=$(for n in $NS; do echo "$n $(med lat "$n" "$o" lp)"; done | grep -v n/a | fit)
	k=$(for n in $NS; do echo "$n $(med lat "$n" "$o" $kc)"; done | grep -v n/a | fit)
	echo "bench: growth exponent of $op latency over N = $NS: livepatch $l, rklp $k (1 = linear)"
	csv growth.csv "$op,$l,$k"
done

# The call overhead under a stack of three patches of rklp_bench_fn (the
# hand-written modules), per core, interleaved.
if [ "$STACK_ROUNDS" -gt 0 ]; then
	RUN=/sys/module/rklp_bench_target/parameters/run
	insmod "$MODDIR/rklp_bench_target.ko" || die "cannot load rklp_bench_target.ko"
	r=1
	while [ $r -le "$STACK_ROUNDS" ]; do
		line="# stack round $r"
		echo "$RUN_MS" >$RUN && add stack 1 unpatched base $r "$(cut -d' ' -f1 $RUN)"
		for c in $(order $r); do
			if [ "$c" = lp ]; then m=livepatch_bench; else m=test_rklp_bench; fi
			for i in "" 2 3; do enable $c "$m$i"; done
			echo "$RUN_MS" >$RUN || die "call loop failed"
			cost=$(cut -d' ' -f1 $RUN)
			for i in 3 2 ""; do disable $c "$m$i"; unload_mod "$m$i"; done
			add stack 1 three "$c" $r "$cost"
			line="$line; $(name $c) $cost ns/call"
		done
		echo "$line"
		r=$((r + 1))
	done
	rmmod rklp_bench_target
	u=$(med stack 1 unpatched base) l=$(med stack 1 three lp) k=$(med stack 1 three rk)
	echo "bench: call overhead, stack of 3 patches: unpatched $u ns, livepatch $l ns, rklp $k ns; added rklp/livepatch = $(ratio "$(sub "$k" "$u")" "$(sub "$l" "$u")")"
	csv percall.csv "1,stack3,$u,$l,$k,$(sub "$l" "$u"),$(sub "$k" "$u"),$(ratio "$(sub "$k" "$u")" "$(sub "$l" "$u")")"
fi

echo "bench: total $(elapsed) in the guest"
csv meta.csv "guest_seconds,$((($(now_ms) - T0) / 1000))"
[ -z "$TEST_FAILED" ] || exit 1
exit 0
