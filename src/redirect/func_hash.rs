// SPDX-License-Identifier: GPL-2.0

//! The RCU-style hash the ftrace handler uses to find replacements.
//!
//! Keyed by the ftrace location of the original function (the `ip` ftrace
//! passes to the handler). Each key holds a stack of [`Entry`]s, newest on
//! top: a later patch of the same function stacks on an earlier one, and
//! removing the top entry makes the one below visible again.
//!
//! # Concurrency
//!
//! Readers are ftrace handlers: lock-free, with preemption disabled (the
//! ftrace recursion lock), possibly in NMI or where RCU is not watching.
//! Writers hold rklp's core mutex, proven by `&mut HashWriter` (one exists).
//! Writers publish with `Release` stores after fully initialising what they
//! publish; readers load with `Acquire` (rcu_dereference). Unpublished
//! nodes/entries go to a [`Graveyard`] and are freed only after
//! `sys::synchronize_handlers()` (RCU-tasks-rude: every CPU has left every
//! preemption-disabled section that could still hold a pointer).
//!
//! # Entry fields and the coming per-task model
//!
//! `transition` is set (Release) before a transition starts and cleared when
//! it completes; a handler that sees it set must pick between this entry and
//! the one below according to the current task's state. Ordering: entries are
//! pushed with `transition` already set, so no reader ever sees a new entry
//! applied to all tasks before the transition starts.

use crate::consistency::op_state::{AtomicOp, Op};
use crate::redirect::entry_stack::{self, Links};
use crate::sys::ftrace::HandlerCtx;
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use kernel::alloc::flags::GFP_KERNEL;
use kernel::prelude::*;

const HASH_BITS: u32 = 8;
const NR_BUCKETS: usize = 1 << HASH_BITS;

/// One patched version of a function.
pub(crate) struct Entry {
    /// Where calls are redirected; 0 for a no-op entry (run the original).
    pub(crate) new_func: usize,
    /// Size of `new_func` (for stack checks of the next patch).
    new_size: usize,
    /// True while the patch owning this entry is in transition.
    pub(crate) transition: AtomicBool,
    /// An immediate switch of this entry in progress.
    pub(crate) op: AtomicOp,
    /// The entry of the previous patch of this function, if any.
    below: AtomicPtr<Entry>,
}

/// Handle on an entry owned by the hash; kept by the patch that pushed it.
///
/// # Invariants
///
/// Points to an [`Entry`] that [`HashWriter::push`] allocated and that
/// stays allocated while the handle's owner (a patch function) holds it:
/// the entry is freed only after [`HashWriter::remove`] of this handle and
/// a handler grace period ([`Graveyard`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct EntryId(*mut Entry);

// SAFETY: an opaque handle; only dereferenced by the hash under its writer.
unsafe impl Send for EntryId {}
// SAFETY: as above.
unsafe impl Sync for EntryId {}

struct Node {
    ip: usize,
    top: AtomicPtr<Entry>,
    next: AtomicPtr<Node>,
}

/// A node's entry stack as its writer sees it ([`entry_stack`]'s rules).
///
/// # Invariants
///
/// `node` is live, and so is every entry passed to or returned by the view
/// (reachable from `node`, pushed and not yet removed, or new and not yet
/// published); the writer (the holder of the [`HashWriter`] making the
/// view) owns them all.
struct NodeStack(*mut Node);

impl Links for NodeStack {
    type Id = *mut Entry;

    fn top(&self) -> Option<*mut Entry> {
        // SAFETY: live node (type invariant).
        let t = unsafe { (*self.0).top.load(Ordering::Relaxed) };
        (!t.is_null()).then_some(t)
    }

    fn set_top(&mut self, e: Option<*mut Entry>) {
        // SAFETY: live node (type invariant). Publish: pairs with the
        // Acquire load in `lookup`.
        unsafe {
            (*self.0)
                .top
                .store(e.unwrap_or(ptr::null_mut()), Ordering::Release)
        };
    }

    fn below(&self, e: *mut Entry) -> Option<*mut Entry> {
        // SAFETY: `e` is live (type invariant).
        let b = unsafe { (*e).below.load(Ordering::Relaxed) };
        (!b.is_null()).then_some(b)
    }

    fn set_below(&mut self, e: *mut Entry, below: Option<*mut Entry>) {
        // SAFETY: `e` is live (type invariant).
        // Release: pairs with the Acquire in `Entry::below`.
        unsafe {
            (*e).below
                .store(below.unwrap_or(ptr::null_mut()), Ordering::Release)
        };
    }
}

/// The hash. One static instance, [`FUNC_HASH`].
pub(crate) struct FuncHash {
    buckets: [AtomicPtr<Node>; NR_BUCKETS],
}

