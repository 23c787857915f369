// SPDX-License-Identifier: GPL-2.0

//! Test: the same system state twice in one patch is refused.

use kernel::prelude::*;

include!("rklp_test.rs");
use klp::{KlpCallbacks, KlpState};

struct NoCallbacks;
impl KlpCallbacks for NoCallbacks {}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::vmlinux(&[]).callbacks::<NoCallbacks>()])
    .states(&[KlpState::new(7, 1), KlpState::new(7, 2)]);

rklp_test_patch_module!(
    Test,
    "test_rklp_bad_state_dup",
    "rklp test: the same system state twice in one patch is refused",
    |module| {
        PATCH.enable(module)?;
    }
);
