// SPDX-License-Identifier: GPL-2.0

//! The stack of entries one patched function has in the hash, as rules
//! over abstract links (pure: `core` only; also compiled into the host unit
//! tests, tools/unit). func_hash.rs implements [`Links`] on its RCU-style
//! nodes and entries.
//!
//! Newest entry on top: a later patch of a function stacks on an earlier
//! one. The top is what handlers see; removing an entry, at the top or in
//! the middle (an atomic replace retires the patches below it), relinks
//! around it, so the
//! visible entry is always the newest one still pushed, and each entry's
//! `below` the next older one still pushed.

/// One function's stack, as the writer sees it.
pub(crate) trait Links {
    /// An entry (a handle; comparing them compares identities).
    type Id: Copy + PartialEq;

    /// The top entry.
    fn top(&self) -> Option<Self::Id>;
    /// Publishes `e` as the top (after everything `e` holds is set).
    fn set_top(&mut self, e: Option<Self::Id>);
    /// The entry below `e`.
    fn below(&self, e: Self::Id) -> Option<Self::Id>;
    /// Links `e` above `below`.
    fn set_below(&mut self, e: Self::Id, below: Option<Self::Id>);
}

/// `id` is not in the stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NotFound;

/// Pushes the new (not yet visible) entry `e` on top.
pub(crate) fn push<L: Links>(l: &mut L, e: L::Id) {
    let below = l.top();
    l.set_below(e, below);
    l.set_top(Some(e));
}

/// Unlinks `id` wherever it is; returns whether the stack is now empty.
/// Readers that are at `id` still find their way down through its `below`,
/// which is left as is.
pub(crate) fn remove<L: Links>(l: &mut L, id: L::Id) -> Result<bool, NotFound> {
    let below = l.below(id);
    let mut cur = l.top().ok_or(NotFound)?;
    if cur == id {
        l.set_top(below);
    } else {
        loop {
            let next = l.below(cur).ok_or(NotFound)?;
            if next == id {
                break;
            }
            cur = next;
        }
        l.set_below(cur, below);
    }
    Ok(l.top().is_none())
}
