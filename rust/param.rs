// SPDX-License-Identifier: GPL-2.0

//! Module parameters of rklp.ko (the 6.12 `module!` macro has none).
//!
//! Three kinds: a plain `uint` (read-only status, [`module_param_u32!`]), a
//! `uint` with a range ([`module_param_ranged!`]) and a `bool`
//! ([`module_param_bool!`]). The last two refuse a bad value with `-EINVAL`
//! and a message (at insmod the module then does not load; in sysfs the
//! write fails and the value stays), and call their type's
//! [`Param::changed`] after a change, so that it takes effect at once.

#[allow(unused_imports)]
use crate::compat::CStrToBytes as _;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use kernel::bindings;
use kernel::ffi::{c_char, c_int, c_uint};
use kernel::prelude::*;
use kernel::str::CStr;

/// What a validated parameter does after a change.
pub(crate) trait Param {
    /// Its name, for messages.
    const NAME: &'static str;
    /// Called after every accepted write, with the parameter lock held
    /// ([`with_param_lock`]): at insmod (before the module's init) and
    /// from sysfs writes (possibly during init or exit). Must not sleep
    /// for long or take the parameter lock.
    fn changed() {}
}

/// A `uint` parameter with a range.
pub(crate) trait RangedParam: Param {
    /// Smallest value accepted.
    const MIN: u32;
    /// Largest value accepted.
    const MAX: u32;
    /// Where the value lives.
    fn value() -> &'static AtomicU32;
}

/// A `bool` parameter (written as `kstrtobool` parses: `y`, `n`, `1`,
/// `0`, `on`, `off`, ...; read as `Y` or `N`).
pub(crate) trait BoolParam: Param {
    /// Where the value lives.
    fn value() -> &'static AtomicBool;
    /// Why `v` cannot be set now (then the write fails with `-EINVAL` and
    /// this in the log), if it cannot.
    fn refused(_v: bool) -> Option<&'static str> {
        None
    }
}

/// What was written, without the newline `echo` adds, for messages.
///
/// # Safety
///
/// `val` is a NUL-terminated string (the kernel passes one to `set`).
unsafe fn written<'a>(val: *const c_char) -> &'a str {
    // SAFETY: NUL-terminated (contract); it lives for the `set` call.
    let bytes = unsafe { CStr::from_char_ptr(val) }.to_bytes();
    core::str::from_utf8(bytes).unwrap_or("(not UTF-8)").trim()
}

/// `kernel_param_ops::set` of a [`RangedParam`]: parses as `param_set_uint`
/// does (`kstrtouint`, base 0), then checks the range.
///
/// # Safety
///
/// Called by the kernel's parameter code, with a NUL-terminated `val`.
pub(crate) unsafe extern "C" fn set_ranged<P: RangedParam>(
    val: *const c_char,
    _kp: *const bindings::kernel_param,
) -> c_int {
    let mut v: c_uint = 0;
    // SAFETY: `val` is NUL-terminated (contract) and `v` is a valid target.
    if unsafe { bindings::kstrtouint(val, 0, &mut v) } != 0 {
        // SAFETY: as above.
        let w = unsafe { written(val) };
        pr_err!(
            "{}: '{}' is not a number from {} to {}\n",
            P::NAME,
            w,
            P::MIN,
            P::MAX
        );
        return EINVAL.to_errno();
    }
    if !(P::MIN..=P::MAX).contains(&v) {
        pr_err!(
            "{}: {} is out of range ({} to {})\n",
            P::NAME,
            v,
            P::MIN,
            P::MAX
        );
        return EINVAL.to_errno();
    }
    P::value().store(v, Ordering::Relaxed);
    P::changed();
    0
}

/// `kernel_param_ops::set` of a [`BoolParam`]: `kstrtobool`, as
/// `param_set_bool`.
///
/// # Safety
///
/// Called by the kernel's parameter code, with a NUL-terminated `val`.
pub(crate) unsafe extern "C" fn set_bool<P: BoolParam>(
    val: *const c_char,
    _kp: *const bindings::kernel_param,
) -> c_int {
    let mut v = false;
    // SAFETY: `val` is NUL-terminated (contract) and `v` is a valid target.
    if val.is_null() || unsafe { bindings::kstrtobool(val, &mut v) } != 0 {
        let w = if val.is_null() {
            ""
        } else {
            // SAFETY: as above.
            unsafe { written(val) }
        };
        pr_err!("{}: '{}' is not a boolean (1/0, y/n, on/off)\n", P::NAME, w);
        return EINVAL.to_errno();
    }
    if let Some(why) = P::refused(v) {
        pr_err!(
            "{}: cannot be {}: {}\n",
            P::NAME,
            if v { "Y" } else { "N" },
            why
        );
        return EINVAL.to_errno();
    }
    P::value().store(v, Ordering::Relaxed);
    P::changed();
    0
}

/// Runs `f` with rklp's parameter lock held (`kernel_param_lock`): the
/// kernel holds it while a sysfs write calls a parameter's `set`, so `f`
/// runs before or after any [`Param::changed`], never during one.
pub(crate) fn with_param_lock<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: only the address of this module's `struct module` is taken
    // (as `module!`'s THIS_MODULE does).
    let m = unsafe {
        #[allow(improper_ctypes)]
        extern "C" {
            static __this_module: kernel::types::Opaque<bindings::module>;
        }
        __this_module.get()
    };
    // SAFETY: `m` is this module, which is loaded while its code runs;
    // the lock is a plain mutex, released below.
    unsafe { bindings::kernel_param_lock(m) };
    let r = f();
    // SAFETY: taken above.
    unsafe { bindings::kernel_param_unlock(m) };
    r
}

