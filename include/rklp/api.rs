// SPDX-License-Identifier: GPL-2.0

// The `KlpPatch` API: how a Rust patch module describes and enables its
// patch. Compiled into each patch module with
//
//     include!(concat!(env!("RKLP_DIR"), "/include/rklp/api.rs"));
//
// (the Makefile exports RKLP_DIR), which defines the module `klp`.

// What differs between the kernels' crates (`rklp_module!`, ...).
include!(concat!(env!("RKLP_DIR"), "/rust/compat.rs"));

/// Describe a live patch and hand it to rklp.
///
/// A patch is a `static` table, built at compile time, as C's
/// `static struct klp_func funcs[]` / `klp_object objs[]` / `klp_patch`:
///
/// ```ignore
/// #[no_mangle]
/// extern "C" fn livepatch_cmdline_proc_show(m: *mut bindings::seq_file, v: *mut c_void) -> c_int { .. }
///
/// static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::vmlinux(&[KlpFunc::new(
///     c_str!("cmdline_proc_show"),
///     livepatch_cmdline_proc_show as extern "C" fn(_, _) -> _,
/// )])]);
///
/// // in the module's init:
/// PATCH.enable(module)?;
/// ```
///
/// Every constructor is a `const fn`, so the tables live in the module's
/// read-only data and `enable` uses a few dozen bytes of stack whatever the
/// number of functions (a by-value builder needed a stack slot per step:
/// 14,624 bytes for 100 functions, past the 16 KB kernel stack).
///
/// What the types rule out at compile time: null or non-NUL-terminated
/// names (`&'static CStr`), replacements that are not `extern "C"`
/// functions (only those implement [`klp::Replacement`]), dangling names
/// and tables (`'static`), an unterminated or mis-sized array (slices carry
/// their length). The rest (empty patch, empty object, a function listed
/// twice, unknown or ambiguous symbols, functions ftrace cannot patch) is
/// refused by rklp at `enable` with `EINVAL` and a message in dmesg.
///
/// Symbols the replacements use that their object does not export (static
/// functions and variables): [`klp::KlpSym`], with [`klp::SymFn`] and
/// [`klp::SymVar`] slots.
///
/// System states: declare them with [`klp::KlpPatch::states`]; callbacks
/// reach their `data` with [`klp::get_state`] and, during a transition, the
/// installed patches' with [`klp::get_prev_state`].
#[allow(dead_code, unreachable_pub)]
pub mod klp {
    use core::ffi::c_void;
    use core::marker::PhantomData;
    use core::mem::ManuallyDrop;
    use core::ptr::NonNull;
    use kernel::prelude::*;
    use kernel::str::CStr;

    #[allow(dead_code, missing_docs)]
    mod abi {
        include!(concat!(env!("RKLP_DIR"), "/include/rklp/abi.rs"));
    }

    /// rklp's exported C ABI as Rust declarations (the prototypes of
    /// include/rklp/rklp.h), for what the typed API does not wrap (e.g.
    /// upstream's shadow-variable test, ported call for call).
    pub mod raw {
        use super::abi;
        use core::ffi::c_void;
        use kernel::ffi::c_ulong;

        /// `rklp_shadow_ctor_t`.
        pub type ShadowCtor = unsafe extern "C" fn(*mut c_void, *mut c_void, *mut c_void) -> i32;
        /// `rklp_shadow_dtor_t`.
        pub type ShadowDtor = unsafe extern "C" fn(*mut c_void, *mut c_void);

        extern "C" {
            /// `rklp_shadow_get()`.
            pub fn rklp_shadow_get(obj: *mut c_void, id: c_ulong) -> *mut c_void;
            /// `rklp_shadow_alloc()`.
            pub fn rklp_shadow_alloc(
                obj: *mut c_void,
                id: c_ulong,
                size: usize,
                gfp: u32,
                ctor: Option<ShadowCtor>,
                ctor_data: *mut c_void,
            ) -> *mut c_void;
            /// `rklp_shadow_get_or_alloc()`.
            pub fn rklp_shadow_get_or_alloc(
                obj: *mut c_void,
                id: c_ulong,
                size: usize,
                gfp: u32,
                ctor: Option<ShadowCtor>,
                ctor_data: *mut c_void,
            ) -> *mut c_void;
            /// `rklp_shadow_free()`.
            pub fn rklp_shadow_free(obj: *mut c_void, id: c_ulong, dtor: Option<ShadowDtor>);
            /// `rklp_shadow_free_all()`.
            pub fn rklp_shadow_free_all(id: c_ulong, dtor: Option<ShadowDtor>);
            /// `rklp_loaded_module_state()`.
            pub fn rklp_loaded_module_state(name: *const u8) -> i32;
            /// `rklp_loaded_module()`.
            pub fn rklp_loaded_module(name: *const u8) -> *mut c_void;
            /// `rklp_enable_patch()`.
            pub fn rklp_enable_patch(
                module: *mut core::ffi::c_void,
                desc: *const abi::RklpPatchDesc,
            ) -> i32;
            /// `rklp_get_state()`.
            pub fn rklp_get_state(module: *mut c_void, id: c_ulong) -> *mut abi::RklpState;
            /// `rklp_get_prev_state()`.
            pub fn rklp_get_prev_state(id: c_ulong) -> *mut abi::RklpState;
        }
    }
    use raw::*;