/// The hash of every patched function.
pub(crate) static FUNC_HASH: FuncHash = FuncHash {
    buckets: [const { AtomicPtr::new(ptr::null_mut()) }; NR_BUCKETS],
};

fn bucket_of(ip: usize) -> usize {
    // hash_64()'s multiplier (include/linux/hash.h).
    ((ip as u64).wrapping_mul(0x61c8864680b583eb) >> (64 - HASH_BITS)) as usize
}

/// Proof of being the (only) writer of [`FUNC_HASH`].
///
/// # Invariants
///
/// At most one `HashWriter` exists; it lives in rklp's core state, behind
/// the core mutex.
pub(crate) struct HashWriter {
    _p: (),
}

/// Nodes and entries unlinked from the hash, not yet freed.
///
/// # Invariants
///
/// Every pointer came from `KBox::into_raw` in [`HashWriter::push`], is no
/// longer reachable from [`FUNC_HASH`] for new readers, and is owned here
/// alone; handlers that found it before it was unlinked may still read it
/// until a handler grace period has passed.
pub(crate) struct Graveyard {
    entries: KVec<*mut Entry>,
    nodes: KVec<*mut Node>,
}

impl Graveyard {
    /// A graveyard with room for `n` entries and nodes, so that `n`
    /// [`HashWriter::remove`]s into it cannot fail.
    pub(crate) fn with_capacity(n: usize) -> Result<Self> {
        Ok(Self {
            entries: KVec::with_capacity(n, GFP_KERNEL)?,
            nodes: KVec::with_capacity(n, GFP_KERNEL)?,
        })
    }

    /// Waits for handlers to drop their references, then frees everything.
    pub(crate) fn free_after_grace_period(mut self) {
        if self.entries.is_empty() && self.nodes.is_empty() {
            return;
        }
        crate::sys::synchronize_handlers();
        let entries = core::mem::replace(&mut self.entries, KVec::new());
        let nodes = core::mem::replace(&mut self.nodes, KVec::new());
        for e in entries {
            // SAFETY: `e` came from `KBox::into_raw` in `push`, was unlinked
            // before the grace period above and is referenced nowhere else.
            drop(unsafe { KBox::from_raw(e) });
        }
        for n in nodes {
            // SAFETY: as for entries.
            drop(unsafe { KBox::from_raw(n) });
        }
    }
}

impl Drop for Graveyard {
    fn drop(&mut self) {
        // Leaking is safer than freeing what a handler may still read.
        if !self.entries.is_empty() || !self.nodes.is_empty() {
            pr_warn!("leaking {} unlinked hash entries\n", self.entries.len());
        }
    }
}

impl HashWriter {
    /// The writer token.
    ///
    /// # Safety
    ///
    /// Called once: the writer is unique, so its `&mut self` methods
    /// serialise every change of [`FUNC_HASH`].
    pub(crate) unsafe fn new_once() -> Self {
        Self { _p: () }
    }

    fn find_node(&self, ip: usize) -> *mut Node {
        let mut n = FUNC_HASH.buckets[bucket_of(ip)].load(Ordering::Relaxed);
        // SAFETY: nodes are only freed by the writer (us) after unlinking.
        while let Some(node) = unsafe { n.as_ref() } {
            if node.ip == ip {
                return n;
            }
            n = node.next.load(Ordering::Relaxed);
        }
        ptr::null_mut()
    }

    /// Pushes a new entry for `ip` on top of its stack. Returns the entry and
    /// whether `ip` is new to the hash (so its filter entry must be added).
    pub(crate) fn push(
        &mut self,
        ip: usize,
        new_func: usize,
        new_size: usize,
        transition: bool,
        op: Op,
    ) -> Result<(EntryId, bool)> {
        let node = self.find_node(ip);
        let e = KBox::into_raw(KBox::new(
            Entry {
                new_func,
                new_size,
                transition: AtomicBool::new(transition),
                op: AtomicOp::new(op),
                // Set by `entry_stack::push`, before `e` is published.
                below: AtomicPtr::new(ptr::null_mut()),
            },
            GFP_KERNEL,
        )?);
        if node.is_null() {
            let n = match KBox::new(
                Node {
                    ip,
                    // Not published yet: a one-entry stack.
                    top: AtomicPtr::new(e),
                    next: AtomicPtr::new(ptr::null_mut()),
                },
                GFP_KERNEL,
            ) {
                Ok(n) => KBox::into_raw(n),
                Err(err) => {
                    // SAFETY: `e` was never published.
                    drop(unsafe { KBox::from_raw(e) });
                    return Err(err.into());
                }
            };
            let head = &FUNC_HASH.buckets[bucket_of(ip)];
            // SAFETY: `n` is ours and not yet published.
            unsafe {
                (*n).next
                    .store(head.load(Ordering::Relaxed), Ordering::Relaxed)
            };
            // Publish: pairs with the Acquire load in `lookup`.
            head.store(n, Ordering::Release);
            Ok((EntryId(e), true))
        } else {
            // `node` is live, its entries are live, `e` is new and fully
            // initialised, all ours (we are the writer): the view's
            // invariant.
            entry_stack::push(&mut NodeStack(node), e);
            Ok((EntryId(e), false))
        }
    }

