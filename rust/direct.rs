// SPDX-License-Identifier: GPL-2.0

//! ftrace direct calls for settled functions: the dispatcher's table
//! (direct.c, read by direct_stubs.S), direct `ftrace_ops` for batches of
//! functions, and the anchor ops.

use super::bindings as b;
use core::cell::UnsafeCell;
use core::mem::ManuallyDrop;
use core::sync::atomic::{AtomicUsize, Ordering};
use kernel::alloc::flags::GFP_KERNEL;
use kernel::error::{code::*, Result};
use kernel::prelude::*;

const TABLE: usize = b::RKLP_DIRECT_TABLE as usize;
const MASK: usize = b::RKLP_DIRECT_TABLE_MASK as usize;
const EMPTY: usize = 0;
const TOMBSTONE: usize = b::RKLP_DIRECT_TOMBSTONE as usize;

/// Most functions the table holds at once (half of it, so that every
/// probe chain ends at an empty key).
pub(crate) const CAPACITY: usize = TABLE / 2;

/// Entry `i`'s key and target.
fn entry(i: usize) -> (&'static AtomicUsize, &'static AtomicUsize) {
    debug_assert!(i < TABLE);
    // SAFETY: `i & MASK < TABLE`, the length of the static C array, whose
    // entries are two `unsigned long`s (the layout of `AtomicUsize`); the
    // dispatcher only reads them (aligned 8-byte loads).
    unsafe {
        let e = (&raw mut b::rklp_direct_table)
            .cast::<b::rklp_direct_entry>()
            .add(i & MASK);
        (
            &*(&raw mut (*e).key).cast::<AtomicUsize>(),
            &*(&raw mut (*e).target).cast::<AtomicUsize>(),
        )
    }
}

/// Where the dispatcher starts probing for `key` (as direct_stubs.S: the
/// low 32 bits, shifted by 4, masked).
fn home(key: usize) -> usize {
    ((key as u32) >> 4) as usize & MASK
}

/// The only writer of the dispatcher's table.
///
/// # Invariants
///
/// At most one exists (in rklp's core state, behind the core mutex).
/// `live` counts entries with a return-address key, `used` those plus
/// tombstones; `used <= CAPACITY`, so every probe chain ends at an empty
/// key. No key is in the table twice.
pub(crate) struct Table {
    live: usize,
    used: usize,
}

impl Table {
    /// # Safety
    ///
    /// Called once: the result is the table's only writer.
    pub(crate) unsafe fn new_once() -> Self {
        Self { live: 0, used: 0 }
    }

    fn find(&self, key: usize) -> Option<usize> {
        let mut i = home(key);
        for _ in 0..TABLE {
            let k = entry(i).0.load(Ordering::Relaxed);
            if k == key {
                return Some(i);
            }
            if k == EMPTY {
                return None;
            }
            i = (i + 1) & MASK;
        }
        None
    }

    /// The target of `key`, if it has an entry.
    pub(crate) fn target(&self, key: usize) -> Option<usize> {
        self.find(key).map(|i| entry(i).1.load(Ordering::Relaxed))
    }

    /// Sets the target of `key` if it has an entry (0: "ask rklp").
    /// Release: a dispatcher that reads 0 then reads hash entries
    /// published before.
    pub(crate) fn set_existing(&mut self, key: usize, target: usize) {
        if let Some(i) = self.find(key) {
            entry(i).1.store(target, Ordering::Release);
        }
    }

    /// Gives `key` the target `target`, adding an entry if needed. Fails
    /// with ENOSPC when [`CAPACITY`] functions have entries, ENOMEM if the
    /// table needed compacting and could not be.
    pub(crate) fn set(&mut self, key: usize, target: usize) -> Result {
        if key == EMPTY || key == TOMBSTONE {
            return Err(EINVAL);
        }
        if let Some(i) = self.find(key) {
            entry(i).1.store(target, Ordering::Release);
            return Ok(());
        }
        if self.live >= CAPACITY {
            return Err(ENOSPC);
        }
        if self.used >= CAPACITY {
            self.compact()?;
        }
        let mut i = home(key);
        loop {
            let (k, t) = entry(i);
            let old = k.load(Ordering::Relaxed);
            if old == EMPTY || old == TOMBSTONE {
                t.store(target, Ordering::Relaxed);
                // Publish: a dispatcher that sees the key sees the target.
                k.store(key, Ordering::Release);
                self.live += 1;
                self.used += (old == EMPTY) as usize;
                return Ok(());
            }
            i = (i + 1) & MASK;
        }
    }

    /// Removes `key`'s entry (a tombstone keeps other chains intact).
    pub(crate) fn remove(&mut self, key: usize) {
        if let Some(i) = self.find(key) {
            let (k, t) = entry(i);
            t.store(0, Ordering::Release);
            k.store(TOMBSTONE, Ordering::Release);
            self.live -= 1;
        }
    }

