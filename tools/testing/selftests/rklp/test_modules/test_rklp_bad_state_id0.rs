// SPDX-License-Identifier: GPL-2.0

//! Test: system state id 0 is refused.

use kernel::prelude::*;

include!("rklp_test.rs");
use klp::{KlpCallbacks, KlpState};

struct NoCallbacks;
impl KlpCallbacks for NoCallbacks {}

static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::vmlinux(&[]).callbacks::<NoCallbacks>()])
    .states(&[KlpState::new(0, 1)]);

rklp_test_patch_module!(
    Test,
    "test_rklp_bad_state_id0",
    "rklp test: system state id 0 is refused",
    |module| {
        PATCH.enable(module)?;
    }
);
