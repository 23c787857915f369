// SPDX-License-Identifier: GPL-2.0

//! Test: the shadow variable API (port of upstream's test_klp_shadow_vars
//! scenario): get, alloc with constructor, get_or_alloc, duplicate alloc,
//! free with destructor, free_all.

use core::ffi::c_void;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use kernel::prelude::*;

include!(concat!(env!("RKLP_DIR"), "/include/rklp/api.rs"));
use klp::Shadow;

rklp_module!(
    TestShadowVars,
    "test_rklp_shadow_vars",
    "rklp test: shadow variables"
);

/// Shadow data that reports its destruction.
struct Tracked {
    name: &'static str,
    value: u64,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        if COLLECT.load(Ordering::Relaxed) && self.value < 64 {
            DROPPED.fetch_or(1 << self.value, Ordering::Relaxed);
            return;
        }
        pr_info!("dtor: {} ({})\n", self.name, self.value);
    }
}

/// While set, drops are recorded (bit `value`) instead of printed:
/// `free_all` walks rklp's hash table, whose order depends on the objects'
/// addresses (as upstream's), so [`free_all_sorted`] prints them sorted.
static COLLECT: AtomicBool = AtomicBool::new(false);
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// The name of the `Tracked` of `value` that `init` allocates.
fn name_of(value: u64) -> &'static str {
    match value {
        1 => "obj0:1234",
        2 => "obj1:1234",
        3 => "obj2:1234",
        _ => "second id",
    }
}

/// `Shadow::free_all(id)`, printing the drops in the order of their values.
fn free_all_sorted(id: u64) {
    COLLECT.store(true, Ordering::Relaxed);
    Shadow::<Tracked>::free_all(id);
    COLLECT.store(false, Ordering::Relaxed);
    let dropped = DROPPED.swap(0, Ordering::Relaxed);
    for v in (0..64).filter(|v| dropped & (1 << v) != 0) {
        pr_info!("dtor: {} ({})\n", name_of(v), v);
    }
}

static OBJS: [u64; 3] = [0; 3];
const ID1: u64 = 0x1234;
const ID2: u64 = 0x1235;

fn obj(i: usize) -> *const c_void {
    (&OBJS[i] as *const u64).cast()
}

fn show(what: &str, p: Option<core::ptr::NonNull<Tracked>>) {
    match p {
        // SAFETY: a live shadow variable of type Tracked (this module's).
        Some(p) => pr_info!(
            "{}: {} = {}\n",
            what,
            unsafe { p.as_ref() }.name,
            unsafe { p.as_ref() }.value
        ),
        None => pr_info!("{}: NULL\n", what),
    }
}

struct TestShadowVars;

impl kernel::Module for TestShadowVars {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        show("get(obj0, 0x1234)", Shadow::<Tracked>::get(obj(0), ID1));
        let a = Shadow::alloc(
            obj(0),
            ID1,
            Tracked {
                name: "obj0:1234",
                value: 1,
            },
        )?;
        let b = Shadow::alloc(
            obj(1),
            ID1,
            Tracked {
                name: "obj1:1234",
                value: 2,
            },
        )?;
        let c = Shadow::get_or_alloc(
            obj(2),
            ID1,
            Tracked {
                name: "obj2:1234",
                value: 3,
            },
        )?;
        for (i, p) in [a, b, c].into_iter().enumerate() {
            let got = Shadow::<Tracked>::get(obj(i), ID1);
            pr_info!("get(obj{}, 0x1234) == alloc: {}\n", i, (got == Some(p)));
        }
        for i in 0..3 {
            Shadow::alloc(
                obj(i),
                ID2,
                Tracked {
                    name: "second id",
                    value: 10 + i as u64,
                },
            )?;
        }
        let again = Shadow::get_or_alloc(
            obj(2),
            ID1,
            Tracked {
                name: "unused",
                value: 99,
            },
        )?;
        pr_info!(
            "get_or_alloc(obj2, 0x1234) returns the existing one: {}\n",
            (again == c)
        );
        let dup = Shadow::alloc(
            obj(0),
            ID1,
            Tracked {
                name: "duplicate",
                value: 100,
            },
        );
        pr_info!("duplicate alloc(obj0, 0x1234) refused: {}\n", dup.is_err());
        Shadow::<Tracked>::free(obj(0), ID1);
        show(
            "get(obj0, 0x1234) after free",
            Shadow::<Tracked>::get(obj(0), ID1),
        );
        show("get(obj1, 0x1234)", Shadow::<Tracked>::get(obj(1), ID1));
        free_all_sorted(ID2);
        for i in 0..3 {
            show(
                "get(objN, 0x1235) after free_all",
                Shadow::<Tracked>::get(obj(i), ID2),
            );
        }
        free_all_sorted(ID1);
        Ok(TestShadowVars)
    }
}
