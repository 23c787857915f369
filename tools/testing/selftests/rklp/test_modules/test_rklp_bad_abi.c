// SPDX-License-Identifier: GPL-2.0
/*
 * Bad patches through rklp's raw C ABI (include/rklp/abi.rs), which the
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
 */
#include <linux/module.h>
#include <linux/vmalloc.h>

/* include/rklp/abi.rs, ABI version 3 */
struct rklp_func_desc {
	const char *old_name;
	const void *new_func;
	unsigned long old_sympos;
};

struct rklp_callbacks {
	int (*pre_patch)(const char *obj);
	void (*post_patch)(const char *obj);
	void (*pre_unpatch)(const char *obj);
	void (*post_unpatch)(const char *obj);
};

struct rklp_object_desc {
	const char *name;
	const struct rklp_func_desc *funcs;
	size_t nr_funcs;
	struct rklp_callbacks callbacks;
};

struct rklp_state;

struct rklp_patch_desc {
	u32 abi_version;
	u32 flags;
	const struct rklp_object_desc *objs;
	size_t nr_objs;
	const struct rklp_state *states;
	size_t nr_states;
};

int rklp_enable_patch(struct module *mod, const struct rklp_patch_desc *desc);
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
		  const void *new_func, struct rklp_func_desc *funcs,
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
		.abi_version = 3,
		.objs = &obj,
		.nr_objs = 1,
	};

	return rklp_enable_patch(mod, &desc);
}

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
