#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Patches that survive reboots (issue 20): 'rklp install' on a disk, then
# rklp.service at the next boots from the same disk image. The guest has
# no systemd: this script runs what the unit runs, read from the unit file
# itself as 'make install' installs it (its ConditionKernelCommandLine=,
# ExecStartPre= and ExecStart=, /usr/local/sbin/rklp being the guest's
# /bin/rklp), so a change to the unit is what is tested.
#
# scripts/run-guest.sh attaches the disk (an ext2 image made on the host,
# /dev/vda in the guest, mounted where the store lives, /var/lib/rklp, as
# local-fs.target would before the unit) and boots the guest again, with
# this script only, when it prints "rklp-guest: boot again: test-reboot.sh
# [OPTIONS]"; $rklp_boot says which boot this is:
#   boot 1: install three patches for this kernel, and one in another
#           release's directory; nothing is loaded; unmount (sync, umount)
#   boot 2: rklp.enable=0 on the kernel command line: the unit does not
#           run, nothing is loaded; the store survived the reboot;
#           'rklp uninstall' of one patch
#   boot 3: the unit loads the two patches still installed, in install
#           order, enabled, not the uninstalled one nor the other release's
# Kernels without a built-in block layer, virtio-blk and ext2 (the 6.12
# test kernels; Debian's, whose virtio_blk and ext4 are modules) get no
# disk (run-guest.sh lists the missing options in rklp_nokconfig): every
# case skips, saying why.
. ./functions.sh

DISK=/dev/vda
STORE=/var/lib/rklp
UNIT=/usr/local/lib/systemd/system/rklp.service
# A release no guest runs: its patches must never be loaded.
OTHER=0.0.0-rklp-other
boot=${rklp_boot:-1}
rel=$(uname -r)
dir=$STORE/$rel
# Installed in this order (not alphabetical: rklp_sample last), both
# replacing cmdline_proc_show: the last loaded shows in /proc/cmdline.
# test_rklp_multi (/proc/version) is uninstalled in boot 2.
P1=test_rklp_livepatch
P2=test_rklp_multi
P3=rklp_sample
# In $OTHER's directory only.
PO=test_rklp_syscall

CASE1="reboot, boot 1: rklp install stores the patches on the disk, loads nothing"
CASE2="reboot, boot 2: rklp.enable=0 on the kernel command line: rklp.service loads nothing"
CASE3="reboot, boot 2: rklp uninstall removes a patch from the store on the disk"
CASE4="reboot, boot 3: rklp.service loads the installed patches in install order"
CASE5="reboot, boot 3: rklp.service loads no uninstalled patch, none of another kernel release"

# run_cli EXPECTED_RC CMD...: runs the tool, keeps its output in $out.
run_cli() {
	_want=$1
	shift
	out=$(rklp "$@" 2>&1)
	_rc=$?
	[ "$_rc" = "$_want" ] || fail "rklp $*: exit $_rc, expected $_want: $out"
}

# mount_store: the disk where the store lives.
mount_store() {
	loop_until "[ -b $DISK ]" || { fail "no disk $DISK (run-guest.sh attaches one on this kernel)"; return 1; }
	mkdir -p $STORE
	_m=$(mount -t ext2 $DISK $STORE 2>&1) || { fail "mount $DISK on $STORE: $_m"; return 1; }
}

# store_mounted: the disk is mounted on the store.
store_mounted() {
	grep -q "^$DISK $STORE " /proc/mounts
}

# umount_store: a clean shutdown's end: the store's data on the disk, the
# file system unmounted (the next boot checks that it was the disk's).
umount_store() {
	sync
	_m=$(umount $STORE 2>&1) || fail "umount $STORE: $_m"
}

# boot_again [OPTIONS]: asks run-guest.sh for the next boot (this script
# only, OPTIONS added to the kernel command line).
boot_again() {
	echo "rklp-guest: boot again: test-reboot.sh${1:+ $1}"
}

