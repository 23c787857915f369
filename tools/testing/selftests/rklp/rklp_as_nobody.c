// SPDX-License-Identifier: GPL-2.0
/*
 * rklp_as_nobody CMD [ARGS...]: runs CMD as user and group nobody (65534),
 * without supplementary groups or capabilities (setuid from root drops
 * them): the guest has no /etc/passwd for su. Built statically on the host
 * by scripts/run-guest.sh.
 */
#include <grp.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s CMD [ARGS...]\n", argv[0]);
		return 2;
	}
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534)) {
		perror("rklp_as_nobody: setuid");
		return 2;
	}
	execvp(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
}