    // Only the address is used, so the layout (which has zero-sized C
    // structs, hence the lint) does not matter.
    #[allow(improper_ctypes)]
    extern "C" {
        /// This module (what the `module!` macro's `THIS_MODULE` wraps):
        /// its patch's handle.
        static __this_module: kernel::types::Opaque<kernel::bindings::module>;
    }

    /// A function that can replace a patched one: an `extern "C"` function
    /// pointer (coerce a fn item with `f as extern "C" fn(_, _) -> _`).
    ///
    /// # Safety
    ///
    /// Implementors must be function pointers with the C calling convention
    /// (so pointer-sized, holding the function's address): ftrace jumps to
    /// them with the original call's registers.
    pub unsafe trait Replacement: Copy {}

    macro_rules! impl_replacement {
        ($($a:ident),*) => {
            // SAFETY: an `extern "C"` function pointer.
            unsafe impl<R, $($a),*> Replacement for extern "C" fn($($a),*) -> R {}
            // SAFETY: an `unsafe extern "C"` function pointer.
            unsafe impl<R, $($a),*> Replacement for unsafe extern "C" fn($($a),*) -> R {}
        };
    }
    impl_replacement!();
    impl_replacement!(A);
    impl_replacement!(A, B);
    impl_replacement!(A, B, C);
    impl_replacement!(A, B, C, D);
    impl_replacement!(A, B, C, D, E);
    impl_replacement!(A, B, C, D, E, F);

    /// The kind of an argument or return value in a recorded prototype.
    #[derive(Clone, Copy)]
    #[repr(u32)]
    pub enum ProtoKind {
        /// An integer (`bool` and C enums, which bindgen turns into
        /// integers, included).
        Int = abi::RKLP_PROTO_INT,
        /// A pointer or reference (to data or to a function).
        Ptr = abi::RKLP_PROTO_PTR,
        /// A struct passed by value.
        Struct = abi::RKLP_PROTO_STRUCT,
        /// A union passed by value.
        Union = abi::RKLP_PROTO_UNION,
        /// An enum passed by value.
        Enum = abi::RKLP_PROTO_ENUM,
        /// A floating-point number.
        Float = abi::RKLP_PROTO_FLOAT,
    }

    /// What a prototype records of one argument or return value
    /// (`struct rklp_proto_type`).
    pub type ProtoType = abi::RklpProtoType;

    /// The recorded kind and size of `T`.
    pub const fn proto_type<T>(kind: ProtoKind) -> abi::RklpProtoType {
        abi::RklpProtoType {
            kind: kind as u32,
            size: core::mem::size_of::<T>() as u32,
        }
    }

    /// A type a replacement may take or return, and what rklp records of
    /// it (its kind; its size comes from the type): implemented for the
    /// integers, `bool`, the floats, pointers, references, `NonNull`,
    /// their `Option`s and `extern "C"` function pointers. A struct or
    /// union passed by value (e.g. `kernel::bindings::kuid_t`) is declared
    /// with [`rklp_by_value!`] in the patch module.
    ///
    /// # Safety
    ///
    /// `TYPE` must describe how C passes `Self`: its kind and its size.
    pub unsafe trait ProtoArg {
        /// Kind and size.
        const TYPE: abi::RklpProtoType;
    }

    /// A type a replacement may return: every [`ProtoArg`] and `()`
    /// (C's `void`).
    ///
    /// # Safety
    ///
    /// As [`ProtoArg`].
    pub unsafe trait ProtoRet {
        /// Kind and size.
        const TYPE: abi::RklpProtoType;
    }

    // SAFETY: `()` is returned as C's `void`: nothing.
    unsafe impl ProtoRet for () {
        const TYPE: abi::RklpProtoType = abi::RklpProtoType {
            kind: abi::RKLP_PROTO_VOID,
            size: 0,
        };
    }

    // SAFETY: what is returned as an argument of the same type is passed.
    unsafe impl<T: ProtoArg> ProtoRet for T {
        const TYPE: abi::RklpProtoType = T::TYPE;
    }

    macro_rules! impl_proto_arg {
        ($kind:ident: $($t:ty),*) => {
            $(
                // SAFETY: C passes this type as this kind, with its size.
                unsafe impl ProtoArg for $t {
                    const TYPE: abi::RklpProtoType = proto_type::<$t>(ProtoKind::$kind);
                }
            )*
        };
    }
    impl_proto_arg!(Int: i8, u8, i16, u16, i32, u32, i64, u64, isize, usize, bool);
    impl_proto_arg!(Float: f32, f64);

