// SPDX-License-Identifier: GPL-2.0

//! `/sys/kernel/rklp`, mirroring upstream's `/sys/kernel/livepatch` ABI
//! (Documentation/ABI/testing/sysfs-kernel-livepatch):
//!
//! ```text
//! /sys/kernel/rklp/<patch>/enabled       0644  1 while enabled; write 0 to disable
//! /sys/kernel/rklp/<patch>/transition    0444  1 while a transition runs
//! /sys/kernel/rklp/<patch>/force         0200  write 1 to force a transition
//! /sys/kernel/rklp/<patch>/replace       0444  1 for atomic replace patches
//! /sys/kernel/rklp/<patch>/<object>/patched        0444
//! /sys/kernel/rklp/<patch>/<object>/<func,sympos>/ (no files)
//! ```

use crate::patch::Patch;
use crate::state::core;
use crate::sys::kobject::{parse_bool, AttrOps, KobjAttr, KobjDir, KobjId, ShowBuf};
use core::fmt::Write;
use kernel::c_str;
use kernel::fmt;
use kernel::prelude::*;
use kernel::str::CString;

struct Enabled;
struct Transition;
struct Force;
struct Replace;
struct Patched;

static ENABLED: KobjAttr = KobjAttr::new::<Enabled>(c_str!("enabled"), 0o644);
static TRANSITION: KobjAttr = KobjAttr::new::<Transition>(c_str!("transition"), 0o444);
static FORCE: KobjAttr = KobjAttr::new::<Force>(c_str!("force"), 0o200);
static REPLACE: KobjAttr = KobjAttr::new::<Replace>(c_str!("replace"), 0o444);
static PATCHED: KobjAttr = KobjAttr::new::<Patched>(c_str!("patched"), 0o444);

fn show_patch(dir: KobjId, out: &mut ShowBuf, f: impl FnOnce(&Patch) -> bool) -> Result {
    let core = core().ok_or(ENODEV)?;
    let st = core.state.lock();
    let idx = st.patch_by_dir(dir).ok_or(ENODEV)?;
    writeln!(out, "{}", f(&st.patches[idx]) as u8).map_err(|_| EINVAL)
}

impl AttrOps for Enabled {
    fn show(dir: KobjId, out: &mut ShowBuf) -> Result {
        show_patch(dir, out, |p| p.enabled)
    }
    fn store(dir: KobjId, input: &[u8]) -> Result {
        let enable = parse_bool(input)?;
        let core = core().ok_or(ENODEV)?;
        let mut st = core.state.lock();
        let idx = st.patch_by_dir(dir).ok_or(EINVAL)?;
        if st.patches[idx].enabled == enable {
            return Err(EINVAL);
        }
        // A disabled patch is freed, never re-enabled (as upstream).
        if enable {
            return Err(EINVAL);
        }
        crate::transition::disable(&mut st, idx)
    }
}

impl AttrOps for Transition {
    fn show(dir: KobjId, out: &mut ShowBuf) -> Result {
        // Transitions complete under the core mutex for now.
        show_patch(dir, out, |_| false)
    }
    fn store(_: KobjId, _: &[u8]) -> Result {
        Err(EPERM)
    }
}

impl AttrOps for Force {
    fn show(_: KobjId, _: &mut ShowBuf) -> Result {
        Err(EPERM)
    }
    fn store(dir: KobjId, input: &[u8]) -> Result {
        if !parse_bool(input)? {
            return Ok(());
        }
        let core = core().ok_or(ENODEV)?;
        let st = core.state.lock();
        st.patch_by_dir(dir).ok_or(EINVAL)?;
        // Only a patch in transition can be forced; none is.
        Err(EINVAL)
    }
}

impl AttrOps for Replace {
    fn show(dir: KobjId, out: &mut ShowBuf) -> Result {
        show_patch(dir, out, |p| p.replace)
    }
    fn store(_: KobjId, _: &[u8]) -> Result {
        Err(EPERM)
    }
}

impl AttrOps for Patched {
    fn show(dir: KobjId, out: &mut ShowBuf) -> Result {
        let core = core().ok_or(ENODEV)?;
        let st = core.state.lock();
        for p in st.patches.iter() {
            for o in p.objs.iter() {
                if o.dir.as_ref().map(|d| d.id()) == Some(dir) {
                    return writeln!(out, "{}", o.patched as u8).map_err(|_| EINVAL);
                }
            }
        }
        Err(ENODEV)
    }
    fn store(_: KobjId, _: &[u8]) -> Result {
        Err(EPERM)
    }
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
    for a in [&ENABLED, &TRANSITION, &FORCE, &REPLACE] {
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
    Ok(())
}
