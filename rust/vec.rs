// SPDX-License-Identifier: GPL-2.0

//! `KVec` operations rklp needs beyond push/pop: removing an element in
//! place, retaining some, and inserting one back without losing it on
//! allocation failure. 7.3's `KVec` has the first two, 6.12's does not:
//! both live in rust/compat.rs.

pub(crate) use crate::compat::kvec::{insert, remove, retain};
