#!/bin/bash
# Pack an initramfs (busybox, modules, scripts) and boot the test kernel in
# QEMU (TCG) to run the demo, the selftests or the benchmarks. Exit 0 only if
# the guest ran to the end and reported success, and the kernel reported no
# WARN, BUG, lockdep, KASAN, UBSAN, hung task, RCU stall or kmemleak leak.
#   run-guest.sh demo|check|bench     (RKLP_FLAVOUR=debug: the debug kernel)
#   run-guest.sh fuzz|torture         generated bad input / the torture loop;
#       RKLP_SEED (default: the time), RKLP_SCALE (1 short, as CI; 10 long),
#       RKLP_CYCLES (torture's cycles)
#   RKLP_SMP=N          vCPUs (default 2; with RKLP_TCG_THREAD=multi, one
#                       host thread each: test-fork-storm.sh wants 4 or more)
#   RKLP_APPEND="..."   extra kernel command-line options (e.g.
#                       preempt=none; test-preempt.sh reads the mode)
set -euo pipefail
. "$(dirname "$0")/env.sh"
mode=${1:?usage: run-guest.sh demo|check|bench|fuzz|torture}
case "$mode" in demo|check|bench|fuzz|torture) ;; *) echo "usage: run-guest.sh demo|check|bench|fuzz|torture" >&2; exit 2 ;; esac
KOUT=$RKLP_CACHE/kernel-$(rklp_kernel_key)
BUILD=$RKLP_ROOT/build
M=$RKLP_MODDIR
tag=$mode
# make bench-quick: RKLP_BENCH=quick (tools/bench/bench.sh).
[ "$mode" != bench ] || [ "${RKLP_BENCH:-}" != quick ] || tag=bench-quick
[ "$RKLP_FLAVOUR" = test ] || tag=$tag-$RKLP_FLAVOUR
# Another kernel than 6.12: its own initramfs and log (guest-check-7.3.log).
tag=$tag$RKLP_KSUFFIX
# make check-all runs several guests at once: one initramfs and log each.
[ -z "${RKLP_SHARD:-}" ] || tag=$tag-$RKLP_SHARD
root=$BUILD/initramfs-$tag
rm -rf "$root"
mkdir -p "$root"/{bin,lib/rklp,rklp}
cp /bin/busybox "$root/bin/busybox"
# kmod's insmod/rmmod/modinfo (busybox insmod retries a failed finit_module
# with init_module, which runs a refused module's init twice).
mkdir -p "$root/sbin" "$root/lib64" "$root/lib/x86_64-linux-gnu"
cp /usr/bin/kmod "$root/bin/kmod"
for lib in $(ldd /usr/bin/kmod | grep -o '/lib[^ ]*'); do
	cp -L "$lib" "$root$lib"
