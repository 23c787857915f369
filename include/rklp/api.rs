// SPDX-License-Identifier: GPL-2.0

// The `KlpPatch` API: how a Rust patch module describes and enables its
// patch. Compiled into each patch module with
//
//     include!(concat!(env!("RKLP_DIR"), "/include/rklp/api.rs"));
//
// (the Makefile exports RKLP_DIR), which defines the module `klp`.

/// Describe a live patch and hand it to rklp.
///
/// ```ignore
/// #[no_mangle]
/// extern "C" fn livepatch_cmdline_proc_show(m: *mut bindings::seq_file, v: *mut c_void) -> c_int { .. }
///
/// KlpPatch::new()
///     .object(KlpObject::vmlinux().func(KlpFunc::new(
///         c_str!("cmdline_proc_show"),
///         livepatch_cmdline_proc_show as extern "C" fn(_, _) -> _,
///     ))?)?
///     .enable(module)?;
/// ```
///
/// What the types rule out at compile time: null or non-NUL-terminated
/// names (`&'static CStr`), replacements that are not `extern "C"`
/// functions (only those implement [`klp::Replacement`]), dangling names
/// (`'static`), an unterminated or mis-sized array (there are none). The
/// rest (empty patch, empty object, a function listed twice, unknown or
/// ambiguous symbols, functions ftrace cannot patch) is refused by rklp at
/// `enable` with `EINVAL` and a message in dmesg.
#[allow(dead_code, unreachable_pub)]
pub mod klp {
    use kernel::alloc::flags::GFP_KERNEL;
    use kernel::prelude::*;
    use kernel::str::CStr;

    #[allow(dead_code, missing_docs)]
    mod abi {
        include!(concat!(env!("RKLP_DIR"), "/include/rklp/abi.rs"));
    }

    extern "C" {
        fn rklp_enable_patch(
            module: *mut core::ffi::c_void,
            desc: *const abi::RklpPatchDesc,
        ) -> i32;
    }

    /// A function that can replace a patched one: an `extern "C"` function
    /// pointer (coerce a fn item with `f as extern "C" fn(_, _) -> _`).
    ///
    /// # Safety
    ///
    /// Implementors must be function pointers with the C calling convention:
    /// ftrace jumps to them with the original call's registers.
    pub unsafe trait Replacement: Copy {
        /// The function's address.
        fn addr(self) -> *const u8;
    }

    macro_rules! impl_replacement {
        ($($a:ident),*) => {
            // SAFETY: an `extern "C"` function pointer.
            unsafe impl<R, $($a),*> Replacement for extern "C" fn($($a),*) -> R {
                fn addr(self) -> *const u8 { self as *const u8 }
            }
            // SAFETY: an `unsafe extern "C"` function pointer.
            unsafe impl<R, $($a),*> Replacement for unsafe extern "C" fn($($a),*) -> R {
                fn addr(self) -> *const u8 { self as *const u8 }
            }
        };
    }
    impl_replacement!();
    impl_replacement!(A);
    impl_replacement!(A, B);
    impl_replacement!(A, B, C);
    impl_replacement!(A, B, C, D);
    impl_replacement!(A, B, C, D, E);
    impl_replacement!(A, B, C, D, E, F);

    /// One function to replace.
    pub struct KlpFunc {
        old_name: &'static CStr,
        new_func: *const u8,
        old_sympos: usize,
    }

    impl KlpFunc {
        /// Replace `old_name` (which must be unique in its object) by `new_func`.
        pub fn new<F: Replacement>(old_name: &'static CStr, new_func: F) -> Self {
            Self {
                old_name,
                new_func: new_func.addr(),
                old_sympos: 0,
            }
        }

        /// Pick the `pos`-th symbol called `old_name` in its object (1-based,
        /// in kallsyms order), for names that are not unique.
        pub fn sympos(mut self, pos: core::num::NonZeroUsize) -> Self {
            self.old_sympos = pos.get();
            self
        }
    }

    /// vmlinux or one module, and the functions to replace in it.
    pub struct KlpObject {
        name: Option<&'static CStr>,
        funcs: KVec<abi::RklpFuncDesc>,
    }

    impl KlpObject {
        /// Functions of the kernel image.
        pub fn vmlinux() -> Self {
            Self {
                name: None,
                funcs: KVec::new(),
            }
        }

        /// Functions of module `name` (patched when it is loaded).
        pub fn module(name: &'static CStr) -> Self {
            Self {
                name: Some(name),
                funcs: KVec::new(),
            }
        }

        /// Adds a function.
        pub fn func(mut self, f: KlpFunc) -> Result<Self> {
            self.funcs.push(
                abi::RklpFuncDesc {
                    old_name: f.old_name.as_char_ptr().cast(),
                    new_func: f.new_func,
                    old_sympos: f.old_sympos,
                },
                GFP_KERNEL,
            )?;
            Ok(self)
        }
    }

    /// A whole patch.
    pub struct KlpPatch {
        objs: KVec<KlpObject>,
        flags: u32,
    }

    impl Default for KlpPatch {
        fn default() -> Self {
            Self::new()
        }
    }

    impl KlpPatch {
        /// An empty patch.
        pub fn new() -> Self {
            Self {
                objs: KVec::new(),
                flags: 0,
            }
        }

        /// Switches all tasks at once, inside `stop_machine`, after checking
        /// that no task is inside a function being changed (kpatch-style),
        /// instead of task by task. Enabling or disabling fails with `EBUSY`
        /// if that check (or an NMI running a function being switched) keeps
        /// failing.
        pub fn immediate(mut self) -> Self {
            self.flags |= abi::RKLP_PATCH_IMMEDIATE;
            self
        }

        /// Adds an object.
        pub fn object(mut self, o: KlpObject) -> Result<Self> {
            self.objs.push(o, GFP_KERNEL)?;
            Ok(self)
        }

        /// Registers and enables the patch. Call from the patch module's
        /// init with its `THIS_MODULE`; rklp copies what it needs and pins
        /// the module until the patch is disabled.
        pub fn enable(&self, module: &'static ThisModule) -> Result {
            let mut objs = KVec::with_capacity(self.objs.len(), GFP_KERNEL)?;
            for o in self.objs.iter() {
                objs.push(
                    abi::RklpObjectDesc {
                        name: o.name.map_or(core::ptr::null(), |n| n.as_char_ptr().cast()),
                        funcs: o.funcs.as_ptr(),
                        nr_funcs: o.funcs.len(),
                    },
                    GFP_KERNEL,
                )?;
            }
            let desc = abi::RklpPatchDesc {
                abi_version: abi::RKLP_ABI_VERSION,
                flags: self.flags,
                objs: objs.as_ptr(),
                nr_objs: objs.len(),
            };
            // SAFETY: `module` is our THIS_MODULE, in init; `desc` and all it
            // points to live until this call returns (rklp copies it).
            kernel::error::to_result(unsafe { rklp_enable_patch(module.as_ptr().cast(), &desc) })
        }
    }
}
