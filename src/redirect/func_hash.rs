// SPDX-License-Identifier: GPL-2.0

//! The RCU-style hash the ftrace handler uses to find replacements.
//!
//! Keyed by the ftrace location of the original function (the `ip` ftrace
//! passes to the handler). Each key holds a stack of [`Entry`]s, newest on
//! top: a later patch of the same function stacks on an earlier one, and
//! removing the top entry makes the one below visible again.
//!
//! # Size
//!
//! The bucket array grows with the number of patched functions
//! ([`hash_size::bits_for`]: load factor <= 1), so a lookup walks about one
//! node at any N. The writer resizes by building a new table with copies of
//! the nodes (the entries hang from `node.top` and are shared, not copied),
//! publishing it, and waiting a handler grace period before it frees the old
//! nodes or changes any node again: no reader is then left on an old node
//! whose `top` would go stale. Callers reserve room for a batch
//! ([`HashWriter::reserve`]) so that an N-function enable resizes at most
//! once; [`HashWriter::shrink`] gives the room back after a large patch goes.
//! A failed allocation while resizing keeps the old table (longer chains),
//! never fails the operation.
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
use crate::redirect::hash_size::{self, bucket_of, MIN_BITS};
use crate::sys::ftrace::HandlerCtx;
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use kernel::alloc::flags::GFP_KERNEL;
use kernel::prelude::*;

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

/// A bucket array: `1 << bits` chain heads.
///
/// # Invariants
///
/// `buckets` points to `1 << bits` initialised heads (`MIN_BITS..=MAX_BITS`
/// bits). Either the table is [`INITIAL`] (`cap` is 0; static, never freed),
/// or it came from `KBox::into_raw` and `buckets` from
/// `KVVec::into_raw_parts` with capacity `cap`, and both stay allocated until
/// a handler grace period after the table stopped being [`FUNC_HASH`]'s.
struct Table {
    bits: u32,
    buckets: *const AtomicPtr<Node>,
    cap: usize,
}

// SAFETY: the buckets are atomics, read by handlers on any CPU and written
// by the one writer; the other fields never change.
unsafe impl Sync for Table {}

impl Table {
    /// The head of `ip`'s chain.
    #[inline(always)]
    fn bucket(&self, ip: usize) -> &AtomicPtr<Node> {
        // SAFETY: `bucket_of` is below `1 << bits`, the number of heads
        // (type invariant).
        unsafe { &*self.buckets.add(bucket_of(ip, self.bits)) }
    }

    /// All the heads.
    fn buckets(&self) -> &[AtomicPtr<Node>] {
        // SAFETY: `1 << bits` initialised heads (type invariant).
        unsafe { core::slice::from_raw_parts(self.buckets, 1 << self.bits) }
    }

    fn is_initial(&self) -> bool {
        ptr::eq(self, &INITIAL)
    }
}

static INITIAL_BUCKETS: [AtomicPtr<Node>; 1 << MIN_BITS] =
    [const { AtomicPtr::new(ptr::null_mut()) }; 1 << MIN_BITS];

/// The table until the first growth, and again once the hash empties: no
/// allocation for small patches. Its heads are all null whenever it is not
/// current (and the writer is not resizing), so its stale readers find
/// nothing, or, once it is current again, current nodes.
static INITIAL: Table = Table {
    bits: MIN_BITS,
    buckets: &INITIAL_BUCKETS as *const [AtomicPtr<Node>; 1 << MIN_BITS] as *const AtomicPtr<Node>,
    cap: 0,
};

/// The hash. One static instance, [`FUNC_HASH`].
///
/// # Invariants
///
/// `table` points to a valid [`Table`]; every node reachable from it is
/// live, and so is every entry reachable from such a node.
pub(crate) struct FuncHash {
    table: AtomicPtr<Table>,
}

/// The hash of every patched function.
pub(crate) static FUNC_HASH: FuncHash = FuncHash {
    table: AtomicPtr::new(&INITIAL as *const Table as *mut Table),
};

/// Proof of being the (only) writer of [`FUNC_HASH`].
///
/// # Invariants
///
/// At most one `HashWriter` exists; it lives in rklp's core state, behind
/// the core mutex. `nodes` is the number of nodes in [`FUNC_HASH`]'s table,
/// which the writer owns unless it is [`INITIAL`]. No handler holds a node
/// of a table that is no longer [`FUNC_HASH`]'s when the writer changes a
/// node (a resize waits for them).
pub(crate) struct HashWriter {
    nodes: usize,
}

/// Nodes and entries unlinked from the hash, and a table replaced by a
/// shrink, not yet freed.
///
/// # Invariants
///
/// Every pointer came from `KBox::into_raw` in [`HashWriter::push`], is no
/// longer reachable from [`FUNC_HASH`] for new readers, and is owned here
/// alone; handlers that found it before it was unlinked may still read it
/// until a handler grace period has passed. `table` is null or a table other
/// than [`INITIAL`] that is no longer [`FUNC_HASH`]'s, owned here with its
/// nodes (the ones it was replaced by copies of), under the same rule.
pub(crate) struct Graveyard {
    entries: KVec<*mut Entry>,
    nodes: KVec<*mut Node>,
    table: *mut Table,
}

