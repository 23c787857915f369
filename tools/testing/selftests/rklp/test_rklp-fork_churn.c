// SPDX-License-Identifier: GPL-2.0
/*
 * rklp selftest helper: fork/exit churn. Each cycle forks a child that exits
 * at once and reaps it, so each task is created, exits and is freed.
 *   test_rklp-fork_churn N      N cycles, then exit 0
 *   test_rklp-fork_churn -f F   until file F exists
 * Prints the number of cycles done.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

int main(int argc, char *argv[])
{
	const char *stop = NULL;
	long n = -1, i;

	if (argc == 3 && !strcmp(argv[1], "-f"))
		stop = argv[2];
	else if (argc == 2)
		n = atol(argv[1]);
	else {
		fprintf(stderr, "usage: %s N | -f STOPFILE\n", argv[0]);
		return 2;
	}
	for (i = 0; n < 0 || i < n; i++) {
		pid_t pid;

		if (stop && !(i & 63) && access(stop, F_OK) == 0)
			break;
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0)
			_exit(0);
		if (waitpid(pid, NULL, 0) != pid) {
			perror("waitpid");
			return 1;
		}
	}
	printf("%ld\n", i);
	return 0;
}