    macro_rules! impl_proto_ptr {
        ($($p:ty),*) => {
            $(
                // SAFETY: a thin pointer (`T: Sized`), passed as C's `T *`.
                unsafe impl<T> ProtoArg for $p {
                    const TYPE: abi::RklpProtoType = proto_type::<$p>(ProtoKind::Ptr);
                }
            )*
        };
    }
    impl_proto_ptr!(
        *const T,
        *mut T,
        &T,
        &mut T,
        Option<&T>,
        Option<&mut T>,
        NonNull<T>,
        Option<NonNull<T>>
    );

    macro_rules! impl_proto_fn_ptr {
        ($($a:ident),*) => {
            // SAFETY: a function pointer, passed as C's function pointer.
            unsafe impl<R, $($a),*> ProtoArg for extern "C" fn($($a),*) -> R {
                const TYPE: abi::RklpProtoType = proto_type::<Self>(ProtoKind::Ptr);
            }
            // SAFETY: as above.
            unsafe impl<R, $($a),*> ProtoArg for unsafe extern "C" fn($($a),*) -> R {
                const TYPE: abi::RklpProtoType = proto_type::<Self>(ProtoKind::Ptr);
            }
            // SAFETY: `Option` of a function pointer is a nullable one.
            unsafe impl<R, $($a),*> ProtoArg for Option<extern "C" fn($($a),*) -> R> {
                const TYPE: abi::RklpProtoType = proto_type::<Self>(ProtoKind::Ptr);
            }
            // SAFETY: as above.
            unsafe impl<R, $($a),*> ProtoArg for Option<unsafe extern "C" fn($($a),*) -> R> {
                const TYPE: abi::RklpProtoType = proto_type::<Self>(ProtoKind::Ptr);
            }
        };
    }
    impl_proto_fn_ptr!();
    impl_proto_fn_ptr!(A);
    impl_proto_fn_ptr!(A, B);
    impl_proto_fn_ptr!(A, B, C);
    impl_proto_fn_ptr!(A, B, C, D);
    impl_proto_fn_ptr!(A, B, C, D, E);
    impl_proto_fn_ptr!(A, B, C, D, E, F);

    /// A replacement whose prototype rklp can record: every argument a
    /// [`ProtoArg`], the return value a [`ProtoRet`].
    pub trait Prototype: Replacement {
        /// The recorded prototype.
        const PROTO: abi::RklpProto;
    }

    const NO_ARG: abi::RklpProtoType = abi::RklpProtoType { kind: 0, size: 0 };

    macro_rules! impl_prototype {
        ($n:expr; $($a:ident),*) => {
            impl<R: ProtoRet, $($a: ProtoArg),*> Prototype for extern "C" fn($($a),*) -> R {
                const PROTO: abi::RklpProto = proto::<R>($n, &[$($a::TYPE),*]);
            }
            impl<R: ProtoRet, $($a: ProtoArg),*> Prototype for unsafe extern "C" fn($($a),*) -> R {
                const PROTO: abi::RklpProto = proto::<R>($n, &[$($a::TYPE),*]);
            }
        };
    }

    const fn proto<R: ProtoRet>(n: u32, args: &[abi::RklpProtoType]) -> abi::RklpProto {
        let mut p = abi::RklpProto {
            nr_args: n,
            ret: R::TYPE,
            args: [NO_ARG; abi::RKLP_PROTO_MAX_ARGS],
        };
        let mut i = 0;
        while i < args.len() {
            p.args[i] = args[i];
            i += 1;
        }
        p
    }
    impl_prototype!(0;);
    impl_prototype!(1; A);
    impl_prototype!(2; A, B);
    impl_prototype!(3; A, B, C);
    impl_prototype!(4; A, B, C, D);
    impl_prototype!(5; A, B, C, D, E);
    impl_prototype!(6; A, B, C, D, E, F);

    /// The address of function pointer `f`, in a `const fn` (trait methods
    /// cannot be called there, casts of generic types cannot be written).
    const fn fn_addr<F: Replacement>(f: F) -> *const u8 {
        #[repr(C)]
        union FnAddr<F: Copy> {
            f: F,
            addr: *const u8,
        }
        const {
            assert!(core::mem::size_of::<F>() == core::mem::size_of::<*const u8>());
        }
        // SAFETY: `F` is a function pointer (contract of `Replacement`),
        // the same size as `addr` (checked above): its bits are the address.
        unsafe { FnAddr { f }.addr }
    }

    /// One function to replace: an element of an object's `static` table
    /// (layout: `struct rklp_func_desc`, the table is what rklp reads at `enable`).
    #[repr(transparent)]
    pub struct KlpFunc(abi::RklpFuncDesc);

    // SAFETY: never changed after construction (no method takes `&mut`);
    // it points to a `'static` name and to code.
    unsafe impl Sync for KlpFunc {}

