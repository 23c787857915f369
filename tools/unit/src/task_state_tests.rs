// SPDX-License-Identifier: GPL-2.0

//! A task's patch state and the per-task transition's rules
//! (src/consistency/task_state.rs), as test-transition.sh (reverse),
//! test-force.sh, test-tasks.sh (fork, exit, untracked tasks) and
//! test-consistency.sh (no mixed versions) check them through the kernel.
//!
//! `Model` applies the rules the way transition.rs and task_table.rs do
//! (init_task_states, switch_if_clean, reverse, force, the fork probe,
//! try_complete), on a plain vector of tasks.

use crate::task_state::{
    current_state, may_complete, reversed, runs_new_version, start_state, AtomicPatchState,
    PatchState, Walk, PATCHED, UNPATCHED,
};
use core::sync::atomic::Ordering;
use proptest::prelude::*;

#[test]
fn encodings_match_upstream_and_others_are_refused() {
    assert_eq!(UNPATCHED as u8, 0);
    assert_eq!(PATCHED as u8, 1);
    assert_eq!(PatchState::from_u8(0), Some(UNPATCHED));
    assert_eq!(PatchState::from_u8(1), Some(PATCHED));
    for v in 2..=u8::MAX {
        assert_eq!(PatchState::from_u8(v), None);
    }
}

#[test]
fn flip_is_the_other_state() {
    assert_eq!(PATCHED.flip(), UNPATCHED);
    assert_eq!(UNPATCHED.flip(), PATCHED);
    for s in [PATCHED, UNPATCHED] {
        assert_eq!(s.flip().flip(), s);
    }
}

#[test]
fn directions_are_upstream_words() {
    assert_eq!(PATCHED.direction(), "patching");
    assert_eq!(UNPATCHED.direction(), "unpatching");
}

#[test]
fn atomic_state_holds_what_was_stored() {
    let a = AtomicPatchState::new(UNPATCHED);
    assert_eq!(a.load(Ordering::Relaxed), UNPATCHED);
    a.store(PATCHED, Ordering::Relaxed);
    assert_eq!(a.load(Ordering::Relaxed), PATCHED);
}

#[test]
fn a_transition_starts_every_task_where_it_was() {
    assert_eq!(start_state(PATCHED), UNPATCHED);
    assert_eq!(start_state(UNPATCHED), PATCHED);
}

#[test]
fn reversing_flips_the_target() {
    assert_eq!(reversed(PATCHED), UNPATCHED);
    assert_eq!(reversed(reversed(PATCHED)), PATCHED);
}

#[test]
fn untracked_tasks_have_the_unknown_state() {
    assert_eq!(current_state(Some(PATCHED), || UNPATCHED), PATCHED);
    assert_eq!(current_state(None, || UNPATCHED), UNPATCHED);
    assert_eq!(current_state(None, || PATCHED), PATCHED);
}

#[test]
fn only_patched_tasks_run_the_entry_in_transition() {
    assert!(runs_new_version(PATCHED));
    assert!(!runs_new_version(UNPATCHED));
}

fn clean_walk() -> Walk {
    Walk {
        all_switched: true,
        unswitched_seq_before: 7,
        unswitched_seq_after: 7,
        untracked: 0,
    }
}

#[test]
fn completion_needs_every_condition() {
    assert!(may_complete(&clean_walk()));
    let not = [
        Walk {
            all_switched: false,
            ..clean_walk()
        },
        // An unswitched task was recorded during the walk, maybe in a slot
        // already passed.
        Walk {
            unswitched_seq_after: 8,
            ..clean_walk()
        },
        // A task rklp cannot see is alive.
        Walk {
            untracked: 1,
            ..clean_walk()
        },
    ];
    for w in not {
        assert!(!may_complete(&w), "{w:?}");
    }
}

#[test]
fn unswitched_sequence_wrapping_is_still_a_change() {
    let w = Walk {
        unswitched_seq_before: u32::MAX,
        unswitched_seq_after: 0,
        ..clean_walk()
    };
    assert!(!may_complete(&w));
}

/// Tasks during one transition; `None` records are untracked tasks.
#[derive(Clone, Debug)]
struct Model {
    target: PatchState,
    unknown: PatchState,
    tasks: Vec<Task>,
    unswitched_seq: u32,
    done: bool,
}

#[derive(Clone, Copy, Debug)]
struct Task {
    record: Option<PatchState>,
    alive: bool,
}

