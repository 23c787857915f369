// SPDX-License-Identifier: GPL-2.0
/*
 * Thread spawner of the rklp benchmarks (bench.sh, transition completion),
 * built statically for the guest by run-guest.sh:
 *
 *   rklp_bench_threads N sleep|busy READYFILE
 *	starts N threads that either sleep in the kernel (a read() of a pipe
 *	nobody writes) or spin in user space, creates READYFILE once all run,
 *	and stays until killed (SIGTERM ends them all).
 *
 * Busy threads wait at a start line (a read() that returns when the main
 * thread closes the pipe's write end) so that they do not slow down the
 * creation of the others.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STACK (64 * 1024)

static int sleep_pipe[2], start_pipe[2];
static volatile unsigned long spins;

static void *sleeper(void *unused)
{
	char c;

	for (;;)
		if (read(sleep_pipe[0], &c, 1) < 0)
			return NULL;
}

static void *spinner(void *unused)
{
	char c;

	if (read(start_pipe[0], &c, 1) < 0)
		return NULL;
	for (;;)
		spins++;
}

int main(int argc, char **argv)
{
	pthread_attr_t attr;
	pthread_t t;
	long i, n;
	int busy, fd;

	if (argc != 4 || (strcmp(argv[2], "sleep") && strcmp(argv[2], "busy"))) {
		fprintf(stderr, "usage: %s N sleep|busy READYFILE\n", argv[0]);
		return 2;
	}
	n = strtol(argv[1], NULL, 10);
	busy = !strcmp(argv[2], "busy");
	if (pipe(sleep_pipe) || pipe(start_pipe)) {
		perror("pipe");
		return 1;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, STACK);
	for (i = 0; i < n; i++) {
		int err = pthread_create(&t, &attr, busy ? spinner : sleeper, NULL);

		if (err) {
			fprintf(stderr, "thread %ld of %ld: %s\n", i + 1, n, strerror(err));
			return 1;
		}
	}
	close(start_pipe[1]);
	fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror(argv[3]);
		return 1;
	}
	close(fd);
	for (;;)
		pause();
}
