#!/bin/bash
# The KDIR test: from this tree's HEAD (git archive, a fresh directory),
# `make KDIR=<the 7.3 test kernel's build directory>` must build rklp.ko
# and the sample and nothing else (no test or bench modules), and `make
# install KDIR=.. DESTDIR=..` must put both under
# /lib/modules/<release>/updates. Then the kernels rklp cannot or can only
# partly serve, made from a copy of that build directory with one option
# dropped from its configuration: without Rust, LIVEPATCH, ftrace with
# args or regs, or the Rust artifacts, make fails at once with an error
# naming what is missing and compiles nothing; without ftrace direct calls
# it warns and builds an rklp.ko that never settles (no direct-call
# symbol imported). Prints "kdir: N passed, N failed" and fails if any
# case failed. (DKMS: scripts/test-dkms.sh.)
set -euo pipefail
export RKLP_KERNEL=${RKLP_KERNEL:-7.3}
. "$(dirname "$0")/env.sh"
KOUT=$("$RKLP_ROOT/scripts/build-kernel.sh" | tail -1)
rel=$(cat "$KOUT/include/config/kernel.release")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/src" "$tmp/dest"
git -C "$RKLP_ROOT" archive HEAD | tar -x -C "$tmp/src"
passed=0
failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
not_ok() { echo "FAIL: $*"; failed=$((failed + 1)); }

# kdir_copy NAME: a copy of the build directory in $tmp/NAME, of hard
# links (the directory is 450 MB). Each file changed is written anew and
# renamed over its link, never written through it, so that the cache is
# not modified. Its Makefile names the directory it was generated in
# (KBUILD_OUTPUT): the copy's names the copy.
kdir_copy() {
	local d=$tmp/$1
	cp -al "$KOUT" "$d"
	sed "s|^export KBUILD_OUTPUT = .*|export KBUILD_OUTPUT = $d|" "$d/Makefile" >"$d/Makefile.new"
	mv -f "$d/Makefile.new" "$d/Makefile"
	echo "$d"
}

# kdir_without NAME OPT...: kdir_copy NAME, whose configuration lacks the
# options OPT (auto.conf for make, autoconf.h for C and bindgen, rustc_cfg
# for Rust), as a kernel configured without them.
kdir_without() {
	local d f re
	d=$(kdir_copy "$1")
	shift
	re="CONFIG_($(IFS='|'; echo "$*"))([=\" ]|\$)"
	for f in include/config/auto.conf include/generated/autoconf.h include/generated/rustc_cfg; do
		grep -vE "$re" "$d/$f" >"$d/$f.new" || true
		mv -f "$d/$f.new" "$d/$f"
	done
	echo "$d"
}

# refused NAME KDIR PATTERN: make KDIR=KDIR fails within 120 s with an
# error line matching PATTERN, and no object file appears in the tree.
refused() {
	local name=$1 kd=$2 pat=$3 t0=$SECONDS rc=0 objs
	# shellcheck disable=SC2086
	timeout 120 make -s -C "$tmp/src" KDIR="$kd" $RKLP_MAKE_TOOLS >"$tmp/$name.log" 2>&1 || rc=$?
	objs=$(cd "$tmp/src" && find . -name '*.o' | head -3 | tr '\n' ' ')
	if [ $rc = 0 ] || [ $rc = 124 ]; then
		not_ok "$name: make KDIR= exited $rc, expected a refusal"; tail -5 "$tmp/$name.log"
	elif ! grep -qE "\*\*\* rklp: .*$pat" "$tmp/$name.log"; then
		not_ok "$name: no error naming '$pat':"; tail -5 "$tmp/$name.log"
	elif [ -n "$objs" ]; then
		not_ok "$name: refused, but compiled $objs"
	else
		ok "$name: refused in $((SECONDS - t0)) s, nothing compiled: $(grep -oE '\*\*\* rklp: .*' "$tmp/$name.log" | cut -c1-150)"
	fi
}

# direct_syms KO: the ftrace direct-call functions KO imports.
direct_syms() { nm -u "$1" | grep -oE '\b(un)?register_ftrace_direct\b|\bmodify_ftrace_direct(_nolock)?\b' | sort -u | tr '\n' ' '; }

