// SPDX-License-Identifier: GPL-2.0

//! Test: the shadow variable C ABI, a line-by-line port of upstream's
//! tools/testing/selftests/livepatch/test_modules/test_klp_shadow_vars.c
//! (Joe Lawrence, 2018). Every call to `rklp_shadow_*` (upstream's
//! `klp_shadow_*`, same signatures) is printed with upstream's text, with
//! pointers replaced by stable ids (`PTR<n>`, see `ptr_id()`), so the
//! kernel log is upstream's line for line. Unlike upstream, a wrong result
//! is reported (`got unexpected ...`) and fails the load with `-EINVAL`
//! instead of only leaving out the `got expected ...` line.

use core::ffi::c_void;
use core::ptr::{addr_of_mut, null_mut};
use core::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use kernel::bindings::gfp_t;
use kernel::c_str;
use kernel::ffi::{c_int, c_ulong};
use kernel::prelude::*;

// rklp's shadow variable C ABI (include/rklp/rklp.h, declared for Rust in
// api.rs's `klp::raw`): upstream's klp_shadow_ctor_t/klp_shadow_dtor_t and
// klp_shadow_*() signatures.
include!(concat!(env!("RKLP_DIR"), "/include/rklp/api.rs"));
use klp::raw::{
    rklp_shadow_alloc, rklp_shadow_free, rklp_shadow_free_all, rklp_shadow_get,
    rklp_shadow_get_or_alloc, ShadowCtor as KlpShadowCtor, ShadowDtor as KlpShadowDtor,
};

rklp_module!(
    TestShadowVarsAbi,
    "test_rklp_shadow_vars_abi",
    "rklp test: shadow variables (C ABI, upstream's test)"
);

/*
 * Keep a small table of pointers so that we can print address-agnostic
 * pointer values. Use a rolling integer count to differentiate the values.
 * (Upstream keeps a kmalloc'ed list; a fixed table needs no allocation in
 * the constructor, which runs under rklp's spinlock.) Only used from this
 * module's init and the callbacks it makes rklp run, i.e. by one thread:
 * the atomics are for shared statics without `unsafe`, not for locking.
 */
const PTR_MAX: usize = 64;
static PTR_ADDR: [AtomicUsize; PTR_MAX] = [const { AtomicUsize::new(0) }; PTR_MAX];
static PTR_ID: [AtomicI32; PTR_MAX] = [const { AtomicI32::new(0) }; PTR_MAX];
static PTR_LEN: AtomicUsize = AtomicUsize::new(0);
static PTR_COUNT: AtomicI32 = AtomicI32::new(0);

fn free_ptr_list() {
    PTR_LEN.store(0, Ordering::Relaxed);
}

fn ptr_id<T>(ptr: *const T) -> c_int {
    let addr = ptr as usize;
    let len = PTR_LEN.load(Ordering::Relaxed);
    for i in 0..len {
        if PTR_ADDR[i].load(Ordering::Relaxed) == addr {
            return PTR_ID[i].load(Ordering::Relaxed);
        }
    }

    if len == PTR_MAX {
        return ENOMEM.to_errno();
    }
    let id = PTR_COUNT.fetch_add(1, Ordering::Relaxed);
    PTR_ADDR[len].store(addr, Ordering::Relaxed);
    PTR_ID[len].store(id, Ordering::Relaxed);
    PTR_LEN.store(len + 1, Ordering::Relaxed);

    id
}

/// What `%pGg` prints for `gfp_flags` (e.g. `GFP_KERNEL`).
fn gfp_name<'a>(gfp_flags: &gfp_t, buf: &'a mut [u8; 128]) -> &'a str {
    // SAFETY: `buf` is writable for its length; the format is NUL-terminated
    // and `%pGg` reads the gfp_t that its argument points to.
    unsafe {
        kernel::bindings::snprintf(
            buf.as_mut_ptr().cast(),
            buf.len(),
            c_str!("%pGg").as_char_ptr(),
            gfp_flags as *const gfp_t,
        )
    };
    core::ffi::CStr::from_bytes_until_nul(buf)
        .ok()
        .and_then(|s| s.to_str().ok())
        .unwrap_or("?")
}

/*
 * Shadow variable wrapper functions that echo the function and arguments
 * to the kernel log for testing verification. Don't display raw pointers,
 * but use the ptr_id() value instead.
 */
