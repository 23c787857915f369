// SPDX-License-Identifier: GPL-2.0
/*
 * Symbol references through the C API (struct rklp_sym_desc, test-syms.sh):
 * a patch of rklp_test_sym whose replacement of rklp_test_sym_show() calls
 * the module's static functions and counts in its static variable.
 *
 *   mode=ok         rklp_test_sym_calls, rklp_test_sym_scale() and the
 *                   second rklp_test_sym_twice() (sympos 2)
 *   mode=ambiguous  rklp_test_sym_twice() without sympos: refused
 *   mode=nopos      rklp_test_sym_twice() at sympos 3: refused
 *   mode=missing    a name the module does not have: refused
 *   mode=other      cmdline_proc_show, a vmlinux function, under the
 *                   module's object: refused (names are looked up in
 *                   their own object only)
 *   mode=roslot     a slot in read-only data: refused
 *
 * /sys/module/test_rklp_sym_c/parameters/slots shows which slots are
 * filled ("calls scale twice", 1 or 0 each).
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <rklp/rklp.h>

static char *mode = "ok";
module_param(mode, charp, 0);

/* The slots: rklp stores the addresses here. */
static int *calls;
static int (*scale)(int x);
static int (*twice)(void);
/* Read-only data: not a slot rklp may write. */
static int ro_dummy(void)
{
	return 0;
}
static int (*const ro_slot)(void) = ro_dummy;

static int slots_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d %d %d\n", !!READ_ONCE(calls), !!READ_ONCE(scale),
			  !!READ_ONCE(twice));
}

static const struct kernel_param_ops slots_ops = {
	.get = slots_get,
};
module_param_cb(slots, &slots_ops, NULL, 0444);

static int test_rklp_sym_c_show(struct seq_file *m, void *v)
{
	int *c = READ_ONCE(calls);
	int (*s)(int) = READ_ONCE(scale);
	int (*t)(void) = READ_ONCE(twice);

	if (!c || !s || !t) {
		seq_puts(m, "test_rklp_sym_c: unresolved\n");
		return 0;
	}
	(*c)++;
	seq_printf(m, "test_rklp_sym_c: patched calls=%d scale(3)=%d twice=%d\n", *c, s(3), t());
	return 0;
}

static const struct rklp_func_desc funcs[] = {
	RKLP_FUNC("rklp_test_sym_show", test_rklp_sym_c_show),
};

static const struct rklp_sym_desc syms_ok[] = {
	RKLP_SYM("rklp_test_sym_calls", calls),
	RKLP_SYM("rklp_test_sym_scale", scale),
	RKLP_SYM_POS("rklp_test_sym_twice", twice, 2),
};
static const struct rklp_sym_desc syms_ambiguous[] = {
	RKLP_SYM("rklp_test_sym_twice", twice),
};
static const struct rklp_sym_desc syms_nopos[] = {
	RKLP_SYM_POS("rklp_test_sym_twice", twice, 3),
};
static const struct rklp_sym_desc syms_missing[] = {
	RKLP_SYM("rklp_test_sym_calls", calls),
	RKLP_SYM("rklp_test_sym_nosuch", scale),
};
static const struct rklp_sym_desc syms_other[] = {
	RKLP_SYM("cmdline_proc_show", scale),
};
static const struct rklp_sym_desc syms_roslot[] = {
	RKLP_SYM("rklp_test_sym_twice", ro_slot),
};

static const struct {
	const char *mode;
	const struct rklp_sym_desc *syms;
	size_t nr;
} modes[] = {
	{ "ok", syms_ok, ARRAY_SIZE(syms_ok) },
	{ "ambiguous", syms_ambiguous, ARRAY_SIZE(syms_ambiguous) },
	{ "nopos", syms_nopos, ARRAY_SIZE(syms_nopos) },
	{ "missing", syms_missing, ARRAY_SIZE(syms_missing) },
	{ "other", syms_other, ARRAY_SIZE(syms_other) },
	{ "roslot", syms_roslot, ARRAY_SIZE(syms_roslot) },
};

static struct rklp_object_desc objs[] = {
	RKLP_MODULE("rklp_test_sym", funcs),
};
static const struct rklp_patch_desc patch = RKLP_PATCH(objs);

static int __init test_rklp_sym_c_init(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		if (strcmp(mode, modes[i].mode))
			continue;
		/* objs is written once, here, before rklp reads it. */
		objs[0].syms = modes[i].syms;
		objs[0].nr_syms = modes[i].nr;
		return rklp_enable_patch(THIS_MODULE, &patch);
	}
	return -EINVAL;
}

static void __exit test_rklp_sym_c_exit(void)
{
}

module_init(test_rklp_sym_c_init);
module_exit(test_rklp_sym_c_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rklp selftest: symbol references through the C API");
