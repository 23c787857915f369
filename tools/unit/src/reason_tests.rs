// SPDX-License-Identifier: GPL-2.0

//! Why a task has not switched (src/consistency/reason.rs), as
//! /sys/module/rklp/transition/stalled reports it (test-tasks.sh,
//! test-cli.sh).

use crate::reason::{Reason, MAX_SLEEPING_IN};
use proptest::prelude::*;

#[test]
fn fixed_encodings_are_stable() {
    // A record starts at 0, which must read "not checked yet".
    assert_eq!(Reason::None.encode(), 0);
    assert_eq!(Reason::decode(0), Reason::None);
    assert_eq!(Reason::Running.encode(), 1);
    assert_eq!(Reason::Unreliable.encode(), 2);
    assert_eq!(Reason::InHandler.encode(), 3);
    assert_eq!(Reason::SleepingIn(0).encode(), 4);
    assert_eq!(Reason::Untracked.encode(), u32::MAX);
}

#[test]
fn huge_check_indexes_saturate_and_never_read_as_untracked() {
    let e = Reason::SleepingIn(usize::MAX).encode();
    assert_ne!(e, Reason::Untracked.encode());
    assert_eq!(Reason::decode(e), Reason::SleepingIn(MAX_SLEEPING_IN));
}

fn reason() -> impl Strategy<Value = Reason> {
    prop_oneof![
        Just(Reason::None),
        Just(Reason::Running),
        Just(Reason::Unreliable),
        Just(Reason::InHandler),
        Just(Reason::Untracked),
        (0..=MAX_SLEEPING_IN).prop_map(Reason::SleepingIn),
    ]
}

proptest! {
    /// decode(encode(x)) == x.
    #[test]
    fn decode_inverts_encode(r in reason()) {
        prop_assert_eq!(Reason::decode(r.encode()), r);
    }

    /// Every stored word is some reason, and encode(decode(v)) == v.
    #[test]
    fn encode_inverts_decode(v in any::<u32>()) {
        prop_assert_eq!(Reason::decode(v).encode(), v);
    }
}
