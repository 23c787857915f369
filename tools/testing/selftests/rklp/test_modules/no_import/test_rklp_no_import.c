// SPDX-License-Identifier: GPL-2.0
/*
 * A well-formed patch from a module that is marked as a patch module but
 * does not import the symbol namespace RKLP, in which rklp exports its ABI:
 * the loader must refuse it (test-refusals.sh). modpost refuses to build
 * such a module, so it has a directory of its own, built by a make of its
 * own in which modpost only warns (scripts/build-modules.sh).
 */
#include <linux/module.h>
#include <linux/seq_file.h>

#define RKLP_NO_MODINFO
#include <rklp/rklp.h>

static int test_rklp_no_import_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "test_rklp_no_import: this has been live patched\n");
	return 0;
}

static const struct rklp_func_desc funcs[] = {
	RKLP_FUNC("cmdline_proc_show", test_rklp_no_import_cmdline_proc_show),
};
static const struct rklp_object_desc objs[] = {
	RKLP_VMLINUX(funcs),
};
static const struct rklp_patch_desc patch = RKLP_PATCH(objs);

static int __init test_rklp_no_import_init(void)
{
	return rklp_enable_patch(THIS_MODULE, &patch);
}

static void __exit test_rklp_no_import_exit(void)
{
}

module_init(test_rklp_no_import_init);
module_exit(test_rklp_no_import_exit);
MODULE_INFO(rklp, "Y");
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rklp selftest: a patch module that does not import the namespace RKLP");
