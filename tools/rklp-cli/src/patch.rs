// SPDX-License-Identifier: GPL-2.0

//! A patch as sysfs shows it (`/sys/kernel/rklp/<patch>/…`) plus its
//! module's modinfo, as one value that the text output and the JSON output
//! (schema in Documentation/rklp-tool.rst) both print.

use crate::names::valid_name;
use crate::roots::Roots;
use serde::Serialize;
use std::fs;
use std::path::Path;

/// The module's identity from modinfo: `version` and `srcversion` from
/// `/sys/module/<m>/` for a loaded module (the kernel keeps no
/// description), all three from the file's `.modinfo` for `load`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ModuleInfo {
    pub name: String,
    pub version: Option<String>,
    pub srcversion: Option<String>,
    pub description: Option<String>,
}

/// One patched function: `<object>/<function,sympos>/`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FuncInfo {
    pub name: String,
    pub sympos: u64,
    /// Whether calls enter the replacement through a direct call (see
    /// "Settled functions" in Documentation/rklp.rst); null when sysfs
    /// cannot tell for this function.
    pub settled: Option<bool>,
}

/// One patched object: `<patch>/<object>/`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ObjectInfo {
    pub name: String,
    pub patched: Option<bool>,
    pub functions: Vec<FuncInfo>,
}

/// One patch. Attributes that could not be read are null (`?` in text).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PatchInfo {
    pub name: String,
    pub enabled: Option<bool>,
    pub transition: Option<bool>,
    pub replace: Option<bool>,
    pub stack_order: Option<u32>,
    pub settled_functions: Option<u32>,
    pub module: ModuleInfo,
    pub objects: Vec<ObjectInfo>,
}

/// A sysfs attribute's value, trimmed; `None` if it cannot be read.
pub fn read_attr(path: &Path) -> Option<String> {
    fs::read_to_string(path).ok().map(|s| s.trim().to_string())
}

/// A 0/1 attribute.
pub fn read_bool(path: &Path) -> Option<bool> {
    match read_attr(path)?.as_str() {
        "1" => Some(true),
        "0" => Some(false),
        _ => None,
    }
}

fn read_u32(path: &Path) -> Option<u32> {
    read_attr(path)?.parse().ok()
}

/// Subdirectories of `dir`, sorted by name.
fn subdirs(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    v.sort();
    v
}

/// `version` and `srcversion` of a loaded module.
pub fn loaded_module_info(roots: &Roots, name: &str) -> ModuleInfo {
    let dir = roots.modules.join(name);
    ModuleInfo {
        name: name.to_string(),
        version: read_attr(&dir.join("version")),
        srcversion: read_attr(&dir.join("srcversion")),
        description: None,
    }
}

/// `func,sympos` -> (func, sympos).
fn split_func_dir(d: &str) -> Option<(&str, u64)> {
    let (f, pos) = d.rsplit_once(',')?;
    Some((f, pos.parse().ok()?))
}

/// Reads patch `name` (which must be a valid name) from sysfs; `None` if it
/// has no directory.
pub fn read_patch(roots: &Roots, name: &str) -> Option<PatchInfo> {
    let dir = roots.patch(name);
    if !dir.join("enabled").exists() {
        return None;
    }
    let mut objects = Vec::new();
    for o in subdirs(&dir) {
        let odir = dir.join(&o);
        if !odir.join("patched").exists() {
            continue;
        }
        let functions = subdirs(&odir)
            .iter()
            .filter_map(|f| {
                let (fname, sympos) = split_func_dir(f)?;
                Some(FuncInfo {
                    name: fname.to_string(),
                    sympos,
                    settled: read_bool(&odir.join(f).join("settled")),
                })
            })
            .collect();
        objects.push(ObjectInfo {
            name: o,
            patched: read_bool(&odir.join("patched")),
            functions,
        });
    }
    let mut p = PatchInfo {
        name: name.to_string(),
        enabled: read_bool(&dir.join("enabled")),
        transition: read_bool(&dir.join("transition")),
        replace: read_bool(&dir.join("replace")),
        stack_order: read_u32(&dir.join("stack_order")),
        settled_functions: read_u32(&dir.join("settled")),
        module: loaded_module_info(roots, name),
        objects,
    };
    derive_settled(&mut p);
    Some(p)
}

/// Where the kernel shows no per-function `settled` file, the patch's count
/// decides when it is all or nothing; otherwise it stays unknown.
fn derive_settled(p: &mut PatchInfo) {
    let total: usize = p.objects.iter().map(|o| o.functions.len()).sum();
    let all = match p.settled_functions {
        Some(0) => Some(false),
        Some(n) if n as usize == total => Some(true),
        _ => None,
    };
    for f in p.objects.iter_mut().flat_map(|o| o.functions.iter_mut()) {
        if f.settled.is_none() {
            f.settled = all;
        }
    }
}

/// Every patch, in stack order (unreadable orders first, then by name).
pub fn list_patches(roots: &Roots) -> Vec<PatchInfo> {
    let mut v: Vec<PatchInfo> = subdirs(&roots.patches)
        .iter()
        .filter(|n| valid_name(n))
        .filter_map(|n| read_patch(roots, n))
        .collect();
    v.sort_by(|a, b| (a.stack_order, &a.name).cmp(&(b.stack_order, &b.name)));
    v
}

fn flag(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "1",
        Some(false) => "0",
        None => "?",
    }
}

/// `rklp list`'s line for a patch.
pub fn list_line(p: &PatchInfo) -> String {
    format!(
        "{} enabled={} transition={} replace={}",
        p.name,
        flag(p.enabled),
        flag(p.transition),
        flag(p.replace)
    )
}

/// `rklp info`'s text.
pub fn info_text(p: &PatchInfo) -> String {
    let order = p
        .stack_order
        .map(|n| n.to_string())
        .unwrap_or_else(|| "?".into());
    let mut s = format!(
        "enabled: {}\ntransition: {}\nreplace: {}\nstack_order: {}\n",
        flag(p.enabled),
        flag(p.transition),
        flag(p.replace),
        order
    );
    for o in &p.objects {
        s.push_str(&format!("object {}: patched={}", o.name, flag(o.patched)));
        if !o.functions.is_empty() {
            s.push_str(" functions:");
            for f in &o.functions {
                s.push_str(&format!(" {},{}", f.name, f.sympos));
            }
        }
        s.push('\n');
    }
    s
}