    /// Drops the tombstones: empties the table and puts the live entries
    /// back. Dispatchers that miss meanwhile take the slow path, which
    /// decides the same.
    fn compact(&mut self) -> Result {
        let mut keep = KVec::with_capacity(self.live, GFP_KERNEL)?;
        for i in 0..TABLE {
            let (k, t) = entry(i);
            let key = k.load(Ordering::Relaxed);
            if key != EMPTY && key != TOMBSTONE {
                // Capacity: `live` entries.
                let _ = keep.push((key, t.load(Ordering::Relaxed)), GFP_KERNEL);
            }
            k.store(EMPTY, Ordering::Release);
            t.store(0, Ordering::Release);
        }
        self.live = 0;
        self.used = 0;
        for &(key, target) in keep.iter() {
            let mut i = home(key);
            while entry(i).0.load(Ordering::Relaxed) != EMPTY {
                i = (i + 1) & MASK;
            }
            entry(i).1.store(target, Ordering::Relaxed);
            entry(i).0.store(key, Ordering::Release);
            self.live += 1;
            self.used += 1;
        }
        Ok(())
    }
}

/// Where the dispatcher and its slow path are: a task stopped there is
/// about to enter the version the table or the handler logic chose.
pub(crate) fn dispatch_entries() -> [usize; 3] {
    [
        b::rklp_direct_dispatch as *const () as usize,
        b::rklp_direct_undecided as *const () as usize,
        b::rklp_direct_decide as *const () as usize,
    ]
}

fn dispatch_addr() -> usize {
    // SAFETY: returns a constant address.
    unsafe { b::rklp_direct_dispatch_addr() as usize }
}

/// One direct `ftrace_ops`: the direct calls of a batch of functions to
/// the dispatcher.
///
/// # Invariants
///
/// `ops` is boxed (ftrace keeps pointers to it), initialised by
/// `rklp_direct_ops_init` plus its filter, and registered with
/// `register_ftrace_direct(ops, dispatcher)`. Dropping unregisters it
/// (which waits for RCU-tasks grace periods) and only then frees it; if
/// ftrace refuses to unregister it, it is leaked, never freed in use.
pub(crate) struct DirectOps {
    ops: ManuallyDrop<KBox<UnsafeCell<b::ftrace_ops>>>,
}

// SAFETY: ftrace serialises all access to the ops under its own locks;
// rklp only passes the pointer, under the core mutex.
unsafe impl Send for DirectOps {}

impl DirectOps {
    /// Registers direct calls to the dispatcher at the ftrace locations
    /// `ips` (one ftrace update for all). Their table entries should be in
    /// place first.
    pub(crate) fn register(ips: &mut [usize]) -> Result<Self> {
        let cnt = u32::try_from(ips.len()).map_err(|_| EINVAL)?;
        if cnt == 0 {
            return Err(EINVAL);
        }
        // SAFETY: all-zero is the documented initial state of an ftrace_ops
        // (ftrace_ops_init fills in the rest on first use).
        let ops = KBox::new(UnsafeCell::new(unsafe { core::mem::zeroed() }), GFP_KERNEL)?;
        let p = ops.get();
        // SAFETY: `p` is a fresh, boxed ops that nothing else uses yet;
        // `ips` is a valid array of `cnt` addresses (ftrace checks each is
        // an ftrace location). The ops is then initialised, filtered,
        // boxed (stable address) and not registered, as
        // register_ftrace_direct requires.
        let ret = unsafe {
            b::rklp_direct_ops_init(p);
            let mut ret = b::ftrace_set_filter_ips(p, ips.as_mut_ptr(), cnt, 0, 0);
            if ret == 0 {
                ret = b::register_ftrace_direct(p, dispatch_addr() as _);
            }
            if ret != 0 {
                // Never registered: frees what the filter allocated.
                b::ftrace_free_filter(p);
            }
            ret
        };
        super::to_result(ret)?;
        Ok(Self {
            ops: ManuallyDrop::new(ops),
        })
    }
}

impl Drop for DirectOps {
    fn drop(&mut self) {
        let p = self.ops.get();
        // SAFETY: registered (invariant). Returns once no task can be on
        // the way through one of its direct calls (RCU-tasks and -rude
        // grace periods).
        let ret = unsafe { b::unregister_ftrace_direct(p, dispatch_addr() as _, false) };
        if ret != 0 {
            pr_err!("cannot unregister direct calls ({}): leaking them\n", ret);
            return;
        }
        // SAFETY: unregistered above, so ftrace no longer uses the ops; its
        // filter is ours to free, then the box.
        unsafe {
            b::ftrace_free_filter(p);
            ManuallyDrop::drop(&mut self.ops);
        }
    }
}

/// Address of the anchor function (direct.c), which the handler's filter
/// holds while any direct call is registered.
pub(crate) fn anchor() -> usize {
    b::rklp_direct_anchor as *const () as usize
}