fn shadow_get(obj: *mut c_void, id: c_ulong) -> *mut c_void {
    // SAFETY: a lookup; `obj` is only used as a key.
    let sv = unsafe { rklp_shadow_get(obj, id) };
    pr_info!(
        "klp_shadow_get(obj=PTR{}, id=0x{:x}) = PTR{}\n",
        ptr_id(obj),
        id,
        ptr_id(sv)
    );

    sv
}

/// # Safety
///
/// `ctor_data` must point to a live `*mut c_void` (upstream's `int **var`),
/// the constructor's argument.
unsafe fn shadow_alloc(
    obj: *mut c_void,
    id: c_ulong,
    size: usize,
    gfp_flags: gfp_t,
    ctor: KlpShadowCtor,
    ctor_data: *mut c_void,
) -> *mut c_void {
    let var = ctor_data.cast::<*mut c_void>();
    let mut buf = [0u8; 128];

    // SAFETY: `ctor` has the C constructor type; `ctor_data` is what it
    // expects (the caller's contract).
    let sv = unsafe { rklp_shadow_alloc(obj, id, size, gfp_flags, Some(ctor), ctor_data) };
    pr_info!(
        "klp_shadow_alloc(obj=PTR{}, id=0x{:x}, size={:x}, gfp_flags={}), ctor=PTR{}, ctor_data=PTR{} = PTR{}\n",
        ptr_id(obj),
        id,
        size,
        gfp_name(&gfp_flags, &mut buf),
        ptr_id(ctor as *const c_void),
        // SAFETY: `ctor_data` points to a live pointer (the caller's contract).
        ptr_id(unsafe { *var }),
        ptr_id(sv)
    );

    sv
}

/// # Safety
///
/// `ctor_data` must point to a live `*mut c_void` (upstream's `int **var`),
/// the constructor's argument.
unsafe fn shadow_get_or_alloc(
    obj: *mut c_void,
    id: c_ulong,
    size: usize,
    gfp_flags: gfp_t,
    ctor: KlpShadowCtor,
    ctor_data: *mut c_void,
) -> *mut c_void {
    let var = ctor_data.cast::<*mut c_void>();
    let mut buf = [0u8; 128];

    // SAFETY: `ctor` has the C constructor type; `ctor_data` is what it
    // expects (the caller's contract).
    let sv = unsafe { rklp_shadow_get_or_alloc(obj, id, size, gfp_flags, Some(ctor), ctor_data) };
    pr_info!(
        "klp_shadow_get_or_alloc(obj=PTR{}, id=0x{:x}, size={:x}, gfp_flags={}), ctor=PTR{}, ctor_data=PTR{} = PTR{}\n",
        ptr_id(obj),
        id,
        size,
        gfp_name(&gfp_flags, &mut buf),
        ptr_id(ctor as *const c_void),
        // SAFETY: `ctor_data` points to a live pointer (the caller's contract).
        ptr_id(unsafe { *var }),
        ptr_id(sv)
    );

    sv
}

fn shadow_free(obj: *mut c_void, id: c_ulong, dtor: KlpShadowDtor) {
    // SAFETY: `dtor` has the C destructor type and accepts any shadow data.
    unsafe { rklp_shadow_free(obj, id, Some(dtor)) };
    pr_info!(
        "klp_shadow_free(obj=PTR{}, id=0x{:x}, dtor=PTR{})\n",
        ptr_id(obj),
        id,
        ptr_id(dtor as *const c_void)
    );
}

fn shadow_free_all(id: c_ulong, dtor: Option<KlpShadowDtor>) {
    // SAFETY: no destructor, or one with the C destructor type.
    unsafe { rklp_shadow_free_all(id, dtor) };
    pr_info!(
        "klp_shadow_free_all(id=0x{:x}, dtor=PTR{})\n",
        id,
        ptr_id(dtor.map_or(null_mut(), |d| d as *mut c_void))
    );
}

/* Shadow variable constructor - remember simple pointer data */
///
/// # Safety
///
/// Called by rklp with new pointer-sized shadow memory as `shadow_data`;
/// `ctor_data` is NULL or points to a live `*mut c_void`.
unsafe extern "C" fn shadow_ctor(
    _obj: *mut c_void,
    shadow_data: *mut c_void,
    ctor_data: *mut c_void,
) -> c_int {
    let sv = shadow_data.cast::<*mut c_void>();
    let var = ctor_data.cast::<*mut c_void>();

    if var.is_null() {
        return EINVAL.to_errno();
    }

    // SAFETY: `shadow_data` is new shadow memory of pointer size (every
    // allocation in run() asks for the size of a pointer), kmalloc-aligned;
    // `ctor_data` is not NULL, so it points to a live pointer (contract).
    let v = unsafe {
        *sv = *var;
        *var
    };
    pr_info!("shadow_ctor: PTR{} -> PTR{}\n", ptr_id(sv), ptr_id(v));

    0
}