impl Graveyard {
    /// A graveyard with room for `n` entries and nodes, so that `n`
    /// [`HashWriter::remove`]s into it cannot fail.
    pub(crate) fn with_capacity(n: usize) -> Result<Self> {
        Ok(Self {
            entries: KVec::with_capacity(n, GFP_KERNEL)?,
            nodes: KVec::with_capacity(n, GFP_KERNEL)?,
            table: ptr::null_mut(),
        })
    }

    /// Waits for handlers to drop their references, then frees everything.
    pub(crate) fn free_after_grace_period(mut self) {
        if self.entries.is_empty() && self.nodes.is_empty() && self.table.is_null() {
            return;
        }
        crate::sys::synchronize_handlers();
        let table = core::mem::replace(&mut self.table, ptr::null_mut());
        if !table.is_null() {
            // SAFETY: replaced before the grace period above, so no handler
            // holds it or its nodes; ours alone (type invariant).
            unsafe { free_table(table) };
        }
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
        if !self.entries.is_empty() || !self.nodes.is_empty() || !self.table.is_null() {
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
        Self { nodes: 0 }
    }

    /// The current table.
    fn table(&self) -> &Table {
        // SAFETY: the table is replaced and freed only by the writer (us),
        // which `&self` borrows (type invariant of `FuncHash`).
        unsafe { &*FUNC_HASH.table.load(Ordering::Relaxed) }
    }

    /// Makes room for `n` more functions: grows the table to the size for
    /// all of them if it is too small, so that a batch of pushes resizes at
    /// most once. Cannot fail: without memory, the old table stays (longer
    /// chains).
    pub(crate) fn reserve(&mut self, n: usize) {
        let bits = hash_size::bits_for(self.nodes.saturating_add(n));
        if bits <= self.table().bits {
            return;
        }
        let was_empty = self.nodes == 0;
        let Some(old) = self.replace(bits) else {
            return;
        };
        if ptr::eq(old, &INITIAL) && was_empty {
            // Nothing to free: INITIAL is static, empty, and stays empty
            // until it is current again, so its readers find nothing, as
            // they would have before the switch.
            return;
        }
        // Handlers that loaded `old` may be walking its nodes: wait until
        // none does, before freeing them and before any change of a node
        // (a handler on an old node would miss it).
        crate::sys::synchronize_handlers();
        // SAFETY: `old` is no longer published and the grace period above
        // waited for its last readers; the writer (us) owns it.
        unsafe { free_table(old) };
    }

    /// Gives room back when the table is four times too big or more (after
    /// a large patch went away); an empty hash goes back to the static
    /// table. The old table goes to `grave`, to share its grace period:
    /// free `grave` before changing the hash again (as for a resize, no
    /// handler must be left on an old node when a node changes). Cannot
    /// fail: without memory, or if `grave` already holds a table, the table
    /// stays as it is.
    pub(crate) fn shrink(&mut self, grave: &mut Graveyard) {
        if !hash_size::should_shrink(self.table().bits, self.nodes) || !grave.table.is_null() {
            return;
        }
        if let Some(old) = self.replace(hash_size::bits_for(self.nodes)) {
            // A shrink never replaces INITIAL (it has the fewest buckets).
            // `old` is no longer published and the writer (us) owns it: the
            // graveyard's invariant.
            grave.table = old;
        }
    }

    /// Publishes a table of `1 << bits` buckets with the current nodes (or
    /// their copies) in place of the current one, and returns the old one,
    /// which handlers may still read. `None` when memory runs out: nothing
    /// changed.
    fn replace(&mut self, bits: u32) -> Option<*mut Table> {
        let old: *mut Table = FUNC_HASH.table.load(Ordering::Relaxed);
        let new = if bits == MIN_BITS && self.nodes == 0 && !ptr::eq(old, &INITIAL) {
            // INITIAL's heads are null while it is not current (cleared
            // when it was replaced with nodes in it, after their readers
            // left): nothing to build.
            &INITIAL as *const Table as *mut Table
        } else {
            match self.build(bits) {
                Ok(new) => new,
                Err(_) => {
                    pr_warn!(
                        "cannot resize the function hash to {} buckets: lookups will be slower\n",
                        1usize << bits
                    );
                    return None;
                }
            }
        };
        // Publish: pairs with the Acquire load in `lookup`.
        FUNC_HASH.table.store(new, Ordering::Release);
        Some(old)
    }

    /// A new table of `1 << bits` buckets holding a copy of every node of
    /// the current one (same `ip` and `top`: the entries are shared), not
    /// published.
    fn build(&self, bits: u32) -> Result<*mut Table> {
        let n = 1usize << bits;
        let mut heads = KVVec::with_capacity(n, GFP_KERNEL)?;
        for _ in 0..n {
            heads.push(AtomicPtr::new(ptr::null_mut()), GFP_KERNEL)?;
        }
        let (buckets, _, cap) = heads.into_raw_parts();
        let table = Table { bits, buckets, cap };
        let new = match KBox::new(table, GFP_KERNEL) {
            Ok(t) => KBox::into_raw(t),
            Err(e) => {
                // SAFETY: the raw parts taken above, `n` initialised heads,
                // not published.
                drop(unsafe { KVVec::from_raw_parts(buckets, n, cap) });
                return Err(e.into());
            }
        };
        // SAFETY: `new` was just allocated and is ours.
        let new_ref = unsafe { &*new };
        for head in self.table().buckets() {
            let mut n = head.load(Ordering::Relaxed);
            // SAFETY: nodes of the current table are live (`FuncHash`'s
            // invariant) and only the writer (us) frees them.
            while let Some(node) = unsafe { n.as_ref() } {
                let b = new_ref.bucket(node.ip);
                let copy = Node {
                    ip: node.ip,
                    top: AtomicPtr::new(node.top.load(Ordering::Relaxed)),
                    next: AtomicPtr::new(b.load(Ordering::Relaxed)),
                };
                match KBox::new(copy, GFP_KERNEL) {
                    // Unpublished: the table's Release store publishes it.
                    Ok(c) => b.store(KBox::into_raw(c), Ordering::Relaxed),
                    Err(e) => {
                        // SAFETY: `new` and its copies are ours and were
                        // never published; `new_ref` is not used after.
                        unsafe { free_table(new) };
                        return Err(e.into());
                    }
                }
                n = node.next.load(Ordering::Relaxed);
            }
        }
        Ok(new)
    }

    fn find_node(&self, ip: usize) -> *mut Node {
        let mut n = self.table().bucket(ip).load(Ordering::Relaxed);
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
        if node.is_null() && self.nodes >= 1 << self.table().bits {
            // Keep the load factor <= 1 for callers that did not reserve.
            self.reserve(1);
        }
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
            let head = self.table().bucket(ip);
            // SAFETY: `n` is ours and not yet published.
            unsafe {
                (*n).next
                    .store(head.load(Ordering::Relaxed), Ordering::Relaxed)
            };
            // Publish: pairs with the Acquire load in `lookup`.
            head.store(n, Ordering::Release);
            self.nodes += 1;
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
            let mut link = self.table().bucket(ip);
            loop {
                let cur = link.load(Ordering::Relaxed);
                if cur == node {
                    link.store((*node).next.load(Ordering::Relaxed), Ordering::Release);
                    self.nodes -= 1;
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
        // SAFETY: published tables, nodes and entries stay allocated until
        // a handler grace period after they are replaced or unlinked; `_ctx`
        // proves we are in a handler. Acquire pairs with the writer's
        // Release stores of the table, heads and `next`/`top` links.
        unsafe {
            let table = &*self.table.load(Ordering::Acquire);
            let mut n = table.bucket(ip).load(Ordering::Acquire);
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

/// Frees `table`'s nodes, and `table` unless it is [`INITIAL`] (whose heads
/// are cleared instead).
///
/// # Safety
///
/// `table` is not published, or no longer and a handler grace period has
/// passed since; its nodes are referenced from nowhere else (copies, or
/// replaced by copies), and the caller owns them.
unsafe fn free_table(table: *mut Table) {
    // SAFETY: a valid table (contract; type invariant of `Table`).
    let (bits, buckets, cap, initial) = unsafe {
        let t = &*table;
        (t.bits, t.buckets, t.cap, t.is_initial())
    };
    // SAFETY: `1 << bits` initialised heads (type invariant); the slice is
    // not used after the loop.
    for head in unsafe { core::slice::from_raw_parts(buckets, 1 << bits) } {
        let mut n = head.swap(ptr::null_mut(), Ordering::Relaxed);
        while !n.is_null() {
            // SAFETY: `n` came from `KBox::into_raw` (in `push` or `build`)
            // and is ours alone (contract).
            let node = unsafe { KBox::from_raw(n) };
            n = node.next.load(Ordering::Relaxed);
        }
    }
    if initial {
        return;
    }
    // SAFETY: a table other than INITIAL and its heads come from
    // `KBox::into_raw` and `KVVec::into_raw_parts` (type invariant); ours
    // alone (contract).
    unsafe {
        drop(KBox::from_raw(table));
        drop(KVVec::from_raw_parts(buckets.cast_mut(), 1 << bits, cap));
    }
}

impl Drop for HashWriter {
    fn drop(&mut self) {
        let table = FUNC_HASH.table.load(Ordering::Relaxed);
        if ptr::eq(table, &INITIAL) {
            return;
        }
        if self.nodes != 0 {
            // Leaking is safer than freeing what a handler may still read.
            pr_warn!("leaking the function hash ({} functions)\n", self.nodes);
            return;
        }
        // Unloading: no handler may find the table afterwards. INITIAL's
        // heads were cleared when it was replaced.
        FUNC_HASH
            .table
            .store(&INITIAL as *const Table as *mut Table, Ordering::Release);
        crate::sys::synchronize_handlers();
        // SAFETY: unpublished above, a grace period passed, no nodes, and
        // the writer (being dropped) owns it.
        unsafe { free_table(table) };
    }
}
