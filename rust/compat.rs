// SPDX-License-Identifier: GPL-2.0

// What differs between the kernel crates of the kernels rklp builds for
// (Linux 6.12 and 7.3), in one place: `include!`d at the crate root of the
// core (src/rklp_core.rs) and of every patch module (through
// include/rklp/api.rs). The `--cfg` flags come from rust/compat.mk, which
// every Kbuild of rklp includes and which sets them from the kernel's
// version. Code elsewhere uses 7.3's names (`to_bytes`, `KVec::remove`,
// ...); this file gives 6.12 the missing ones.
//
// Unchanged and so not here: `c_str!`, `KBox`/`KVec` allocation, the
// `kernel::sync` locks rklp uses (`new_mutex!`, `new_spinlock!`),
// `kernel::bindings` (rklp's ftrace, kprobe and stop_machine calls come from
// its own bindgen run, see Kbuild, on both kernels).

/// `rklp_module!(Type, "name", "description")`: the kernel's `module!` with
/// rklp's author and licence, in the form the kernel's crate takes (6.12:
/// `author: "..."`; 6.15 and later: `authors: ["..."]`).
#[allow(unused_macros)]
macro_rules! rklp_module {
    ($ty:ident, $name:tt, $desc:tt) => {
        #[cfg(not(rklp_module_authors))]
        kernel::prelude::module! {
            type: $ty,
            name: $name,
            author: "rklp developers",
            description: $desc,
            license: "GPL",
        }
        #[cfg(rklp_module_authors)]
        kernel::prelude::module! {
            type: $ty,
            name: $name,
            authors: ["rklp developers"],
            description: $desc,
            license: "GPL",
        }
    };
}

/// `rklp_display!(Type)` after `impl core::fmt::Display for Type`: makes it
/// printable by the kernel's formatting macros too. On 7.3 `pr_*!` and
/// `fmt!` take `kernel::fmt::Display` (a copy of core's, implementable for
/// foreign types such as `core::ffi::CStr`); 6.12's use core's.
#[allow(unused_macros)]
macro_rules! rklp_display {
    ($ty:ty) => {
        #[cfg(rklp_kernel_fmt)]
        impl kernel::fmt::Display for $ty {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                core::fmt::Display::fmt(self, f)
            }
        }
    };
}

/// `rklp_kobj_attr_set!(attr.show = f)` / `(attr.store = f)`: sets a
/// callback of a `struct kobj_attribute` (rklp's or the kernel's bindings).
/// On 7.3 each is in an anonymous union with a `const` variant
/// (`__SYSFS_FUNCTION_ALTERNATIVE`), which bindgen names `__bindgen_anon_N`.
#[allow(unused_macros)]
#[cfg(not(rklp_sysfs_const_attr))]
macro_rules! rklp_kobj_attr_set {
    ($a:ident.show = $f:expr) => {
        $a.show = $f
    };
    ($a:ident.store = $f:expr) => {
        $a.store = $f
    };
}
#[allow(unused_macros)]
#[cfg(rklp_sysfs_const_attr)]
macro_rules! rklp_kobj_attr_set {
    ($a:ident.show = $f:expr) => {
        $a.__bindgen_anon_1.show = $f
    };
    ($a:ident.store = $f:expr) => {
        $a.__bindgen_anon_2.store = $f
    };
}

/// In rklp's private bindings (rust/bindings.rs): what the kernel's bindgen
/// parameters expect in scope. On 7.3 they derive pin_init's
/// `MaybeZeroable` for every struct, which needs `Zeroable` for bindgen's
/// bitfield storage too (as the kernel's rust/bindings/lib.rs does).
#[allow(unused_macros)]
macro_rules! rklp_bindings_prelude {
    () => {
        #[cfg(rklp_maybe_zeroable)]
        #[allow(unused_imports)]
        use pin_init::{MaybeZeroable, Zeroable};
        // SAFETY: `__BindgenBitfieldUnit<S>` is a newtype around `S`: all
        // zeroes are valid for it when they are for `S`.
        #[cfg(rklp_maybe_zeroable)]
        unsafe impl<S> Zeroable for __BindgenBitfieldUnit<S> where S: Zeroable {}
    };
}

/// Functions and traits that differ between the kernels' crates.
#[allow(dead_code, unused_imports)]
pub(crate) mod compat {
    /// `fmt!`, the kernel's `format_args!`: at the kernel crate's root on
    /// 6.12; on 7.3 `kernel::fmt` is a module and `fmt!` (which formats
    /// through `kernel::fmt::Display`) is in the prelude.
    #[cfg(not(rklp_kernel_fmt))]
    pub(crate) use kernel::fmt;
    #[cfg(rklp_kernel_fmt)]
    pub(crate) use kernel::prelude::fmt;

    /// `CStr::to_bytes()` (the bytes before the NUL), 7.3's name: there
    /// `kernel::str::CStr` is `core::ffi::CStr`; 6.12's own type calls it
    /// `as_bytes`. `use crate::compat::CStrToBytes as _;` where needed.
    pub(crate) trait CStrToBytes {
        /// The string's bytes, without the terminating NUL.
        fn to_bytes(&self) -> &[u8];
    }
    #[cfg(not(rklp_core_cstr))]
    impl CStrToBytes for kernel::str::CStr {
        fn to_bytes(&self) -> &[u8] {
            self.as_bytes()
        }
    }

