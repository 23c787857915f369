#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fails if a function of rklp.ko, the sample or a test module allocates a
# stack frame over RKLP_FRAME_LIMIT bytes (default 2048; the kernel stack is
# 16 KB and a patch module's init runs on top of insmod's frames).
#
#   scripts/check-frames.sh            the modules of the last build
#                                      (modules.order of $RKLP_MODDIR, see
#                                      env.sh: RKLP_FLAVOUR selects it)
#   scripts/check-frames.sh X.ko ...   these files
#
# Reads the disassembly (objdump -d) for what x86-64 compilers emit to
# allocate a frame: `sub $N,%rsp`, `add $-N,%rsp`, `lea -N(%rsp),%rsp`.
# The kernel builds Rust and C without stack probes, so a big frame is always
# one such instruction. Prints each offending function and its frame.
set -euo pipefail
. "$(dirname "$0")/env.sh"
LIMIT=${RKLP_FRAME_LIMIT:-2048}

if [ $# -eq 0 ]; then
	order=$RKLP_MODDIR/modules.order
	[ -f "$order" ] || { echo "check-frames: no $order; build the modules first" >&2; exit 1; }
	set --
	while read -r o; do
		case $o in /*) ;; *) o=$RKLP_MODDIR/$o ;; esac
		set -- "$@" "${o%.o}.ko"
	done <"$order"
fi

bad=0
for ko in "$@"; do
	[ -f "$ko" ] || { echo "check-frames: $ko: no such file" >&2; exit 1; }
	# mawk has no strtonum: hex() converts; a negative immediate of `add`
	# is 2^64 - N, whose low 32 bits give N (frames are < 4 GB).
	if ! objdump -d -C --no-show-raw-insn "$ko" | awk -v limit="$LIMIT" -v ko="${ko#"$RKLP_MODDIR"/}" '
		function hex(s,    i, n, c) {
			n = 0
			s = tolower(s)
			sub(/^0x/, "", s)
			for (i = 1; i <= length(s); i++) {
				c = index("0123456789abcdef", substr(s, i, 1)) - 1
				n = n * 16 + c
			}
			return n
		}
		function neg(s) {	# 0xffff...ffNN as a positive frame size
			s = tolower(s)
			sub(/^0x/, "", s)
			if (length(s) < 16 || substr(s, 1, 8) != "ffffffff")
				return 0
			return 4294967296 - hex(substr(s, 9))
		}
		/^[0-9a-f]+ <.*>:$/ {
			fn = $0
			sub(/^[0-9a-f]+ </, "", fn)
			sub(/>:$/, "", fn)
			next
		}
		{
			n = 0
			if (match($0, /sub +\$0x[0-9a-f]+,%rsp$/)) {
				s = substr($0, RSTART, RLENGTH)
				sub(/^sub +\$/, "", s); sub(/,%rsp$/, "", s)
				# A negative immediate releases a frame: gcc 14
				# ends one of 128 bytes with `sub $-0x80,%rsp`
				# (imm8), not `add $0x80,%rsp`.
				n = neg(s) ? 0 : hex(s)
			} else if (match($0, /add +\$0x[0-9a-f]+,%rsp$/)) {
				s = substr($0, RSTART, RLENGTH)
				sub(/^add +\$/, "", s); sub(/,%rsp$/, "", s)
				n = neg(s)
			} else if (match($0, /lea +-0x[0-9a-f]+\(%rsp\),%rsp$/)) {
				s = substr($0, RSTART, RLENGTH)
				sub(/^lea +-/, "", s); sub(/\(%rsp\),%rsp$/, "", s)
				n = hex(s)
			}
			if (n > limit && !(fn in seen)) {
				seen[fn] = 1
				printf "check-frames: %s: %s: stack frame of %d bytes (limit %d)\n", ko, fn, n, limit
				found = 1
			}
		}
		END { exit found }'; then
		bad=1
	fi
done
if [ $bad -ne 0 ]; then
	echo "check-frames: FAILED: frames over $LIMIT bytes (see above)" >&2
	exit 1
fi
echo "check-frames: $# modules, no frame over $LIMIT bytes"