# unit_values SECTION KEY: KEY's values in [SECTION] of the unit, in
# order, one a line (as systemd reads it: '#' and ';' comments, blanks
# around '=' and the value, an empty assignment resets the list).
unit_values() {
	awk -v sec="[$1]" -v key="$2" '
		/^[ \t]*([#;]|$)/ { next }
		/^[ \t]*\[/ { s = $0; gsub(/[ \t]/, "", s); here = (s == sec); next }
		here {
			k = $0; sub(/[ \t]*=.*/, "", k); sub(/^[ \t]*/, "", k)
			if (k != key) next
			v = $0; sub(/^[^=]*=[ \t]*/, "", v); sub(/[ \t]*$/, "", v)
			if (v == "") n = 0; else vals[n++] = v
		}
		END { for (i = 0; i < n; i++) print vals[i] }' "$UNIT"
}

# cmdline_condition ARG: systemd's ConditionKernelCommandLine=ARG over the
# kernel command line read at the start of the boot's phase ($cmdline;
# rklp_sample replaces /proc/cmdline once loaded): a word is on the line
# as is or as the left side of an assignment, an assignment exactly; '!'
# negates.
cmdline_condition() {
	_cc_arg=$1
	_cc_want=yes
	case $_cc_arg in !*) _cc_want=no _cc_arg=${_cc_arg#!} ;; esac
	_cc_found=no
	for _cc_w in $cmdline; do
		case $_cc_arg in
		*=*) [ "$_cc_w" = "$_cc_arg" ] && _cc_found=yes ;;
		*) case $_cc_w in "$_cc_arg" | "$_cc_arg"=*) _cc_found=yes ;; esac ;;
		esac
	done
	[ $_cc_found = $_cc_want ]
}

# unit_exec LINE: one Exec*= line, as systemd runs it: an absolute path
# and its arguments, no shell; a '-' prefix ignores a failure. Other
# prefixes, quoting, variables and specifiers are not used by the unit and
# not supported here (refused, so the test notices a unit that needs them).
# Its output in $unit_out.
unit_exec() {
	_ue=$1
	_ue_ign=0
	case $_ue in -*) _ue_ign=1 _ue=${_ue#-} ;; esac
	case $_ue in
	/*) ;;
	*) fail "rklp.service: '$1': only an absolute path with an optional '-' prefix is supported here"; return 1 ;;
	esac
	case $_ue in
	*[\$%\"\'\\]*) fail "rklp.service: '$1': no quoting, variables or specifiers are supported here"; return 1 ;;
	esac
	echo "# rklp.service: $1"
	set -f
	# shellcheck disable=SC2086
	set -- $_ue
	set +f
	unit_out=$("$@" 2>&1)
	_ue_rc=$?
	[ -z "$unit_out" ] || printf '%s\n' "$unit_out" | sed 's/^/#   /'
	[ $_ue_rc = 0 ] && return 0
	[ $_ue_ign = 1 ] && { echo "#   (exit $_ue_rc, ignored: '-')"; return 0; }
	fail "rklp.service: '$_ue' failed (exit $_ue_rc)"
	return 1
}

# unit_start: what starting rklp.service runs at boot: the unit's
# conditions (all must hold, else it is skipped: unit_ran=0), then its
# ExecStartPre= and ExecStart= lines in order (unit_ran=1).
unit_start() {
	unit_ran=0
	[ -r $UNIT ] || { fail "no $UNIT"; return 1; }
	grep -q '\\$' $UNIT && { fail "rklp.service: line continuations are not supported here"; return 1; }
	_us=$(unit_values Unit ConditionKernelCommandLine)
	for _us_k in $(awk '/^[ \t]*(Condition|Assert)[A-Za-z]*[ \t]*=/ { sub(/[ \t]*=.*/, ""); sub(/^[ \t]*/, ""); print }' $UNIT); do
		[ "$_us_k" = ConditionKernelCommandLine ] ||
			{ fail "rklp.service: $_us_k= is not evaluated here"; return 1; }
	done
	for _us_c in $_us; do
		if ! cmdline_condition "$_us_c"; then
			echo "# rklp.service: ConditionKernelCommandLine=$_us_c does not hold: not started"
			return 0
		fi
	done
	unit_values Service ExecStartPre >/tmp/reboot_exec
	unit_values Service ExecStart >>/tmp/reboot_exec
	[ -n "$(unit_values Service ExecStart)" ] || { fail "rklp.service: no ExecStart="; return 1; }
	unit_ran=1
	while read -r _us_x; do
		unit_exec "$_us_x" || return 1
	done </tmp/reboot_exec
}

