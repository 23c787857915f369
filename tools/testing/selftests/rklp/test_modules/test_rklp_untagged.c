// SPDX-License-Identifier: GPL-2.0
/*
 * A well-formed patch from a module that is not marked as a patch module:
 * it opts out of rklp.h's .modinfo entries (RKLP_NO_MODINFO) and imports
 * the namespace RKLP by hand, so its modinfo has no "rklp: Y". rklp must
 * refuse the patch with -EINVAL, as upstream's klp_enable_patch() refuses
 * a module without "livepatch: Y" (test-refusals.sh).
 */
#include <linux/module.h>
#include <linux/seq_file.h>

#define RKLP_NO_MODINFO
#include <rklp/rklp.h>

static int test_rklp_untagged_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "test_rklp_untagged: this has been live patched\n");
	return 0;
}

static const struct rklp_func_desc funcs[] = {
	RKLP_FUNC("cmdline_proc_show", test_rklp_untagged_cmdline_proc_show),
};
static const struct rklp_object_desc objs[] = {
	RKLP_VMLINUX(funcs),
};
static const struct rklp_patch_desc patch = RKLP_PATCH(objs);

static int __init test_rklp_untagged_init(void)
{
	return rklp_enable_patch(THIS_MODULE, &patch);
}

static void __exit test_rklp_untagged_exit(void)
{
}

module_init(test_rklp_untagged_init);
module_exit(test_rklp_untagged_exit);
/* MODULE_IMPORT_NS(RKLP), as rklp.h spells it (a bare name on 6.12, a string on 7.3). */
MODULE_INFO(import_ns, "RKLP");
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rklp selftest: a patch from a module without the rklp modinfo tag");
