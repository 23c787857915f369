// SPDX-License-Identifier: GPL-2.0

//! Fuzz test (test-fuzz.sh): broken patch descriptors built at run time
//! through the raw C ABI (`include/rklp/abi.rs`), which the typed `KlpPatch`
//! API cannot build. The module parameter `case` picks the corruption:
//!
//! - `case=0`: a valid descriptor (the control: the patch must be accepted);
//! - `1..=NR_MUTATIONS`: one corruption, see [`mutate`];
//! - `1000 + n` (up to 99999): a combination of 2 to 4 corruptions with
//!   random values, drawn from `seed` and `n` (reproducible);
//! - `100000`, `100001`: registration twice, and a valid patch whose
//!   module init then fails (rklp must take it out).
//!
//! `count=N` runs cases `case..case+N` one after the other in one init
//! (a module load costs seconds on the debug kernel), each followed by
//! "case C returned E" in the log. Every bad case must make
//! `rklp_enable_patch` fail with a -errno and a message, patch nothing and
//! keep nothing; init then fails with the last error. A case that is
//! accepted stops the run and init succeeds, so the test sees the load
//! succeed.

use core::ffi::c_void;
use core::sync::atomic::{AtomicI32, Ordering};
use kernel::prelude::*;

include!("rklp_test.rs");

#[allow(dead_code, missing_docs, unreachable_pub)]
mod abi {
    include!(concat!(env!("RKLP_DIR"), "/include/rklp/abi.rs"));
}
use abi::{RklpCallbacks, RklpFuncDesc, RklpObjectDesc, RklpPatchDesc, RklpState};

// The same function as api.rs's `klp::raw::rklp_enable_patch`, with this
// module's own copy of the descriptor types (the same abi.rs): rustc's
// structural comparison does not see through the prototype records' arrays.
#[allow(clashing_extern_declarations)]
extern "C" {
    fn rklp_enable_patch(module: *mut c_void, desc: *const RklpPatchDesc) -> i32;
}

rklp_test_param!(CASE: AtomicI32 = 0, param_ops_int, "case", 0o444);
rklp_test_param!(SEED: AtomicI32 = 1, param_ops_int, "seed", 0o444);
rklp_test_param!(COUNT: AtomicI32 = 1, param_ops_int, "count", 0o444);

/// The replacement of the control case.
#[no_mangle]
extern "C" fn test_rklp_fuzz_desc_cmdline(
    m: *mut kernel::bindings::seq_file,
    _v: *mut c_void,
) -> kernel::ffi::c_int {
    seq_line(
        m,
        kernel::c_str!("test_rklp_fuzz_desc: this has been live patched"),
    )
}

/// Not code: a replacement or callback "address" in .data.
#[no_mangle]
static mut TEST_RKLP_FUZZ_DESC_DATA: [u64; 4] = [0; 4];

/// 600 bytes without a NUL: longer than both name bounds (512 and 56), so
/// rklp's bounded read stops inside it.
static UNTERMINATED: [u8; 600] = [b'a'; 600];

/// An object name of 56 characters (one over `MODULE_NAME_LEN` - 1).
static LONG_OBJ: [u8; 57] = {
    let mut b = [b'a'; 57];
    b[56] = 0;
    b
};

/// A function name of 512 characters: terminated, but too long.
static LONG_FUNC: [u8; 513] = {
    let mut b = [b'f'; 513];
    b[512] = 0;
    b
};

/// Number of single corruptions `mutate` knows (cases 1..=NR_MUTATIONS).
const NR_MUTATIONS: u32 = 50;

/// xorshift64*: reproducible from (seed, case).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What a descriptor is built from: plain values, turned into the ABI's
/// pointers only by [`Parts::enable`], after every corruption is applied.
struct Parts {
    module: *mut c_void,
    /// This module's `struct module`.
    this_module: *mut c_void,
    desc_null: bool,
    abi_version: u32,
    flags: u32,
    objs_null: bool,
    nr_objs: usize,
    states_null: bool,
    nr_states: usize,
    states: [RklpState; 2],
    obj_names: [*const u8; 2],
    funcs_null: bool,
    nr_funcs: usize,
    callbacks: RklpCallbacks,
    funcs: [(*const u8, *const u8, usize); 2],
    /// A random, NUL-terminated function name.
    garbage: [u8; 24],
    garbage_used: bool,
}

unsafe extern "C" fn data_as_pre_patch(_: *const u8) -> i32 {
    0
}

fn code_addr(
    f: extern "C" fn(*mut kernel::bindings::seq_file, *mut c_void) -> kernel::ffi::c_int,
) -> *const u8 {
    f as *const u8
}

