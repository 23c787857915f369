// SPDX-License-Identifier: GPL-2.0

//! Test: a patch of /proc/version (and, with `kick_obj`, of
//! rklp_test_lifecycle's rklp_test_kick_wait) that fails in the ways a
//! patch module can, for test-lifecycle.sh. Parameters:
//!
//! * `pre_patch_ret`, `pre_patch_delay_ms`: vmlinux's pre_patch callback
//!   sleeps that long (the parameter re-read every 10 ms: writing 0 ends
//!   the sleep), then returns that (0 or a -errno);
//! * `init_ret`: what init returns after the patch is enabled (a module
//!   whose init fails is freed whatever its reference count);
//! * `fail_nth`: fail the n-th allocation (failslab) of `rklp_enable_patch`;
//!   afterwards the parameter reads what was left of the count (0: it fired);
//! * `replace`, `immediate`: the patch's flags (one of them, without
//!   `kick_obj`).

use core::ffi::c_void;
use core::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use kernel::bindings::seq_file;
use kernel::c_str;
use kernel::ffi::c_int;
use kernel::prelude::*;
use kernel::str::CStr;

include!("rklp_test.rs");
use klp::KlpCallbacks;

rklp_test_param!(PRE_PATCH_RET: AtomicI32 = 0, param_ops_int, "pre_patch_ret", 0o644);
rklp_test_param!(PRE_PATCH_DELAY_MS: AtomicI32 = 0, param_ops_int, "pre_patch_delay_ms", 0o644);
rklp_test_param!(INIT_RET: AtomicI32 = 0, param_ops_int, "init_ret", 0o644);
rklp_test_param!(FAIL_NTH: AtomicI32 = 0, param_ops_int, "fail_nth", 0o644);
rklp_test_param!(REPLACE: AtomicBool = false, param_ops_bool, "replace", 0o444);
rklp_test_param!(IMMEDIATE: AtomicBool = false, param_ops_bool, "immediate", 0o444);
rklp_test_param!(KICK_OBJ: AtomicBool = false, param_ops_bool, "kick_obj", 0o444);

extern "C" {
    /// rklp_test_lifecycle: sets the current task's fail-nth count.
    fn rklp_test_fail_nth(n: c_int) -> c_int;
}

struct Callbacks;

impl KlpCallbacks for Callbacks {
    fn pre_patch(_obj: Option<&CStr>) -> Result {
        // Until pre_patch_delay_ms have passed since the callback began,
        // re-read every 10 ms: a test holds the core mutex with a long
        // delay and ends it by writing 0 once its checks are done (the
        // debug kernel under TCG is too slow for fixed windows).
        // SAFETY: ktime_get() may be called from any context.
        let start = unsafe { kernel::bindings::ktime_get() };
        loop {
            let ms = i64::from(PRE_PATCH_DELAY_MS.load(Ordering::Relaxed));
            // SAFETY: as above.
            let now = unsafe { kernel::bindings::ktime_get() };
            if (now - start) / 1_000_000 >= ms {
                break;
            }
            // SAFETY: process context (callbacks run from enable).
            unsafe { kernel::bindings::msleep(10) };
        }
        match PRE_PATCH_RET.load(Ordering::Relaxed) {
            0 => Ok(()),
            e => Err(Error::from_errno(e)),
        }
    }
}

#[no_mangle]
extern "C" fn test_rklp_fail_version_show(m: *mut seq_file, _v: *mut c_void) -> c_int {
    seq_line(m, c_str!("test_rklp_fail: version patched"))
}

#[no_mangle]
extern "C" fn test_rklp_fail_kick_wait() -> c_int {
    1
}

const VMLINUX: KlpObject = KlpObject::vmlinux(&[KlpFunc::new(
    c_str!("version_proc_show"),
    test_rklp_fail_version_show as extern "C" fn(_, _) -> _,
)])
.callbacks::<Callbacks>();

const KICK: KlpObject = KlpObject::module(
    c_str!("rklp_test_lifecycle"),
    &[KlpFunc::new(
        c_str!("rklp_test_kick_wait"),
        test_rklp_fail_kick_wait as extern "C" fn() -> _,
    )],
);

static PATCH: KlpPatch = KlpPatch::new(&[VMLINUX]);
static PATCH_KICK: KlpPatch = KlpPatch::new(&[VMLINUX, KICK]);
static PATCH_REPLACE: KlpPatch = KlpPatch::new(&[VMLINUX]).replace();
static PATCH_IMMEDIATE: KlpPatch = KlpPatch::new(&[VMLINUX]).immediate();

fn enable(module: &'static ThisModule) -> Result {
    // The combinations test-lifecycle.sh uses.
    let p = if KICK_OBJ.load(Ordering::Relaxed) {
        &PATCH_KICK
    } else if REPLACE.load(Ordering::Relaxed) {
        &PATCH_REPLACE
    } else if IMMEDIATE.load(Ordering::Relaxed) {
        &PATCH_IMMEDIATE
    } else {
        &PATCH
    };
    let nth = FAIL_NTH.load(Ordering::Relaxed);
    if nth > 0 {
        // SAFETY: sets a field of the current task.
        unsafe { rklp_test_fail_nth(nth) };
    }
    let res = p.enable(module);
    if nth > 0 {
        // SAFETY: as above.
        let left = unsafe { rklp_test_fail_nth(0) };
        FAIL_NTH.store(left, Ordering::Relaxed);
    }
    res
}

rklp_test_patch_module!(
    TestFail,
    "test_rklp_fail",
    "rklp test: failures",
    |module| {
        enable(module)?;
        match INIT_RET.load(Ordering::Relaxed) {
            0 => {}
            e => return Err(Error::from_errno(e)),
        }
    }
);
