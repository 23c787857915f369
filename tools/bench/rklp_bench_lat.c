// SPDX-License-Identifier: GPL-2.0
/*
 * Latency probe of the rklp benchmarks (bench.sh), built statically for the
 * guest by run-guest.sh. Prints nanoseconds (CLOCK_MONOTONIC); the polls
 * sleep 100 us between reads.
 *
 *   rklp_bench_lat load KO PATCHDIR
 *	finit_module(KO), then wait until PATCHDIR/transition reads 0:
 *	prints "<ns until finit_module returned> <ns until transition 0>".
 *   rklp_bench_lat disable PATCHDIR
 *	write 0 to PATCHDIR/enabled, then wait until PATCHDIR is gone:
 *	prints "<ns>".
 *   rklp_bench_lat insmod KO
 *	finit_module(KO) alone (a transition held open stays open): prints
 *	"<ns>".
 *   rklp_bench_lat wait PATCHDIR
 *	wait until PATCHDIR/transition reads 0: prints "<ns>".
 *   rklp_bench_lat settle PATCHDIR COUNT QUIET_MS
 *	wait until PATCHDIR/settled (the functions of the patch on ftrace
 *	direct calls) reads COUNT, or has not changed for QUIET_MS: prints
 *	"<ns until then> <last value>".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_NS (3600ULL * 1000000000ULL)	/* livepatch of 5000 functions under TCG */

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void pause_poll(void)
{
	struct timespec ts = { 0, 100000 };

	nanosleep(&ts, NULL);
}

/* The first character of a sysfs file, or 0 if it cannot be read. */
static char read_char(const char *path)
{
	char c = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return 0;
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	return c;
}

static int do_load(const char *ko, const char *dir)
{
	char path[512];
	unsigned long long t0, t1;
	int fd;

	snprintf(path, sizeof(path), "%s/transition", dir);
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(ko);
		return 1;
	}
	t0 = now_ns();
	if (syscall(SYS_finit_module, fd, "", 0)) {
		fprintf(stderr, "finit_module %s: %s\n", ko, strerror(errno));
		return 1;
	}
	t1 = now_ns();
	close(fd);
	while (read_char(path) != '0') {
		if (now_ns() - t0 > TIMEOUT_NS) {
			fprintf(stderr, "%s: transition did not complete\n", dir);
			return 1;
		}
		pause_poll();
	}
	printf("%llu %llu\n", t1 - t0, now_ns() - t0);
	return 0;
}

static int do_disable(const char *dir)
{
	char path[512];
	unsigned long long t0;
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/enabled", dir);
	fd = open(path, O_WRONLY);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	t0 = now_ns();
	if (write(fd, "0", 1) != 1) {
		perror(path);
		return 1;
	}
	close(fd);
	while (stat(dir, &st) == 0) {
		if (now_ns() - t0 > TIMEOUT_NS) {
			fprintf(stderr, "%s: still there after disable\n", dir);
			return 1;
		}
		pause_poll();
	}
	printf("%llu\n", now_ns() - t0);
	return 0;
}

static int do_insmod(const char *ko)
{
	unsigned long long t0;
	int fd = open(ko, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		perror(ko);
		return 1;
	}
	t0 = now_ns();
	if (syscall(SYS_finit_module, fd, "", 0)) {
		fprintf(stderr, "finit_module %s: %s\n", ko, strerror(errno));
		return 1;
	}
	printf("%llu\n", now_ns() - t0);
	close(fd);
	return 0;
}

static int do_wait(const char *dir)
{
	char path[512];
	unsigned long long t0 = now_ns();

	snprintf(path, sizeof(path), "%s/transition", dir);
	while (read_char(path) != '0') {
		if (now_ns() - t0 > TIMEOUT_NS) {
			fprintf(stderr, "%s: transition did not complete\n", dir);
			return 1;
		}
		pause_poll();
	}
	printf("%llu\n", now_ns() - t0);
	return 0;
}

/* The number in a sysfs file, or -1 if it cannot be read. */
static long read_long(const char *path)
{
	char buf[32];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

static int do_settle(const char *dir, long count, unsigned long long quiet_ms)
{
	char path[512];
	unsigned long long t0 = now_ns(), changed = t0;
	long v, last = -2;

	snprintf(path, sizeof(path), "%s/settled", dir);
	for (;;) {
		v = read_long(path);
		if (v != last) {
			last = v;
			changed = now_ns();
		}
		if (v == count || now_ns() - changed > quiet_ms * 1000000ULL)
			break;
		if (now_ns() - t0 > TIMEOUT_NS)
			break;
		pause_poll();
	}
	/* Stopped changing: the time it last changed. */
	printf("%llu %ld\n", (v == count ? now_ns() : changed) - t0, v);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "insmod"))
		return do_insmod(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "wait"))
		return do_wait(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "settle"))
		return do_settle(argv[2], strtol(argv[3], NULL, 10), strtoull(argv[4], NULL, 10));
	if (argc == 4 && !strcmp(argv[1], "load"))
		return do_load(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "disable"))
		return do_disable(argv[2]);
	fprintf(stderr, "usage: %s load KO PATCHDIR | disable PATCHDIR | insmod KO | wait PATCHDIR | settle PATCHDIR COUNT QUIET_MS\n",
		argv[0]);
	return 2;
}
