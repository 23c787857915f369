// SPDX-License-Identifier: GPL-2.0

//! sysfs directories (kobjects carrying a published word) and their
//! attributes.

use super::bindings as b;
use core::cell::UnsafeCell;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU32, Ordering};
use kernel::alloc::flags::GFP_KERNEL;
use kernel::c_str;
use kernel::ffi::c_char;
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::ThisModule;

/// Identity of a kobject, to find which rklp object an attribute belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct KobjId(usize);

/// An rklp directory's kobject, with the word its owner publishes for
/// files read without a lock ([`KobjDir::publish`], [`AttrDir::published`]),
/// as upstream's `klp_patch` embeds its kobject and its show callbacks find
/// the patch with `container_of`.
///
/// # Invariants
///
/// Allocated by [`KobjDir::create`] with `KBox`, `kobj` first (`repr(C)`:
/// a pointer to `kobj` is a pointer to the `DirKobj`), initialised with
/// [`DIR_KTYPE`], whose release frees it.
#[repr(C)]
struct DirKobj {
    kobj: kernel::bindings::kobject,
    published: AtomicU32,
}

/// Frees a [`DirKobj`] when its last reference goes.
unsafe extern "C" fn dir_release(kobj: *mut kernel::bindings::kobject) {
    // SAFETY: every kobject of `DIR_KTYPE` is the first field of a
    // `DirKobj` from `KBox::into_raw` (type invariant), and the kobject
    // core calls release once, after the last reference.
    drop(unsafe { KBox::from_raw(kobj.cast::<DirKobj>()) });
}

/// The `kobj_type` of rklp's directories: `kobj_sysfs_ops` (attributes are
/// `kobj_attribute`s), as `kobject_create()`'s `dynamic_kobj_ktype`, but
/// with a release that frees the whole [`DirKobj`].
struct DirKtype(kernel::bindings::kobj_type);

// SAFETY: read-only after construction (only the kobject core reads it).
unsafe impl Sync for DirKtype {}

static DIR_KTYPE: DirKtype = DirKtype(kernel::bindings::kobj_type {
    release: Some(dir_release),
    // The address of the kernel's static `kobj_sysfs_ops` (not read here).
    sysfs_ops: &raw const kernel::bindings::kobj_sysfs_ops,
    default_groups: core::ptr::null_mut(),
    child_ns_type: None,
    namespace: None,
    get_ownership: None,
});

/// A directory in sysfs, removed when dropped.
///
/// # Invariants
///
/// `ptr` is a [`DirKobj`] made by [`KobjDir::create`], added to sysfs,
/// whose only reference this value holds.
pub(crate) struct KobjDir {
    ptr: NonNull<DirKobj>,
}

// SAFETY: kobjects are refcounted and safe to put from any thread; the
// published word is atomic.
unsafe impl Send for KobjDir {}
// SAFETY: the shared operations read the pointer value or the atomic word.
unsafe impl Sync for KobjDir {}

impl KobjDir {
    /// Creates `name` under `parent`, or under /sys/kernel if `parent` is None.
    pub(crate) fn new(name: &CStr, parent: Option<&KobjDir>) -> Result<Self> {
        let parent = match parent {
            // SAFETY: `p` is live (its invariant); only the field's address
            // is taken.
            Some(p) => unsafe { &raw mut (*p.ptr.as_ptr()).kobj },
            // SAFETY: `kernel_kobj` is initialised at boot and never freed.
            None => unsafe { kernel::bindings::kernel_kobj },
        };
        // SAFETY: `parent` is a live kobject (above).
        unsafe { Self::create(name, parent) }
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
        let parent = unsafe { &raw mut (*m).mkobj.kobj };
        // SAFETY: `parent` is live until this directory is dropped (above).
        unsafe { Self::create(name, parent) }
    }

    /// `kobject_create_and_add()` with a [`DirKobj`].
    ///
    /// # Safety
    ///
    /// `parent` is a live kobject, until the new directory is dropped.
    unsafe fn create(name: &CStr, parent: *mut kernel::bindings::kobject) -> Result<Self> {
        let obj = KBox::new(
            DirKobj {
                // SAFETY: all-zero is the state `kobject_init` expects.
                kobj: unsafe { core::mem::zeroed() },
                published: AtomicU32::new(0),
            },
            GFP_KERNEL,
        )?;
        let p = KBox::into_raw(obj);
        // SAFETY: `p` is ours; `kobj` is zeroed; the ktype is static.
        unsafe { kernel::bindings::kobject_init(&raw mut (*p).kobj, &DIR_KTYPE.0) };
        // SAFETY: initialised above; `name` is NUL-terminated and copied
        // (through "%s"); `parent` is live (contract).
        let ret = unsafe {
            kernel::bindings::kobject_add(
                &raw mut (*p).kobj,
                parent,
                c_str!("%s").as_char_ptr(),
                name.as_char_ptr(),
            )
        };
        if ret != 0 {
            // SAFETY: the only reference: its release frees `p` (as
            // `kobject_create_and_add` does on failure).
            unsafe { kernel::bindings::kobject_put(&raw mut (*p).kobj) };
            return Err(Error::from_errno(ret));
        }
        // INVARIANT: a `DirKobj` from `KBox`, added, referenced once.
        // SAFETY: `p` came from `KBox::into_raw`: not null.
        Ok(Self {
            ptr: unsafe { NonNull::new_unchecked(p) },
        })
    }

