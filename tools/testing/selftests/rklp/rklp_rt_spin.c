// SPDX-License-Identifier: GPL-2.0
/*
 * rklp_rt_spin CPU SECONDS (built statically for the guest by run-guest.sh):
 * pins itself to CPU, becomes SCHED_FIFO 1, then spins in user space for
 * SECONDS (or until killed) without a system call: it never sleeps and,
 * with RT throttling off, never leaves its CPU, so it is never seen off CPU
 * by rklp's walk, and a kworker queued on its CPU never runs beside it
 * (test-transition.sh: it can only switch itself, on its way back to user
 * space from an interrupt). The time is read from the vDSO, and only every
 * 2^20 iterations.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile unsigned long spins;

int main(int argc, char **argv)
{
	struct sched_param sp = { .sched_priority = 1 };
	struct timespec t0, t;
	cpu_set_t set;
	long secs;

	if (argc != 3) {
		fprintf(stderr, "usage: %s CPU SECONDS\n", argv[0]);
		return 2;
	}
	CPU_ZERO(&set);
	CPU_SET(atoi(argv[1]), &set);
	secs = atol(argv[2]);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("sched_setaffinity");
		return 1;
	}
	if (sched_setscheduler(0, SCHED_FIFO, &sp)) {
		perror("sched_setscheduler");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		spins++;
		if (spins & ((1UL << 20) - 1))
			continue;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= secs)
			return 0;
	}
}
