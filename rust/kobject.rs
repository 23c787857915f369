// SPDX-License-Identifier: GPL-2.0

//! sysfs directories (dynamic kobjects) and their attributes.

use super::bindings as b;
use core::cell::UnsafeCell;
use core::ptr::NonNull;
use kernel::ffi::c_char;
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::ThisModule;

/// Identity of a kobject, to find which rklp object an attribute belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct KobjId(usize);

/// A directory in sysfs, removed when dropped.
///
/// # Invariants
///
/// `ptr` is a kobject created by `kobject_create_and_add` that this value
/// holds the only reference to.
pub(crate) struct KobjDir {
    ptr: NonNull<b::kobject>,
}

// SAFETY: kobjects are refcounted and safe to put from any thread.
unsafe impl Send for KobjDir {}
// SAFETY: the only shared operation is reading the pointer value.
unsafe impl Sync for KobjDir {}

impl KobjDir {
    /// Creates `name` under `parent`, or under /sys/kernel if `parent` is None.
    pub(crate) fn new(name: &CStr, parent: Option<&KobjDir>) -> Result<Self> {
        let parent = match parent {
            Some(p) => p.ptr.as_ptr(),
            // SAFETY: `kernel_kobj` is initialised at boot and never freed.
            None => unsafe { kernel::bindings::kernel_kobj }.cast(),
        };
        // SAFETY: `name` is NUL-terminated and copied; `parent` is live.
        let ptr = unsafe { b::kobject_create_and_add(name.as_char_ptr(), parent) };
        NonNull::new(ptr).map(|ptr| Self { ptr }).ok_or(ENOMEM)
    }

    /// Creates `name` in module `module`'s directory, `/sys/module/<module>/`.
    pub(crate) fn new_in_module(name: &CStr, module: &'static ThisModule) -> Result<Self> {
        let m = module.as_ptr();
        if m.is_null() {
            // Built in: no module directory.
            return Err(ENODEV);
        }
        // SAFETY: `m` is this loaded module's `struct module`, whose kobject
        // lives until after its exit function (which drops this directory);
        // only the field's address is taken.
        let parent = unsafe { &raw mut (*m).mkobj.kobj }.cast::<b::kobject>();
        // SAFETY: `name` is NUL-terminated and copied; `parent` is live.
        let ptr = unsafe { b::kobject_create_and_add(name.as_char_ptr(), parent) };
        NonNull::new(ptr).map(|ptr| Self { ptr }).ok_or(ENOMEM)
    }

    /// Adds a file for `attr` to this directory.
    pub(crate) fn add(&self, attr: &'static KobjAttr) -> Result {
        // SAFETY: the kobject is live (invariant) and `attr` is static.
        super::to_result(unsafe {
            b::sysfs_create_file_ns(self.ptr.as_ptr(), &(*attr.0.get()).attr, core::ptr::null())
        })
    }

    /// This directory's identity, as passed to attribute callbacks.
    pub(crate) fn id(&self) -> KobjId {
        KobjId(self.ptr.as_ptr() as usize)
    }
}

impl Drop for KobjDir {
    fn drop(&mut self) {
        // SAFETY: we own the only reference (invariant); this removes the
        // directory and its files, waiting for running callbacks.
        unsafe { b::kobject_put(self.ptr.as_ptr()) };
    }
}

/// Output buffer of a sysfs `show` callback (one page).
///
/// # Invariants
///
/// `buf` is the page sysfs passed to the callback, valid for writes for the
/// callback's duration; `len < PAGE_SIZE` bytes of it are written.
pub(crate) struct ShowBuf {
    buf: *mut u8,
    len: usize,
}

impl ShowBuf {
    /// Bytes still free in the page.
    pub(crate) fn remaining(&self) -> usize {
        kernel::page::PAGE_SIZE - 1 - self.len
    }
}

impl core::fmt::Write for ShowBuf {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let n = s.len();
        if self.len + n >= kernel::page::PAGE_SIZE {
            return Err(core::fmt::Error);
        }
        // SAFETY: `buf` is a page (sysfs contract) and we stay below its end.
        unsafe { core::ptr::copy_nonoverlapping(s.as_ptr(), self.buf.add(self.len), n) };
        self.len += n;
        Ok(())
    }
}

/// A sysfs attribute's behaviour.
pub(crate) trait AttrOps {
    /// Fills `out` for a read of the file in directory `dir`.
    fn show(dir: KobjId, out: &mut ShowBuf) -> Result;
    /// Handles a write of `input` to the file in directory `dir`.
    fn store(dir: KobjId, input: &[u8]) -> Result;
}

unsafe extern "C" fn show_tramp<T: AttrOps>(
    kobj: *mut b::kobject,
    _attr: *mut b::kobj_attribute,
    buf: *mut c_char,
) -> isize {
    let mut out = ShowBuf {
        buf: buf.cast(),
        len: 0,
    };
    match T::show(KobjId(kobj as usize), &mut out) {
        Ok(()) => out.len as isize,
        Err(e) => e.to_errno() as isize,
    }
}

unsafe extern "C" fn store_tramp<T: AttrOps>(
    kobj: *mut b::kobject,
    _attr: *mut b::kobj_attribute,
    buf: *const c_char,
    count: usize,
) -> isize {
    // SAFETY: sysfs passes `count` readable bytes at `buf`.
    let input = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), count) };
    match T::store(KobjId(kobj as usize), input) {
        Ok(()) => count as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// A static `struct kobj_attribute`.
///
/// # Invariants
///
/// Only sysfs reads the inner struct after construction.
pub(crate) struct KobjAttr(UnsafeCell<b::kobj_attribute>);

// SAFETY: immutable after construction (invariant).
unsafe impl Sync for KobjAttr {}

impl KobjAttr {
    /// Attribute `name` with `mode` (0444, 0644, 0200) handled by `T`; the
    /// callbacks not allowed by `mode` are left out, as `__ATTR_RO/WO` do.
    pub(crate) const fn new<T: AttrOps>(name: &'static CStr, mode: u16) -> Self {
        // SAFETY: all-zero is a valid empty kobj_attribute.
        let mut a: b::kobj_attribute = unsafe { core::mem::zeroed() };
        a.attr.name = name.as_char_ptr();
        a.attr.mode = mode as _;
        if mode & 0o444 != 0 {
            a.show = Some(show_tramp::<T>);
        }
        if mode & 0o222 != 0 {
            a.store = Some(store_tramp::<T>);
        }
        Self(UnsafeCell::new(a))
    }
}