done
# kmod's tools, but insmod and rmmod: their static twins (built below from
# the selftests' rklp_insmod.c and rklp_rmmod.c), which kmod costs about a
# second to start on the debug kernel under TCG.
for t in lsmod modinfo modprobe; do ln -s /bin/kmod "$root/sbin/$t"; done
for t in insmod rmmod; do ln -s "/rklp/selftests/rklp_$t" "$root/sbin/$t"; done
install -m 0755 "$RKLP_ROOT/scripts/guest-init.sh" "$root/init"
cp "$M/rklp.ko" "$M"/samples/*.ko "$root/lib/rklp/"
cp "$M"/tools/testing/selftests/rklp/test_modules/*.ko "$root/lib/rklp/" 2>/dev/null || true
cp "$M"/tools/testing/selftests/rklp/test_modules/no_import/*.ko "$root/lib/rklp/" 2>/dev/null || true
cp "$M"/tools/bench/modules/*.ko "$root/lib/rklp/" 2>/dev/null || true
# The generated N-function modules (gen_bench.sh) only for the benchmarks.
[ "$mode" = bench ] || rm -f "$root"/lib/rklp/*_n[0-9]*.ko
cp "$KOUT/samples/livepatch/livepatch-sample.ko" "$root/lib/rklp/"
# Upstream's samples/livepatch modules (test-compat.sh): upstream's builds,
# and the patches built for rklp with only their include swapped
# (lp_samples/), under the same module names, so in directories of their own.
mkdir -p "$root/lib/rklp/livepatch" "$root/lib/rklp/compat"
cp "$KOUT"/samples/livepatch/*.ko "$root/lib/rklp/livepatch/"
cp "$M"/tools/testing/selftests/rklp/lp_samples/*.ko "$root/lib/rklp/compat/"
install -m 0755 "$RKLP_ROOT/scripts/demo.sh" "$root/rklp/demo.sh"
# The rklp tool (tools/rklp-cli, static): built by make's "tools" target
# before this script; built here only if missing or older than its sources.
"$RKLP_ROOT/scripts/build-tools.sh"
install -m 0755 "$("$RKLP_ROOT/scripts/build-tools.sh" --print-bin)" "$root/bin/rklp"
cp -r "$RKLP_ROOT/tools/testing/selftests/rklp" "$root/rklp/selftests"
rm -rf "$root/rklp/selftests/test_modules" "$root/rklp/selftests/lp_samples" "$root"/rklp/selftests/*.[ch]
# User-space helpers of the selftests: no compiler in the guest, so build
# them here, statically.
for c in "$RKLP_ROOT"/tools/testing/selftests/rklp/*.c; do
	[ -e "$c" ] || continue
	gcc -static -O2 -Wall -o "$root/rklp/selftests/$(basename "$c" .c)" "$c"
done
# The benchmarks (tools/bench), beside the selftests whose functions.sh they use.
mkdir -p "$root/rklp/bench"
install -m 0755 "$RKLP_ROOT/tools/bench/bench.sh" "$root/rklp/bench/bench.sh"
gcc -static -O2 -Wall -o "$root/rklp/bench/rklp_bench_lat" "$RKLP_ROOT/tools/bench/rklp_bench_lat.c"
gcc -static -O2 -Wall -pthread -o "$root/rklp/bench/rklp_bench_threads" "$RKLP_ROOT/tools/bench/rklp_bench_threads.c"
# Upstream's own Linux 6.12 livepatch selftests, changed only by the
# mechanical name mapping upstream-6.12.sed (test-upstream-6.12.sh runs
# them), with their test modules (test_modules/: the rklp ports) and their
# getpid looper built from upstream's source under the mapped name.
# (6.12's on every kernel: they are the reference rklp's ports follow; only
# that directory is unpacked when the 6.12 tree is not.)
upsrc=$(RKLP_KERNEL=6.12 "$RKLP_ROOT/scripts/build-kernel.sh" --print-src)/tools/testing/selftests/livepatch
if [ ! -d "$upsrc" ]; then
	upsrc=$BUILD/upstream-6.12/tools/testing/selftests/livepatch
	[ -d "$upsrc" ] || {
		mkdir -p "$BUILD/upstream-6.12"
		tar -xJf /usr/src/linux-source-6.12.tar.xz -C "$BUILD/upstream-6.12" --strip-components=1 \
			--wildcards '*/tools/testing/selftests/livepatch/*'
	}
fi
up=$root/rklp/upstream
mkdir -p "$up"
for f in "$upsrc"/functions.sh "$upsrc"/test-*.sh; do
	sed -f "$RKLP_ROOT/tools/testing/selftests/rklp/upstream-6.12.sed" "$f" >"$up/$(basename "$f")"
done
ln -s /lib/rklp "$up/test_modules"
gcc -static -O2 -Wall -o "$up/test_rklp-call_getpid" "$upsrc/test_klp-call_getpid.c"
# They are bash scripts calling GNU tools busybox lacks (sysctl --values,
# date --rfc-3339, /bin/stat --format, getconf, diff --label): the host's,
# in /usr/gnu/bin (first in PATH for them only), bash and stat at the paths
# the scripts use. busybox --install keeps existing files.
mkdir -p "$root/usr/gnu/bin"
for t in /bin/bash /usr/sbin/sysctl /usr/bin/date /usr/bin/stat /usr/bin/getconf /usr/bin/diff; do
	cp "$t" "$root/usr/gnu/bin/"
	for lib in $(ldd "$t" | grep -o '/lib[^ ]*'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
done
cp /bin/bash "$root/bin/bash"
cp /usr/bin/stat "$root/bin/stat"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$BUILD/initrd-$tag.gz"

log=$BUILD/guest-$tag.log
mem=1G
timeout_s=${RKLP_GUEST_TIMEOUT:-1200}
extra=""
if [ "$mode" = bench ]; then
	# 10,000 threads (threads-max is a share of memory); the full run with
	# N = 5000 takes long under TCG.
	mem=2G
	timeout_s=${RKLP_GUEST_TIMEOUT:-10800}
fi
if [ "$RKLP_FLAVOUR" = debug ]; then
	# KASAN's shadow and lockdep's tables need room; everything runs slower.
	mem=2G
	timeout_s=${RKLP_GUEST_TIMEOUT:-3600}
	extra=" rklp_debug=1 kasan_multi_shot"
fi
smp=${RKLP_SMP:-2}
case "$smp" in
[1-9] | [1-9][0-9]) ;;
*) echo "run-guest.sh: RKLP_SMP=$smp: expected a number of vCPUs from 1 to 99" >&2; exit 2 ;;
esac
kimage=$KOUT/arch/x86/boot/bzImage
# Debian's kernel: its own vmlinuz, as the package ships it.
[ "$RKLP_KERNEL" != debian-7.3 ] || kimage=$KOUT/vmlinuz
echo "rklp: booting QEMU (TCG, $smp CPUs, $RKLP_FLAVOUR $RKLP_KERNEL kernel) for '$mode'; serial log in $log"
khz=$(awk '/cpu MHz/ {printf "%d", $4 * 1000; exit}' /proc/cpuinfo)
# fuzz and torture: reproducible from the seed printed here.
gen=""
if [ "$mode" = fuzz ] || [ "$mode" = torture ]; then
	seed=${RKLP_SEED:-$(date +%s)}
	gen=" rklp_seed=$seed rklp_scale=${RKLP_SCALE:-10}${RKLP_CYCLES:+ rklp_cycles=$RKLP_CYCLES}"
	echo "rklp: $mode with seed $seed (RKLP_SEED=$seed reproduces it)"
fi
# The benchmarks' knobs (tools/bench/bench.sh) reach it as the init's
# environment.
bench_env=""
if [ "$mode" = bench ]; then
	for v in BENCH_ROUNDS BENCH_BIG_ROUNDS BENCH_HUGE_ROUNDS BENCH_LP_MAX_N BENCH_BUSY_THREADS BENCH_RUN_MS; do
		[ -z "${!v:-}" ] || bench_env="$bench_env $v=\"${!v}\""
	done
fi
# The options the selftests need that this kernel lacks (Debian's stock
# config has no fault injection): their cases skip, naming the option
# (functions.sh, has_config).
kconfig=$KOUT/.config
[ "$RKLP_KERNEL" != debian-7.3 ] || kconfig=$KOUT/config
nokconfig=""
for o in FAILSLAB FAULT_INJECTION_DEBUG_FS; do
	grep -q "^CONFIG_$o=y" "$kconfig" || nokconfig="$nokconfig,$o"
done
[ -z "$nokconfig" ] || extra="$extra rklp_nokconfig=${nokconfig#,}"
append="console=ttyS0 panic=-1 oops=panic loglevel=4 rklp_mode=$mode${RKLP_TESTS:+ rklp_tests=$RKLP_TESTS}${RKLP_BENCH:+ rklp_bench=$RKLP_BENCH}$bench_env tsc=reliable${khz:+ tsc_early_khz=$khz}$extra$gen${RKLP_APPEND:+ $RKLP_APPEND}"
set +e
# Single-threaded TCG by default: under multi-threaded TCG a vCPU has been
# seen executing an int3 that ftrace's text_poke_bp() had already removed
# and synchronised away ("Oops: int3" at a __fentry__ site hammered by the
# consistency checker), with upstream livepatch alone as well as with rklp.
# RKLP_TCG_THREAD=multi runs one host thread per vCPU.
tcg_thread=${RKLP_TCG_THREAD:-single}
# Without 5-level paging (la57): with it, the debug kernel has twice been
# seen looping in early boot on KASAN "wild-memory-access in
# rcu_is_watching" reports (a timer interrupt during identify_boot_cpu(),
# per-CPU address ff1100..., the LA57 direct map), never reaching its init.
timeout "$timeout_s" qemu-system-x86_64 -accel tcg,thread=$tcg_thread -cpu max,la57=off -smp "$smp,sockets=$smp,cores=1" -m $mem \
	-kernel "$kimage" -initrd "$BUILD/initrd-$tag.gz" \
	-append "$append" -nographic -no-reboot -monitor none -serial stdio </dev/null 2>&1 |
	sed -u 's/\r$//' | tee "$log" | {
		case "$mode" in
		demo) grep -v '^\[' ;;
		bench) grep --line-buffered -E '^(#|bench:|rklp-guest)' ;;
		*) grep -E '^(TAP|ok |not ok |#|1\.\.|rklp-guest|kmemleak)' ;;
		esac
	}
qrc=${PIPESTATUS[0]}
set -e
if [ "$qrc" = 124 ]; then
	echo "rklp: guest TIMED OUT after ${timeout_s}s"
fi
# What a kernel says when something is wrong: oopses and panics, WARN and
# BUG, lockdep (WARNING: possible ..., inconsistent lock state, suspicious RCU
# usage), KASAN and UBSAN, debugobjects, hung tasks, RCU stalls, lockups and
# (debug kernel, scanned at the end by guest-init.sh) kmemleak.
reports='Kernel panic|BUG:|Oops|general protection|WARNING:|UBSAN:|ODEBUG:|DEBUG_LOCKS_WARN_ON|INFO: task .* blocked for more than|rcu: INFO:|detected stall|soft lockup|hard LOCKUP|unreferenced object 0x|list_(add|del) corruption'
if grep -qE "$reports" "$log"; then
	echo "rklp: the guest kernel crashed or reported a problem:"
	grep -E -A30 "$reports" "$log" | head -120
	crashed=1
else
	crashed=0
fi
# The known QEMU multi-threaded TCG artefact (Documentation/rklp.rst): an
# "Oops: int3" at the __fentry__ site of a function (RIP within its first
# 5 bytes, after IBT's 4-byte endbr64) whose Code: bytes already hold the
# final 5-byte nop (0f 1f 44 00 00). Counted apart from rklp's faults (the
# run still fails: oops=panic ended it).
int3_artefacts=0
if [ "$tcg_thread" = multi ] && grep -q 'Oops: int3' "$log"; then
	int3_artefacts=$(awk '
		/Oops: int3/ { oops = 1; rip = 0; next }
		oops && /RIP: 0010:[^ ]*\+0x[0-9a-f]+\// {
			off = $0; sub(/.*\+0x/, "", off); sub(/\/.*/, "", off)
			rip = (length(off) == 1 && index("0123456789", off) > 0); next }
		oops && /Code: / {
			code = $0; gsub(/[<>]/, "", code)
			if (rip && code ~ /0f 1f 44 00 00/) n++
			oops = 0 }
		END { print n + 0 }' "$log")
	echo "rklp: splats of the QEMU multi-threaded TCG int3 artefact (at a __fentry__ site already nop, not rklp's): $int3_artefacts"
	[ "$int3_artefacts" = 0 ] || grep -E -B2 -A14 'Oops: int3' "$log" | grep -E 'Oops|RIP|Code|Call Trace|^\[.*\] +[a-z_]' | head -12 | sed 's/^/rklp:   /'
