// SPDX-License-Identifier: GPL-2.0
/*
 * rklp_fuzz: seeded bad input for rklp's writable sysfs files and module
 * parameters (test-fuzz.sh). Each write's outcome is checked against an
 * oracle of what the kernel must answer: the parser the file uses
 * (kstrtobool for enabled/force, Rust's u32 parse for patch_state (a
 * query file in /proc: at most 32 bytes, a tid from 1 that names a task),
 * kstrtouint base 0 and its range
 * for kick_delay_ms), sysfs's one-page cut, and the
 * file's state rules. Inputs that would be a valid state change (writing
 * 0 to enabled, 1 to force during a transition) are not sent.
 *
 *   rklp_fuzz write SEED N WORKERS READERS KIND=FILE...
 *       N inputs per worker, spread over the files; WORKERS processes
 *       write at once while READERS processes read every file in a loop.
 *       KIND: enabled, force (no transition), force_tr (in a transition),
 *       ro (no write permission), pid (/proc/rklp/patch_state), uint (a
 *       uint param with kick_delay_ms's range, UINT_MIN to UINT_MAX_).
 *   rklp_fuzz nobody SEED N KIND=FILE...    as user nobody: every open for
 *       writing must fail with EACCES, every read of a 0400 file too.
 *   rklp_fuzz stale SEED N DIR     opens DIR/enabled and DIR/force, writes 0
 *       to enabled, waits for DIR to go, then writes N inputs through the
 *       open descriptors: each must fail with ENODEV.
 *
 * Prints "inputs I distinct D unexpected U" (D: distinct (file, bytes,
 * split) triples) and one "# UNEXPECTED ..." line per wrong answer.
 * Built statically on the host by scripts/run-guest.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096
#define MAXIN 9000
#define HASH_SLOTS (1 << 16)

enum kind { K_ENABLED, K_FORCE, K_FORCE_TR, K_RO, K_PID, K_UINT };
static const char *const kind_names[] = { "enabled", "force", "force_tr", "ro", "pid", "uint" };

struct target {
	enum kind kind;
	const char *path;
	char dir_enabled[512];	/* the patch's enabled file, to check it stays 1 */
};

/* Shared by all workers (MAP_SHARED): distinct-input hashes and counters. */
struct shared {
	uint64_t slots[HASH_SLOTS];
	long inputs, distinct, unexpected;
};
static struct shared *sh;

static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}
static unsigned int below(unsigned int n) { return rnd() % n; }

static void note_distinct(const char *path, enum kind k, const char *buf, size_t len, size_t split)
{
	uint64_t h = 1469598103934665603ULL ^ (k * 31 + split);
	size_t i, s;

	for (i = 0; path[i]; i++)
		h = (h ^ (unsigned char)path[i]) * 1099511628211ULL;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)buf[i]) * 1099511628211ULL;
	h = (h ^ len) * 1099511628211ULL;
	if (!h)
		h = 1;
	for (s = h % HASH_SLOTS, i = 0; i < HASH_SLOTS; i++, s = (s + 1) % HASH_SLOTS) {
		uint64_t old = __sync_val_compare_and_swap(&sh->slots[s], 0, h);
		if (old == 0) {
			__sync_fetch_and_add(&sh->distinct, 1);
			return;
		}
		if (old == h)
			return;
	}
}

/* kstrtobool (lib/kstrtox.c): 1 true, 0 false, -1 invalid. The kernel
 * NUL-terminates the written bytes. */
static int kbool(const char *s, size_t len)
{
	char c0 = len > 0 ? s[0] : 0, c1 = len > 1 ? s[1] : 0;

	switch (c0) {
	case 'y': case 'Y': case 't': case 'T': case '1': return 1;
	case 'n': case 'N': case 'f': case 'F': case '0': return 0;
	case 'o': case 'O':
		if (c1 == 'n' || c1 == 'N') return 1;
		if (c1 == 'f' || c1 == 'F') return 0;
	}
	return -1;
}

