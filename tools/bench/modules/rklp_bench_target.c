// SPDX-License-Identifier: GPL-2.0
/*
 * Target module of the rklp benchmarks (tools/bench/bench.sh):
 * rklp_bench_fn() is the function the benchmark patches (with upstream
 * livepatch or with rklp), and a module parameter calls it in a loop:
 *
 *   echo MS > /sys/module/rklp_bench_target/parameters/run
 *	calls rklp_bench_fn() for at least MS milliseconds (in chunks of
 *	RKLP_BENCH_CHUNK calls, with cond_resched() between chunks; the
 *	kernel is PREEMPT_NONE);
 *   cat /sys/module/rklp_bench_target/parameters/run
 *	prints "<ns per call> <calls> <ns> <checksum>" of the last run.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/ktime.h>
#include <linux/sched.h>

#define RKLP_BENCH_CHUNK 1000

unsigned long rklp_bench_fn(unsigned long x);

/*
 * noipa (GCC) as well as noinline: no clone, no constant propagation, no
 * pure/const deduction; each call in the loop is a real call through the
 * function's ftrace site.
 */
#if __has_attribute(__noipa__)
#define __rklp_bench_noipa __attribute__((__noipa__))
#else
#define __rklp_bench_noipa
#endif

noinline __rklp_bench_noipa unsigned long rklp_bench_fn(unsigned long x)
{
	return x * 3 + 1;
}
/* For the direct-call PoC's call loop (test_modules/rklp_direct_poc.c). */
EXPORT_SYMBOL_GPL(rklp_bench_fn);

static u64 last_calls, last_ns;
static unsigned long last_sum;

static int rklp_bench_run(const char *val, const struct kernel_param *kp)
{
	unsigned long sum = 0, i = 0;
	unsigned int ms;
	u64 start, now, calls = 0;
	int ret;

	ret = kstrtouint(val, 0, &ms);
	if (ret)
		return ret;
	if (!ms || ms > 10000)
		return -EINVAL;
	start = ktime_get_ns();
	do {
		int n;

		for (n = 0; n < RKLP_BENCH_CHUNK; n++)
			sum += rklp_bench_fn(i++);
		calls += RKLP_BENCH_CHUNK;
		now = ktime_get_ns();
		cond_resched();
	} while (now - start < (u64)ms * NSEC_PER_MSEC);
	last_calls = calls;
	last_ns = now - start;
	last_sum = sum;
	return 0;
}

static int rklp_bench_show(char *buf, const struct kernel_param *kp)
{
	u64 ps = last_calls ? div64_u64(last_ns * 1000, last_calls) : 0;

	return sysfs_emit(buf, "%llu.%03llu %llu %llu %lu\n", ps / 1000, ps % 1000,
			  last_calls, last_ns, last_sum);
}

static const struct kernel_param_ops rklp_bench_run_ops = {
	.set = rklp_bench_run,
	.get = rklp_bench_show,
};
module_param_cb(run, &rklp_bench_run_ops, NULL, 0644);
MODULE_PARM_DESC(run, "write MS: call rklp_bench_fn() for MS ms; read: ns/call calls ns checksum");

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rklp benchmark: patch target and call loop");