    /// `s.as_char_ptr()` in a `const fn` or a static: 6.12's own `CStr`
    /// has it as a `const fn`; on 7.3 it is a trait method (`CStrExt`), not
    /// callable there, and core's `as_ptr` is the `const` one.
    pub(crate) const fn cstr_ptr(s: &kernel::str::CStr) -> *const kernel::ffi::c_char {
        #[cfg(rklp_core_cstr)]
        {
            s.as_ptr().cast()
        }
        #[cfg(not(rklp_core_cstr))]
        {
            s.as_char_ptr()
        }
    }

    /// A user address as `kernel::uaccess::UserSlice::new` takes it: a
    /// `usize` on 6.12, a `UserPtr` struct on 7.3.
    pub(crate) fn user_ptr(addr: usize) -> kernel::uaccess::UserPtr {
        #[cfg(rklp_user_ptr_struct)]
        {
            kernel::uaccess::UserPtr::from_addr(addr)
        }
        #[cfg(not(rklp_user_ptr_struct))]
        {
            addr
        }
    }

    /// The C `struct lock_class_key` of what `kernel::static_lock_class!()`
    /// gives: a `&'static LockClassKey` on 6.12 (whose `as_ptr` is private
    /// to the kernel crate), a pinned one with a public `as_ptr` on 7.3.
    pub(crate) trait LockClassPtr {
        /// The address of the C key.
        fn lock_class_ptr(self) -> *mut kernel::bindings::lock_class_key;
    }
    #[cfg(not(rklp_pinned_lock_class))]
    impl LockClassPtr for &'static kernel::sync::LockClassKey {
        fn lock_class_ptr(self) -> *mut kernel::bindings::lock_class_key {
            // `LockClassKey` is `#[repr(transparent)]` over
            // `Opaque<lock_class_key>`, itself transparent over the C
            // struct: the same address.
            (self as *const kernel::sync::LockClassKey)
                .cast_mut()
                .cast()
        }
    }
    #[cfg(rklp_pinned_lock_class)]
    impl LockClassPtr for core::pin::Pin<&'static kernel::sync::LockClassKey> {
        fn lock_class_ptr(self) -> *mut kernel::bindings::lock_class_key {
            self.as_ptr()
        }
    }

    /// `KVec` operations rklp needs: 7.3's own where it has them (`remove`,
    /// `retain`); on 6.12, which lacks them, the same on top of `set_len`.
    pub(crate) mod kvec {
        use kernel::alloc::{Flags, KVec};

        /// Removes and returns `v[idx]`, keeping the others in order. Never
        /// allocates (the capacity stays, so an [`insert`] after it cannot
        /// fail).
        ///
        /// # Panics
        ///
        /// If `idx` is out of bounds.
        pub(crate) fn remove<T>(v: &mut KVec<T>, idx: usize) -> T {
            let len = v.len();
            assert!(idx < len, "vec::remove: index {idx} out of bounds ({len})");
            #[cfg(rklp_kvec_remove)]
            {
                v.remove(idx).expect("index checked above")
            }
            #[cfg(not(rklp_kvec_remove))]
            {
                v.as_mut_slice()[idx..].rotate_left(1);
                // SAFETY: `len - 1 < len`, so the new length is within the
                // initialised part; the element it drops from `v` (the
                // removed one, rotated to the end) is still initialised.
                unsafe { v.set_len(len - 1) };
                // SAFETY: index `len - 1` is within the allocation and holds
                // an initialised element that `v` no longer owns (see
                // above), so reading it moves ownership out exactly once.
                unsafe { core::ptr::read(v.as_ptr().add(len - 1)) }
            }
        }

        /// Keeps the elements for which `keep` holds, in order, and drops
        /// the others, in one pass. Never allocates.
        pub(crate) fn retain<T>(v: &mut KVec<T>, mut keep: impl FnMut(&T) -> bool) {
            #[cfg(rklp_kvec_remove)]
            {
                v.retain(|x| keep(x))
            }
            #[cfg(not(rklp_kvec_remove))]
            {
                let mut kept = 0;
                for i in 0..v.len() {
                    if keep(&v[i]) {
                        v.as_mut_slice().swap(kept, i);
                        kept += 1;
                    }
                }
                while v.len() > kept {
                    let last = v.len() - 1;
                    drop(remove(v, last));
                }
            }
        }

        /// Inserts `x` at `idx` (at most `v.len()`), shifting the rest up.
        /// If room must be allocated and cannot be, `x` is handed back
        /// instead of dropped.
        pub(crate) fn insert<T>(v: &mut KVec<T>, idx: usize, x: T, flags: Flags) -> Result<(), T> {
            if v.reserve(1, flags).is_err() {
                return Err(x);
            }
            let idx = idx.min(v.len());
            // Room for one more is reserved above: this push does not
            // allocate.
            v.push(x, flags).expect("room reserved");
            v.as_mut_slice()[idx..].rotate_right(1);
            Ok(())
        }
    }
}
