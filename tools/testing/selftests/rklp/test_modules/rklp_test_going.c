// SPDX-License-Identifier: GPL-2.0
/*
 * Target module whose exit() blocks while the parameter "exit_block" is set,
 * calling rklp_test_going_version() every 20 ms and storing its result in
 * "last_version" (1: original, 2: patched): a patch enabled while the module
 * is in MODULE_STATE_GOING must apply to it, as upstream livepatch does.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/module.h>

static bool exit_block = true;
module_param(exit_block, bool, 0644);
MODULE_PARM_DESC(exit_block, "keep exit() waiting");

static int last_version;
module_param(last_version, int, 0444);
MODULE_PARM_DESC(last_version, "what rklp_test_going_version() returned last");

static bool exiting;
module_param(exiting, bool, 0444);
MODULE_PARM_DESC(exiting, "exit() has started");

static int version = 1;

/* Patch target (the new version returns 2). */
int rklp_test_going_version(void);
noinline int rklp_test_going_version(void)
{
	return READ_ONCE(version);
}

static int __init rklp_test_going_init(void)
{
	WRITE_ONCE(last_version, rklp_test_going_version());
	return 0;
}

static void __exit rklp_test_going_exit(void)
{
	WRITE_ONCE(exiting, true);
	do {
		WRITE_ONCE(last_version, rklp_test_going_version());
		msleep(20);
	} while (READ_ONCE(exit_block));
	pr_info("exit done, last version %d\n", READ_ONCE(last_version));
}

module_init(rklp_test_going_init);
module_exit(rklp_test_going_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rklp selftest: a module whose exit() blocks");