/*
 * With more than one item to free in the list, order is not determined and
 * shadow_dtor will not be passed to shadow_free_all() which would make the
 * test fail. (see pass 6)
 */
///
/// # Safety
///
/// None beyond the C type: it only prints its arguments.
unsafe extern "C" fn shadow_dtor(obj: *mut c_void, shadow_data: *mut c_void) {
    let sv = shadow_data.cast::<*mut c_void>();

    pr_info!(
        "shadow_dtor(obj=PTR{}, shadow_data=PTR{})\n",
        ptr_id(obj),
        ptr_id(sv)
    );
}

/* number of objects we simulate that need shadow vars */
const NUM_OBJS: usize = 3;

/* dynamically created obj fields have the following shadow var id values */
const SV_ID1: c_ulong = 0x1234;
const SV_ID2: c_ulong = 0x1235;

/*
 * The main test case adds/removes new fields (shadow var) to each of these
 * test structure instances. The last group of fields in the struct represent
 * the idea that shadow variables may be added and removed to and from the
 * struct during execution.
 */
struct TestObject {
    /* add anything here below and avoid to define an empty struct */
    /* (upstream: struct shadow_ptr sp, i.e. ptr, id, list) */
    _sp: [usize; 3],
    /* these represent shadow vars added and removed with SV_ID{1,2} */
    /* char nfield1; */
    /* int  nfield2; */
}

/// What the shadow variable `sv` holds (the pointer `shadow_ctor` stored).
///
/// # Safety
///
/// `sv` must be a live shadow variable allocated by this test (of pointer
/// size, kmalloc-aligned).
unsafe fn shadow_value(sv: *mut c_void) -> *mut c_void {
    // SAFETY: per the contract, `sv` is valid for reading a pointer.
    unsafe { *sv.cast::<*mut c_void>() }
}

/// Upstream's check that the lookup result `sv` is the shadow variable
/// allocated as `expected_sv` (live), pointing to `field`. Upstream just
/// leaves out the "got expected" line otherwise; here the test also fails.
fn check_ptr(sv: *mut c_void, expected_sv: *mut c_void, field: *mut c_void) -> Result {
    if sv.is_null() {
        pr_err!("  got unexpected NULL result\n");
        return Err(EINVAL);
    }
    // SAFETY: `expected_sv` is one of this test's shadow variables, not
    // freed yet where check_ptr() is called.
    let target = unsafe { shadow_value(expected_sv) };
    if sv == expected_sv && target == field {
        pr_info!(
            "  got expected PTR{} -> PTR{} result\n",
            ptr_id(expected_sv),
            ptr_id(target)
        );
        Ok(())
    } else {
        // SAFETY: `sv` (not NULL) was returned by rklp for one of this
        // test's (object, id) pairs: one of its live shadow variables.
        let got = unsafe { shadow_value(sv) };
        pr_err!(
            "  got unexpected PTR{} -> PTR{} result, expected PTR{} -> PTR{}\n",
            ptr_id(sv),
            ptr_id(got),
            ptr_id(expected_sv),
            ptr_id(field)
        );
        Err(EINVAL)
    }
}

/// Upstream's check that a lookup found nothing.
fn check_null(sv: *mut c_void) -> Result {
    if sv.is_null() {
        pr_info!("  got expected NULL result\n");
        Ok(())
    } else {
        pr_err!("  got unexpected PTR{} result, expected NULL\n", ptr_id(sv));
        Err(EINVAL)
    }
}