/// The `.modinfo` entries and the `__param` descriptor of a parameter:
/// `@desc name, perm, ops, arg, "type", "description"`.
macro_rules! module_param_desc {
    ($name:literal, $perm:expr, $ops:expr, $arg:expr, $type:literal, $desc:literal) => {
        // What modinfo shows: C's MODULE_PARM_DESC and the type entry.
        // `used(compiler)`, as `module!`'s entries (a plain `used` entry
        // lands in a second `.modinfo` section that the loader ignores).
        const _: () = {
            const DESC: &str = concat!("parm=", $name, ":", $desc, "\0");
            const TYPE: &str = concat!("parmtype=", $name, ":", $type, "\0");
            #[used(compiler)]
            #[link_section = ".modinfo"]
            static PARM_DESC: [u8; DESC.len()] = $crate::sys::param::bytes(DESC);
            #[used(compiler)]
            #[link_section = ".modinfo"]
            static PARM_TYPE: [u8; TYPE.len()] = $crate::sys::param::bytes(TYPE);
        };
        const _: () = {
            #[repr(transparent)]
            struct Param(kernel::bindings::kernel_param);
            // SAFETY: a read-only descriptor in the `__param` section; the
            // kernel writes only through `arg`, under the parameter lock.
            unsafe impl Sync for Param {}
            #[used]
            #[link_section = "__param"]
            static PARAM: Param = Param(kernel::bindings::kernel_param {
                name: concat!($name, "\0").as_ptr().cast(),
                // SAFETY: only the address of this module's `struct module`
                // is taken (as `module!`'s THIS_MODULE does).
                mod_: unsafe {
                    #[allow(improper_ctypes)]
                    extern "C" {
                        static __this_module: kernel::types::Opaque<kernel::bindings::module>;
                    }
                    __this_module.get()
                },
                ops: $ops,
                perm: $perm,
                level: -1,
                flags: 0,
                __bindgen_anon_1: kernel::bindings::kernel_param__bindgen_ty_1 { arg: $arg },
            });
        };
    };
}
pub(crate) use module_param_desc;

/// `module_param_u32!(VAR, "name", 0o444, "description")`: exposes `VAR` (a
/// `static AtomicU32`) as the unsigned-int parameter `name`, as C's
/// `module_param_named(name, var, uint, 0444)`, with no range: for values
/// rklp reports. The kernel's `param_ops_uint` writes a `u32` through the
/// pointer, under the parameter lock; `AtomicU32` has that layout, and rklp
/// reads it with atomic loads.
macro_rules! module_param_u32 {
    ($var:path, $name:literal, $perm:expr, $desc:literal) => {
        $crate::sys::param::module_param_desc!(
            $name,
            $perm,
            &raw const kernel::bindings::param_ops_uint,
            $var.as_ptr().cast(),
            "uint",
            $desc
        );
    };
}
pub(crate) use module_param_u32;

/// `module_param_ranged!(VAR: P, "name", 0o644, "description")`: the
/// unsigned-int parameter `name` of the [`RangedParam`] `P`, whose
/// `value()` is `VAR` (a `static AtomicU32`), settable at insmod,
/// `rklp.ko name=N`, and under /sys/module/rklp/parameters/ when the mode
/// is not 0; values outside `P::MIN..=P::MAX` are refused.
macro_rules! module_param_ranged {
    ($var:path: $p:ty, $name:literal, $perm:expr, $desc:literal) => {
        const _: () = {
            static OPS: kernel::bindings::kernel_param_ops = kernel::bindings::kernel_param_ops {
                flags: 0,
                set: Some($crate::sys::param::set_ranged::<$p>),
                get: Some(kernel::bindings::param_get_uint),
                free: None,
            };
            $crate::sys::param::module_param_desc!(
                $name,
                $perm,
                &raw const OPS,
                $var.as_ptr().cast(),
                "uint",
                $desc
            );
        };
    };
}
pub(crate) use module_param_ranged;

/// `module_param_bool!(VAR: P, "name", 0o644, "description")`: the boolean
/// parameter `name` of the [`BoolParam`] `P`, whose `value()` is `VAR` (a
/// `static AtomicBool`: `param_get_bool` reads it as a C `bool`).
macro_rules! module_param_bool {
    ($var:path: $p:ty, $name:literal, $perm:expr, $desc:literal) => {
        const _: () = {
            static OPS: kernel::bindings::kernel_param_ops = kernel::bindings::kernel_param_ops {
                flags: 0,
                set: Some($crate::sys::param::set_bool::<$p>),
                get: Some(kernel::bindings::param_get_bool),
                free: None,
            };
            $crate::sys::param::module_param_desc!(
                $name,
                $perm,
                &raw const OPS,
                $var.as_ptr().cast(),
                "bool",
                $desc
            );
        };
    };
}
pub(crate) use module_param_bool;

/// `s` as a byte array of its length (for `.modinfo` entries).
pub(crate) const fn bytes<const N: usize>(s: &str) -> [u8; N] {
    let b = s.as_bytes();
    let mut a = [0u8; N];
    let mut i = 0;
    while i < N {
        a[i] = b[i];
        i += 1;
    }
    a
}
