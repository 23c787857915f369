// SPDX-License-Identifier: GPL-2.0

//! Test (test-torture.sh): the torture patch, version 4 (replaces version 2
//! with `replace=1`).

include!("rklp_torture_patch.rs");

torture_patch!(
    Torture2,
    "test_rklp_torture2",
    4,
    test_rklp_torture2_cc_outer,
    test_rklp_torture2_cc_inner,
    test_rklp_torture2_nmi_outer,
    test_rklp_torture2_nmi_inner,
    test_rklp_torture2_target_show
);
