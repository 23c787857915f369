// SPDX-License-Identifier: GPL-2.0

//! Test: the same system state twice in one patch is refused.

use kernel::prelude::*;

include!("rklp_test.rs");
use klp::{KlpCallbacks, KlpState};

struct NoCallbacks;
impl KlpCallbacks for NoCallbacks {}

rklp_test_patch_module!(
    Test,
    "test_rklp_bad_state_dup",
    "rklp test: the same system state twice in one patch is refused",
    |module| {
        KlpPatch::new()
            .state(KlpState::new(7, 1))?
            .state(KlpState::new(7, 2))?
            .object(KlpObject::vmlinux().callbacks::<NoCallbacks>())?
            .enable(module)?;
    }
);
