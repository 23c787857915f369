// SPDX-License-Identifier: GPL-2.0

//! `/proc/rklp/patch_state` (0600): which side of the running transition a
//! task is on, as upstream's root-only `/proc/<pid>/patch_state`, which a
//! module cannot add. Write a thread id, then read `<tid> <state>` from the
//! same open file:
//!
//! - state is -1 (no transition), 0 (unpatched) or 1 (patched), or
//!   `unknown` for a task rklp does not track (table full);
//! - each open file keeps its own question: readers at the same time each
//!   get their own answer, and nobody reads what another asked;
//! - the tid is a number in the writer's pid namespace (`find_get_pid`),
//!   and the file keeps naming that task: once it has exited, reads fail
//!   with ESRCH (never another task that got the number);
//! - a tid that names no task fails the write with ESRCH; anything but a
//!   number from 1 to 2^31 - 1 with EINVAL.

use crate::consistency::task_table;
use crate::core_state::core;
use crate::sys::pid::PidRef;
use crate::sys::proc_file::{Answer, ProcDir, Query, QueryOps};
use crate::sysfs_parse::parse_u32;
use core::fmt::Write;
use kernel::c_str;
use kernel::prelude::*;

/// The question an open `patch_state` file holds.
pub(crate) struct PatchStateQuery {
    /// The tid as written (in the writer's pid namespace) and its pid.
    asked: Option<(i32, PidRef)>,
}

impl Query for PatchStateQuery {
    fn new() -> Self {
        Self { asked: None }
    }

    fn ask(&mut self, input: &[u8]) -> Result {
        self.asked = None;
        let Some(nr) = parse_u32(input)
            .and_then(|n| i32::try_from(n).ok())
            .filter(|&n| n > 0)
        else {
            pr_err!("patch_state: not a thread id (write a number from 1 to 2147483647)\n");
            return Err(EINVAL);
        };
        let pid = PidRef::find(nr)
            .filter(|p| p.task().is_some())
            .ok_or_else(|| {
                pr_err!(
                    "patch_state: no task with id {} in the writer's pid namespace\n",
                    nr
                );
                ESRCH
            })?;
        self.asked = Some((nr, pid));
        Ok(())
    }

    fn answer(&self, out: &mut Answer) -> Result {
        // Nothing asked through this open file (or the question failed).
        let (nr, pid) = self.asked.as_ref().ok_or(EINVAL)?;
        // The task has exited since.
        let task = pid.task().ok_or(ESRCH)?;
        let core = core().ok_or(ENODEV)?;
        let st = core.lock_interruptible()?;
        match task_table::tracked_state(&task.task()) {
            None => writeln!(out, "{} unknown", nr),
            Some(_) if st.transition.is_none() => writeln!(out, "{} -1", nr),
            Some(s) => writeln!(out, "{} {}", nr, s as u8),
        }
        .map_err(|_| EINVAL)
    }
}

static PATCH_STATE_OPS: QueryOps = QueryOps::new::<PatchStateQuery>();

/// Creates `/proc/rklp/` and its `patch_state`.
pub(crate) fn create_proc_dir() -> Result<ProcDir> {
    let dir = ProcDir::new(c_str!("rklp")).inspect_err(|_| {
        pr_err!("cannot create /proc/rklp\n");
    })?;
    dir.add_query(c_str!("patch_state"), 0o600, &PATCH_STATE_OPS)
        .inspect_err(|_| pr_err!("cannot create /proc/rklp/patch_state\n"))?;
    Ok(dir)
}
