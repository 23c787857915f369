// SPDX-License-Identifier: GPL-2.0
/*
 * rklp_swap_on_open FILE REPLACEMENT READY: the attacker of test-cli.sh's
 * "one descriptor" case. Watches FILE (inotify IN_OPEN), creates READY,
 * and as soon as anyone opens FILE renames REPLACEMENT over it, as a user
 * who can write the module's directory would between a tool's reads.
 * A reader that checks and loads through the descriptor it opened sees
 * only the original; one that opens the path again gets REPLACEMENT.
 * Gives up after 60 s. Built statically on the host by scripts/run-guest.sh.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/inotify.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	char buf[4096];
	int in, fd;

	if (argc != 4) {
		fprintf(stderr, "usage: %s FILE REPLACEMENT READY\n", argv[0]);
		return 2;
	}
	alarm(60);
	in = inotify_init1(IN_CLOEXEC);
	if (in < 0 || inotify_add_watch(in, argv[1], IN_OPEN) < 0) {
		perror("inotify");
		return 1;
	}
	fd = open(argv[3], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror(argv[3]);
		return 1;
	}
	close(fd);
	if (read(in, buf, sizeof(buf)) <= 0) {
		perror("read");
		return 1;
	}
	if (rename(argv[2], argv[1]) < 0) {
		perror("rename");
		return 1;
	}
	return 0;
}