    impl KlpFunc {
        /// Replace `old_name` (which must be unique in its object) by
        /// `new_func`. `new_func`'s prototype (its arity, the kind and
        /// size of each argument and of the return value) is recorded:
        /// where the kernel has BTF, rklp refuses the patch if the
        /// original's prototype differs (Documentation/rklp.rst,
        /// "Prototype checks").
        pub const fn new<F: Prototype>(old_name: &'static CStr, new_func: F) -> Self {
            Self(abi::RklpFuncDesc {
                old_name: crate::compat::cstr_ptr(old_name).cast(),
                new_func: fn_addr(new_func),
                old_sympos: 0,
                proto: const { &F::PROTO },
            })
        }

        /// Pick the `pos`-th symbol called `old_name` in its object (1-based,
        /// in kallsyms order), for names that are not unique.
        pub const fn sympos(mut self, pos: core::num::NonZeroUsize) -> Self {
            self.0.old_sympos = pos.get();
            self
        }
    }

    /// Where rklp puts the address of a function of a patched object that
    /// the patch's code calls (usually one it does not export): a
    /// `static` of the patch module, bound to a name by [`KlpSym::func`].
    /// `F` is the function's type, an `extern "C" fn` pointer.
    pub struct SymFn<F: Replacement> {
        addr: core::sync::atomic::AtomicUsize,
        _f: PhantomData<F>,
    }

    impl<F: Replacement> SymFn<F> {
        /// An empty slot.
        ///
        /// # Safety
        ///
        /// `F` must be the prototype of every function this slot is bound
        /// to (with [`KlpSym::func`]): [`SymFn::get`] hands out its address
        /// as an `F`, which safe code may call.
        pub const unsafe fn new() -> Self {
            Self {
                addr: core::sync::atomic::AtomicUsize::new(0),
                _f: PhantomData,
            }
        }

        /// The function, once rklp has resolved it: always, in a
        /// replacement of the object it is listed under (rklp fills the
        /// slot before any of them can run); `None` before, or after the
        /// object's module went away.
        pub fn get(&self) -> Option<F> {
            let addr = self.addr.load(core::sync::atomic::Ordering::Acquire);
            if addr == 0 {
                return None;
            }
            const {
                assert!(core::mem::size_of::<F>() == core::mem::size_of::<usize>());
            }
            // SAFETY: `F` is a function pointer type (`Replacement`) of
            // the function's prototype (contract of `new`); rklp stored
            // the function's address.
            Some(unsafe { core::mem::transmute_copy::<usize, F>(&addr) })
        }
    }

    /// Where rklp puts the address of a variable of a patched object that
    /// the patch's code uses (usually a `static` it does not export): a
    /// `static` of the patch module, bound to a name by [`KlpSym::var`].
    pub struct SymVar<T> {
        addr: core::sync::atomic::AtomicUsize,
        _t: PhantomData<*mut T>,
    }

    // SAFETY: only an address, read and written atomically; what it points
    // to is accessed through raw pointers, under the user's `unsafe`.
    unsafe impl<T> Sync for SymVar<T> {}

    impl<T> SymVar<T> {
        /// An empty slot.
        pub const fn new() -> Self {
            Self {
                addr: core::sync::atomic::AtomicUsize::new(0),
                _t: PhantomData,
            }
        }

        /// The variable's address, once rklp has resolved it (always, in a
        /// replacement of the object it is listed under); `None` before, or
        /// after the object's module went away. Accessing it is up to the
        /// caller (and to the object's own locking rules).
        pub fn ptr(&self) -> Option<NonNull<T>> {
            NonNull::new(self.addr.load(core::sync::atomic::Ordering::Acquire) as *mut T)
        }
    }

    /// A symbol of the object it is listed under ([`KlpObject::syms`]) that
    /// the patch's code uses: rklp looks it up in that object (and no
    /// other) when it patches the object, at `enable` for vmlinux and
    /// loaded modules, when a later module loads (before its init) for the
    /// others, and puts its address in the slot before any replacement of
    /// the object can run; when the module goes away, it empties the slot.
    /// A missing or (without [`KlpSym::sympos`]) ambiguous name refuses the
    /// patch, or the module's load. (Upstream livepatch gets the same from
    /// klp relocations, `.klp.sym.<object>.<name>,<sympos>`.)
    #[repr(transparent)]
    pub struct KlpSym(abi::RklpSymDesc);

    // SAFETY: never changed after construction; it points to a `'static`
    // name and to a `'static` slot that rklp writes atomically.
    unsafe impl Sync for KlpSym {}

    impl KlpSym {
        const fn with(name: &'static CStr, slot: *mut usize) -> Self {
            Self(abi::RklpSymDesc {
                name: crate::compat::cstr_ptr(name).cast(),
                sympos: 0,
                slot,
            })
        }

        /// Function `name` (unique in its object), into `slot`.
        pub const fn func<F: Replacement>(name: &'static CStr, slot: &'static SymFn<F>) -> Self {
            Self::with(name, slot.addr.as_ptr())
        }

