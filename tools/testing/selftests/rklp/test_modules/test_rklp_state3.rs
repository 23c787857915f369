// SPDX-License-Identifier: GPL-2.0

//! Test: a cumulative patch that changes a system state (console_loglevel),
//! the same as test_rklp_state2 in another module (upstream test_klp_state3.c).

use kernel::prelude::*;

include!("rklp_test.rs");

const CONSOLE_LOGLEVEL_STATE_VERSION: u32 = 2;
const MIGRATE: bool = true;

include!("rklp_test_state.rs");

rklp_test_patch_module!(
    TestState3,
    "test_rklp_state3",
    "rklp test: system state modification",
    |module| {
        enable_state_patch(module)?;
    }
);