impl Model {
    /// `init_task_states(target)` over `n` tracked and `u` untracked tasks.
    fn begin(target: PatchState, n: usize, u: usize) -> Self {
        let start = start_state(target);
        let tracked = Task {
            record: Some(start),
            alive: true,
        };
        let untracked = Task {
            record: None,
            alive: true,
        };
        let mut tasks = vec![tracked; n];
        tasks.extend(vec![untracked; u]);
        Self {
            target,
            unknown: start,
            tasks,
            unswitched_seq: 0,
            done: false,
        }
    }

    fn state(&self, t: usize) -> PatchState {
        current_state(self.tasks[t].record, || self.unknown)
    }

    /// Whether task `t` runs the version of the patch in transition.
    fn runs_new(&self, t: usize) -> bool {
        runs_new_version(self.state(t))
    }

    /// `switch_if_clean` with a clean stack.
    fn switch(&mut self, t: usize) {
        let target = self.target;
        if let Some(s) = self.tasks[t].record.as_mut() {
            *s = target;
        }
    }

    /// `transition::reverse`: the target only.
    fn reverse(&mut self) {
        self.target = reversed(self.target);
    }

    /// `transition::force`: every record to the target.
    fn force(&mut self) {
        let target = self.target;
        for t in self.tasks.iter_mut() {
            if let Some(s) = t.record.as_mut() {
                *s = target;
            }
        }
    }

    /// The fork probe: the child starts in its parent's state; an insert
    /// not at the target is counted.
    fn fork(&mut self, parent: usize, tracked: bool) -> usize {
        let state = self.state(parent);
        self.tasks.push(Task {
            record: tracked.then_some(state),
            alive: true,
        });
        if tracked && state != self.target {
            self.unswitched_seq = self.unswitched_seq.wrapping_add(1);
        }
        self.tasks.len() - 1
    }

    fn exit(&mut self, t: usize) {
        self.tasks[t].alive = false;
    }

    /// `try_complete`'s check (a walk with no fork during it).
    fn try_complete(&mut self) -> bool {
        let live = || self.tasks.iter().filter(|t| t.alive);
        let walk = Walk {
            all_switched: live().filter_map(|t| t.record).all(|s| s == self.target),
            unswitched_seq_before: self.unswitched_seq,
            unswitched_seq_after: self.unswitched_seq,
            untracked: live().filter(|t| t.record.is_none()).count(),
        };
        self.done = may_complete(&walk);
        self.done
    }
}

#[test]
fn reversing_a_stalled_patching_transition() {
    let mut m = Model::begin(PATCHED, 3, 0);
    m.switch(0);
    m.switch(1);
    assert!(!m.try_complete());
    // Task 2 never switched: it is at once at the new target; the others
    // must switch back.
    m.reverse();
    assert_eq!(m.target, UNPATCHED);
    assert_eq!(m.state(2), m.target);
    assert_ne!(m.state(0), m.target);
    assert!(!m.try_complete());
    m.switch(0);
    m.switch(1);
    assert!(m.try_complete());
}

#[test]
fn reversing_a_stalled_unpatching_transition() {
    let mut m = Model::begin(UNPATCHED, 2, 0);
    m.switch(0);
    m.reverse();
    assert_eq!(m.target, PATCHED);
    assert_eq!(m.state(1), PATCHED);
    m.switch(0);
    assert!(m.try_complete());
}

#[test]
fn force_completes_a_stalled_transition() {
    let mut m = Model::begin(PATCHED, 3, 0);
    assert!(!m.try_complete());
    m.force();
    assert!(m.try_complete());
}

#[test]
fn a_child_starts_in_its_parents_state() {
    let mut m = Model::begin(PATCHED, 2, 0);
    m.switch(0);
    let a = m.fork(0, true);
    let b = m.fork(1, true);
    assert_eq!(m.state(a), PATCHED);
    assert_eq!(m.state(b), UNPATCHED);
}

#[test]
fn untracked_tasks_block_completion_until_they_exit() {
    let mut m = Model::begin(PATCHED, 1, 1);
    m.switch(0);
    m.switch(1); // Not in the table: nothing to switch.
    assert!(!m.try_complete());
    m.force();
    assert!(!m.try_complete());
    m.exit(1);
    assert!(m.try_complete());
}