    /// Adds a file for `attr` to this directory.
    pub(crate) fn add(&self, attr: &'static KobjAttr) -> Result {
        // SAFETY: the kobject is live (invariant) and `attr` is static.
        super::to_result(unsafe {
            b::sysfs_create_file_ns(self.kobj().cast(), &(*attr.0.get()).attr, core::ptr::null())
        })
    }

    /// This directory's identity, as passed to attribute callbacks.
    pub(crate) fn id(&self) -> KobjId {
        KobjId(self.kobj() as usize)
    }

    /// Publishes `word` for this directory's lock-free files (a `Release`
    /// store: their readers see what was written before it).
    pub(crate) fn publish(&self, word: u32) {
        // SAFETY: live (invariant).
        unsafe { self.ptr.as_ref() }
            .published
            .store(word, Ordering::Release);
    }

    fn kobj(&self) -> *mut kernel::bindings::kobject {
        // SAFETY: live (invariant); only the field's address is taken.
        unsafe { &raw mut (*self.ptr.as_ptr()).kobj }
    }
}

impl Drop for KobjDir {
    fn drop(&mut self) {
        // SAFETY: we own the only reference (invariant); this removes the
        // directory and its files, waiting for running callbacks, then
        // frees the `DirKobj` (`dir_release`).
        unsafe { kernel::bindings::kobject_put(self.kobj()) };
    }
}

/// The directory of a file, during one of its callbacks.
pub(crate) struct AttrDir<'a> {
    obj: &'a DirKobj,
}

impl AttrDir<'_> {
    /// The directory's identity.
    pub(crate) fn id(&self) -> KobjId {
        KobjId(&raw const self.obj.kobj as usize)
    }

    /// The word the directory's owner last published ([`KobjDir::publish`]),
    /// read without a lock (`Acquire`).
    pub(crate) fn published(&self) -> u32 {
        self.obj.published.load(Ordering::Acquire)
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
    fn show(dir: &AttrDir<'_>, out: &mut ShowBuf) -> Result;
    /// Handles a write of `input` to the file in directory `dir`.
    fn store(dir: &AttrDir<'_>, input: &[u8]) -> Result;
}

/// The directory of the file a callback was called for.
///
/// # Safety
///
/// `kobj` is the kobject sysfs passed to a callback of a [`KobjAttr`]; the
/// returned value is used during that callback only.
unsafe fn attr_dir<'a>(kobj: *mut b::kobject) -> AttrDir<'a> {
    // SAFETY: `KobjAttr`s are only added to `KobjDir`s (`KobjDir::add`),
    // whose kobjects are the first field of a `DirKobj` (its invariant);
    // sysfs keeps the file, hence the directory, alive during the callback
    // (kobject_put waits for running callbacks before the release).
    AttrDir {
        obj: unsafe { &*kobj.cast::<DirKobj>() },
    }
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
    // SAFETY: a callback of a `KobjAttr`, for its duration.
    let dir = unsafe { attr_dir(kobj) };
    match T::show(&dir, &mut out) {
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
    // SAFETY: a callback of a `KobjAttr`, for its duration.
    let dir = unsafe { attr_dir(kobj) };
    match T::store(&dir, input) {
        Ok(()) => count as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// A static `struct kobj_attribute`.
///
/// # Invariants
///
/// Only sysfs reads the inner struct after construction; it is added only
/// to [`KobjDir`]s (its callbacks find their [`DirKobj`] from the kobject).
pub(crate) struct KobjAttr(UnsafeCell<b::kobj_attribute>);

// SAFETY: immutable after construction (invariant).
unsafe impl Sync for KobjAttr {}

impl KobjAttr {
    /// Attribute `name` with `mode` (0444, 0644, 0200) handled by `T`; the
    /// callbacks not allowed by `mode` are left out, as `__ATTR_RO/WO` do.
    pub(crate) const fn new<T: AttrOps>(name: &'static CStr, mode: u16) -> Self {
        // SAFETY: all-zero is a valid empty kobj_attribute.
        let mut a: b::kobj_attribute = unsafe { core::mem::zeroed() };
        a.attr.name = crate::compat::cstr_ptr(name);
        a.attr.mode = mode as _;
        if mode & 0o444 != 0 {
            rklp_kobj_attr_set!(a.show = Some(show_tramp::<T>));
        }
        if mode & 0o222 != 0 {
            rklp_kobj_attr_set!(a.store = Some(store_tramp::<T>));
        }
        Self(UnsafeCell::new(a))
    }
}
