// SPDX-License-Identifier: GPL-2.0

//! Test: replaces the getpid syscall (`__x64_sys_getpid`), after upstream's
//! test_klp_syscall. Parameter `klp_pids`: pids of processes calling
//! getpid in a loop; /sys/kernel/test_rklp_syscall/npids counts those that
//! have not called the new function yet (i.e. not yet switched to the
//! patched state).

use core::ffi::c_void;
use core::sync::atomic::{AtomicI32, AtomicU32, Ordering};
use kernel::c_str;
use kernel::ffi::{c_char, c_long};
use kernel::prelude::*;

include!("rklp_test.rs");

const MAX_PIDS: usize = 128;
rklp_test_param!([KLP_PIDS; MAX_PIDS]: AtomicI32 = 0, NPIDS_PENDING, param_ops_int, "klp_pids", 0);
/// How many pids were given (NPIDS_PENDING counts down).
static NPIDS: AtomicU32 = AtomicU32::new(0);

#[no_mangle]
extern "C" fn lp_sys_getpid(_regs: *const c_void) -> c_long {
    // The task's fields are read in C: bindgen's `task_struct` layout is
    // not the compiler's in this kernel (Task::pid() reads 0).
    let nr = |t| {
        // SAFETY: `current` is valid; a null namespace means the task's own.
        unsafe {
            kernel::bindings::__task_pid_nr_ns(
                kernel::bindings::get_current(),
                t,
                core::ptr::null_mut(),
            )
        }
    };
    let pid = nr(kernel::bindings::pid_type_PIDTYPE_PID);
    if NPIDS_PENDING.load(Ordering::Relaxed) > 0 {
        let n = NPIDS.load(Ordering::Relaxed) as usize;
        for p in KLP_PIDS[..n.min(MAX_PIDS)].iter() {
            if pid != 0
                && p.compare_exchange(pid, 0, Ordering::Relaxed, Ordering::Relaxed)
                    .is_ok()
            {
                NPIDS_PENDING.fetch_sub(1, Ordering::Relaxed);
                break;
            }
        }
    }
    // task_tgid_vnr(current)
    nr(kernel::bindings::pid_type_PIDTYPE_TGID) as c_long
}

unsafe extern "C" fn npids_show(
    _kobj: *mut kernel::bindings::kobject,
    _attr: *mut kernel::bindings::kobj_attribute,
    buf: *mut c_char,
) -> isize {
    // SAFETY: sysfs passes a PAGE_SIZE buffer.
    unsafe {
        kernel::bindings::sprintf(
            buf,
            c_str!("%u\n").as_char_ptr(),
            NPIDS_PENDING.load(Ordering::Relaxed),
        ) as isize
    }
}

struct Attr(kernel::bindings::kobj_attribute);
// SAFETY: never written after construction; sysfs only reads it.
unsafe impl Sync for Attr {}
static NPIDS_ATTR: Attr = npids_attr();

/// The read-only attribute `npids`, as C's `__ATTR_RO`.
const fn npids_attr() -> Attr {
    // SAFETY: every field of `kobj_attribute` is an integer, a bitfield or
    // a pointer, for which zero is valid (with lockdep, `attribute` also has
    // lock class key fields; a static attribute leaves them zero and
    // lockdep then keys it by address).
    let mut a: kernel::bindings::kobj_attribute = unsafe { core::mem::zeroed() };
    a.attr.name = crate::compat::cstr_ptr(c_str!("npids"));
    a.attr.mode = 0o444;
    rklp_kobj_attr_set!(a.show = Some(npids_show));
    Attr(a)
}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::vmlinux(&[KlpFunc::new(
    c_str!("__x64_sys_getpid"),
    lp_sys_getpid as extern "C" fn(_) -> _,
)])]);

rklp_module!(
    TestSyscall,
    "test_rklp_syscall",
    "rklp test: getpid syscall transition"
);

struct TestSyscall {
    kobj: *mut kernel::bindings::kobject,
}

// SAFETY: the kobject pointer is only used at init and exit.
unsafe impl Send for TestSyscall {}
// SAFETY: as above.
unsafe impl Sync for TestSyscall {}

impl kernel::Module for TestSyscall {
    fn init(module: &'static ThisModule) -> Result<Self> {
        // SAFETY: a new directory /sys/kernel/test_rklp_syscall.
        let kobj = unsafe {
            kernel::bindings::kobject_create_and_add(
                c_str!("test_rklp_syscall").as_char_ptr(),
                kernel::bindings::kernel_kobj,
            )
        };
        if kobj.is_null() {
            return Err(ENOMEM);
        }
        let this = TestSyscall { kobj };
        // SAFETY: `kobj` is ours; the attribute is static.
        kernel::error::to_result(unsafe {
            kernel::bindings::sysfs_create_file_ns(kobj, &NPIDS_ATTR.0.attr, core::ptr::null())
        })?;
        NPIDS.store(NPIDS_PENDING.load(Ordering::Relaxed), Ordering::Relaxed);
        PATCH.enable(module)?;
        Ok(this)
    }
}

impl Drop for TestSyscall {
    fn drop(&mut self) {
        // SAFETY: created in init; removes the directory and its file.
        unsafe { kernel::bindings::kobject_put(self.kobj) };
    }
}
