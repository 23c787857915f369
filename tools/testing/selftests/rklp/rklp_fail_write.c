// SPDX-License-Identifier: GPL-2.0
/*
 * rklp_fail_write N FILE VALUE: writes VALUE to FILE with the N-th
 * fault-injection point (failslab) reached by this task during that write
 * failing (/proc/thread-self/fail-nth), and prints "ERRNO LEFT": the
 * write's errno (0 if it succeeded) and what was left of the count (0: the
 * failure was injected). Files are opened first, so only the write counts.
 * Built statically on the host by scripts/run-guest.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	char left[32] = "";
	ssize_t n;
	int fd, nth, err = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: %s N FILE VALUE\n", argv[0]);
		return 2;
	}
	fd = open(argv[2], O_WRONLY);
	nth = open("/proc/thread-self/fail-nth", O_RDWR);
	if (fd < 0 || nth < 0) {
		perror("open");
		return 2;
	}
	if (write(nth, argv[1], strlen(argv[1])) < 0) {
		perror("fail-nth");
		return 2;
	}
	if (write(fd, argv[3], strlen(argv[3])) < 0)
		err = errno;
	n = pread(nth, left, sizeof(left) - 1, 0);
	left[n > 0 ? n : 0] = '\0';
	if (write(nth, "0", 1) < 0) {
		perror("fail-nth");
		return 2;
	}
	printf("%d %s", err, left);
	return 0;
}
