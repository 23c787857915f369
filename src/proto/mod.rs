// SPDX-License-Identifier: GPL-2.0

//! Prototype checks (Documentation/rklp.rst, "Prototype checks"): a patch
//! module records each replacement's prototype when it is compiled
//! (`struct rklp_proto`); when an object is resolved (at enable for vmlinux
//! and loaded modules, when a module loads for the others: before any of
//! its functions is patched) rklp compares the record with the original's
//! BTF prototype and refuses a mismatch with `-EINVAL`. The BTF reader
//! (btf.rs) and the comparison (compare.rs) are pure; this file finds the
//! BTF and says what it found.

pub(crate) mod btf;
pub(crate) mod compare;

#[allow(unused_imports)]
use crate::compat::CStrToBytes as _;
use crate::patch::Object;
use crate::sys::btf as kbtf;
use crate::sys::kallsyms::Kallsyms;
use crate::sys::module_notifier::ComingModule;
use btf::{Blob, Btf, BtfError};
use compare::{Kind, Recorded, Ty, Unknown, Verdict};
use kernel::alloc::flags::GFP_KERNEL;
use kernel::prelude::*;
use kernel::str::CStr;

/// Objects with more checked functions than this have their BTF's
/// functions sorted by name once (one walk of the types per function
/// below it).
const SORT_ABOVE: usize = 16;

/// What the check of one object needs besides the object.
pub(crate) struct ProtoCheck<'a> {
    /// The patch's name, for messages.
    pub(crate) patch: &'a CStr,
    /// The object's module in its COMING notifier (its BTF is readable
    /// only then: the loader drops it after the module's init).
    pub(crate) coming: Option<&'a ComingModule>,
}

/// Says, once when rklp loads (so once per boot), if the kernel has no BTF:
/// then no prototype is checked, and nothing more is said per patch.
pub(crate) fn say_if_no_btf(ks: &Kallsyms) {
    if kbtf::vmlinux(ks).is_none() {
        pr_info!(
            "the kernel has no BTF (CONFIG_DEBUG_INFO_BTF): the prototypes of patches' functions could not be checked\n"
        );
    }
}

/// A value for messages: "void", "4-byte integer".
struct Shown(Ty);

impl core::fmt::Display for Shown {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0.kind {
            Kind::Void => f.write_str("void"),
            k => write!(f, "{}-byte {}", self.0.size, k.name()),
        }
    }
}

rklp_display!(Shown);

fn btf_error(e: BtfError) -> (&'static str, u32) {
    match e {
        BtfError::NotBtf => ("not BTF", 0),
        BtfError::BadHeader => ("bad header", 0),
        BtfError::Truncated => ("truncated type record", 0),
        BtfError::UnknownKind(k) => ("unknown kind", k),
        BtfError::BadTypeId(id) => ("type id out of range", id),
        BtfError::BadString(o) => ("name offset out of range", o),
        BtfError::ChainTooLong => ("typedef chain too long", 0),
        BtfError::IndexTooSmall => ("index too small", 0),
    }
}

/// A readable name from BTF's bytes.
fn text(b: &[u8]) -> &str {
    core::str::from_utf8(b).unwrap_or("?")
}

