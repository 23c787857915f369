// SPDX-License-Identifier: GPL-2.0
/*
 * rklp_fail_write N FILE VALUE: writes VALUE to FILE with the N-th
 * fault-injection point (failslab) reached by this task during that write
 * failing (/proc/thread-self/fail-nth), and prints "ERRNO LEFT": the
 * write's errno (0 if it succeeded) and what was left of the count (0: the
 * failure was injected). Files are opened first, so only the write counts.
 * Built statically on the host by scripts/run-guest.sh.
 */
#include "rklp_fail_nth.h"

static int write_value(int fd, void *value)
{
	return write(fd, value, strlen(value)) < 0 ? -1 : 0;
}

int main(int argc, char *argv[])
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s N FILE VALUE\n", argv[0]);
		return 2;
	}
	return fail_nth_run(argv[1], open(argv[2], O_WRONLY), write_value, argv[3]);
}