fi
grc=$(sed -n 's/^rklp-guest: done rc=\([0-9]*\).*/\1/p' "$log" | tail -1)
if [ "$mode" = bench ]; then
	# The CSV files the guest printed ("csv:<file>:<line>"), to
	# build/bench/ (make bench-quick: build/bench-quick/), then the plots
	# and Documentation/benchmarks.rst are drawn from them by
	# tools/bench/plot.sh.
	csvdir=$BUILD/${tag%-test}
	rm -rf "$csvdir"
	mkdir -p "$csvdir"
	sed -n 's/^csv:\([a-z_]*\.csv\):/\1 /p' "$log" | while read -r f line; do
		printf '%s\n' "$line" >>"$csvdir/$f"
	done
	# The machine (meta.csv has the guest's side).
	[ ! -f "$csvdir/meta.csv" ] || {
		echo "host_cpu,$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo | tr ',' ' ')"
		echo "host_cpus,$(nproc)"
		echo "qemu,$(qemu-system-x86_64 --version | head -1 | tr ',' ' ') TCG $tcg_thread-threaded; -smp $smp -m $mem"
		echo "commit,$(git -C "$RKLP_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	} >>"$csvdir/meta.csv"
	echo "rklp: CSV files in $csvdir: $(cd "$csvdir" && ls | tr '\n' ' ')"
