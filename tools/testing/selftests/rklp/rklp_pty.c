// SPDX-License-Identifier: GPL-2.0
/*
 * rklp_pty CMD [ARG...]: runs CMD with its stdout and stderr on a new
 * pseudo-terminal (80x24, its controlling terminal) and copies what it
 * writes there to stdout, so that test-cli.sh can see what the rklp tool
 * draws on a terminal (its progress line) and does not draw on a pipe.
 * Exits with CMD's status. Built statically on the host by
 * scripts/run-guest.sh.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	char buf[4096];
	int m, s, st;
	ssize_t n;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CMD [ARG...]\n", argv[0]);
		return 2;
	}
	m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0) {
		perror("posix_openpt");
		return 2;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		setsid();
		s = open(ptsname(m), O_RDWR);
		if (s < 0) {
			perror("ptsname");
			_exit(2);
		}
		ioctl(s, TIOCSCTTY, 0);
		ioctl(s, TIOCSWINSZ, &ws);
		dup2(s, 1);
		dup2(s, 2);
		close(s);
		close(m);
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	/* Until the last writer closes the terminal (EIO). */
	for (;;) {
		n = read(m, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (write(1, buf, n) != n)
			break;
	}
	if (waitpid(pid, &st, 0) < 0)
		return 2;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
