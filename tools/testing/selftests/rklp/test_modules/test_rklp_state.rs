// SPDX-License-Identifier: GPL-2.0

//! Test: a cumulative patch that changes a system state (console_loglevel),
//! version 1, no migration (upstream test_klp_state.c).

use kernel::prelude::*;

include!("rklp_test.rs");

const CONSOLE_LOGLEVEL_STATE_VERSION: u32 = 1;
const MIGRATE: bool = false;

include!("rklp_test_state.rs");

rklp_test_patch_module!(
    TestState,
    "test_rklp_state",
    "rklp test: system state modification",
    |module| {
        enable_state_patch(module)?;
    }
);