fi
if [ "$mode" = check ] || [ "$mode" = fuzz ] || [ "$mode" = torture ]; then
	# The figures lines (of every generated-input test the run included).
	# (none in a check run: grep's status must not end the script)
	{ grep -E '^# (fuzz: seed .* bad inputs|torture: cycles|faults: [0-9])' "$log" || true; } | sed 's/^# /rklp: /'
	pass=$(grep -cE '^ok [0-9]+ ' "$log" || true)
	fail=$(grep -E '^not ok [0-9]+ ' "$log" | grep -cv '# TODO' || true)
	todo=$(grep -cE '^not ok [0-9]+ .*# TODO' "$log" || true)
	skipped_ok=$(grep -cE '^ok [0-9]+ .*# SKIP' "$log" || true)
	pass=$((pass - skipped_ok))
	skip=$((skipped_ok + todo))   # KTAP TODO (known defects) count as skipped
	[ "$grc" = 0 ] || fail=$((fail + 1))   # the guest died or its runner failed
	[ $crashed = 0 ] || fail=$((fail + 1))
	if [ "$skip" -gt 0 ]; then echo "$pass passed, $fail failed, $skip skipped"; else echo "$pass passed, $fail failed"; fi
	[ "$fail" = 0 ] && [ "$grc" = 0 ]
else
	if [ "$grc" = 0 ] && [ $crashed = 0 ]; then echo "rklp: $mode OK"; else echo "rklp: $mode FAILED"; exit 1; fi
fi
