// SPDX-License-Identifier: GPL-2.0
/*
 * rklp_fail_insmod N FILE.ko [PARAMS]: loads FILE.ko (finit_module) with
 * the N-th fault-injection point (failslab) reached by this task during
 * the load failing (/proc/thread-self/fail-nth is per task, and a child
 * does not inherit it, so the load is done here, not by insmod), and
 * prints "ERRNO LEFT": the load's errno (0 if it succeeded) and what was
 * left of the count (0: the failure was injected). This reaches rklp's
 * module-coming path, which runs in the loading task.
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
	char left[32] = "";
	ssize_t n;
	int fd, nth, err = 0;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s N FILE.ko [PARAMS]\n", argv[0]);
		return 2;
	}
	fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	nth = open("/proc/thread-self/fail-nth", O_RDWR);
	if (fd < 0 || nth < 0) {
		perror("open");
		return 2;
	}
	if (write(nth, argv[1], strlen(argv[1])) < 0) {
		perror("fail-nth");
		return 2;
	}
	if (syscall(SYS_finit_module, fd, argc == 4 ? argv[3] : "", 0) < 0)
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