impl Parts {
    fn valid(module: &'static ThisModule) -> Self {
        Parts {
            module: module.as_ptr().cast(),
            this_module: module.as_ptr().cast(),
            desc_null: false,
            abi_version: abi::RKLP_ABI_VERSION,
            flags: 0,
            objs_null: false,
            nr_objs: 1,
            states_null: false,
            nr_states: 0,
            states: [
                RklpState {
                    id: 1,
                    version: 1,
                    data: core::ptr::null_mut(),
                },
                RklpState {
                    id: 2,
                    version: 1,
                    data: core::ptr::null_mut(),
                },
            ],
            obj_names: [core::ptr::null(); 2],
            funcs_null: false,
            nr_funcs: 1,
            callbacks: RklpCallbacks::default(),
            funcs: [
                (
                    b"cmdline_proc_show\0".as_ptr(),
                    code_addr(test_rklp_fuzz_desc_cmdline),
                    0,
                ),
                (
                    b"meminfo_proc_show\0".as_ptr(),
                    code_addr(test_rklp_fuzz_desc_cmdline),
                    0,
                ),
            ],
            garbage: [0; 24],
            garbage_used: false,
        }
    }

    /// Applies corruption `k` (1..=NR_MUTATIONS); `r` draws random values
    /// for combinations (a single case uses the fixed, edge value).
    fn mutate(&mut self, k: u32, r: Option<&mut Rng>) {
        let data = core::ptr::addr_of!(TEST_RKLP_FUZZ_DESC_DATA).cast::<u8>();
        let mut r = r;
        let mut rnd = |n: u64, edge: u64| match r.as_deref_mut() {
            Some(r) => r.below(n),
            None => edge,
        };
        match k {
            1 => self.desc_null = true,
            2 => self.abi_version = 0,
            3 => self.abi_version = abi::RKLP_ABI_VERSION_MIN - 1,
            4 => self.abi_version = abi::RKLP_ABI_VERSION + 1,
            5 => self.abi_version = u32::MAX,
            6 => {
                // A random version other than ours.
                let v = rnd(u64::from(u32::MAX), 7) as u32;
                self.abi_version = if v == abi::RKLP_ABI_VERSION || v == abi::RKLP_ABI_VERSION_MIN {
                    0
                } else {
                    v
                };
            }
            7 => self.flags |= 1 << 2,
            8 => self.flags |= 1 << 31,
            9 => self.flags |= 1 << (2 + rnd(30, 15) as u32),
            10 => self.flags = u32::MAX,
            11 => self.objs_null = true,
            12 => self.nr_objs = 0,
            13 => self.nr_objs = abi::RKLP_MAX_OBJS + 1 + rnd(1 << 20, 0) as usize,
            14 => self.nr_objs = usize::MAX,
            15 => {
                self.nr_states = 1;
                self.states_null = true;
            }
            16 => self.nr_states = abi::RKLP_MAX_STATES + 1 + rnd(1 << 20, 0) as usize,
            17 => self.nr_states = usize::MAX,
            18 => {
                self.nr_states = 1;
                self.states[0].id = 0;
            }
            19 => {
                self.nr_states = 2;
                self.states[1].id = self.states[0].id;
            }
            20 => self.obj_names[0] = UNTERMINATED.as_ptr(),
            21 => self.obj_names[0] = b"\0".as_ptr(),
            22 => self.obj_names[0] = b"vmlinux\0".as_ptr(),
            23 => self.obj_names[0] = LONG_OBJ.as_ptr(),
            24 => self.nr_objs = 2, // two vmlinux objects
            25 => {
                self.obj_names = [b"rklp_test_target\0".as_ptr(); 2];
                self.nr_objs = 2;
            }
            26 => self.funcs_null = true,
            27 => self.nr_funcs = 0,
            28 => self.nr_funcs = abi::RKLP_MAX_FUNCS + 1 + rnd(1 << 20, 0) as usize,
            29 => self.nr_funcs = usize::MAX,
            30 => self.funcs[0].0 = core::ptr::null(),
            31 => self.funcs[0].1 = core::ptr::null(),
            32 => self.funcs[0].0 = b"\0".as_ptr(),
            33 => self.funcs[0].0 = UNTERMINATED.as_ptr(),
            34 => self.funcs[0].0 = LONG_FUNC.as_ptr(),
            35 => self.funcs[0].0 = b"rklp_fuzz_no_such_function\0".as_ptr(),
            36 => {
                // Random bytes 1..=255 (no kernel symbol looks like this).
                let n = 8 + rnd(15, 15) as usize;
                for i in 0..n {
                    self.garbage[i] = 1 + rnd(255, (i * 37 % 255) as u64) as u8;
                }
                self.garbage[n] = 0;
                self.garbage_used = true;
            }
            37 => self.funcs[0].1 = data,
            38 => self.funcs[0].1 = kernel::bindings::_printk as *const u8,
            39 => self.funcs[0].1 = code_addr(test_rklp_fuzz_desc_cmdline).wrapping_add(1),
            40 => self.funcs[0].2 = 2,
            41 => self.funcs[0].2 = usize::MAX,
            42 => {
                self.funcs[1] = self.funcs[0];
                self.nr_funcs = 2;
            }
            43 => self.funcs[0].0 = b"native_sched_clock\0".as_ptr(),
            44 => {
                // SAFETY: only the address is used: rklp must refuse it
                // before it could be called.
                self.callbacks.pre_patch = Some(unsafe {
                    core::mem::transmute::<*const u8, unsafe extern "C" fn(*const u8) -> i32>(data)
                })
            }
            45 => {
                // SAFETY: as above (vmlinux code, not the patch module's).
                self.callbacks.post_patch = Some(unsafe {
                    core::mem::transmute::<*const u8, unsafe extern "C" fn(*const u8)>(
                        kernel::bindings::_printk as *const u8,
                    )
                })
            }
            46 => {
                // SAFETY: as above (the middle of a function).
                self.callbacks.pre_unpatch = Some(unsafe {
                    core::mem::transmute::<*const u8, unsafe extern "C" fn(*const u8)>(
                        (data_as_pre_patch as *const u8).wrapping_add(1),
                    )
                })
            }
            47 => self.module = core::ptr::null_mut(),
            // Inside this module's `struct module`, never its start (not
            // `self.module + 64`: after case 49 that could be this very
            // module's address again, a valid descriptor).
            48 => self.module = self.this_module.wrapping_byte_add(64),
            49 => self.module = data.cast_mut().cast(),
            50 => {
                self.flags |= abi::RKLP_PATCH_REPLACE;
                self.funcs[0].1 = data;
            }
            _ => {}
        }
    }

