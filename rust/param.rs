// SPDX-License-Identifier: GPL-2.0

//! Module parameters of rklp.ko (the 6.12 `module!` macro has none).

/// `module_param_u32!(VAR, "name", 0o644, "description")`: exposes `VAR` (a
/// `static AtomicU32`) as the unsigned-int parameter `name`, as C's
/// `module_param_named(name, var, uint, 0644)`: settable at insmod
/// (`rklp.ko name=N`) and under /sys/module/rklp/parameters/ when the mode
/// is not 0. The kernel's `param_ops_uint` writes a `u32` through the
/// pointer, under the parameter lock; `AtomicU32` has that layout, and rklp
/// reads it with atomic loads.
macro_rules! module_param_u32 {
    ($var:path, $name:literal, $perm:expr, $desc:literal) => {
        // What modinfo shows: C's MODULE_PARM_DESC and the type entry.
        // `used(compiler)`, as `module!`'s entries (a plain `used` entry
        // lands in a second `.modinfo` section that the loader ignores).
        const _: () = {
            const DESC: &str = concat!("parm=", $name, ":", $desc, "\0");
            const TYPE: &str = concat!("parmtype=", $name, ":uint\0");
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
                ops: &raw const kernel::bindings::param_ops_uint,
                perm: $perm,
                level: -1,
                flags: 0,
                __bindgen_anon_1: kernel::bindings::kernel_param__bindgen_ty_1 {
                    arg: $var.as_ptr().cast(),
                },
            });
        };
    };
}
pub(crate) use module_param_u32;

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