/* kstrtouint(s, 0): 0 or -EINVAL/-ERANGE; the string ends at a NUL. */
static int kuint(const char *buf, size_t len, unsigned long long *out)
{
	char s[PAGE + 2];
	unsigned long long res = 0;
	unsigned int base, rv = 0, ovf = 0;
	const char *p;

	memcpy(s, buf, len);
	s[len] = 0;
	s[len + 1] = 0;
	p = s;
	if (*p == '+')
		p++;
	if (p[0] == '0') {
		int lx = p[1] == 'x' || p[1] == 'X';
		int hx = (p[1] && strchr("0123456789abcdefABCDEF", p[2]) && p[2]);
		base = (lx && hx) ? 16 : 8;
	} else {
		base = 10;
	}
	if (base == 16)
		p += 2;
	for (;; p++, rv++) {
		unsigned int c = (unsigned char)*p, lc = c | 0x20, val;
		if (c >= '0' && c <= '9')
			val = c - '0';
		else if (lc >= 'a' && lc <= 'f')
			val = lc - 'a' + 10;
		else
			break;
		if (val >= base)
			break;
		if ((res & (~0ULL << 60)) && res > (~0ULL - val) / base)
			ovf = 1;
		res = res * base + val;
	}
	if (ovf)
		return -ERANGE;
	if (rv == 0)
		return -EINVAL;
	if (*p == '\n')
		p++;
	if (*p)
		return -EINVAL;
	if (res > 0xffffffffULL)
		return -ERANGE;
	*out = res;
	return 0;
}

/* Rust's str::trim + u32::from_str + i32::try_from over the whole write
 * (NULs included): 0 (the number in *out), -EINVAL, or 1 for "not
 * predictable" (bytes >= 0x80, which may be Unicode whitespace that trim
 * removes). */
static int rust_pid(const char *s, size_t len, unsigned long long *out)
{
	size_t a = 0, b = len, i;
	unsigned long long v = 0;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	while (a < b && strchr(" \t\n\v\f\r", s[a]) && s[a])
		a++;
	while (b > a && strchr(" \t\n\v\f\r", s[b - 1]) && s[b - 1])
		b--;
	if (a < b && s[a] == '+')
		a++;
	if (a == b)
		return -EINVAL;
	for (i = a; i < b; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
		if (v > 0xffffffffULL)
			return -EINVAL;
	}
	*out = v;
	return v > 0x7fffffffULL ? -EINVAL : 0;
}

/* kick_delay_ms's range (Documentation/rklp.rst): outside, EINVAL. */
#define UINT_MIN 1000ULL
#define UINT_MAX_ 3600000ULL

#define SKIP 1000	/* a valid state change: not sent */
#define ANY 1001	/* not predictable (only "no crash, nothing changed") */
#define OK_OR_SRCH 1002	/* a tid: 0 if it names a task then, else -ESRCH */
#define PID_QUESTION_MAX 32	/* longest write patch_state takes */

static int matches(int want, int got)
{
	if (want == ANY)
		return 1;
	if (want == OK_OR_SRCH)
		return got == 0 || got == -ESRCH;
	return got == want;
}

/* What writing these bytes (one write) must return: 0 or -errno. */
static int expect(enum kind k, const char *buf, size_t len)
{
	unsigned long long v;
	int b;

	if (len > PAGE)
		len = PAGE;
	switch (k) {
	case K_ENABLED:
		/* The patch is enabled: only "disable" would be accepted. */
		return kbool(buf, len) == 0 ? SKIP : -EINVAL;
	case K_FORCE:
		/* No transition: "force" is refused, "don't force" is a no-op. */
		b = kbool(buf, len);
		return b == 1 ? -EINVAL : b == 0 ? 0 : -EINVAL;
	case K_FORCE_TR:
		b = kbool(buf, len);
		return b == 1 ? SKIP : b == 0 ? 0 : -EINVAL;
	case K_RO:
		return -EACCES;
	case K_PID:
		if (len > PID_QUESTION_MAX)
			return -EINVAL;
		b = rust_pid(buf, len, &v);
		if (b)
			return b == 1 ? ANY : b;
		/* tid 0 is no tid; others name a task or not (tasks come and
		 * go while the fuzz runs). */
		return v == 0 ? -EINVAL : OK_OR_SRCH;
	case K_UINT:
		/* Any parse error is EINVAL too (rust/param.rs). */
		if (kuint(buf, len, &v))
			return -EINVAL;
		return v < UINT_MIN || v > UINT_MAX_ ? -EINVAL : 0;
	}
	return -EINVAL;
}

