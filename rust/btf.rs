// SPDX-License-Identifier: GPL-2.0

//! Where the kernel keeps BTF: vmlinux's blob (`__start_BTF`..`__stop_BTF`,
//! what /sys/kernel/btf/vmlinux shows), a loading module's `.BTF` and
//! `.BTF.base` (`struct module`'s `btf_data`, until its init ran), and a
//! loaded module's BTF as /sys/kernel/btf/<module> shows it. The bytes are
//! only handed out here: src/proto/ reads them (and trusts nothing in them).

use super::bindings as b;
use super::kallsyms::Kallsyms;
use super::module_notifier::ComingModule;
use core::ptr::NonNull;
use kernel::c_str;
use kernel::prelude::*;
use kernel::str::CStr;

/// vmlinux's BTF, if the kernel has one (CONFIG_DEBUG_INFO_BTF).
pub(crate) fn vmlinux(ks: &Kallsyms) -> Option<&'static [u8]> {
    let start = ks.addr_if_any(c_str!("__start_BTF"))?;
    let stop = ks.addr_if_any(c_str!("__stop_BTF"))?;
    if stop <= start {
        return None;
    }
    // SAFETY: `__start_BTF`..`__stop_BTF` is the kernel image's .BTF
    // section (vmlinux.lds.h): read-only data of the image, mapped and
    // never changed or freed while the kernel runs.
    Some(unsafe { core::slice::from_raw_parts(start as *const u8, stop - start) })
}

/// A COMING module's BTF: its `.BTF` (split BTF) and, for a module built
/// out of tree with a distilled base, its `.BTF.base` (the base the split
/// part's type ids are relative to; otherwise that base is vmlinux's).
pub(crate) fn coming_module(m: &ComingModule) -> Option<(&[u8], Option<&[u8]>)> {
    let (mut data, mut size) = (core::ptr::null(), 0);
    let (mut base, mut base_size) = (core::ptr::null(), 0);
    // SAFETY: `m` is a module whose COMING notifier runs (its invariant);
    // the helper only reads four fields of it into the locals.
    let found = unsafe {
        b::rklp_coming_module_btf(m.as_ptr(), &mut data, &mut size, &mut base, &mut base_size)
    };
    if !found || data.is_null() {
        return None;
    }
    // SAFETY: the loader's copy of the module's file, which holds these
    // sections, is freed only after the module's init, after this notifier
    // and so after the borrow of `m` ends.
    let split = unsafe { core::slice::from_raw_parts(data.cast::<u8>(), size as usize) };
    let base = (!base.is_null() && base_size > 0)
        // SAFETY: as above.
        .then(|| unsafe { core::slice::from_raw_parts(base.cast::<u8>(), base_size as usize) });
    Some((split, base))
}

/// A loaded module's BTF, read from /sys/kernel/btf/<module> (split BTF
/// whose base is vmlinux's).
///
/// # Invariants
///
/// `ptr` is a vmalloc() buffer of `len` initialised bytes owned by this
/// value.
pub(crate) struct ModuleBtf {
    ptr: NonNull<u8>,
    len: usize,
}

impl ModuleBtf {
    /// Reads module `name`'s BTF; the errno of the read if there is none.
    pub(crate) fn read(name: &CStr) -> Result<Self> {
        let mut buf = core::ptr::null_mut();
        // SAFETY: `name` is NUL-terminated; the helper stores a vmalloc()
        // buffer (or null on failure) in `buf`.
        let ret = unsafe { b::rklp_read_module_btf(name.as_char_ptr(), &mut buf) };
        if ret < 0 {
            return Err(Error::from_errno(ret as i32));
        }
        let ptr = NonNull::new(buf.cast::<u8>()).ok_or(ENOMEM)?;
        // INVARIANT: the helper read `ret` bytes into its buffer.
        Ok(Self {
            ptr,
            len: ret as usize,
        })
    }

    /// The bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        // SAFETY: `len` initialised bytes owned by `self` (invariant).
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for ModuleBtf {
    fn drop(&mut self) {
        // SAFETY: a vmalloc() buffer owned by `self` (invariant).
        unsafe { b::rklp_vfree(self.ptr.as_ptr().cast()) };
    }
}
