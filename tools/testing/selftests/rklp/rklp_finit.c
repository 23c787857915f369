// SPDX-License-Identifier: GPL-2.0
/*
 * rklp_finit FILE.ko [PARAMS]: loads FILE.ko with finit_module(2), as
 * kmod's insmod does (same flags, the parameters as one string), and on
 * failure prints "rklp_finit: FILE.ko: <strerror>" and exits 1.
 *
 * Why not insmod: the failslab sweeps load a patch module once per
 * allocation (hundreds of times), and on the debug kernel under TCG,
 * starting kmod (dynamically linked against libcrypto, libzstd, liblzma)
 * costs more than the load it asks for. This one is static.
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
	const char *params = argc == 3 ? argv[2] : "";
	int fd;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: %s FILE.ko [PARAMS]\n", argv[0]);
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || syscall(SYS_finit_module, fd, params, 0) < 0) {
		fprintf(stderr, "rklp_finit: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	return 0;
}
