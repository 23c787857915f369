// SPDX-License-Identifier: GPL-2.0
/*
 * Shadow variables under fault injection (test-faults.sh): writing to
 * /sys/module/rklp_test_shadow_fail/parameters/alloc (or get_or_alloc)
 * makes one rklp_shadow_alloc() (rklp_shadow_get_or_alloc()) of a variable
 * whose constructor itself allocates (GFP_ATOMIC: it runs under rklp's
 * shadow lock), so failslab's fail-nth can fail rklp's allocation or the
 * constructor's. The write answers:
 *   0        the variable was made, found by rklp_shadow_get() and freed
 *            (its destructor frees the constructor's buffer);
 *   -ENOMEM  the call returned NULL and the variable is absent;
 *   -EIO     the call returned NULL but the variable is there, or it
 *            returned a variable rklp_shadow_get() does not find, or one
 *            without its constructor's buffer.
 * Read-only parameters: present (1 if the variable exists) and live (the
 * constructor's buffers not freed by the destructor: 0 means no leak).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <rklp/rklp.h>

#define SV_ID 0xfa11
static int obj;			/* the object the variable belongs to */
static atomic_t live = ATOMIC_INIT(0);

struct sv {
	void *buf;
};

static int sv_ctor(void *o, void *shadow_data, void *ctor_data)
{
	struct sv *sv = shadow_data;

	sv->buf = kmalloc(32, GFP_ATOMIC);
	if (!sv->buf)
		return -ENOMEM;
	atomic_inc(&live);
	return 0;
}

static void sv_dtor(void *o, void *shadow_data)
{
	struct sv *sv = shadow_data;

	kfree(sv->buf);
	atomic_dec(&live);
}

static int one_alloc(bool get_or_alloc)
{
	struct sv *sv;

	if (get_or_alloc)
		sv = rklp_shadow_get_or_alloc(&obj, SV_ID, sizeof(*sv), GFP_KERNEL, sv_ctor, NULL);
	else
		sv = rklp_shadow_alloc(&obj, SV_ID, sizeof(*sv), GFP_KERNEL, sv_ctor, NULL);
	if (!sv) {
		if (rklp_shadow_get(&obj, SV_ID)) {
			pr_err("NULL returned but the variable exists\n");
			rklp_shadow_free(&obj, SV_ID, sv_dtor);
			return -EIO;
		}
		return -ENOMEM;
	}
	if (rklp_shadow_get(&obj, SV_ID) != sv || !sv->buf) {
		pr_err("variable made but not found, or not constructed\n");
		return -EIO;
	}
	rklp_shadow_free(&obj, SV_ID, sv_dtor);
	return rklp_shadow_get(&obj, SV_ID) ? -EIO : 0;
}

static int set_alloc(const char *val, const struct kernel_param *kp)
{
	return one_alloc(false);
}

static int set_get_or_alloc(const char *val, const struct kernel_param *kp)
{
	return one_alloc(true);
}

static int get_present(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", rklp_shadow_get(&obj, SV_ID) != NULL);
}

static int get_live(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&live));
}

static const struct kernel_param_ops alloc_ops = { .set = set_alloc };
static const struct kernel_param_ops get_or_alloc_ops = { .set = set_get_or_alloc };
static const struct kernel_param_ops present_ops = { .get = get_present };
static const struct kernel_param_ops live_ops = { .get = get_live };
module_param_cb(alloc, &alloc_ops, NULL, 0200);
module_param_cb(get_or_alloc, &get_or_alloc_ops, NULL, 0200);
module_param_cb(present, &present_ops, NULL, 0444);
module_param_cb(live, &live_ops, NULL, 0444);

static void __exit rklp_test_shadow_fail_exit(void)
{
	rklp_shadow_free(&obj, SV_ID, sv_dtor);
}

static int __init rklp_test_shadow_fail_init(void)
{
	return 0;
}

module_init(rklp_test_shadow_fail_init);
module_exit(rklp_test_shadow_fail_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rklp test: shadow variables under fault injection");
