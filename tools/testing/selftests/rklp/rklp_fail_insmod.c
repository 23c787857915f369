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
#include <sys/syscall.h>
#include "rklp_fail_nth.h"

static int load_module(int fd, void *params)
{
	return syscall(SYS_finit_module, fd, params, 0) < 0 ? -1 : 0;
}

int main(int argc, char *argv[])
{
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s N FILE.ko [PARAMS]\n", argv[0]);
		return 2;
	}
	return fail_nth_run(argv[1], open(argv[2], O_RDONLY | O_CLOEXEC), load_module,
			    argc == 4 ? argv[3] : "");
}