static const char *const edge[] = {
	"", "\n", " ", "\t", "1", "0", "2", "-1", "-0", "+1", "+0", "++1", " 1", "1 ",
	"1\n", "1\n\n", "\n1", "\t1\t", "01", "08", "007", "0x", "0x1", "0X1f", "0xg",
	"0x0x1", "1e3", "1.0", "1,0", "one", "y", "Y", "yes", "ye", "t", "T", "true",
	"on", "ON", "oN", "On", "of", "oF", "off", "OFF", "o", "O", "o\n", "n", "N",
	"no", "f", "F", "false", "e", "enable", "d", "disable", "x", "-", "+", "*",
	"4294967295", "4294967296", "2147483647", "2147483648", "-2147483648",
	"18446744073709551615", "18446744073709551616", "99999999999999999999999999",
	"0xffffffff", "0x100000000", "0xffffffffffffffff", "0x10000000000000000",
	"037777777777", "040000000000", "1 2", "1\t2", "\v1", "\f1", "1\r", "\r\n",
	"%s%s%s%n", "../../../etc/passwd", "$(reboot)", "`reboot`", "\\", "\"1\"", "'1'",
};

/* One input into buf (returns its length); *split: bytes of the first of
 * two write() calls, or 0 for one call. */
static size_t gen(char *buf, size_t *split, long i)
{
	static const char num[] = "0123456789+-xXabcdefABCDEF \t\n\v\f\r";
	static const char bools[] = "yYtTnNfFoO01eEdD \n";
	size_t len, j, n_edge = sizeof(edge) / sizeof(edge[0]);
	unsigned int how = below(12);

	*split = 0;
	if (i < (long)n_edge) {
		len = strlen(edge[i]);
		memcpy(buf, edge[i], len);
		return len;
	}
	switch (how) {
	case 0: /* an edge case with a NUL inside or after */
		j = below(n_edge);
		len = strlen(edge[j]);
		memcpy(buf, edge[j], len);
		buf[len] = 0;
		j = below(n_edge);
		strncpy(buf + len + 1, edge[j], 4);
		len += 1 + below(strlen(edge[j]) < 4 ? strlen(edge[j]) + 1 : 5);
		if (below(2)) { memmove(buf + 1, buf, len); buf[0] = 0; len++; }
		return len;
	case 1: /* about a page: 4095..4097 bytes, or up to 9000 */
		len = below(4) ? PAGE - 1 + below(3) : PAGE + below(MAXIN - PAGE);
		memset(buf, "10an \n"[below(6)], len);
		buf[0] = "1yn0o+ x"[below(8)];
		return len;
	case 2: case 3: /* numeric-ish */
		len = below(24);
		for (j = 0; j < len; j++)
			buf[j] = num[below(sizeof(num) - 1)];
		return len;
	case 4: case 5: /* boolean-ish */
		len = 1 + below(4);
		for (j = 0; j < len; j++)
			buf[j] = bools[below(sizeof(bools) - 1)];
		return len;
	case 6: /* any bytes */
		len = below(40);
		for (j = 0; j < len; j++)
			buf[j] = rnd();
		return len;
	case 7: /* long digit strings (overflow) */
		len = 9 + below(30);
		for (j = 0; j < len; j++)
			buf[j] = '0' + below(10);
		if (below(2)) buf[0] = '+';
		return len;
	default: /* an edge case split in two writes */
		j = below(n_edge);
		len = strlen(edge[j]);
		memcpy(buf, edge[j], len);
		if (len >= 2)
			*split = 1 + below(len - 1);
		return len;
	}
}

static void hexdump(char *out, const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < 24; i++)
		out += sprintf(out, "%02x", (unsigned char)buf[i]);
	if (len > 24)
		sprintf(out, "...(%zu bytes)", len);
}

static void unexpected(const struct target *t, const char *buf, size_t len,
		       const char *what, int got, int want)
{
	char hex[128] = "";

	hexdump(hex, buf, len);
	printf("# UNEXPECTED %s %s [%s] %s: got %d, expected %d\n",
	       kind_names[t->kind], t->path, hex, what, got, want);
	fflush(stdout);
	__sync_fetch_and_add(&sh->unexpected, 1);
}

static char orig_uint[64];