    /// The code a task runs for `id`'s function when it is not switched to
    /// `id`: the entry below's replacement `(addr, size)`, or `None` for the
    /// original function.
    pub(crate) fn below_of(&self, id: EntryId) -> Option<(usize, usize)> {
        // SAFETY: `id` and entries below it are live (writer-owned).
        unsafe {
            let below = (*id.0).below.load(Ordering::Relaxed);
            below.as_ref().map(|b| (b.new_func, b.new_size))
        }
    }

    /// Whether `ip` has an entry.
    pub(crate) fn contains(&self, ip: usize) -> bool {
        !self.find_node(ip).is_null()
    }

    /// Whether `id` is the top (visible) entry of `ip`.
    pub(crate) fn is_top(&self, ip: usize, id: EntryId) -> bool {
        let node = self.find_node(ip);
        // SAFETY: a non-null node found by the writer is live.
        !node.is_null() && unsafe { (*node).top.load(Ordering::Relaxed) } == id.0
    }

    /// Sets an entry's immediate-switch operation.
    pub(crate) fn set_op(&mut self, id: EntryId, op: Op) {
        // SAFETY: `id` is a live entry.
        unsafe { (*id.0).op.store(op, Ordering::Release) };
    }

    /// Sets or clears an entry's transition flag.
    pub(crate) fn set_transition(&mut self, id: EntryId, on: bool) {
        // SAFETY: `id` is a live entry (handles are only kept while pushed).
        unsafe { (*id.0).transition.store(on, Ordering::Release) };
    }

    /// Unlinks entry `id` of `ip` into `grave`. Returns true if `ip` has no
    /// entry left (its filter entry must go).
    pub(crate) fn remove(&mut self, ip: usize, id: EntryId, grave: &mut Graveyard) -> Result<bool> {
        // Reserve first so that nothing can fail after unlinking.
        grave.entries.reserve(1, GFP_KERNEL)?;
        grave.nodes.reserve(1, GFP_KERNEL)?;
        let node = self.find_node(ip);
        if node.is_null() {
            return Err(ENOENT);
        }
        // `node`, its entries and `id` (a handle is kept only while its
        // entry is pushed) are live and ours (we are the writer): the
        // view's invariant.
        let empty = entry_stack::remove(&mut NodeStack(node), id.0).map_err(|_| ENOENT)?;
        grave.entries.push(id.0, GFP_KERNEL)?;
        if !empty {
            return Ok(false);
        }
        // SAFETY: live node and bucket chain (writer-owned).
        unsafe {
            // Unlink the empty node from its bucket.
            let mut link = &FUNC_HASH.buckets[bucket_of(ip)];
            loop {
                let cur = link.load(Ordering::Relaxed);
                if cur == node {
                    link.store((*node).next.load(Ordering::Relaxed), Ordering::Release);
                    break;
                }
                link = &(*cur).next;
            }
            grave.nodes.push(node, GFP_KERNEL)?;
        }
        Ok(true)
    }
}

impl Entry {
    /// The entry below this one (an older patch of the function), if any.
    #[inline(always)]
    pub(crate) fn below<'a>(&'a self, _ctx: &'a HandlerCtx) -> Option<&'a Entry> {
        // SAFETY: entries reachable from a published entry stay allocated
        // until a handler grace period after they are unlinked, and `_ctx`
        // proves we are inside a handler (preemption disabled).
        unsafe { self.below.load(Ordering::Acquire).as_ref() }
    }
}

impl FuncHash {
    /// The top entry for `ip`, from inside the ftrace handler.
    #[inline(always)]
    pub(crate) fn lookup<'a>(&'a self, ip: usize, _ctx: &'a HandlerCtx) -> Option<&'a Entry> {
        let mut n = self.buckets[bucket_of(ip)].load(Ordering::Acquire);
        // SAFETY: published nodes/entries stay allocated until a handler grace
        // period after unlinking; `_ctx` proves we are in a handler.
        unsafe {
            while let Some(node) = n.as_ref() {
                if node.ip == ip {
                    return node.top.load(Ordering::Acquire).as_ref();
                }
                n = node.next.load(Ordering::Acquire);
            }
        }
        None
    }
}
