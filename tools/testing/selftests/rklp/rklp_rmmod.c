// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's rmmod: kmod 30's rmmod (tools/rmmod.c) as the selftests and
 * upstream's scripts use it, statically linked. "rmmod NAME..." checks
 * each module as kmod does (loaded, not built in, no holders, reference
 * count 0, from /sys/module/NAME), then removes it with delete_module(2)
 * and O_NONBLOCK; each refusal is kmod's "rmmod: ERROR: ..." line; the
 * exit code is 1 if any module was not removed.
 *
 * Why not kmod itself: see rklp_insmod.c. No option is taken (none is
 * used). Built statically on the host by scripts/run-guest.sh.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ERR(...) fprintf(stderr, "rmmod: ERROR: " __VA_ARGS__)

/* kmod's check_module_inuse(): 0 if NAME may be removed. */
static int check_module_inuse(const char *name)
{
	char path[512];
	struct dirent *d;
	struct stat st;
	int refcnt, holders = 0;
	DIR *dir;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	if (stat(path, &st) < 0) {
		snprintf(path, sizeof(path), "/sys/module/%s", name);
		if (stat(path, &st) == 0)
			ERR("Module %s is builtin.\n", name);
		else
			ERR("Module %s is not currently loaded\n", name);
		return -ENOENT;
	}
	snprintf(path, sizeof(path), "/sys/module/%s/holders", name);
	dir = opendir(path);
	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		if (!holders++)
			ERR("Module %s is in use by:", name);
		fprintf(stderr, " %s", d->d_name);
	}
	if (dir)
		closedir(dir);
	if (holders) {
		fputc('\n', stderr);
		return -EBUSY;
	}
	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", name);
	f = fopen(path, "re");
	if (!f) {
		ERR("Module unloading is not supported\n");
		return 0;
	}
	if (fscanf(f, "%d", &refcnt) != 1)
		refcnt = 0;
	fclose(f);
	if (refcnt > 0) {
		ERR("Module %s is in use\n", name);
		return -EBUSY;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	char name[256];
	int i, failed = 0;

	if (argc < 2 || argv[1][0] == '-') {
		ERR("usage: rmmod NAME... (no options)\n");
		return 1;
	}
	for (i = 1; i < argc; i++) {
		const char *base = strrchr(argv[i], '/');
		size_t n;
		char *p;

		/* kmod's name from a path (FILE.ko) or a name, '-' as '_'. */
		snprintf(name, sizeof(name), "%s", base ? base + 1 : argv[i]);
		n = strlen(name);
		if (n > 3 && !strcmp(name + n - 3, ".ko"))
			name[n - 3] = '\0';
		for (p = name; *p; p++)
			if (*p == '-')
				*p = '_';
		if (check_module_inuse(name) < 0) {
			failed++;
			continue;
		}
		if (syscall(SYS_delete_module, name, O_NONBLOCK) < 0) {
			ERR("could not remove module %s: %s\n", argv[i], strerror(errno));
			failed++;
		}
	}
	return failed ? 1 : 0;
}
