// SPDX-License-Identifier: GPL-2.0
/*
 * Prototype checks from C (test-protos.sh): mode=typed records the
 * replacement's prototype with RKLP_FUNC_TYPED (accepted), mode=bad
 * records a wrong one (an int for cmdline_proc_show's void *v: refused
 * where the kernel has BTF), mode=untyped uses RKLP_FUNC (not checked, and
 * said), mode=abi4 passes a descriptor of ABI 4 (before prototypes: still
 * loads, not checked, and said).
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <rklp/rklp.h>

static char *mode = "typed";
module_param(mode, charp, 0);

static int test_rklp_proto_c_show(struct seq_file *m, void *v)
{
	seq_puts(m, "test_rklp_proto_c: this has been live patched\n");
	return 0;
}

static int test_rklp_proto_c_bad(struct seq_file *m, int v)
{
	seq_puts(m, "test_rklp_proto_c: this has been live patched (bad)\n");
	return 0;
}

static struct rklp_func_desc typed[] = {
	RKLP_FUNC_TYPED("cmdline_proc_show", test_rklp_proto_c_show,
			int, struct seq_file *, void *),
};
static struct rklp_func_desc bad[] = {
	RKLP_FUNC_TYPED("cmdline_proc_show", test_rklp_proto_c_bad,
			int, struct seq_file *, int),
};
static struct rklp_func_desc untyped[] = {
	RKLP_FUNC("cmdline_proc_show", test_rklp_proto_c_show),
};

/* ABI 4's function descriptor: struct rklp_func_desc without @proto. */
struct rklp_func_desc_v4 {
	const char *old_name;
	void *new_func;
	unsigned long old_sympos;
};
static const struct rklp_func_desc_v4 abi4[] = {
	{ .old_name = "cmdline_proc_show", .new_func = test_rklp_proto_c_show },
};

static int test_rklp_proto_c_init(void)
{
	struct rklp_object_desc obj = { .funcs = typed, .nr_funcs = 1 };
	struct rklp_patch_desc patch = {
		.abi_version = RKLP_ABI_VERSION, .objs = &obj, .nr_objs = 1,
	};

	if (!strcmp(mode, "bad")) {
		obj.funcs = bad;
	} else if (!strcmp(mode, "untyped")) {
		obj.funcs = untyped;
	} else if (!strcmp(mode, "abi4")) {
		obj.funcs = (const struct rklp_func_desc *)abi4;
		patch.abi_version = RKLP_ABI_VERSION_MIN;
	} else if (strcmp(mode, "typed")) {
		return -EINVAL;
	}
	return rklp_enable_patch(THIS_MODULE, &patch);
}

static void test_rklp_proto_c_exit(void)
{
}

module_init(test_rklp_proto_c_init);
module_exit(test_rklp_proto_c_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rklp selftest: prototype checks of C patches");
