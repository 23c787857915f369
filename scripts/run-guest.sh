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
#   RKLP_DISK=IMG       a raw disk image the guest sees as /dev/vda
#                       (virtio-blk); check runs get a fresh 32 MB ext2
#                       image, build/disk-<tag>.img, on kernels with a
#                       built-in block layer, virtio-blk and ext2 (the 7.3
#                       test kernel), for test-reboot.sh
# A check run boots the guest again, with the same disk, when a script
# asks (test-reboot.sh: a patch installed on the disk, loaded by
# rklp.service at the next boot): the guest prints "rklp-guest: boot
# again: SCRIPT [OPTIONS]", and the next boot runs SCRIPT only, with
# rklp_boot=N and OPTIONS on its kernel command line. All boots write to
# the one log and count in the one result line.
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
# rklp without direct calls (make check-nodirect): its own initramfs and log.
[ "${RKLP_NO_DIRECT_CALLS:-0}" != 1 ] || tag=$tag-nodirect
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
# rklp.service where 'make install' puts it (PREFIX=/usr/local), and the
# tool where its ExecStart= looks for it: test-reboot.sh runs what the
# unit runs at boot (the guest has no systemd).
install -D -m 0644 "$RKLP_ROOT/tools/rklp-cli/rklp.service" "$root/usr/local/lib/systemd/system/rklp.service"
mkdir -p "$root/usr/local/sbin"
ln -s /bin/rklp "$root/usr/local/sbin/rklp"
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
	for v in BENCH_ROUNDS BENCH_BIG_ROUNDS BENCH_HUGE_ROUNDS BENCH_LP_MAX_N BENCH_BUSY_THREADS BENCH_RUN_MS BENCH_SECTIONS BENCH_THREAD_KINDS; do
		[ -z "${!v:-}" ] || bench_env="$bench_env $v=\"${!v}\""
	done
	# Set, even empty, narrows the run (BENCH_THREADS= : no threads).
	for v in BENCH_NS BENCH_THREADS; do
		[ -z "${!v+set}" ] || bench_env="$bench_env $v=\"${!v}\""
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
# The disk test-reboot.sh boots twice from: built-in virtio-blk (on PCI)
# and ext2 (the 7.3 test kernel; the 6.12 kernels have no block layer,
# Debian's has virtio_blk and ext4 as modules only).
nodisk=""
for o in BLOCK VIRTIO_BLK EXT2_FS; do
	grep -q "^CONFIG_$o=y" "$kconfig" || { nokconfig="$nokconfig,$o"; nodisk=1; }
done
[ -z "$nokconfig" ] || extra="$extra rklp_nokconfig=${nokconfig#,}"
# rklp.ko without ftrace direct calls, for a kernel without them or by
# RKLP_NO_DIRECT_CALLS=1 (rust/compat.mk): it never settles, and
# test-direct.sh checks that and skips the rest.
if [ "${RKLP_NO_DIRECT_CALLS:-0}" = 1 ] || ! grep -q '^CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS=y' "$kconfig"; then
	extra="$extra rklp_no_direct=1"
fi
# 7.x's ftrace jumps to odd callbacks (functions.sh, ftrace_callbacks_jump).
! grep -q '^CONFIG_DYNAMIC_FTRACE_WITH_JMP=y' "$kconfig" || extra="$extra rklp_ftrace_jmp=1"
disk=${RKLP_DISK:-}
if [ -z "$disk" ] && [ "$mode" = check ] && [ -z "$nodisk" ]; then
	# Made without root (e2fsprogs); the root directory root's, as the
	# store's place on a real system.
	disk=$BUILD/disk-$tag.img
	rm -f "$disk"
	truncate -s 32M "$disk"
	mke2fs -q -t ext2 -F -E root_owner=0:0 "$disk"
fi
drive=()
[ -z "$disk" ] || drive=(-drive "file=$disk,format=raw,if=virtio")
# (rklp_tests last: a later boot names its script there instead)
append_base="console=ttyS0 panic=-1 oops=panic loglevel=4 rklp_mode=$mode${RKLP_BENCH:+ rklp_bench=$RKLP_BENCH}$bench_env tsc=reliable${khz:+ tsc_early_khz=$khz}$extra$gen${RKLP_APPEND:+ $RKLP_APPEND}"
append="$append_base${RKLP_TESTS:+ rklp_tests=$RKLP_TESTS}"
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
# boot_guest APPEND SECONDS: one boot, its console appended to the log;
# QEMU's exit status (124: timed out).
boot_guest() {
	timeout "$2" qemu-system-x86_64 -accel tcg,thread=$tcg_thread -cpu max,la57=off -smp "$smp,sockets=$smp,cores=1" -m $mem \
		-kernel "$kimage" -initrd "$BUILD/initrd-$tag.gz" "${drive[@]}" \
		-append "$1" -nographic -no-reboot -monitor none -serial stdio </dev/null 2>&1 |
		sed -u 's/\r$//' | tee -a "$log" | {
			case "$mode" in
			demo) grep -v '^\[' ;;
			bench) grep --line-buffered -E '^(#|bench:|rklp-guest)' ;;
			*) grep -E '^(TAP|ok |not ok |#|1\.\.|rklp-guest|kmemleak)' ;;
			esac
		}
	return "${PIPESTATUS[0]}"
}
: >"$log"
t_run=$SECONDS
boot_guest "$append" "$timeout_s"
qrc=$?
if [ "$qrc" = 124 ]; then
	echo "rklp: guest TIMED OUT after ${timeout_s}s"
