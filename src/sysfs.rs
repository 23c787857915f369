// SPDX-License-Identifier: GPL-2.0

//! `/sys/kernel/rklp`, mirroring upstream's `/sys/kernel/livepatch` ABI
//! (Documentation/ABI/testing/sysfs-kernel-livepatch).
//! `/sys/kernel/rklp` holds only patch directories, as upstream's does (tools
//! and upstream's selftests enumerate it), so rklp's own files live in the
//! module's directory, where no patch name can collide with them:
//!
//! ```text
//! /sys/kernel/rklp/<patch>/enabled       0644  1 while enabled; write 0 to disable
//! /sys/kernel/rklp/<patch>/transition    0444  1 while a transition runs
//! /sys/kernel/rklp/<patch>/force         0200  write 1 to force a transition
//! /sys/kernel/rklp/<patch>/replace       0444  1 for atomic replace patches
//! /sys/kernel/rklp/<patch>/<object>/patched        0444
//! /sys/kernel/rklp/<patch>/<object>/<func,sympos>/ (no files)
//! /sys/module/rklp/transition/stalled    0400  tasks not yet switched
//! /sys/module/rklp/transition/direct     0444  settled functions
//! /sys/module/rklp/parameters/kick_delay_ms 0644 (module parameter)
//! ```
//!
//! and `/proc/rklp/patch_state` (patch_state.rs), which needs per-open
//! state that sysfs files cannot have.

use crate::compat::fmt;
use crate::core_state::{core, CoreGuard, CoreState};
use crate::patch::Patch;
use crate::sys::kobject::{AttrDir, AttrOps, KobjAttr, KobjDir, ShowBuf};
use crate::sysfs_parse::parse_bool;
use core::fmt::Write;
use kernel::c_str;
use kernel::prelude::*;
use kernel::str::CString;
use kernel::ThisModule;

struct Enabled;
struct Transition;
struct Force;
struct Replace;
struct Patched;
struct StackOrder;
struct Settled;

static ENABLED: KobjAttr = KobjAttr::new::<Enabled>(c_str!("enabled"), 0o644);
static TRANSITION: KobjAttr = KobjAttr::new::<Transition>(c_str!("transition"), 0o444);
static FORCE: KobjAttr = KobjAttr::new::<Force>(c_str!("force"), 0o200);
static REPLACE: KobjAttr = KobjAttr::new::<Replace>(c_str!("replace"), 0o444);
static STACK_ORDER: KobjAttr = KobjAttr::new::<StackOrder>(c_str!("stack_order"), 0o444);
static SETTLED: KobjAttr = KobjAttr::new::<Settled>(c_str!("settled"), 0o444);
static PATCHED: KobjAttr = KobjAttr::new::<Patched>(c_str!("patched"), 0o444);

// The words the lock-free files read (`KobjDir::publish`): a patch
// directory's, and an object directory's.
const PUB_ENABLED: u32 = 1 << 0;
const PUB_TRANSITION: u32 = 1 << 1;
const PUB_REPLACE: u32 = 1 << 2;
const PUB_PATCHED: u32 = 1 << 0;

/// Publishes what `enabled`, `transition`, `replace` and `patched` show,
/// for every patch: called with the core mutex held, before each unlock
/// (`CoreGuard`), so that those files are read without the mutex, as
/// upstream's (which read the patch's fields without `klp_mutex`).
pub(crate) fn publish(st: &CoreState) {
    for p in st.patches.iter() {
        let in_transition = st.transition.as_ref().is_some_and(|t| t.is_patch(p));
        publish_patch(p, in_transition);
    }
}

/// Publishes one patch's words; a patch out of the list (being enabled, or
/// disabled and waiting to be freed) is not in transition.
pub(crate) fn publish_patch(p: &Patch, in_transition: bool) {
    if let Some(d) = p.dir.as_ref() {
        let mut w = 0;
        if p.enabled {
            w |= PUB_ENABLED;
        }
        if in_transition {
            w |= PUB_TRANSITION;
        }
        if p.replace {
            w |= PUB_REPLACE;
        }
        d.publish(w);
    }
    for o in p.objs.iter() {
        if let Some(d) = o.dir.as_ref() {
            d.publish(if o.patched { PUB_PATCHED } else { 0 });
        }
    }
}

