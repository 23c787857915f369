// SPDX-License-Identifier: GPL-2.0

//! ftrace direct calls for settled functions: the dispatcher's table
//! (direct.c, read by direct_stubs.S), direct `ftrace_ops` for batches of
//! functions, and the anchor ops.
//!
//! Without ftrace direct calls (`rklp_no_direct_calls`, rust/compat.mk:
//! the kernel has none, or RKLP_NO_DIRECT_CALLS=1) there is no dispatcher,
//! and a [`DirectOps`] cannot be made: registering fails with EOPNOTSUPP,
//! and rklp does not try (src/settle.rs).

use super::bindings as b;
#[cfg(not(rklp_no_direct_calls))]
use core::cell::UnsafeCell;
#[cfg(not(rklp_no_direct_calls))]
use core::mem::ManuallyDrop;
use core::sync::atomic::{AtomicUsize, Ordering};
use kernel::alloc::flags::GFP_KERNEL;
use kernel::error::{code::*, Result};
use kernel::prelude::*;

const TABLE: usize = b::RKLP_DIRECT_TABLE as usize;
const MASK: usize = b::RKLP_DIRECT_TABLE_MASK as usize;
const EMPTY: usize = 0;
const TOMBSTONE: usize = b::RKLP_DIRECT_TOMBSTONE as usize;
const QUARANTINED: usize = b::RKLP_DIRECT_QUARANTINED as usize;
const COOLING: usize = b::RKLP_DIRECT_COOLING as usize;

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

/// Whether `key` is a function's (not empty, not a vacated slot).
fn is_live(key: usize) -> bool {
    key > COOLING
}

/// The only writer of the dispatcher's table.
///
/// The dispatcher compares a slot's key, then loads its target: two reads,
/// and the task may be preempted between them. So a slot whose entry is
/// removed is quarantined: it takes no other key until an RCU-Tasks and
/// RCU-Tasks-Rude grace period has passed (a dispatcher is a read-side
/// section of both: preemptible, or with interrupts off), which the settle
/// work waits for outside the core mutex ([`begin_grace`](Self::begin_grace),
/// [`synchronize_dispatchers`], [`end_grace`](Self::end_grace)). Compaction
/// (dropping the vacated slots, which only a refill can do) is split the
/// same way: every slot is emptied, and the entries are put back once the
/// grace period has passed; meanwhile the dispatchers miss, and take the
/// slow path, which decides the same. tools/model/dispatcher.pml checks
/// this protocol (and that the table before it gave a task another
/// function's replacement).
///
/// # Invariants
///
/// At most one exists (in rklp's core state, behind the core mutex). No key
/// is in the table twice. `live` counts the entries (in the slots, or in
/// `parked` during a compaction); `used` counts the slots whose key is not
/// `EMPTY`; `used <= CAPACITY`, so every probe chain ends at an empty key.
/// A slot's key changes from one function's key to another's only through
/// `EMPTY` or `TOMBSTONE` set before a grace period that has passed since
/// (`QUARANTINED` -> `COOLING` at [`begin_grace`](Self::begin_grace),
/// `COOLING` -> `TOMBSTONE` at [`end_grace`](Self::end_grace); a
/// compaction's emptied slots are refilled only at `end_grace`).
pub(crate) struct Table {
    live: usize,
    used: usize,
    /// A `set` needed an empty slot and the table had none to spare.
    want_compact: bool,
    /// Between `begin_grace` and `end_grace` of a compaction: the entries,
    /// out of the (empty) slots.
    parked: Option<KVec<(usize, usize)>>,
}