        /// Variable `name` (unique in its object), into `slot`.
        pub const fn var<T>(name: &'static CStr, slot: &'static SymVar<T>) -> Self {
            Self::with(name, slot.addr.as_ptr())
        }

        /// Pick the `pos`-th symbol called `name` in its object (1-based,
        /// in kallsyms order), for names that are not unique.
        pub const fn sympos(mut self, pos: core::num::NonZeroUsize) -> Self {
            self.0.sympos = pos.get();
            self
        }
    }

    /// Per-object callbacks, with upstream livepatch's rules: they run only
    /// for loaded objects; `pre_patch` may refuse (the patch, or the late
    /// module's load, fails with its error); `post_patch` after the patching
    /// transition; `pre_unpatch` before an unpatching one (not on a reversed
    /// transition); `post_unpatch` only if `pre_patch` ran and succeeded.
    /// `obj` is the object's module name, `None` for vmlinux.
    pub trait KlpCallbacks {
        /// Before the object's functions are patched.
        fn pre_patch(_obj: Option<&CStr>) -> Result {
            Ok(())
        }
        /// After the patching transition completed.
        fn post_patch(_obj: Option<&CStr>) {}
        /// Before an unpatching transition starts.
        fn pre_unpatch(_obj: Option<&CStr>) {}
        /// After unpatching completed.
        fn post_unpatch(_obj: Option<&CStr>) {}
    }

