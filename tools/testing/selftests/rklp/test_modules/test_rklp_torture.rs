// SPDX-License-Identifier: GPL-2.0

//! Test (test-torture.sh): the torture patch, version 2.

include!("rklp_torture_patch.rs");

torture_patch!(
    Torture,
    "test_rklp_torture",
    2,
    test_rklp_torture_cc_outer,
    test_rklp_torture_cc_inner,
    test_rklp_torture_nmi_outer,
    test_rklp_torture_nmi_inner,
    test_rklp_torture_target_show
);
