// SPDX-License-Identifier: GPL-2.0

//! Test: system state id 0 is refused.

use kernel::prelude::*;

include!("rklp_test.rs");
use klp::{KlpCallbacks, KlpState};

struct NoCallbacks;
impl KlpCallbacks for NoCallbacks {}

rklp_test_patch_module!(
    Test,
    "test_rklp_bad_state_id0",
    "rklp test: system state id 0 is refused",
    |module| {
        KlpPatch::new()
            .state(KlpState::new(0, 1))?
            .object(KlpObject::vmlinux().callbacks::<NoCallbacks>())?
            .enable(module)?;
    }
);
