// SPDX-License-Identifier: GPL-2.0
/*
 * rklp selftest helper: task-creation storm (test-fork-storm.sh). Creates
 * and joins a thread that returns at once, in a loop, until file F exists:
 * each cycle is a clone() (rklp's fork probe, task_newtask), an exit and a
 * free, several times faster than fork() and wait() (no address space to
 * copy), so that tasks are created as fast as the guest allows.
 *   test_rklp-fork_storm -f F
 * Prints the number of threads created.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void *nothing(void *arg)
{
	return arg;
}

int main(int argc, char *argv[])
{
	long i;

	if (argc != 3 || strcmp(argv[1], "-f")) {
		fprintf(stderr, "usage: %s -f STOPFILE\n", argv[0]);
		return 2;
	}
	for (i = 0;; i++) {
		pthread_t t;
		int err;

		if (!(i & 63) && access(argv[2], F_OK) == 0)
			break;
		err = pthread_create(&t, NULL, nothing, NULL);
		if (err) {
			fprintf(stderr, "pthread_create: %s\n", strerror(err));
			return 1;
		}
		pthread_join(t, NULL);
	}
	printf("%ld\n", i);
	return 0;
}