fi
# The boots a script asks for (check runs; at most RKLP_MAX_BOOTS in all,
# default 4; within the one timeout). grcs: each boot's "done rc=" (none:
# it did not finish); reboot_err: why a boot asked for was not made.
max_boots=${RKLP_MAX_BOOTS:-4}
nboots=1
boot_from=1
grcs=""
reboot_err=""
reboot_script=""
reboot_ms=0
while :; do
	b_grc=$(tail -n +"$boot_from" "$log" | sed -n 's/^rklp-guest: done rc=\([0-9]*\).*/\1/p' | tail -1)
	grcs="$grcs ${b_grc:-none}"
	[ "$mode" = check ] || break
	req=$(tail -n +"$boot_from" "$log" | sed -n 's/^rklp-guest: boot again: //p')
	[ -n "$req" ] || break
	if [ "$(printf '%s\n' "$req" | wc -l)" != 1 ]; then
		reboot_err="several scripts asked for another boot: $(printf '%s\n' "$req" | tr '\n' ';')"
		break
	fi
	read -r script opts <<<"$req"
	if ! [[ "$script" =~ ^test-[a-z0-9-]+\.sh$ && "$opts" =~ ^[A-Za-z0-9_.=,\ -]*$ ]]; then
		reboot_err="bad request for another boot: '$req'"
		break
	fi
	# A boot that crashed or did not finish ends the run (counted below).
	[ "$qrc" = 0 ] && [ "${b_grc:-none}" = 0 ] || break
	if [ $nboots -ge "$max_boots" ]; then
		reboot_err="$script asked for boot $((nboots + 1)), past RKLP_MAX_BOOTS=$max_boots"
		break
	fi
	left=$((timeout_s - (SECONDS - t_run)))
	if [ $left -le 0 ]; then
		reboot_err="no time left for boot $((nboots + 1)) ($script) in the ${timeout_s}s timeout"
		break
	fi
	nboots=$((nboots + 1))
	ntap=$(grep -cE '^(ok|not ok) [0-9]+ ' "$log")
	echo "rklp: boot $nboots${disk:+, from the same disk}: $script${opts:+ with '$opts'}" | tee -a "$log"
	boot_from=$(($(wc -l <"$log") + 1))
	[ -n "$reboot_script" ] || reboot_ms=$(sed -n "s/^# script time: $script \([0-9]*\) ms\$/\1/p" "$log" | head -1)
	reboot_script=$script
	t_boot=$SECONDS
	boot_guest "$append_base rklp_tests=$script rklp_boot=$nboots rklp_tap_count=$ntap${opts:+ $opts}" "$left"
	qrc=$?
	reboot_ms=$((${reboot_ms:-0} + (SECONDS - t_boot) * 1000))
	if [ "$qrc" = 124 ]; then
		echo "rklp: guest TIMED OUT in boot $nboots after ${timeout_s}s in all"
	fi
done
# What the script cost, its later boots included (make check-all's table
# of times takes a script's last "script time" line).
[ -z "$reboot_script" ] || echo "# script time: $reboot_script $reboot_ms ms" >>"$log"
set -e
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
# Every boot must have finished with rc=0: grc is the first that did not.
grc=0
for g in $grcs; do
	[ "$g" = 0 ] || { grc=$g; break; }
done
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
		# Other jobs on the host skew absolute figures (not the ratios
		# much: both cores are measured in the same guest, interleaved).
		echo "host_load,$(cut -d' ' -f1-3 /proc/loadavg) (1/5/15-minute load average at the end)"
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
	if [ -n "$reboot_err" ]; then
		echo "rklp: FAILED: $reboot_err"
		fail=$((fail + 1))
	fi
	# Each failed case, named by kernel and script.
	awk -v k="$RKLP_FLAVOUR $RKLP_KERNEL" '
		/^# selftests: rklp: / { s = $4 }
		/^not ok [0-9]+ / && !/# TODO/ { printf "rklp: FAILED: %s kernel, %s: %s\n", k, s, $0 }
	' "$log"
	if [ "$skip" -gt 0 ]; then echo "$pass passed, $fail failed, $skip skipped"; else echo "$pass passed, $fail failed"; fi
	[ "$fail" = 0 ] && [ "$grc" = 0 ]
else
	if [ "$grc" = 0 ] && [ $crashed = 0 ]; then echo "rklp: $mode OK"; else echo "rklp: $mode FAILED"; exit 1; fi
fi