    /// Builds the descriptor and calls the enable ABI.
    fn enable(&self) -> i32 {
        let mut funcs = [
            RklpFuncDesc {
                old_name: self.funcs[0].0,
                new_func: self.funcs[0].1,
                old_sympos: self.funcs[0].2,
                proto: core::ptr::null(),
            },
            RklpFuncDesc {
                old_name: self.funcs[1].0,
                new_func: self.funcs[1].1,
                old_sympos: self.funcs[1].2,
                proto: core::ptr::null(),
            },
        ];
        if self.garbage_used {
            funcs[0].old_name = self.garbage.as_ptr();
        }
        let obj = |i: usize| RklpObjectDesc {
            name: self.obj_names[i],
            funcs: if self.funcs_null {
                core::ptr::null()
            } else {
                funcs.as_ptr()
            },
            nr_funcs: self.nr_funcs,
            callbacks: self.callbacks,
            syms: core::ptr::null(),
            nr_syms: 0,
        };
        let objs = [obj(0), obj(1)];
        let desc = RklpPatchDesc {
            abi_version: self.abi_version,
            flags: self.flags,
            objs: if self.objs_null {
                core::ptr::null()
            } else {
                objs.as_ptr()
            },
            nr_objs: self.nr_objs,
            states: if self.states_null {
                core::ptr::null()
            } else {
                self.states.as_ptr()
            },
            nr_states: self.nr_states,
        };
        let d: *const RklpPatchDesc = if self.desc_null {
            core::ptr::null()
        } else {
            &desc
        };
        // SAFETY: every pointer is null, or points to this frame's arrays
        // (which outlive the call; rklp copies what it keeps) or to this
        // module's statics; counts beyond the arrays are above rklp's caps,
        // which it checks before reading (that is what is tested).
        unsafe { rklp_enable_patch(self.module, d) }
    }
}

rklp_module!(
    Test,
    "test_rklp_fuzz_desc",
    "rklp fuzz test: broken patch descriptors built at run time"
);

struct Test;

/// Runs one case: 0 if rklp accepted the patch, else its -errno.
fn run_case(module: &'static ThisModule, case: i32, seed: u32) -> i32 {
    let mut p = Parts::valid(module);
    match case {
        0 => p.enable(),
        1..=50 => {
            p.mutate(case as u32, None);
            p.enable()
        }
        1000..=99999 => {
            let mut r = Rng((u64::from(seed) << 32 | case as u64) ^ 0x9e37_79b9_7f4a_7c15);
            let n = 2 + r.below(3);
            for _ in 0..n {
                let k = 1 + r.below(u64::from(NR_MUTATIONS)) as u32;
                p.mutate(k, Some(&mut r));
            }
            p.enable()
        }
        // Twice: the second must fail (EEXIST); init fails with it, and
        // the first is taken out with the failing module.
        100000 => match p.enable() {
            0 => p.enable(),
            e => e,
        },
        // A valid patch from a module whose init then fails.
        100001 => match p.enable() {
            0 => ENODEV.to_errno(),
            e => e,
        },
        _ => EINVAL.to_errno(),
    }
}

impl kernel::Module for Test {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let case = CASE.load(Ordering::Relaxed);
        let seed = SEED.load(Ordering::Relaxed) as u32;
        let count = COUNT.load(Ordering::Relaxed).max(1);
        let mut err = 0;
        for c in case..case.saturating_add(count) {
            err = run_case(module, c, seed);
            pr_info!("case {} returned {}\n", c, err);
            if err == 0 {
                break;
            }
        }
        kernel::error::to_result(err)?;
        Ok(Test)
    }
}
