/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the fail-nth helpers (rklp_fail_write.c, rklp_fail_insmod.c):
 * runs one operation with the N-th fault-injection point (failslab) this
 * task reaches during it failing (/proc/thread-self/fail-nth is per task),
 * and prints "ERRNO LEFT": the operation's errno (0 if it succeeded) and
 * what was left of the count (0: the failure was injected).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/*
 * @nth_arg: N, as given; @fd: opened beforehand by the caller (so opening
 * does not count), checked here; @op: the operation, returning < 0 with
 * errno set on failure. Returns the program's exit status.
 */
static int fail_nth_run(const char *nth_arg, int fd, int (*op)(int fd, void *arg), void *arg)
{
	char left[32] = "";
	ssize_t n;
	int nth, err = 0;

	nth = open("/proc/thread-self/fail-nth", O_RDWR);
	if (fd < 0 || nth < 0) {
		perror("open");
		return 2;
	}
	if (write(nth, nth_arg, strlen(nth_arg)) < 0) {
		perror("fail-nth");
		return 2;
	}
	if (op(fd, arg) < 0)
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
