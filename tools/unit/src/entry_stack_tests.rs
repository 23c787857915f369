// SPDX-License-Identifier: GPL-2.0

//! The hash's entry stacks (src/redirect/entry_stack.rs): stacking and
//! unstacking order, as test-livepatch.sh's stacked patches and atomic
//! replace check them through the kernel.

use crate::entry_stack::{push, remove, Links, NotFound};
use proptest::prelude::*;

/// One function's stack over an arena; entry ids are push order.
#[derive(Clone, Debug, Default, PartialEq)]
struct Stack {
    top: Option<usize>,
    below: Vec<Option<usize>>,
}

impl Links for Stack {
    type Id = usize;
    fn top(&self) -> Option<usize> {
        self.top
    }
    fn set_top(&mut self, e: Option<usize>) {
        self.top = e;
    }
    fn below(&self, e: usize) -> Option<usize> {
        self.below[e]
    }
    fn set_below(&mut self, e: usize, below: Option<usize>) {
        self.below[e] = below;
    }
}

impl Stack {
    /// A new entry (not yet pushed), as `HashWriter::push` allocates one.
    fn new_entry(&mut self) -> usize {
        self.below.push(None);
        self.below.len() - 1
    }

    fn push_new(&mut self) -> usize {
        let e = self.new_entry();
        push(self, e);
        e
    }

    /// The entries a handler walks from the top, newest first.
    fn visible(&self) -> Vec<usize> {
        let mut v = Vec::new();
        let mut cur = self.top;
        while let Some(e) = cur {
            v.push(e);
            assert!(v.len() <= self.below.len(), "cycle in the stack");
            cur = self.below[e];
        }
        v
    }
}

#[test]
fn push_on_empty_is_top_with_nothing_below() {
    let mut s = Stack::default();
    let a = s.push_new();
    assert_eq!(s.top, Some(a));
    assert_eq!(s.below(a), None);
}

#[test]
fn later_patch_stacks_on_earlier() {
    let mut s = Stack::default();
    let a = s.push_new();
    let b = s.push_new();
    assert_eq!(s.visible(), vec![b, a]);
}

#[test]
fn disabling_the_top_shows_the_one_below() {
    let mut s = Stack::default();
    let a = s.push_new();
    let b = s.push_new();
    assert_eq!(remove(&mut s, b), Ok(false));
    assert_eq!(s.visible(), vec![a]);
}

#[test]
fn disabling_the_bottom_keeps_the_top() {
    let mut s = Stack::default();
    let a = s.push_new();
    let b = s.push_new();
    assert_eq!(remove(&mut s, a), Ok(false));
    assert_eq!(s.visible(), vec![b]);
}

#[test]
fn removing_from_the_middle_relinks_around() {
    let mut s = Stack::default();
    let a = s.push_new();
    let b = s.push_new();
    let c = s.push_new();
    assert_eq!(remove(&mut s, b), Ok(false));
    assert_eq!(s.visible(), vec![c, a]);
}

#[test]
fn removed_entry_keeps_its_way_down_for_readers() {
    let mut s = Stack::default();
    let a = s.push_new();
    let b = s.push_new();
    remove(&mut s, b).unwrap();
    // A handler that loaded `b` before it was unlinked still reaches `a`.
    assert_eq!(s.below(b), Some(a));
}

#[test]
fn removing_the_last_entry_empties_the_stack() {
    let mut s = Stack::default();
    let a = s.push_new();
    assert_eq!(remove(&mut s, a), Ok(true));
    assert_eq!(s.top, None);
}

#[test]
fn atomic_replace_retires_everything_below() {
    let mut s = Stack::default();
    let old: Vec<usize> = (0..3).map(|_| s.push_new()).collect();
    let new = s.push_new();
    for e in old.into_iter().rev() {
        assert_eq!(remove(&mut s, e), Ok(false));
    }
    assert_eq!(s.visible(), vec![new]);
}

#[test]
fn removing_an_absent_entry_is_refused_and_changes_nothing() {
    let mut s = Stack::default();
    let a = s.push_new();
    let b = s.push_new();
    remove(&mut s, a).unwrap();
    let before = s.clone();
    assert_eq!(remove(&mut s, a), Err(NotFound));
    assert_eq!(s, before);
    assert_eq!(s.visible(), vec![b]);
}

#[test]
fn removing_from_an_empty_stack_is_refused() {
    let mut s = Stack::default();
    let a = s.new_entry();
    assert_eq!(remove(&mut s, a), Err(NotFound));
}

#[derive(Clone, Debug)]
enum StackOp {
    Push,
    /// Remove the entry with this id (modulo the ids so far), live or not.
    Remove(usize),
}

fn stack_op() -> impl Strategy<Value = StackOp> {
    prop_oneof![
        Just(StackOp::Push),
        any::<usize>().prop_map(StackOp::Remove)
    ]
}

proptest! {
    /// For any sequence of pushes and removals, the visible entry is the
    /// newest live one, each live entry's `below` is the next older live
    /// one, and removing an entry that is not live is refused.
    #[test]
    fn visible_is_newest_live(ops in proptest::collection::vec(stack_op(), 0..64)) {
        let mut s = Stack::default();
        let mut live: Vec<usize> = Vec::new();
        for op in ops {
            match op {
                StackOp::Push => live.push(s.push_new()),
                StackOp::Remove(_) if s.below.is_empty() => {}
                StackOp::Remove(k) => {
                    let id = k % s.below.len();
                    let before = s.clone();
                    let r = remove(&mut s, id);
                    match live.iter().position(|&e| e == id) {
                        Some(p) => {
                            live.remove(p);
                            prop_assert_eq!(r, Ok(live.is_empty()));
                        }
                        None => {
                            prop_assert_eq!(r, Err(NotFound));
                            prop_assert_eq!(&s, &before);
                        }
                    }
                }
            }
            let newest_first: Vec<usize> = live.iter().rev().copied().collect();
            prop_assert_eq!(s.top, live.last().copied());
            prop_assert_eq!(s.visible(), newest_first);
        }
    }

    /// A handler holding any entry, live or removed, that follows `below`
    /// only ever meets older entries and reaches the bottom.
    #[test]
    fn readers_only_go_down_to_older_entries(
        ops in proptest::collection::vec(stack_op(), 0..64),
    ) {
        let mut s = Stack::default();
        for op in ops {
            match op {
                StackOp::Push => {
                    s.push_new();
                }
                StackOp::Remove(_) if s.below.is_empty() => {}
                StackOp::Remove(k) => {
                    let id = k % s.below.len();
                    let _ = remove(&mut s, id);
                }
            }
        }
        for start in 0..s.below.len() {
            let mut cur = start;
            while let Some(b) = s.below[cur] {
                prop_assert!(b < cur);
                cur = b;
            }
        }
    }
}