#[test]
fn untracked_tasks_keep_their_state_across_a_reversal() {
    let mut m = Model::begin(PATCHED, 1, 1);
    assert_eq!(m.state(1), UNPATCHED);
    m.reverse();
    // Deriving it from the target instead would flip it mid-function.
    assert_eq!(m.state(1), UNPATCHED);
    let child = m.fork(1, false);
    assert_eq!(m.state(child), UNPATCHED);
}

#[test]
fn exited_tasks_do_not_hold_a_transition() {
    let mut m = Model::begin(UNPATCHED, 2, 0);
    m.switch(0);
    m.exit(1);
    assert!(m.try_complete());
}

#[derive(Clone, Copy, Debug)]
enum Event {
    Switch(usize),
    Reverse,
    Force,
    Fork { parent: usize, tracked: bool },
    Exit(usize),
    TryComplete,
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        4 => any::<usize>().prop_map(Event::Switch),
        1 => Just(Event::Reverse),
        1 => Just(Event::Force),
        2 => (any::<usize>(), prop::bool::weighted(0.8))
            .prop_map(|(parent, tracked)| Event::Fork { parent, tracked }),
        1 => any::<usize>().prop_map(Event::Exit),
        2 => Just(Event::TryComplete),
    ]
}

fn target() -> impl Strategy<Value = PatchState> {
    prop_oneof![Just(PATCHED), Just(UNPATCHED)]
}

proptest! {
    /// For any interleaving of switches, reverses, forces, forks and exits
    /// in one transition:
    /// * every task's state is the transition's target or its start, and
    ///   the tasks at the target are exactly the switched ones;
    /// * the version a task runs changes only when it switches itself or
    ///   is forced (never through a reversal, a fork or another task);
    /// * a child runs what its parent runs (an untracked one: what the
    ///   transition started from);
    /// * the transition completes exactly when every live task is at the
    ///   target and none is untracked.
    #[test]
    fn tasks_only_change_version_when_switched(
        t0 in target(),
        n in 1usize..6,
        u in 0usize..2,
        events in proptest::collection::vec(event(), 0..48),
    ) {
        let mut m = Model::begin(t0, n, u);
        for e in events {
            if m.done {
                break;
            }
            let nr = m.tasks.len();
            let before: Vec<bool> = (0..nr).map(|t| m.runs_new(t)).collect();
            let mut may_change: Option<usize> = None;
            let mut forced = false;
            match e {
                Event::Switch(t) if m.tasks[t % nr].alive => {
                    may_change = Some(t % nr);
                    m.switch(t % nr);
                }
                Event::Reverse => m.reverse(),
                Event::Force => {
                    forced = true;
                    m.force();
                }
                Event::Fork { parent, tracked } if m.tasks[parent % nr].alive => {
                    let child = m.fork(parent % nr, tracked);
                    if tracked {
                        prop_assert_eq!(m.runs_new(child), m.runs_new(parent % nr));
                    } else {
                        // Its record could not be inserted: it counts as
                        // not switched (and blocks completion).
                        prop_assert_eq!(m.state(child), start_state(t0));
                    }
                }
                Event::Exit(t) => m.exit(t % nr),
                Event::TryComplete => {
                    let done = m.try_complete();
                    let should = m.tasks.iter().filter(|t| t.alive).all(|t| {
                        t.record.is_some_and(|s| s == m.target)
                    });
                    prop_assert_eq!(done, should);
                }
                _ => {}
            }
            for (t, &was) in before.iter().enumerate() {
                let s = m.state(t);
                prop_assert!(s == m.target || s == start_state(m.target));
                if m.runs_new(t) != was {
                    prop_assert!(forced || may_change == Some(t), "task {} flipped by {:?}", t, e);
                }
            }
            // Untracked tasks stay where the transition started.
            prop_assert_eq!(m.unknown, start_state(t0));
        }
    }
}

#[test]
fn forks_of_switched_tasks_are_not_counted() {
    let mut m = Model::begin(PATCHED, 2, 0);
    m.switch(0);
    let seq = m.unswitched_seq;
    // A fork storm by a switched task: its children are switched too.
    for _ in 0..10_000 {
        let c = m.fork(0, true);
        assert_eq!(m.state(c), PATCHED);
        m.exit(c);
    }
    assert_eq!(m.unswitched_seq, seq);
    // A fork by the unswitched task is counted (its child may be hidden
    // from a walk that runs meanwhile).
    let c = m.fork(1, true);
    assert_ne!(m.unswitched_seq, seq);
    m.switch(1);
    m.switch(c);
    assert!(m.try_complete());
}
