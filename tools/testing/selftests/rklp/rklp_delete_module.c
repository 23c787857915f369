// SPDX-License-Identifier: GPL-2.0
/*
 * rklp_delete_module NAME: removes module NAME with delete_module(2) and
 * O_NONBLOCK, as kmod's rmmod does; on failure prints
 * "rklp_delete_module: NAME: <strerror>" and exits 1.
 *
 * Why not rmmod: functions.sh's unload_mod runs for every module the
 * selftests load, and on the debug kernel under TCG starting kmod
 * (dynamically linked) costs about a second; this one is static.
 * Built statically on the host by scripts/run-guest.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s NAME\n", argv[0]);
		return 2;
	}
	if (syscall(SYS_delete_module, argv[1], O_NONBLOCK) < 0) {
		fprintf(stderr, "rklp_delete_module: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	return 0;
}
