// SPDX-License-Identifier: GPL-2.0
/*
 * Bad patches through rklp's raw C ABI (include/rklp/rklp.h), which the
 * typed Rust API cannot build; rklp must refuse each with -EINVAL and a
 * message, without reading past what the descriptor bounds allow:
 *
 *   mode=self      a function that is its own replacement (an endless loop)
 *   mode=initcb    a pre_patch callback in .init.text (freed after init)
 *   mode=wrongmod  another module's struct module as the patch's module
 *   mode=longname  a function name without NUL in its first 4096 bytes,
 *                  which end at an unmapped guard page
 *   mode=objname   the same for an object name
 *   mode=count     nr_funcs = 2^40, for an array of one at the end of a page
 *   mode=objdot, objdotdot, objslash, objnewline, objempty
 *                  an object named ".", "..", "a/b", "m\n1 sshd", ""
 *   mode=funcslash a function named "cmdline/proc_show"
 */
#include <linux/module.h>
#include <linux/vmalloc.h>
#include <rklp/rklp.h>

struct module *rklp_test_target_module(void);

static char *mode = "";
module_param(mode, charp, 0);

struct seq_file;
int test_rklp_bad_abi_func(struct seq_file *m, void *v);

/* A traceable function of this module (C functions have an ftrace site). */
noinline int test_rklp_bad_abi_func(struct seq_file *m, void *v)
{
	barrier();
	return 0;
}

static int __init test_rklp_bad_abi_pre_patch(const char *obj)
{
	return 0;
}

static int enable(struct module *mod, const char *objname, const char *fname,
		  void *new_func, struct rklp_func_desc *funcs,
		  size_t nr_funcs, int (*pre_patch)(const char *))
{
	struct rklp_func_desc func = {
		.old_name = fname,
		.new_func = new_func,
	};
	struct rklp_object_desc obj = {
		.name = objname,
		.funcs = funcs ? funcs : &func,
		.nr_funcs = funcs ? nr_funcs : 1,
		.callbacks.pre_patch = pre_patch,
	};
	struct rklp_patch_desc desc = {
		.abi_version = RKLP_ABI_VERSION,
		.objs = &obj,
		.nr_objs = 1,
	};

	return rklp_enable_patch(mod, &desc);
}

/* Object names that name no module (a module that never loads). */
static const struct {
	const char *mode, *name;
} bad_objnames[] = {
	{ "objdot", "." },
	{ "objdotdot", ".." },
	{ "objslash", "a/b" },
	{ "objnewline", "m\n1 sshd" },
	{ "objempty", "" },
};

/* A page with nothing after it: vmalloc leaves an unmapped guard page. */
static char *guarded_page(void)
{
	return vmalloc(PAGE_SIZE);
}

static int __init test_rklp_bad_abi_init(void)
{
	struct module *(*other)(void);
	struct rklp_func_desc *funcs;
	char *page;
	size_t i;
	int ret;

	if (!strcmp(mode, "self"))
		return enable(THIS_MODULE, KBUILD_MODNAME, "test_rklp_bad_abi_func",
			      test_rklp_bad_abi_func, NULL, 0, NULL);
	if (!strcmp(mode, "initcb"))
		return enable(THIS_MODULE, NULL, "cmdline_proc_show",
			      test_rklp_bad_abi_func, NULL, 0,
			      test_rklp_bad_abi_pre_patch);
	if (!strcmp(mode, "wrongmod")) {
		other = symbol_get(rklp_test_target_module);
		if (!other)
			return -ENOENT;
		ret = enable(other(), NULL, "cmdline_proc_show",
			     test_rklp_bad_abi_func, NULL, 0, NULL);
		symbol_put(rklp_test_target_module);
		return ret;
	}
	for (i = 0; i < ARRAY_SIZE(bad_objnames); i++)
		if (!strcmp(mode, bad_objnames[i].mode))
			return enable(THIS_MODULE, bad_objnames[i].name,
				      "rklp_test_target_show", test_rklp_bad_abi_func,
				      NULL, 0, NULL);
	if (!strcmp(mode, "funcslash"))
		return enable(THIS_MODULE, "rklp_test_target", "cmdline/proc_show",
			      test_rklp_bad_abi_func, NULL, 0, NULL);
	page = guarded_page();
	if (!page)
		return -ENOMEM;
	if (!strcmp(mode, "longname")) {
		memset(page, 'a', PAGE_SIZE);
		ret = enable(THIS_MODULE, NULL, page, test_rklp_bad_abi_func,
			     NULL, 0, NULL);
	} else if (!strcmp(mode, "objname")) {
		memset(page, 'a', PAGE_SIZE);
		ret = enable(THIS_MODULE, page, "cmdline_proc_show",
			     test_rklp_bad_abi_func, NULL, 0, NULL);
	} else if (!strcmp(mode, "count")) {
		funcs = (void *)(page + PAGE_SIZE - sizeof(*funcs));
		funcs->old_name = "cmdline_proc_show";
		funcs->new_func = test_rklp_bad_abi_func;
		funcs->old_sympos = 0;
		ret = enable(THIS_MODULE, NULL, NULL, NULL, funcs, 1UL << 40, NULL);
	} else {
		ret = -EINVAL;
	}
	vfree(page);
	return ret;
}

static void __exit test_rklp_bad_abi_exit(void)
{
}

module_init(test_rklp_bad_abi_init);
module_exit(test_rklp_bad_abi_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rklp selftest: bad patches through the raw C ABI");