/// Upstream's test_klp_shadow_vars_init() up to its `out:` label.
fn run() -> Result {
    let mut objs: [TestObject; NUM_OBJS] = [const { TestObject { _sp: [0; 3] } }; NUM_OBJS];
    let mut nfields1 = [0u8; NUM_OBJS];
    let mut pnfields1: [*mut u8; NUM_OBJS] = [null_mut(); NUM_OBJS];
    let mut sv1: [*mut c_void; NUM_OBJS] = [null_mut(); NUM_OBJS];
    let mut pndup: [*mut u8; NUM_OBJS] = [null_mut(); NUM_OBJS];
    let mut nfields2 = [0i32; NUM_OBJS];
    let mut pnfields2: [*mut i32; NUM_OBJS] = [null_mut(); NUM_OBJS];
    let mut sv2: [*mut c_void; NUM_OBJS] = [null_mut(); NUM_OBJS];
    let ctor: KlpShadowCtor = shadow_ctor;
    let gfp = kernel::bindings::GFP_KERNEL;
    let objs_base = objs.as_mut_ptr();
    let obj = |i: usize| objs_base.wrapping_add(i).cast::<c_void>();

    ptr_id(null_mut::<c_void>());

    /*
     * With an empty shadow variable hash table, expect not to find
     * any matches.
     */
    let sv = shadow_get(obj(0), SV_ID1);
    check_null(sv)?;

    /* pass 1: init & alloc a char+int pair of svars for each objs */
    for i in 0..NUM_OBJS {
        pnfields1[i] = addr_of_mut!(nfields1[i]);
        ptr_id(pnfields1[i]);

        let ctor_data = addr_of_mut!(pnfields1[i]).cast::<c_void>();
        let size = core::mem::size_of_val(&pnfields1[i]);
        if i % 2 != 0 {
            // SAFETY: `ctor_data` is the address of `pnfields1[i]`, a
            // pointer that outlives the call.
            sv1[i] = unsafe { shadow_alloc(obj(i), SV_ID1, size, gfp, ctor, ctor_data) };
        } else {
            // SAFETY: as above.
            sv1[i] = unsafe { shadow_get_or_alloc(obj(i), SV_ID1, size, gfp, ctor, ctor_data) };
        }
        if sv1[i].is_null() {
            return Err(ENOMEM);
        }

        pnfields2[i] = addr_of_mut!(nfields2[i]);
        ptr_id(pnfields2[i]);
        let ctor_data = addr_of_mut!(pnfields2[i]).cast::<c_void>();
        let size = core::mem::size_of_val(&pnfields2[i]);
        // SAFETY: `ctor_data` is the address of `pnfields2[i]`, a pointer
        // that outlives the call.
        sv2[i] = unsafe { shadow_alloc(obj(i), SV_ID2, size, gfp, ctor, ctor_data) };
        if sv2[i].is_null() {
            return Err(ENOMEM);
        }
    }

    /* pass 2: verify we find allocated svars and where they point to */
    for i in 0..NUM_OBJS {
        /* check the "char" svar for all objects */
        let sv = shadow_get(obj(i), SV_ID1);
        check_ptr(sv, sv1[i], pnfields1[i].cast())?;

        /* check the "int" svar for all objects */
        let sv = shadow_get(obj(i), SV_ID2);
        check_ptr(sv, sv2[i], pnfields2[i].cast())?;
    }

    /* pass 3: verify that 'get_or_alloc' returns already allocated svars */
    for i in 0..NUM_OBJS {
        pndup[i] = addr_of_mut!(nfields1[i]);
        ptr_id(pndup[i]);

        let ctor_data = addr_of_mut!(pndup[i]).cast::<c_void>();
        let size = core::mem::size_of_val(&pndup[i]);
        // SAFETY: `ctor_data` is the address of `pndup[i]`, a pointer that
        // outlives the call.
        let sv = unsafe { shadow_get_or_alloc(obj(i), SV_ID1, size, gfp, ctor, ctor_data) };
        check_ptr(sv, sv1[i], pnfields1[i].cast())?;
    }

    /* pass 4: free <objs[*], SV_ID1> pairs of svars, verify removal */
    for i in 0..NUM_OBJS {
        shadow_free(obj(i), SV_ID1, shadow_dtor); /* 'char' pairs */
        let sv = shadow_get(obj(i), SV_ID1);
        check_null(sv)?;
    }

    /* pass 5: check we still find <objs[*], SV_ID2> svar pairs */
    for i in 0..NUM_OBJS {
        let sv = shadow_get(obj(i), SV_ID2); /* 'int' pairs */
        check_ptr(sv, sv2[i], pnfields2[i].cast())?;
    }

    /* pass 6: free all the <objs[*], SV_ID2> svar pairs too. */
    shadow_free_all(SV_ID2, None); /* 'int' pairs */
    for i in 0..NUM_OBJS {
        let sv = shadow_get(obj(i), SV_ID2);
        check_null(sv)?;
    }

    Ok(())
}

struct TestShadowVarsAbi;

impl kernel::Module for TestShadowVarsAbi {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let ret = run();
        if ret.is_err() {
            /* upstream's out: label */
            shadow_free_all(SV_ID1, None); /* 'char' pairs */
            shadow_free_all(SV_ID2, None); /* 'int' pairs */
        }
        free_ptr_list();

        ret.map(|()| TestShadowVarsAbi)
    }
}