impl Table {
    /// # Safety
    ///
    /// Called once: the result is the table's only writer.
    pub(crate) unsafe fn new_once() -> Self {
        Self {
            live: 0,
            used: 0,
            want_compact: false,
            parked: None,
        }
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

    fn parked_pos(&self, key: usize) -> Option<usize> {
        self.parked.as_ref()?.iter().position(|&(k, _)| k == key)
    }

    /// The target of `key`, if it has an entry.
    pub(crate) fn target(&self, key: usize) -> Option<usize> {
        if let Some(p) = &self.parked {
            return p.iter().find(|&&(k, _)| k == key).map(|&(_, t)| t);
        }
        self.find(key).map(|i| entry(i).1.load(Ordering::Relaxed))
    }

    /// Sets the target of `key` if it has an entry (0: "ask rklp").
    /// Release: a dispatcher that reads 0 then reads hash entries
    /// published before.
    pub(crate) fn set_existing(&mut self, key: usize, target: usize) {
        if let Some(j) = self.parked_pos(key) {
            if let Some(p) = self.parked.as_mut() {
                p[j].1 = target;
            }
        } else if let Some(i) = self.find(key) {
            entry(i).1.store(target, Ordering::Release);
        }
    }

    /// Gives `key` the target `target`, adding an entry if needed. Fails
    /// with ENOSPC when [`CAPACITY`] functions have entries, and with
    /// EAGAIN when only vacated slots are left: the next grace period
    /// compacts the table (the function stays on the slow path until then).
    pub(crate) fn set(&mut self, key: usize, target: usize) -> Result {
        if !is_live(key) {
            return Err(EINVAL);
        }
        if let Some(p) = self.parked.as_mut() {
            // Compacting: the slots are empty until the grace period ends.
            if let Some(e) = p.iter_mut().find(|e| e.0 == key) {
                e.1 = target;
                return Ok(());
            }
            if self.live >= CAPACITY {
                return Err(ENOSPC);
            }
            p.push((key, target), GFP_KERNEL)?;
            self.live += 1;
            return Ok(());
        }
        if let Some(i) = self.find(key) {
            entry(i).1.store(target, Ordering::Release);
            return Ok(());
        }
        if self.live >= CAPACITY {
            return Err(ENOSPC);
        }
        // The first slot of the chain that is empty or a tombstone whose
        // grace period has passed; never a quarantined one.
        let mut i = home(key);
        let old = loop {
            let k = entry(i).0.load(Ordering::Relaxed);
            if k == EMPTY || k == TOMBSTONE {
                break k;
            }
            i = (i + 1) & MASK;
        };
        if old == EMPTY && self.used >= CAPACITY {
            self.want_compact = true;
            return Err(EAGAIN);
        }
        let (k, t) = entry(i);
        t.store(target, Ordering::Relaxed);
        // Publish: a dispatcher that sees the key sees the target.
        k.store(key, Ordering::Release);
        self.live += 1;
        self.used += (old == EMPTY) as usize;
        Ok(())
    }

    /// Removes `key`'s entry. Its slot is quarantined until a grace period
    /// has passed (and keeps other chains intact).
    pub(crate) fn remove(&mut self, key: usize) {
        if let Some(j) = self.parked_pos(key) {
            if let Some(p) = self.parked.as_mut() {
                super::vec::remove(p, j);
            }
            self.live -= 1;
        } else if let Some(i) = self.find(key) {
            let (k, t) = entry(i);
            t.store(0, Ordering::Release);
            k.store(QUARANTINED, Ordering::Release);
            self.live -= 1;
        }
    }

    /// Starts a grace period of the table (the settle work, under the core
    /// mutex): the slots quarantined so far cool, and, if a compaction is
    /// due, every slot is emptied and the entries are parked. Returns
    /// whether [`synchronize_dispatchers`] and then
    /// [`end_grace`](Self::end_grace) should follow.
    pub(crate) fn begin_grace(&mut self) -> bool {
        let mut cooling = false;
        for i in 0..TABLE {
            let k = entry(i).0;
            match k.load(Ordering::Relaxed) {
                // Neither matches any dispatcher's key.
                QUARANTINED => {
                    k.store(COOLING, Ordering::Relaxed);
                    cooling = true;
                }
                COOLING => cooling = true,
                _ => {}
            }
        }
        if self.want_compact && self.parked.is_none() {
            if let Ok(mut keep) = KVec::with_capacity(CAPACITY, GFP_KERNEL) {
                for i in 0..TABLE {
                    let (k, t) = entry(i);
                    let key = k.load(Ordering::Relaxed);
                    if is_live(key) {
                        // Capacity: at most CAPACITY live entries.
                        let _ = keep.push((key, t.load(Ordering::Relaxed)), GFP_KERNEL);
                    }
                    t.store(0, Ordering::Release);
                    k.store(EMPTY, Ordering::Release);
                }
                self.used = 0;
                self.parked = Some(keep);
            }
        }
        cooling || self.parked.is_some()
    }

    /// Ends the grace period [`begin_grace`](Self::begin_grace) started,
    /// once [`synchronize_dispatchers`] has returned: cooled slots become
    /// reusable; a compaction puts the parked entries back into the empty
    /// table. Returns whether it compacted.
    pub(crate) fn end_grace(&mut self) -> bool {
        for i in 0..TABLE {
            let k = entry(i).0;
            if k.load(Ordering::Relaxed) == COOLING {
                k.store(TOMBSTONE, Ordering::Relaxed);
            }
        }
        let Some(keep) = self.parked.take() else {
            return false;
        };
        for &(key, target) in keep.iter() {
            let mut i = home(key);
            while entry(i).0.load(Ordering::Relaxed) != EMPTY {
                i = (i + 1) & MASK;
            }
            entry(i).1.store(target, Ordering::Relaxed);
            entry(i).0.store(key, Ordering::Release);
            self.used += 1;
        }
        self.want_compact = false;
        true
    }
}

/// Waits until no dispatcher that started before can still be between its
/// two reads of a slot: RCU Tasks (a task preempted in the dispatcher has
/// not passed a voluntary context switch) and RCU Tasks Rude (a dispatcher
/// with interrupts or preemption off, or where RCU does not watch).
pub(crate) fn synchronize_dispatchers() {
    super::synchronize_handlers();
    // SAFETY: process context, no locks held (the settle work, outside the
    // core mutex); sleeps.
    unsafe { b::synchronize_rcu_tasks() };
}

/// Where the dispatcher and its slow path are: a task stopped there is
/// about to enter the version the table or the handler logic chose.
#[cfg(not(rklp_no_direct_calls))]
pub(crate) fn dispatch_entries() -> [usize; 3] {
    [
        b::rklp_direct_dispatch as *const () as usize,
        b::rklp_direct_undecided as *const () as usize,
        b::rklp_direct_decide as *const () as usize,
    ]
}

/// No dispatcher without direct calls.
#[cfg(rklp_no_direct_calls)]
pub(crate) fn dispatch_entries() -> [usize; 0] {
    []
}

#[cfg(not(rklp_no_direct_calls))]
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
#[cfg(not(rklp_no_direct_calls))]
pub(crate) struct DirectOps {
    ops: ManuallyDrop<KBox<UnsafeCell<b::ftrace_ops>>>,
}

/// Without direct calls: none can exist (an uninhabited field).
#[cfg(rklp_no_direct_calls)]
pub(crate) struct DirectOps(core::convert::Infallible);

#[cfg(rklp_no_direct_calls)]
impl DirectOps {
    /// Fails: this build has no ftrace direct calls. (6.12's
    /// `kernel::error::code` has no EOPNOTSUPP.)
    pub(crate) fn register(_ips: &mut [usize]) -> Result<Self> {
        Err(Error::from_errno(-(kernel::bindings::EOPNOTSUPP as i32)))
    }
}

// SAFETY: ftrace serialises all access to the ops under its own locks;
// rklp only passes the pointer, under the core mutex.
#[cfg(not(rklp_no_direct_calls))]
unsafe impl Send for DirectOps {}

#[cfg(not(rklp_no_direct_calls))]
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

#[cfg(not(rklp_no_direct_calls))]
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
