// SPDX-License-Identifier: GPL-2.0
/*
 * rklp_swap_after_open FILE REPLACEMENT CMD [ARG...]: the attacker of
 * test-cli.sh's "one descriptor" case. Runs CMD (and its children) under
 * ptrace and, as soon as one of them has opened FILE (an open(2),
 * openat(2) or openat2(2) returning a descriptor for FILE's inode),
 * renames REPLACEMENT over FILE: what a user who can write the module's
 * directory does between a tool's reads, at the worst moment, every time.
 * A reader that checks and loads through the descriptor it opened sees
 * only the original; one that opens the path again gets REPLACEMENT.
 * (The test kernel has neither inotify nor file leases.) Exits with CMD's
 * status; prints "swapped" on stderr when it swapped.
 * Built statically on the host by scripts/run-guest.sh.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define OPTIONS (PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | \
		 PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | \
		 PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL)

int main(int argc, char *argv[])
{
	struct stat orig, st;
	int swapped = 0, rc = 127, status;
	pid_t child, pid;

	if (argc < 4) {
		fprintf(stderr, "usage: %s FILE REPLACEMENT CMD [ARG...]\n", argv[0]);
		return 2;
	}
	if (stat(argv[1], &orig) < 0) {
		perror(argv[1]);
		return 2;
	}
	child = fork();
	if (child < 0) {
		perror("fork");
		return 2;
	}
	if (child == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		execvp(argv[3], argv + 3);
		perror(argv[3]);
		_exit(127);
	}
	if (waitpid(child, &status, 0) < 0 || !WIFSTOPPED(status)) {
		perror("waitpid");
		return 2;
	}
	ptrace(PTRACE_SETOPTIONS, child, 0, OPTIONS);
	ptrace(PTRACE_SYSCALL, child, 0, 0);
	while ((pid = waitpid(-1, &status, __WALL)) > 0) {
		int sig = 0;

		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			if (pid == child)
				rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			continue;
		}
		if (!WIFSTOPPED(status))
			continue;
		if (WSTOPSIG(status) == (SIGTRAP | 0x80)) {
			struct __ptrace_syscall_info info;

			if (!swapped &&
			    ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof(info), &info) > 0 &&
			    info.op == PTRACE_SYSCALL_INFO_EXIT && !info.exit.is_error &&
			    info.exit.rval >= 0) {
				char fd[64];

				snprintf(fd, sizeof(fd), "/proc/%d/fd/%lld", pid,
					 (long long)info.exit.rval);
				/*
				 * A call whose result is a descriptor of FILE:
				 * the first one is the open (no descriptor of
				 * FILE exists before).
				 */
				if (stat(fd, &st) == 0 && st.st_dev == orig.st_dev &&
				    st.st_ino == orig.st_ino) {
					if (rename(argv[2], argv[1]) < 0)
						perror("rename");
					else
						fprintf(stderr, "swapped\n");
					swapped = 1;
				}
			}
		} else if (status >> 16 == 0 && WSTOPSIG(status) != SIGTRAP &&
			   WSTOPSIG(status) != SIGSTOP) {
			/* A signal for the tracee: deliver it. */
			sig = WSTOPSIG(status);
		}
		ptrace(PTRACE_SYSCALL, pid, 0, sig);
	}
	return rc;
}