impl Object {
    /// Checks the recorded prototypes of this object's functions against
    /// its BTF. `Err(EINVAL)` (after a message per function) if one
    /// differs; `Ok` if they match or cannot be checked (said in dmesg).
    pub(crate) fn check_protos(&self, ks: &Kallsyms, c: ProtoCheck<'_>) -> Result {
        let checked = self.funcs.iter().filter(|f| f.proto.is_some()).count();
        if checked == 0 {
            return Ok(());
        }
        let patch = c.patch;
        let objname = self.display_name();
        // Said when rklp loaded (say_if_no_btf).
        let Some(vmlinux) = kbtf::vmlinux(ks) else {
            return Ok(());
        };
        let read;
        let (base, split) = match &self.name {
            None => (vmlinux, None),
            Some(m) => match c.coming.and_then(kbtf::coming_module) {
                Some((split, base)) => (base.unwrap_or(vmlinux), Some(split)),
                None => match kbtf::ModuleBtf::read(m) {
                    Ok(b) => {
                        read = b;
                        (vmlinux, Some(read.bytes()))
                    }
                    Err(e) => {
                        pr_info!(
                            "patch '{}': module '{}' has no BTF ({}): prototypes of its functions could not be checked\n",
                            patch,
                            objname,
                            e.to_errno()
                        );
                        return Ok(());
                    }
                },
            },
        };
        let blobs = Blob::parse(base).and_then(|b| Ok((b, split.map(Blob::parse).transpose()?)));
        let (base, split) = match blobs {
            Ok(b) => b,
            Err(e) => return Self::unreadable(patch, objname, e),
        };
        let mut index = KVVec::from_elem(0u32, Btf::index_len(&base, split.as_ref()), GFP_KERNEL)?;
        let b = match Btf::new(base, split, &mut index) {
            Ok(b) => b,
            Err(e) => return Self::unreadable(patch, objname, e),
        };
        let mut sorted_buf;
        let sorted: &[u32] = if checked > SORT_ABOVE {
            sorted_buf = KVVec::from_elem(0u32, b.nr_types() as usize, GFP_KERNEL)?;
            match b.sorted_funcs(&mut sorted_buf) {
                Ok(s) => s,
                Err(e) => return Self::unreadable(patch, objname, e),
            }
        } else {
            &[]
        };
        let ptr_size = core::mem::size_of::<usize>() as u32;
        let mut differ = 0;
        for f in self.funcs.iter() {
            let Some(rec) = &f.proto else { continue };
            let name = f.old_name.to_bytes();
            let v = if checked > SORT_ABOVE {
                compare::compare(&b, sorted, name, rec, ptr_size)
            } else {
                compare::compare_candidates(&b, b.funcs_named(name), rec, ptr_size)
            };
            match v {
                Ok(Verdict::Match) => {}
                Ok(v) => {
                    Self::mismatch(&b, patch, objname, &f.old_name, rec, v);
                    differ += 1;
                }
                Err(Unknown::NoFunc) => pr_info!(
                    "patch '{}': function '{}' has no prototype in the BTF of '{}': not checked\n",
                    patch,
                    &*f.old_name,
                    objname
                ),
                Err(Unknown::NotAProto) => pr_warn!(
                    "patch '{}': function '{}': its BTF in '{}' has no FUNC_PROTO: not checked\n",
                    patch,
                    &*f.old_name,
                    objname
                ),
                Err(Unknown::OddType(at, kind)) => pr_warn!(
                    "patch '{}': function '{}': BTF of '{}' gives {} {} the type kind {}: not checked\n",
                    patch,
                    &*f.old_name,
                    objname,
                    if at.is_some() { "argument" } else { "the return value" },
                    at.map_or(0, |i| i + 1),
                    kind
                ),
                Err(Unknown::Btf(e)) => {
                    let (why, n) = btf_error(e);
                    pr_warn!(
                        "patch '{}': function '{}': the BTF of '{}' is unreadable ({} {}): not checked\n",
                        patch,
                        &*f.old_name,
                        objname,
                        why,
                        n
                    );
                }
            }
        }
        if differ > 0 {
            pr_err!(
                "patch '{}': {} function(s) of '{}' differ from their original's prototype: refused\n",
                patch,
                differ,
                objname
            );
            return Err(EINVAL);
        }
        Ok(())
    }

    fn unreadable(patch: &CStr, objname: &CStr, e: BtfError) -> Result {
        let (why, n) = btf_error(e);
        pr_warn!(
            "patch '{}': the BTF of '{}' is unreadable ({} {}): prototypes could not be checked\n",
            patch,
            objname,
            why,
            n
        );
        Ok(())
    }

    fn mismatch(
        b: &Btf<'_>,
        patch: &CStr,
        objname: &CStr,
        func: &CStr,
        rec: &Recorded,
        v: Verdict,
    ) {
        match v {
            Verdict::Match => {}
            Verdict::Arity {
                recorded,
                btf,
                variadic,
            } => pr_err!(
                "patch '{}': function '{}' of '{}': the replacement takes {} argument(s), the original {}{}\n",
                patch,
                func,
                objname,
                recorded,
                btf,
                if variadic { " and '...'" } else { "" }
            ),
            Verdict::Arg {
                index,
                name_off,
                recorded,
                btf,
            } => pr_err!(
                "patch '{}': function '{}' of '{}': argument {} of {} ('{}'): {} in the replacement, {} in the kernel's BTF\n",
                patch,
                func,
                objname,
                index + 1,
                rec.nr_args,
                text(b.name(name_off).unwrap_or(b"?")),
                Shown(recorded),
                Shown(btf)
            ),
            Verdict::Ret { recorded, btf } => pr_err!(
                "patch '{}': function '{}' of '{}': return value: {} in the replacement, {} in the kernel's BTF\n",
                patch,
                func,
                objname,
                Shown(recorded),
                Shown(btf)
            ),
        }
    }
}