# The refusals first (they need no build), on the fresh tree.
refused no-rust "$(kdir_without no-rust RUST)" 'has no CONFIG_RUST\b'
refused no-livepatch "$(kdir_without no-livepatch LIVEPATCH)" 'has no CONFIG_LIVEPATCH\b'
refused no-ftrace-args-regs "$(kdir_without no-args-regs DYNAMIC_FTRACE_WITH_ARGS DYNAMIC_FTRACE_WITH_REGS)" \
	'neither CONFIG_DYNAMIC_FTRACE_WITH_ARGS nor CONFIG_DYNAMIC_FTRACE_WITH_REGS'
nometa=$(kdir_copy no-rmeta)
rm "$nometa/rust/libkernel.rmeta"
refused no-rmeta "$nometa" 'rust/libkernel\.rmeta'
rm -rf "$tmp"/no-*

# Without direct calls (other architectures' kernels; x86 always has
# them): a warning naming the option, and an rklp.ko that imports none of
# ftrace's direct-call functions, in a tree of its own.
nodc=$(kdir_without no-direct-calls DYNAMIC_FTRACE_WITH_DIRECT_CALLS)
mkdir "$tmp/src-nodc"
git -C "$RKLP_ROOT" archive HEAD | tar -x -C "$tmp/src-nodc"
# shellcheck disable=SC2086
if ! make -s -C "$tmp/src-nodc" KDIR="$nodc" $RKLP_MAKE_TOOLS >"$tmp/nodc.log" 2>&1; then
	not_ok "no-direct-calls: make KDIR= failed:"; tail -8 "$tmp/nodc.log"
elif ! grep -qE 'rklp: .*no CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS.*not be settled' "$tmp/nodc.log"; then
	not_ok "no-direct-calls: built, but no warning naming CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS:"; tail -5 "$tmp/nodc.log"
elif [ -n "$(direct_syms "$tmp/src-nodc/rklp.ko")" ]; then
	not_ok "no-direct-calls: rklp.ko imports $(direct_syms "$tmp/src-nodc/rklp.ko")"
else
	ok "no-direct-calls: built with the warning '$(grep -oE 'rklp: .*DIRECT_CALLS.*' "$tmp/nodc.log" | head -1 | cut -c1-120)...', rklp.ko imports no direct-call function"
fi
rm -rf "$nodc" "$tmp/src-nodc"

# The kernel as it is: rklp.ko and the sample only, and it imports the
# direct-call functions (so the check above can fail).
# shellcheck disable=SC2086
if ! make -s -C "$tmp/src" KDIR="$KOUT" $RKLP_MAKE_TOOLS >"$tmp/build.log" 2>&1; then
	tail -30 "$tmp/build.log"; not_ok "make KDIR=$KOUT failed"
else
	built=$(cd "$tmp/src" && find . -name '*.ko' | sort | tr '\n' ' ')
	if [ "$built" != "./rklp.ko ./samples/rklp_sample.ko " ]; then
		not_ok "built '$built', expected rklp.ko and samples/rklp_sample.ko only"
	elif [ -z "$(direct_syms "$tmp/src/rklp.ko")" ]; then
		not_ok "rklp.ko built against the kernel as it is imports no direct-call function"
	elif grep -q 'DIRECT_CALLS' "$tmp/build.log"; then
		not_ok "the kernel has direct calls, yet make warned: $(grep DIRECT_CALLS "$tmp/build.log" | head -1)"
	else
		ok "make KDIR: rklp.ko and the sample only; rklp.ko imports $(direct_syms "$tmp/src/rklp.ko")"
		# shellcheck disable=SC2086
		if ! make -s -C "$tmp/src" install KDIR="$KOUT" $RKLP_MAKE_TOOLS DESTDIR="$tmp/dest" INSTALL_MOD_PATH="$tmp/dest" >"$tmp/install.log" 2>&1; then
			tail -30 "$tmp/install.log"; not_ok "make install failed"
		else
			inst=ok
			for m in rklp.ko samples/rklp_sample.ko; do
				f=$tmp/dest/lib/modules/$rel/updates/$m
				if [ ! -f "$f" ]; then
					not_ok "no $m in /lib/modules/$rel/updates"; inst=
				elif ! modinfo -F vermagic "$f" | grep -q "^$rel "; then
					not_ok "$m: vermagic '$(modinfo -F vermagic "$f")', not $rel"; inst=
				fi
			done
			[ -z "$inst" ] || ok "make install: /lib/modules/$rel/updates, vermagic $rel"
		fi
	fi
fi
echo "kdir: $passed passed, $failed failed"
[ "$failed" = 0 ]
