// SPDX-License-Identifier: GPL-2.0
/*
 * Target module for the prototype checks (test-protos.sh): a function with
 * integer arguments, so that a patch can get one's size wrong, checked with
 * this module's BTF (.BTF, and .BTF.base when built out of tree).
 */
#include <linux/jiffies.h>
#include <linux/module.h>

long rklp_test_proto_sum(long a, int b);

noinline long rklp_test_proto_sum(long a, int b)
{
	return a + b;
}

/* A caller, so that the function stays as it is. */
static long sum;

static int __init rklp_test_proto_init(void)
{
	sum = rklp_test_proto_sum(jiffies, 2);
	return 0;
}

static void __exit rklp_test_proto_exit(void)
{
}

module_init(rklp_test_proto_init);
module_exit(rklp_test_proto_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rklp selftest: target of the prototype checks");