/// Shows bit `bit` of the directory's published word: no lock.
fn show_published(dir: &AttrDir<'_>, out: &mut ShowBuf, bit: u32) -> Result {
    writeln!(out, "{}", (dir.published() & bit != 0) as u8).map_err(|_| EINVAL)
}

/// The core, locked for a sysfs callback: interruptibly (a signal ends the
/// wait with `ERESTARTSYS`, so that no user of these files sits in D state
/// behind a long operation).
fn lock_core() -> Result<CoreGuard<'static>> {
    core().ok_or(ENODEV)?.lock_interruptible()
}

impl AttrOps for Enabled {
    fn show(dir: &AttrDir<'_>, out: &mut ShowBuf) -> Result {
        show_published(dir, out, PUB_ENABLED)
    }
    fn store(dir: &AttrDir<'_>, input: &[u8]) -> Result {
        let enable = parse_bool(input).ok_or(EINVAL)?;
        let mut st = lock_core()?;
        let idx = st.patches.by_dir(dir.id()).ok_or(EINVAL)?;
        if st.patches[idx].enabled == enable {
            return Err(EINVAL);
        }
        if st
            .transition
            .as_ref()
            .is_some_and(|t| t.is_patch(&st.patches[idx]))
        {
            return crate::consistency::transition::reverse(&mut st);
        }
        // A disabled patch is freed, never re-enabled (as upstream).
        if enable {
            return Err(EINVAL);
        }
        crate::lifecycle::disable(&mut st, idx)
    }
}

impl AttrOps for Transition {
    fn show(dir: &AttrDir<'_>, out: &mut ShowBuf) -> Result {
        show_published(dir, out, PUB_TRANSITION)
    }
    fn store(_: &AttrDir<'_>, _: &[u8]) -> Result {
        Err(EPERM)
    }
}

impl AttrOps for Force {
    fn show(_: &AttrDir<'_>, _: &mut ShowBuf) -> Result {
        Err(EPERM)
    }
    fn store(dir: &AttrDir<'_>, input: &[u8]) -> Result {
        if !parse_bool(input).ok_or(EINVAL)? {
            return Ok(());
        }
        let mut st = lock_core()?;
        let idx = st.patches.by_dir(dir.id()).ok_or(EINVAL)?;
        // Only the patch in transition can be forced.
        if !st
            .transition
            .as_ref()
            .is_some_and(|t| t.is_patch(&st.patches[idx]))
        {
            return Err(EINVAL);
        }
        crate::consistency::transition::force(&mut st)
    }
}

impl AttrOps for Replace {
    fn show(dir: &AttrDir<'_>, out: &mut ShowBuf) -> Result {
        show_published(dir, out, PUB_REPLACE)
    }
    fn store(_: &AttrDir<'_>, _: &[u8]) -> Result {
        Err(EPERM)
    }
}

/// 1-based position in the stack of patches (upstream 6.14's stack_order).
impl AttrOps for StackOrder {
    fn show(dir: &AttrDir<'_>, out: &mut ShowBuf) -> Result {
        let st = lock_core()?;
        let idx = st.patches.by_dir(dir.id()).ok_or(ENODEV)?;
        writeln!(out, "{}", idx + 1).map_err(|_| EINVAL)
    }
    fn store(_: &AttrDir<'_>, _: &[u8]) -> Result {
        Err(EPERM)
    }
}

/// `<patch>/settled`: how many of the patch's functions run their
/// replacement through a direct call (no handler), now.
impl AttrOps for Settled {
    fn show(dir: &AttrDir<'_>, out: &mut ShowBuf) -> Result {
        let st = lock_core()?;
        let idx = st.patches.by_dir(dir.id()).ok_or(ENODEV)?;
        let r = &st.redirect;
        let n = st.patches[idx]
            .funcs()
            .filter(|f| {
                f.entry
                    .is_some_and(|id| r.hash.is_top(f.ftrace_loc, id) && !f.nop)
                    && r.direct.settled_on(f.ftrace_loc, f.new_func)
            })
            .count();
        writeln!(out, "{}", n).map_err(|_| EINVAL)
    }
    fn store(_: &AttrDir<'_>, _: &[u8]) -> Result {
        Err(EPERM)
    }
}

impl AttrOps for Patched {
    fn show(dir: &AttrDir<'_>, out: &mut ShowBuf) -> Result {
        show_published(dir, out, PUB_PATCHED)
    }
    fn store(_: &AttrDir<'_>, _: &[u8]) -> Result {
        Err(EPERM)
    }
}