/* After a write: the patch is still enabled; a uint param gets its value
 * back (a valid number is a valid setting, not a bad input, but the run
 * must not change the system). */
static void check_after(const struct target *t, const char *buf, size_t len)
{
	char s[64] = "";
	int fd;
	ssize_t n;

	if (t->dir_enabled[0]) {
		fd = open(t->dir_enabled, O_RDONLY);
		n = fd < 0 ? -1 : read(fd, s, sizeof(s) - 1);
		if (fd >= 0)
			close(fd);
		if (n != 2 || strcmp(s, "1\n"))
			unexpected(t, buf, len, "patch no longer enabled", (int)n, 2);
	}
	/* Always: with a split write, the first part may have been taken. */
	if (t->kind == K_UINT && orig_uint[0]) {
		fd = open(t->path, O_WRONLY);
		if (fd < 0 || write(fd, orig_uint, strlen(orig_uint)) < 0)
			unexpected(t, buf, len, "cannot restore", errno, 0);
		if (fd >= 0)
			close(fd);
	}
}

/* One write() call: 0 if it took every byte (sysfs cuts at a page), -errno. */
static int write_once(int fd, const char *buf, size_t len)
{
	ssize_t n = write(fd, buf, len);

	if (n < 0)
		return -errno;
	if ((size_t)n != (len > PAGE ? PAGE : len))
		return -1000 - (int)n;
	return 0;
}

static void one_input(const struct target *t, char *buf, size_t len, size_t split)
{
	int want, want2 = 0, got, got2 = 0, fd;

	if (split) {
		want = expect(t->kind, buf, split);
		want2 = expect(t->kind, buf + split, len - split);
		if (want == SKIP || want2 == SKIP)
			return;
	} else {
		want = expect(t->kind, buf, len);
		if (want == SKIP)
			return;
	}
	/* An empty write never reaches the store. */
	if (len == 0 && t->kind != K_RO)
		want = 0;
	__sync_fetch_and_add(&sh->inputs, 1);
	note_distinct(t->path, t->kind, buf, len, split);
	fd = open(t->path, O_WRONLY);
	if (fd < 0) {
		got = -errno;
		if (got != want)
			unexpected(t, buf, len, "open", got, want);
		return;
	}
	if (split) {
		got = write_once(fd, buf, split);
		got2 = write_once(fd, buf + split, len - split);
	} else {
		got = write_once(fd, buf, len);
	}
	close(fd);
	if (!matches(want, got))
		unexpected(t, buf, len, "write", got, want);
	if (split && !matches(want2, got2))
		unexpected(t, buf, len, "second write", got2, want2);
	check_after(t, buf, len);
}

static int parse_targets(struct target *t, int n, char **argv)
{
	int i, k;

	for (i = 0; i < n; i++) {
		char *eq = strchr(argv[i], '=');
		if (!eq)
			return -1;
		*eq = 0;
		for (k = 0; k <= K_UINT; k++)
			if (!strcmp(argv[i], kind_names[k]))
				break;
		if (k > K_UINT)
			return -1;
		t[i].kind = k;
		t[i].path = eq + 1;
		t[i].dir_enabled[0] = 0;
		if (k == K_ENABLED || k == K_FORCE || k == K_FORCE_TR) {
			snprintf(t[i].dir_enabled, sizeof(t[i].dir_enabled), "%s", t[i].path);
			strcpy(strrchr(t[i].dir_enabled, '/') + 1, "enabled");
		}
		if (k == K_UINT) {
			int fd = open(t[i].path, O_RDONLY);
			ssize_t r = fd < 0 ? -1 : read(fd, orig_uint, sizeof(orig_uint) - 1);
			if (r <= 0)
				return -1;
			close(fd);
		}
	}
	return 0;
}

static void reader(struct target *t, int n)
{
	char buf[PAGE];
	int i, fd;

	for (;;)
		for (i = 0; i < n; i++) {
			fd = open(t[i].path, O_RDONLY);
			if (fd >= 0) {
				while (read(fd, buf, sizeof(buf)) > 0)
					;
				close(fd);
			}
		}
}

static void summary(void)
{
	printf("inputs %ld distinct %ld unexpected %ld\n", sh->inputs, sh->distinct, sh->unexpected);
}

