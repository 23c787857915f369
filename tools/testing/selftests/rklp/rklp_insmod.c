// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's insmod: kmod 30's insmod (tools/insmod.c) as the selftests
 * and upstream's scripts use it, statically linked. "insmod FILE [ARGS...]"
 * loads FILE with finit_module(2), the arguments joined by spaces, as kmod
 * does for an uncompressed module; on failure it prints kmod's line,
 * "insmod: ERROR: could not insert module FILE: REASON", with kmod's
 * reasons (its mod_strerror), and exits 1.
 *
 * Why not kmod itself: it is linked against libcrypto, libzstd and liblzma,
 * and on the debug kernel under TCG starting it costs about a second, more
 * than most loads it asks for; upstream's scripts and the suite's refusal
 * cases start it hundreds of times. No option is taken (none is used).
 * Built statically on the host by scripts/run-guest.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* kmod 30's mod_strerror(). */
static const char *mod_strerror(int err)
{
	switch (err) {
	case ENOEXEC:
		return "Invalid module format";
	case ENOENT:
	case ESRCH:
		return "Unknown symbol in module";
	case EINVAL:
		return "Invalid parameters";
	default:
		return strerror(err);
	}
}

int main(int argc, char *argv[])
{
	size_t len = 1;
	char *opts;
	int i, fd;

	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "insmod: ERROR: usage: insmod FILE [ARGS...] (no options)\n");
		return 1;
	}
	for (i = 2; i < argc; i++)
		len += strlen(argv[i]) + 1;
	opts = calloc(1, len);
	if (!opts) {
		fprintf(stderr, "insmod: ERROR: could not allocate memory\n");
		return 1;
	}
	for (i = 2; i < argc; i++) {
		if (i > 2)
			strcat(opts, " ");
		strcat(opts, argv[i]);
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "insmod: ERROR: could not load module %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (syscall(SYS_finit_module, fd, opts, 0) < 0) {
		fprintf(stderr, "insmod: ERROR: could not insert module %s: %s\n", argv[1],
			mod_strerror(errno));
		return 1;
	}
	return 0;
}
