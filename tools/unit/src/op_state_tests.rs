// SPDX-License-Identifier: GPL-2.0

//! The immediate switch's states and the NMI guard
//! (src/consistency/op_state.rs), as test-immediate.sh checks them through
//! the kernel (patch and unpatch at once, -EBUSY, the NMI flood).

use crate::op_state::{try_switch, use_new_version, AtomicOp, AtomicOpState, Op, OpState};
use core::sync::atomic::Ordering;
use proptest::prelude::*;

const OPS: [Op; 3] = [Op::None, Op::Patch, Op::Unpatch];
const STATES: [OpState; 4] = [
    OpState::Idle,
    OpState::Updating,
    OpState::Success,
    OpState::Failed,
];

fn state(s: OpState) -> AtomicOpState {
    AtomicOpState::new(s)
}

#[test]
fn encodings_round_trip_and_others_are_refused() {
    for op in OPS {
        assert_eq!(Op::from_u8(op as u8), Some(op));
    }
    for s in STATES {
        assert_eq!(OpState::from_u8(s as u8), Some(s));
    }
    for v in 3..=u8::MAX {
        assert_eq!(Op::from_u8(v), None);
    }
    for v in 4..=u8::MAX {
        assert_eq!(OpState::from_u8(v), None);
    }
}

#[test]
fn atomics_hold_what_was_stored() {
    let op = AtomicOp::new(Op::None);
    for o in OPS {
        op.store(o, Ordering::Relaxed);
        assert_eq!(op.load(Ordering::Relaxed), o);
    }
    let st = state(OpState::Idle);
    for s in STATES {
        st.store(s, Ordering::Relaxed);
        assert_eq!(st.load(Ordering::Relaxed), s);
    }
}

#[test]
fn patching_runs_the_code_below_until_the_switch() {
    let st = state(OpState::Updating);
    assert!(!use_new_version(&st, Op::Patch, false));
    assert!(try_switch(&st));
    assert_eq!(st.load(Ordering::Relaxed), OpState::Success);
    assert!(use_new_version(&st, Op::Patch, false));
    assert!(use_new_version(&st, Op::Patch, true));
}

#[test]
fn unpatching_runs_the_patch_until_the_switch() {
    let st = state(OpState::Updating);
    assert!(use_new_version(&st, Op::Unpatch, false));
    assert!(try_switch(&st));
    assert!(!use_new_version(&st, Op::Unpatch, false));
    assert!(!use_new_version(&st, Op::Unpatch, true));
}

#[test]
fn a_task_outside_nmi_does_not_fail_the_switch() {
    let st = state(OpState::Updating);
    for op in [Op::Patch, Op::Unpatch] {
        use_new_version(&st, op, false);
    }
    assert_eq!(st.load(Ordering::Relaxed), OpState::Updating);
}

#[test]
fn an_nmi_before_the_switch_fails_it_and_runs_the_committed_version() {
    for (op, committed) in [(Op::Patch, false), (Op::Unpatch, true)] {
        let st = state(OpState::Updating);
        assert_eq!(use_new_version(&st, op, true), committed);
        assert_eq!(st.load(Ordering::Relaxed), OpState::Failed);
        // The switch must not happen now: -EBUSY after the retries.
        assert!(!try_switch(&st));
        assert_eq!(use_new_version(&st, op, false), committed);
        assert_eq!(use_new_version(&st, op, true), committed);
    }
}

#[test]
fn an_nmi_after_the_switch_changes_nothing() {
    let st = state(OpState::Success);
    assert!(use_new_version(&st, Op::Patch, true));
    assert_eq!(st.load(Ordering::Relaxed), OpState::Success);
}

#[test]
fn a_failed_switch_keeps_the_committed_versions() {
    let st = state(OpState::Failed);
    assert!(!use_new_version(&st, Op::Patch, false));
    assert!(use_new_version(&st, Op::Unpatch, false));
}

#[test]
fn the_switch_happens_only_from_updating() {
    for s in STATES {
        let st = state(s);
        assert_eq!(try_switch(&st), s == OpState::Updating);
    }
}

#[derive(Clone, Copy, Debug)]
enum Event {
    /// A handler call for an entry with this op, in NMI context or not.
    Call { patch: bool, nmi: bool },
    /// The switch attempt from stop_machine.
    Switch,
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        (any::<bool>(), any::<bool>()).prop_map(|(patch, nmi)| Event::Call { patch, nmi }),
        Just(Event::Switch),
    ]
}

proptest! {
    /// For any interleaving of handler calls and switch attempts during
    /// one immediate operation: an NMI never runs both versions of an
    /// entry (NMIs may straddle the switch), and every call before a
    /// successful switch runs the committed version, every call after it
    /// the new one.
    #[test]
    fn nmis_never_mix_versions(events in proptest::collection::vec(event(), 0..32)) {
        let st = state(OpState::Updating);
        let mut switched = false;
        let mut nmi_saw: [Option<bool>; 2] = [None, None];
        for e in events {
            match e {
                Event::Switch => {
                    let ok = try_switch(&st);
                    prop_assert!(!ok || !switched);
                    prop_assert!(!ok || nmi_saw == [None, None]);
                    switched |= ok;
                }
                Event::Call { patch, nmi } => {
                    let op = if patch { Op::Patch } else { Op::Unpatch };
                    let new = use_new_version(&st, op, nmi);
                    let committed = !patch;
                    prop_assert_eq!(new, if switched { !committed } else { committed });
                    if nmi {
                        let seen = &mut nmi_saw[patch as usize];
                        prop_assert!(seen.is_none_or(|v| v == new));
                        *seen = Some(new);
                    }
                }
            }
        }
    }
}
