// SPDX-License-Identifier: GPL-2.0

// Shared by the Rust test patch modules (`include!("rklp_test.rs")`): the
// KlpPatch API and a macro for a module whose init enables one patch.

include!(concat!(env!("RKLP_DIR"), "/include/rklp/api.rs"));
#[allow(unused_imports)]
use klp::{KlpFunc, KlpObject, KlpPatch};

/// `rklp_test_patch_module!(Type, "name", "description", |module| { ... })`:
/// a module whose init runs the block (which enables a patch).
#[allow(unused_macros)]
macro_rules! rklp_test_patch_module {
    ($ty:ident, $name:tt, $desc:tt, |$m:ident| $body:block) => {
        rklp_module!($ty, $name, $desc);
        struct $ty;
        impl kernel::Module for $ty {
            fn init($m: &'static ThisModule) -> Result<Self> {
                $body
                Ok($ty)
            }
        }
    };
}

/// Writes `<text>\n` to a seq_file: the body of the /proc show replacements.
#[allow(dead_code)]
fn seq_line(m: *mut kernel::bindings::seq_file, text: &kernel::str::CStr) -> kernel::ffi::c_int {
    // SAFETY: `m` is the seq_file of the running /proc read; both strings
    // are NUL-terminated.
    unsafe {
        kernel::bindings::seq_printf(m, kernel::c_str!("%s\n").as_char_ptr(), text.as_char_ptr())
    };
    0
}

/// `rklp_test_param!(VAR: AtomicI32 = 0, param_ops_int, "name", 0o644)`: a
/// module parameter `name`, as C's `module_param(name, int, 0644)` (the 6.12
/// `module!` macro has no parameters). The kernel parses it at load and
/// shows it under /sys/module/<mod>/parameters/ when `perm` is not 0; the
/// atomic has the layout of the C type the ops write (int, bool).
#[allow(unused_macros)]
macro_rules! rklp_test_param {
    ($var:ident: $atomic:ty = $init:expr, $ops:ident, $name:literal, $perm:expr) => {
        static $var: $atomic = <$atomic>::new($init);
        const _: () = {
    rklp_test_param!(@kp $name, $perm, $ops, $var.as_ptr().cast());
        };
    };
    // `rklp_test_param!([VAR; N]: AtomicI32 = 0, NUM, param_ops_int, "name", 0)`:
    // an array parameter (C's `module_param_array(name, int, &num, perm)`);
    // NUM (an `AtomicU32`) gets the number of values given.
    ([$var:ident; $n:expr]: $atomic:ty = $init:expr, $num:ident, $ops:ident, $name:literal, $perm:expr) => {
        static $var: [$atomic; $n] = [const { <$atomic>::new($init) }; $n];
        static $num: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);
        const _: () = {
            #[allow(dead_code)]
            struct Arr(kernel::bindings::kparam_array);
            // SAFETY: a read-only descriptor; the kernel writes only the
            // values it points to, under the module's parameter lock.
            unsafe impl Sync for Arr {}
            static ARR: Arr = Arr(kernel::bindings::kparam_array {
                max: $n as u32,
                elemsize: core::mem::size_of::<$atomic>() as u32,
                num: $num.as_ptr(),
                ops: &raw const kernel::bindings::$ops,
                elem: $var.as_ptr().cast_mut().cast(),
            });
    rklp_test_param!(@kp $name, $perm, param_array_ops, (&raw const ARR).cast_mut().cast());
        };
    };
    (@kp $name:literal, $perm:expr, $ops:ident, $arg:expr) => {
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
            ops: &raw const kernel::bindings::$ops,
            perm: $perm,
            level: -1,
            flags: 0,
            __bindgen_anon_1: kernel::bindings::kernel_param__bindgen_ty_1 { arg: $arg },
        });
    };
}

/// The state of loaded module `name` as upstream's test_klp_callbacks_demo
/// prints `obj->mod->state`.
#[allow(dead_code)]
fn module_state_str(name: &kernel::str::CStr) -> &'static str {
    match klp::module_state(name) {
        Some(klp::ModuleState::Live) => "[MODULE_STATE_LIVE] Normal state",
        Some(klp::ModuleState::Coming) => "[MODULE_STATE_COMING] Full formed, running module_init",
        Some(klp::ModuleState::Going) => "[MODULE_STATE_GOING] Going away",
        Some(klp::ModuleState::Unformed) => "[MODULE_STATE_UNFORMED] Still setting it up",
        None => "[not loaded]",
    }
}

/// Prints a callback as upstream's test_klp_callbacks_demo{,2}
/// `callback_info()`: the object and, for a module, its state.
#[allow(dead_code)]
fn callback_info(callback: &str, obj: Option<&kernel::str::CStr>) {
    match obj {
        Some(m) => pr_info!("{}: {} -> {}\n", callback, m, module_state_str(m)),
        None => pr_info!("{}: vmlinux\n", callback),
    }
}

/// `'static` storage written once, at init, before it is read: for the
/// refusal tests whose tables hold addresses known only at run time (a
/// `static` table cannot hold "function + 1").
#[allow(dead_code)]
struct InitOnce<T>(core::cell::UnsafeCell<core::mem::MaybeUninit<T>>);

// SAFETY: written only by the module's init (which runs once, before anything
// can read it) through `set`; read-only afterwards.
unsafe impl<T: Sync> Sync for InitOnce<T> {}

#[allow(dead_code)]
impl<T> InitOnce<T> {
    const fn new() -> Self {
        Self(core::cell::UnsafeCell::new(core::mem::MaybeUninit::uninit()))
    }

    /// Stores `v` and returns it for the rest of the module's life.
    ///
    /// # Safety
    ///
    /// Called at most once, from the module's init, with no other reference
    /// to the slot alive.
    unsafe fn set(&'static self, v: T) -> &'static T {
        // SAFETY: per the contract, this is the only access to the slot; the
        // slot is in `'static` storage, so the reference lives as long.
        unsafe { (*self.0.get()).write(v) }
    }
}