# not_loaded NAME...: none of them is loaded.
not_loaded() {
	for _nl in "$@"; do
		[ ! -e /sys/module/$_nl ] || fail "$_nl is loaded"
	done
}

# The kernel cannot boot from the disk: every case skips, saying why.
missing=""
for o in BLOCK VIRTIO_BLK EXT2_FS; do
	case ",${rklp_nokconfig:-}," in *",$o,"*) missing="$missing CONFIG_$o" ;; esac
done
if [ -n "$missing" ]; then
	for c in "$CASE1" "$CASE2" "$CASE3" "$CASE4" "$CASE5"; do
		start_test "$c"
		skip "no disk to boot twice from: the kernel has no built-in$missing (make check KERNEL=7.3 has them)"
		end_test
	done
	exit 0
fi

read -r cmdline </proc/cmdline
case $boot in
1)
	start_test "$CASE1"
	# The mount point empty on the initramfs (test-cli.sh's store was
	# there): what is under it after the umount was not on the disk.
	store_mounted || rm -rf $STORE
	if mount_store; then
		# A reused image (RKLP_DISK): from an empty store.
		for f in $STORE/*; do
			[ "$f" = $STORE/lost+found ] || rm -rf "$f"
		done
		run_cli 0 install $MODDIR/$P1.ko
		check_eq "install" "$out" "rklp: patch '$P1' installed for $rel as $dir/0001-$P1.ko"
		run_cli 0 install $MODDIR/$P2.ko
		run_cli 0 install $MODDIR/$P3.ko
		check_eq "install" "$out" "rklp: patch '$P3' installed for $rel as $dir/0003-$P3.ko"
		# Another release's directory (a machine with two kernels):
		# install refuses a module built for this kernel there, so the
		# file is put there by hand. It would load on this kernel: the
		# directory is what keeps it out.
		run_cli 1 install --kernel $OTHER $MODDIR/$PO.ko
		check_eq "install --kernel $OTHER" "$out" "rklp: '$MODDIR/$PO.ko' (module '$PO') is built for kernel $rel (its vermagic), not $OTHER; nothing installed"
		mkdir -p $STORE/$OTHER
		cp $MODDIR/$PO.ko $STORE/$OTHER/0001-$PO.ko
		run_cli 0 list --installed --kernel $OTHER
		check_eq "list --installed --kernel $OTHER" "$out" "$PO order=1 loaded=- file=$STORE/$OTHER/0001-$PO.ko"
		run_cli 0 list --installed
		check_eq "list --installed" "$out" "$P1 order=1 loaded=0 file=$dir/0001-$P1.ko
$P2 order=2 loaded=0 file=$dir/0002-$P2.ko
$P3 order=3 loaded=0 file=$dir/0003-$P3.ko"
		cmp -s $MODDIR/$P3.ko $dir/0003-$P3.ko || fail "the stored $P3 differs from $MODDIR/$P3.ko"
		# Installing loads nothing.
		run_cli 0 list
		case $out in *"$P1 "* | *"$P2 "* | *"$P3 "* | *"$PO "*) fail "rklp list after install: $out" ;; esac
		not_loaded $P1 $P2 $P3 $PO
		umount_store
		# What was installed went to the disk, not to the initramfs
		# under the mount point.
		[ ! -e $dir ] || fail "$dir is there without the disk: the store was not on it"
	fi
	end_test
	boot_again rklp.enable=0
	;;
2)
	start_test "$CASE2"
	case " $cmdline " in *" rklp.enable=0 "*) ;; *) fail "boot 2 without rklp.enable=0: $cmdline" ;; esac
	if mount_store; then
		unit_start
		[ "$unit_ran" = 0 ] || fail "rklp.service ran with rklp.enable=0 on the kernel command line"
		not_loaded $P1 $P2 $P3 $PO
		run_cli 0 list
		check_eq "rklp list" "$out" "no patches"
		# The store survived the reboot.
		run_cli 0 list --installed
		check_eq "list --installed after a reboot" "$out" "$P1 order=1 loaded=0 file=$dir/0001-$P1.ko
$P2 order=2 loaded=0 file=$dir/0002-$P2.ko
$P3 order=3 loaded=0 file=$dir/0003-$P3.ko"
	fi
	end_test
	start_test "$CASE3"
	if store_mounted; then
		run_cli 0 uninstall $P2
		check_eq "uninstall" "$out" "rklp: patch '$P2' uninstalled for $rel"
		[ ! -e $dir/0002-$P2.ko ] || fail "$dir/0002-$P2.ko is still there"
		run_cli 0 list --installed
		# (order: the place in the load order; the file keeps its number)
		check_eq "list --installed after uninstall" "$out" "$P1 order=1 loaded=0 file=$dir/0001-$P1.ko
$P3 order=2 loaded=0 file=$dir/0003-$P3.ko"
		umount_store
	else
		fail "the disk is not mounted (see the case before)"
	fi
	end_test
	boot_again
	;;
3)
	start_test "$CASE4"
	case " $cmdline " in *" rklp.enable=0 "*) fail "boot 3 with rklp.enable=0: $cmdline" ;; esac
	if mount_store; then
		unit_start
		[ "$unit_ran" = 1 ] || fail "rklp.service did not run"
		check_eq "rklp.service's output" "$unit_out" "rklp: patch '$P1' enabled
rklp: patch '$P3' enabled"
		for p in $P1 $P3; do
			check_file $SYSFS_RKLP/$p/enabled 1
			check_file $SYSFS_RKLP/$p/transition 0
		done
		check_file $SYSFS_RKLP/$P1/stack_order 1
		check_file $SYSFS_RKLP/$P3/stack_order 2
		# rklp_sample, loaded last, is the one that runs.
		check_file /proc/cmdline "this has been live patched"
		run_cli 0 list
		check_eq "rklp list" "$out" "$P1 enabled=1 transition=0 replace=0
$P3 enabled=1 transition=0 replace=0"
		run_cli 0 list --installed
		check_eq "list --installed" "$out" "$P1 order=1 loaded=1 file=$dir/0001-$P1.ko
$P3 order=2 loaded=1 file=$dir/0003-$P3.ko"
	fi
	# For the next case, before end_test's cleanup unloads the test
	# modules: what else the unit loaded.
	extra=""
	for p in $P2 $PO; do
		[ ! -e /sys/module/$p ] || extra="$extra $p"
	done
	read_file /proc/version
	version=$_rf
	end_test
	start_test "$CASE5"
	if [ "${unit_ran:-0}" = 1 ]; then
		[ -z "$extra" ] || fail "rklp.service loaded$extra"
		case $version in *"$P2"*) fail "/proc/version was $P2's: $version" ;; esac
		[ -e $STORE/$OTHER/0001-$PO.ko ] || fail "$STORE/$OTHER/0001-$PO.ko is gone"
	else
		fail "rklp.service did not run (see the case before)"
	fi
	store_mounted && umount_store
	check_no_leftovers $P1
	check_no_leftovers $P3
	end_test
	;;
*)
	start_test "reboot: boot $boot"
	fail "no boot $boot in this test (rklp_boot=$boot)"
	end_test
	;;
esac