int main(int argc, char *argv[])
{
	static char buf[MAXIN + 16];
	struct target t[32];
	unsigned long seed;
	long n, i;
	int nt, w, workers, readers, status;
	pid_t rpids[16];
	size_t len, split;

	if (argc < 5)
		goto usage;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 2;
	seed = strtoul(argv[2], NULL, 0);
	n = strtol(argv[3], NULL, 0);

	if (!strcmp(argv[1], "write")) {
		if (argc < 7)
			goto usage;
		workers = atoi(argv[4]);
		readers = atoi(argv[5]);
		nt = argc - 6;
		if (nt > 32 || readers > 16 || parse_targets(t, nt, argv + 6))
			goto usage;
		for (i = 0; i < readers; i++) {
			rpids[i] = fork();
			if (rpids[i] == 0) {
				reader(t, nt);
				_exit(0);
			}
		}
		for (w = 0; w < workers; w++) {
			if (fork() == 0) {
				rng_state = (seed << 8) ^ (w + 1) ^ 0x9e3779b97f4a7c15ULL;
				for (i = 0; i < n; i++) {
					len = gen(buf, &split, i);
					one_input(&t[(i + w) % nt], buf, len, split);
					/* Edge cases go to every file. */
					if (i < 90)
						for (int k = 1; k < nt; k++)
							one_input(&t[(i + w + k) % nt], buf, len, split);
				}
				_exit(0);
			}
		}
		for (w = 0; w < workers; w++)
			wait(&status);
		for (i = 0; i < readers; i++) {
			kill(rpids[i], SIGKILL);
			waitpid(rpids[i], &status, 0);
		}
		summary();
		return 0;
	}
	if (!strcmp(argv[1], "nobody")) {
		nt = argc - 4;
		if (nt > 32 || parse_targets(t, nt, argv + 4))
			goto usage;
		if (setgid(65534) || setuid(65534)) {
			perror("setuid");
			return 2;
		}
		rng_state = seed ^ 0x5bd1e995;
		for (i = 0; i < n; i++) {
			struct target *tt = &t[i % nt];
			int fd;

			len = gen(buf, &split, i / nt);
			__sync_fetch_and_add(&sh->inputs, 1);
			note_distinct(tt->path, 100 + tt->kind, buf, len, split);
			fd = open(tt->path, O_WRONLY);
			if (fd >= 0 || errno != EACCES) {
				unexpected(tt, buf, len, "open as nobody", fd >= 0 ? 0 : -errno, -EACCES);
				if (fd >= 0)
					close(fd);
			}
		}
		summary();
		return 0;
	}
	if (!strcmp(argv[1], "stale")) {
		char en[512], fo[512];
		struct stat st;
		int fe, ff, tries;
		struct target te = { K_ENABLED, en, "" }, tf = { K_FORCE, fo, "" };

		snprintf(en, sizeof(en), "%s/enabled", argv[4]);
		snprintf(fo, sizeof(fo), "%s/force", argv[4]);
		fe = open(en, O_RDWR);
		ff = open(fo, O_WRONLY);
		if (fe < 0 || ff < 0 || write(fe, "0", 1) != 1) {
			perror("stale: open or disable");
			return 2;
		}
		for (tries = 0; stat(argv[4], &st) == 0; tries++) {
			if (tries > 600) {
				fprintf(stderr, "stale: %s never went away\n", argv[4]);
				return 2;
			}
			usleep(100000);
		}
		rng_state = seed ^ 0x1234567;
		for (i = 0; i < n; i++) {
			struct target *tt = i % 2 ? &tf : &te;
			int fd = i % 2 ? ff : fe, got;

			len = gen(buf, &split, i / 2);
			if (len == 0)
				continue;
			__sync_fetch_and_add(&sh->inputs, 1);
			note_distinct(tt->path, 200 + tt->kind, buf, len, 0);
			got = write_once(fd, buf, len);
			if (got != -ENODEV)
				unexpected(tt, buf, len, "write to a removed patch's file", got, -ENODEV);
		}
		if (pread(fe, buf, 8, 0) >= 0 || errno != ENODEV)
			unexpected(&te, "", 0, "read of a removed patch's file", -errno, -ENODEV);
		close(fe);
		close(ff);
		summary();
		return 0;
	}
usage:
	fprintf(stderr, "usage: see the comment at the top of rklp_fuzz.c\n");
	return 2;
}