struct Stalled;
struct DirectStatus;

/// Root only, like /proc/<pid>/stack: it names kernel functions other
/// tasks sleep in.
static STALLED: KobjAttr = KobjAttr::new::<Stalled>(c_str!("stalled"), 0o400);
static DIRECT_STATUS: KobjAttr = KobjAttr::new::<DirectStatus>(c_str!("direct"), 0o444);

/// `/sys/module/rklp/transition/direct` (settle.rs).
impl AttrOps for DirectStatus {
    fn show(_: &AttrDir<'_>, out: &mut ShowBuf) -> Result {
        let st = lock_core()?;
        crate::settle::show(&st, out).map_err(|_| EINVAL)
    }
    fn store(_: &AttrDir<'_>, _: &[u8]) -> Result {
        Err(EPERM)
    }
}

// How long a transition waits before kicking stalled tasks (and between
// kicks): `insmod rklp.ko kick_delay_ms=N` or
// /sys/module/rklp/parameters/kick_delay_ms.
crate::sys::param::module_param_ranged!(
    crate::consistency::transition::KICK_DELAY_MS: crate::consistency::transition::KickDelay,
    "kick_delay_ms",
    0o644,
    "ms a transition waits before kicking stalled tasks, and between kicks, 1000 to 3600000 (default 15000)"
);

/// `/sys/module/rklp/transition/stalled`: one line per task not yet switched
/// in the running transition: `pid comm reason`. Empty without a transition.
/// Any user names its tasks: `comm` is escaped (no newline, terminal escape
/// or space of it reaches the file), so each task is one line of three
/// fields.
impl AttrOps for Stalled {
    fn show(_: &AttrDir<'_>, out: &mut ShowBuf) -> Result {
        let st = lock_core()?;
        let Some(tr) = st.transition.as_ref() else {
            return Ok(());
        };
        let mut more = 0usize;
        crate::consistency::task_table::for_each_unswitched(tr.target, |pid, comm, reason| {
            // A line: pid, comm (escaped: up to 60 bytes), reason.
            if more > 0 || out.remaining() < 208 {
                more += 1;
                return;
            }
            let _ = write!(out, "{} {} ", pid, comm.escaped());
            let _ = tr.describe(reason, out);
            let _ = writeln!(out);
        });
        if more > 0 {
            let _ = writeln!(out, "... and {} more", more);
        }
        Ok(())
    }
    fn store(_: &AttrDir<'_>, _: &[u8]) -> Result {
        Err(EPERM)
    }
}

/// Creates `/sys/module/rklp/transition/` and its files.
pub(crate) fn create_status_dir(module: &'static ThisModule) -> Result<KobjDir> {
    let dir = KobjDir::new_in_module(c_str!("transition"), module).inspect_err(|_| {
        pr_err!("cannot create /sys/module/rklp/transition\n");
    })?;
    dir.add(&STALLED)?;
    dir.add(&DIRECT_STATUS)?;
    Ok(dir)
}

/// Creates `<root>/<patch>/…` for a new patch. On failure the patch's
/// already-created directories go away when it is dropped.
pub(crate) fn create_patch_dirs(patch: &mut Patch, root: &KobjDir) -> Result {
    let pdir = KobjDir::new(&patch.name, Some(root)).inspect_err(|_| {
        pr_err!(
            "cannot create sysfs directory for patch '{}'\n",
            &*patch.name
        );
    })?;
    for a in [
        &ENABLED,
        &TRANSITION,
        &FORCE,
        &REPLACE,
        &STACK_ORDER,
        &SETTLED,
    ] {
        pdir.add(a)?;
    }
    for o in patch.objs.iter_mut() {
        let odir = KobjDir::new(o.display_name(), Some(&pdir))?;
        odir.add(&PATCHED)?;
        for f in o.funcs.iter_mut() {
            let fname = CString::try_from_fmt(fmt!("{},{}", &*f.old_name, f.old_sympos.max(1)))?;
            f.dir = Some(KobjDir::new(&fname, Some(&odir))?);
        }
        o.dir = Some(odir);
    }
    patch.dir = Some(pdir);
    // Not enabled yet: only `replace` reads 1, if it is one.
    publish_patch(patch, false);
    Ok(())
}