    fn cb_name<'a>(p: *const u8) -> Option<&'a CStr> {
        // SAFETY: rklp passes a NUL-terminated object name or null.
        (!p.is_null()).then(|| unsafe { CStr::from_char_ptr(p.cast()) })
    }
    unsafe extern "C" fn cb_pre_patch<C: KlpCallbacks>(p: *const u8) -> i32 {
        match C::pre_patch(cb_name(p)) {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }
    unsafe extern "C" fn cb_post_patch<C: KlpCallbacks>(p: *const u8) {
        C::post_patch(cb_name(p))
    }
    unsafe extern "C" fn cb_pre_unpatch<C: KlpCallbacks>(p: *const u8) {
        C::pre_unpatch(cb_name(p))
    }
    unsafe extern "C" fn cb_post_unpatch<C: KlpCallbacks>(p: *const u8) {
        C::post_unpatch(cb_name(p))
    }

    /// The state of a loaded module (`enum module_state`).
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub enum ModuleState {
        /// `MODULE_STATE_LIVE`: normal state.
        Live,
        /// `MODULE_STATE_COMING`: fully formed, running its init.
        Coming,
        /// `MODULE_STATE_GOING`: going away.
        Going,
        /// `MODULE_STATE_UNFORMED`: still being set up.
        Unformed,
    }

    /// The state of the loaded module `name`, `None` if it is not loaded:
    /// what upstream's callbacks read from `obj->mod->state` (rklp's get the
    /// object's name). May be called from callbacks.
    pub fn module_state(name: &CStr) -> Option<ModuleState> {
        // SAFETY: `name` is NUL-terminated.
        match unsafe { rklp_loaded_module_state(name.as_char_ptr().cast()) } {
            0 => Some(ModuleState::Live),
            1 => Some(ModuleState::Coming),
            2 => Some(ModuleState::Going),
            3 => Some(ModuleState::Unformed),
            _ => None,
        }
    }

    /// vmlinux or one module, and the functions to replace in it: an
    /// element of a patch's `static` table (layout: `struct
    /// rklp_object_desc`, the table is what rklp reads at `enable`).
    #[repr(transparent)]
    pub struct KlpObject(abi::RklpObjectDesc);

    // SAFETY: never changed after construction; it points to `'static`
    // names, tables and code.
    unsafe impl Sync for KlpObject {}

    impl KlpObject {
        const fn with(name: Option<&'static CStr>, funcs: &'static [KlpFunc]) -> Self {
            Self(abi::RklpObjectDesc {
                name: match name {
                    Some(n) => crate::compat::cstr_ptr(n).cast(),
                    None => core::ptr::null(),
                },
                // `KlpFunc` is a transparent `RklpFuncDesc`.
                funcs: funcs.as_ptr().cast(),
                nr_funcs: funcs.len(),
                callbacks: abi::RklpCallbacks {
                    pre_patch: None,
                    post_patch: None,
                    pre_unpatch: None,
                    post_unpatch: None,
                },
                syms: core::ptr::null(),
                nr_syms: 0,
            })
        }

        /// Sets the object's symbols that the patch's code uses (see
        /// [`KlpSym`]).
        pub const fn syms(mut self, syms: &'static [KlpSym]) -> Self {
            // `KlpSym` is a transparent `RklpSymDesc`.
            self.0.syms = syms.as_ptr().cast();
            self.0.nr_syms = syms.len();
            self
        }

        /// Functions `funcs` of the kernel image (`&[]` for an object with
        /// callbacks only).
        pub const fn vmlinux(funcs: &'static [KlpFunc]) -> Self {
            Self::with(None, funcs)
        }

        /// Functions `funcs` of module `name` (patched when it is loaded).
        pub const fn module(name: &'static CStr, funcs: &'static [KlpFunc]) -> Self {
            Self::with(Some(name), funcs)
        }

        /// Sets the object's callbacks (an object may have callbacks and no
        /// functions).
        pub const fn callbacks<C: KlpCallbacks>(mut self) -> Self {
            self.0.callbacks = abi::RklpCallbacks {
                pre_patch: Some(cb_pre_patch::<C>),
                post_patch: Some(cb_post_patch::<C>),
                pre_unpatch: Some(cb_pre_unpatch::<C>),
                post_unpatch: Some(cb_post_unpatch::<C>),
            };
            self
        }
    }

    /// A system state the patch changes (upstream's `struct klp_state`):
    /// `id` names it (non-zero, once per patch), `version` says which
    /// version of the change this patch makes. rklp refuses to enable a
    /// patch that cannot deal with the states installed patches changed:
    /// same id with a lower version, or (for a [`KlpPatch::replace`] patch)
    /// a state it does not carry.
    #[repr(transparent)]
    pub struct KlpState(abi::RklpState);

    // SAFETY: never changed after construction; `data` is null (rklp
    // copies the state and hands out its copy's `data`).
    unsafe impl Sync for KlpState {}

    impl KlpState {
        /// State `id`, changed in version `version`.
        pub const fn new(id: u64, version: u32) -> Self {
            Self(abi::RklpState {
                id,
                version,
                data: core::ptr::null_mut(),
            })
        }
    }

    /// A system state as rklp keeps it for an installed patch: its id,
    /// version, and a `data` slot for the patch (upstream's `klp_state`
    /// pointers). Returned by [`get_state`] and [`get_prev_state`].
    ///
    /// Valid while its patch exists; it cannot be sent, shared or cloned,
    /// so keep it only in the callback or function that looked it up.
    /// `data` is the patch's: rklp never reads or frees it.
    ///
    /// # Invariants
    ///
    /// `ptr` points to a `struct rklp_state` owned by rklp's copy of an
    /// installed patch, which outlives this value (see the functions that
    /// return one).
    pub struct SystemState {
        ptr: NonNull<abi::RklpState>,
        _not_send: PhantomData<*mut ()>,
    }

    impl SystemState {
        fn from_raw(p: *mut abi::RklpState) -> Option<Self> {
            NonNull::new(p).map(|ptr| Self {
                ptr,
                _not_send: PhantomData,
            })
        }

        /// The state's id.
        pub fn id(&self) -> u64 {
            // SAFETY: valid (type invariant); `id` never changes.
            unsafe { (*self.ptr.as_ptr()).id }
        }

        /// The version of the change.
        pub fn version(&self) -> u32 {
            // SAFETY: valid (type invariant); `version` never changes.
            unsafe { (*self.ptr.as_ptr()).version }
        }

        fn data_atomic(&self) -> &core::sync::atomic::AtomicPtr<c_void> {
            // SAFETY: valid (type invariant), aligned; rklp itself only
            // accesses `data` atomically (it keeps it as an AtomicPtr).
            unsafe {
                core::sync::atomic::AtomicPtr::from_ptr(core::ptr::addr_of_mut!(
                    (*self.ptr.as_ptr()).data
                ))
            }
        }

        /// The patch's data (null until set).
        pub fn data(&self) -> *mut c_void {
            self.data_atomic()
                .load(core::sync::atomic::Ordering::Acquire)
        }

        /// Sets the patch's data. Whatever it pointed to before is not
        /// freed: that is up to the patch (e.g. in `post_unpatch`).
        pub fn set_data(&self, data: *mut c_void) {
            self.data_atomic()
                .store(data, core::sync::atomic::Ordering::Release)
        }
    }

    fn this_module() -> *mut c_void {
        // SAFETY: only the address of this module's `struct module`, which
        // the kernel defines for every module, is taken.
        unsafe { __this_module.get().cast() }
    }

    /// This module's patch's state `id` (upstream `klp_get_state(&patch,
    /// id)`), from its callbacks or replacement functions; `None` if the
    /// patch does not declare it (or is not registered yet or any more).
    pub fn get_state(id: u64) -> Option<SystemState> {
        // SAFETY: a lookup by this module's address; the result is a state
        // of this module's patch, which exists as long as the callbacks and
        // replacement functions that may call this (type invariant).
        SystemState::from_raw(unsafe { rklp_get_state(this_module(), id as kernel::ffi::c_ulong) })
    }

    /// During a transition (so in callbacks), the state `id` of the latest
    /// patch installed before the one in transition (upstream
    /// `klp_get_prev_state`): `None` if no such patch declares it. Outside a
    /// transition rklp warns once and returns `None`. Valid until the
    /// transition ends: use it within the callback.
    pub fn get_prev_state(id: u64) -> Option<SystemState> {
        // SAFETY: a lookup; rklp keeps the returned state's patch until the
        // transition completes, after the last callback of it.
        SystemState::from_raw(unsafe { rklp_get_prev_state(id as kernel::ffi::c_ulong) })
    }

    /// A whole patch: its objects, states and flags. Usually a `static`;
    /// it is `Copy`, so init can also pick flags at run time
    /// (`let mut p = PATCH; if x { p = p.replace(); } p.enable(module)?`).
    #[derive(Clone, Copy)]
    pub struct KlpPatch {
        objs: &'static [KlpObject],
        states: &'static [KlpState],
        flags: u32,
    }

    impl KlpPatch {
        /// A patch of objects `objs`.
        pub const fn new(objs: &'static [KlpObject]) -> Self {
            Self {
                objs,
                states: &[],
                flags: 0,
            }
        }

        /// Switches all tasks at once, inside `stop_machine`, after checking
        /// that no task is inside a function being changed (kpatch-style),
        /// instead of task by task. Enabling or disabling fails with `EBUSY`
        /// if that check (or an NMI running a function being switched) keeps
        /// failing.
        pub const fn immediate(mut self) -> Self {
            self.flags |= abi::RKLP_PATCH_IMMEDIATE;
            self
        }

        /// Atomic replace: this patch supersedes every earlier one in one
        /// transition. Functions they changed and this one does not go back
        /// to their original code; when the transition completes the earlier
        /// patches are gone (their modules can be removed, their callbacks
        /// do not run).
        pub const fn replace(mut self) -> Self {
            self.flags |= abi::RKLP_PATCH_REPLACE;
            self
        }

        /// Declares the system states this patch changes. rklp keeps a copy
        /// of each whose `data` the callbacks reach with [`get_state`].
        pub const fn states(mut self, states: &'static [KlpState]) -> Self {
            self.states = states;
            self
        }

        /// Registers and enables the patch. Call from the patch module's
        /// init with its `THIS_MODULE`; rklp copies what it needs and pins
        /// the module until the patch is disabled. No allocation, and the
        /// same small stack frame for any number of functions.
        pub fn enable(&self, module: &'static ThisModule) -> Result {
            let desc = abi::RklpPatchDesc {
                abi_version: abi::RKLP_ABI_VERSION,
                flags: self.flags,
                // `KlpObject` and `KlpState` are transparent wrappers of the
                // descriptors.
                objs: self.objs.as_ptr().cast(),
                nr_objs: self.objs.len(),
                states: self.states.as_ptr().cast(),
                nr_states: self.states.len(),
            };
            // SAFETY: `module` is our THIS_MODULE, in init; `desc` lives
            // until this call returns (rklp copies it), what it points to is
            // `'static` data of this module, which rklp pins.
            kernel::error::to_result(unsafe { rklp_enable_patch(module.as_ptr().cast(), &desc) })
        }
    }

    /// Shadow variables of type `T`: data attached to an existing object by
    /// (object address, id), kept by rklp independently of any patch (see
    /// kernel/livepatch/shadow.c; the C ABI is `rklp_shadow_*`).
    pub struct Shadow<T>(PhantomData<T>);

    struct CtorData<T> {
        value: ManuallyDrop<T>,
        used: bool,
    }

    unsafe extern "C" fn shadow_ctor<T>(
        _obj: *mut c_void,
        data: *mut c_void,
        arg: *mut c_void,
    ) -> i32 {
        // SAFETY: `arg` is the CtorData<T> of `Shadow::<T>::attach`; `data`
        // is fresh memory of size_of::<T>() bytes, aligned to 8 >= align_of T.
        unsafe {
            let c = &mut *arg.cast::<CtorData<T>>();
            core::ptr::write(data.cast::<T>(), ManuallyDrop::take(&mut c.value));
            c.used = true;
        }
        0
    }

    unsafe extern "C" fn shadow_dtor<T>(_obj: *mut c_void, data: *mut c_void) {
        // SAFETY: `data` holds a T written by `shadow_ctor::<T>`.
        unsafe { core::ptr::drop_in_place(data.cast::<T>()) };
    }

    impl<T> Shadow<T> {
        const ALIGN_OK: () = assert!(
            core::mem::align_of::<T>() <= 8,
            "shadow data must be 8-byte aligned at most"
        );

        /// The shadow variable `id` of `obj`, if any.
        pub fn get(obj: *const c_void, id: u64) -> Option<NonNull<T>> {
            // SAFETY: a lookup; `obj` is only used as a key.
            NonNull::new(
                unsafe { rklp_shadow_get(obj as *mut c_void, id as kernel::ffi::c_ulong) }.cast(),
            )
        }

        fn attach(obj: *const c_void, id: u64, value: T, or_get: bool) -> Result<NonNull<T>> {
            let () = Self::ALIGN_OK;
            let mut c = CtorData {
                value: ManuallyDrop::new(value),
                used: false,
            };
            let arg = (&mut c as *mut CtorData<T>).cast::<c_void>();
            let size = core::mem::size_of::<T>();
            let gfp = kernel::bindings::GFP_KERNEL;
            // SAFETY: the constructor matches the C type and consumes
            // `c.value` at most once; `c` outlives the call.
            let p = unsafe {
                if or_get {
                    rklp_shadow_get_or_alloc(
                        obj as *mut c_void,
                        id as kernel::ffi::c_ulong,
                        size,
                        gfp,
                        Some(shadow_ctor::<T>),
                        arg,
                    )
                } else {
                    rklp_shadow_alloc(
                        obj as *mut c_void,
                        id as kernel::ffi::c_ulong,
                        size,
                        gfp,
                        Some(shadow_ctor::<T>),
                        arg,
                    )
                }
            };
            if !c.used {
                // Not stored (it existed already, or allocation failed).
                // SAFETY: the constructor did not take it.
                unsafe { ManuallyDrop::drop(&mut c.value) };
            }
            NonNull::new(p.cast()).ok_or(if or_get { ENOMEM } else { EEXIST })
        }

        /// Attaches `value` to `obj` as `id`; fails (and rklp warns) if
        /// there is one already.
        pub fn alloc(obj: *const c_void, id: u64, value: T) -> Result<NonNull<T>> {
            Self::attach(obj, id, value, false)
        }

        /// The existing shadow variable, or `value` attached as a new one.
        pub fn get_or_alloc(obj: *const c_void, id: u64, value: T) -> Result<NonNull<T>> {
            Self::attach(obj, id, value, true)
        }

        /// Detaches and drops `obj`'s shadow variable `id`.
        pub fn free(obj: *const c_void, id: u64) {
            // SAFETY: the destructor matches the C type and drops a T.
            unsafe {
                rklp_shadow_free(
                    obj as *mut c_void,
                    id as kernel::ffi::c_ulong,
                    Some(shadow_dtor::<T>),
                )
            };
        }

        /// Detaches and drops every shadow variable `id` (of any object).
        pub fn free_all(id: u64) {
            // SAFETY: as in `free`.
            unsafe { rklp_shadow_free_all(id as kernel::ffi::c_ulong, Some(shadow_dtor::<T>)) };
        }
    }
}

/// The .modinfo entries of every module built with this API (as C's
/// `MODULE_INFO(rklp, "Y")` and `MODULE_IMPORT_NS(RKLP)` in rklp.h):
///
/// - `rklp=Y` (`modinfo` shows `rklp: Y`) marks it as a patch module, as C
///   livepatch modules carry `livepatch: Y`: rklp refuses a patch from a
///   module without it, as upstream's klp_enable_patch() does, and tools
///   (and upstream's selftests, mapped to rklp) tell patch modules apart
///   by it;
/// - `import_ns=RKLP`: rklp exports its ABI in the symbol namespace `RKLP`,
///   and the loader refuses a module that uses it without importing it.
///
/// `used(compiler)`, as `module!`'s entries: with plain `used` the entry
/// lands in a second `.modinfo` section (flags differ), and the loader and
/// modinfo read only the first.
///
/// A module that only uses shadow variables and registers no patch (as
/// upstream's test_klp_shadow_vars, which is no livepatch module) leaves
/// out the tag with `RUSTFLAGS_<module>.o := --cfg rklp_no_patch_tag` in
/// its Kbuild (C: `#define RKLP_NO_PATCH_TAG` before including rklp.h).
#[cfg(not(rklp_no_patch_tag))]
#[used(compiler)]
#[link_section = ".modinfo"]
static __RKLP_MODINFO_TAG: [u8; 7] = *b"rklp=Y\0";
#[used(compiler)]
#[link_section = ".modinfo"]
static __RKLP_MODINFO_IMPORT_NS: [u8; 15] = *b"import_ns=RKLP\0";

/// Declares a struct or union type that replacements take or return by
/// value (`rklp_by_value!(kernel::bindings::kuid_t, Struct)`), so that
/// rklp records it in their prototypes as that kind, with its size. The
/// kind is `Struct`, `Union` or `Enum` (a C enum that is a Rust enum, not
/// an integer type as bindgen makes them).
#[allow(unused_macros)]
macro_rules! rklp_by_value {
    ($t:ty, $kind:ident) => {
        // SAFETY: the patch module declares how C passes `$t`.
        unsafe impl klp::ProtoArg for $t {
            const TYPE: klp::ProtoType = klp::proto_type::<$t>(klp::ProtoKind::$kind);
        }
    };
}

/// Formerly tagged the module as a patch module; including this file does
/// that now. Kept (expanding to nothing) for modules that still call it.
#[allow(unused_macros)]
macro_rules! rklp_patch_module {
    () => {};
}
