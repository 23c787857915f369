// SPDX-License-Identifier: GPL-2.0

//! rklp sample patch: the Rust twin of samples/livepatch/livepatch-sample.c.
//!
//! Replaces `cmdline_proc_show` so that `cat /proc/cmdline` prints
//! "this has been live patched". Disable it with
//! `echo 0 > /sys/kernel/rklp/rklp_sample/enabled`, then `rmmod rklp_sample`.

use core::ffi::c_void;
use kernel::bindings;
use kernel::c_str;
use kernel::ffi::c_int;
use kernel::prelude::*;

include!(concat!(env!("RKLP_DIR"), "/include/rklp/api.rs"));
use klp::{KlpFunc, KlpObject, KlpPatch};

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::vmlinux(&[KlpFunc::new(
    c_str!("cmdline_proc_show"),
    livepatch_cmdline_proc_show as extern "C" fn(_, _) -> _,
)])]);

rklp_module!(
    RklpSample,
    "rklp_sample",
    "rklp sample: live patch of cmdline_proc_show"
);

/// The replacement for `cmdline_proc_show` (fs/proc/cmdline.c).
#[no_mangle]
extern "C" fn livepatch_cmdline_proc_show(m: *mut bindings::seq_file, _v: *mut c_void) -> c_int {
    // SAFETY: `m` is the seq_file of this /proc read; format and argument
    // are NUL-terminated strings.
    unsafe {
        bindings::seq_printf(
            m,
            c_str!("%s\n").as_char_ptr(),
            c_str!("this has been live patched").as_char_ptr(),
        )
    };
    0
}

struct RklpSample;

impl kernel::Module for RklpSample {
    fn init(module: &'static ThisModule) -> Result<Self> {
        PATCH.enable(module)?;
        Ok(RklpSample)
    }
}
