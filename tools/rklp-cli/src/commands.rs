// SPDX-License-Identifier: GPL-2.0

//! The commands. Each returns what it prints on stdout, or a message for
//! stderr (printed as `rklp: <message>`, exit status 1).

use crate::modinfo::{self, ModinfoError};
use crate::names::{parse_u32, valid_name, valid_param};
use crate::patch::{self, read_attr, read_bool, ModuleInfo, PatchInfo};
use crate::roots::Roots;
use crate::stalled::{self, StalledList};
use crate::status::{self, Status};
use crate::store;
use crate::wait;
use nix::kmod::{delete_module, finit_module, DeleteModuleFlags, ModuleInitFlags};
use serde::Serialize;
use std::ffi::CString;
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::Path;

/// The JSON schema's version (Documentation/rklp-tool.rst); bumped when a
/// field changes meaning or goes away (new fields keep it).
pub const SCHEMA_VERSION: u32 = 1;

/// What every command works with.
#[derive(Clone)]
pub struct Ctx {
    pub roots: Roots,
    /// `-t SEC`: the bound of every wait.
    pub timeout: u64,
    /// `--json`.
    pub json: bool,
}

pub type Out = Result<String, String>;

/// Every JSON document: the schema version, then the command's fields.
#[derive(Serialize)]
struct Doc<T: Serialize> {
    schema_version: u32,
    #[serde(flatten)]
    body: T,
}

/// One JSON document, one line.
pub fn json<T: Serialize>(body: T) -> String {
    let doc = Doc {
        schema_version: SCHEMA_VERSION,
        body,
    };
    // Serializing plain structs of strings, numbers and options cannot fail.
    serde_json::to_string(&doc).unwrap_or_default() + "\n"
}

fn need_core(ctx: &Ctx) -> Result<(), String> {
    if ctx.roots.patches.is_dir() {
        Ok(())
    } else {
        Err(format!(
            "rklp is not loaded (no {}); insmod rklp.ko first",
            ctx.roots.patches.display()
        ))
    }
}

fn need_name(name: &str) -> Result<(), String> {
    if valid_name(name) {
        Ok(())
    } else {
        Err(format!("bad patch name '{name}'"))
    }
}

fn need_patch(ctx: &Ctx, name: &str) -> Result<PatchInfo, String> {
    need_name(name)?;
    need_core(ctx)?;
    patch::read_patch(&ctx.roots, name)
        .ok_or_else(|| format!("no patch '{name}' (see 'rklp list')"))
}

/// Writes a sysfs attribute (no create, no truncate: one write).
fn write_attr(path: &Path, value: &str) -> std::io::Result<()> {
    let mut f = OpenOptions::new().write(true).open(path)?;
    f.write_all(value.as_bytes())
}

fn text_lines(lines: impl IntoIterator<Item = String>) -> String {
    lines.into_iter().map(|l| l + "\n").collect()
}

#[derive(Serialize)]
struct PatchesDoc {
    patches: Vec<PatchInfo>,
}

#[derive(Serialize)]
struct PatchDoc {
    patch: PatchInfo,
}

/// `rklp list`: the patches in stack order.
pub fn list(ctx: &Ctx) -> Out {
    need_core(ctx)?;
    let patches = patch::list_patches(&ctx.roots);
    if ctx.json {
        return Ok(json(PatchesDoc { patches }));
    }
    if patches.is_empty() {
        return Ok("no patches\n".into());
    }
    Ok(text_lines(patches.iter().map(patch::list_line)))
}

/// `rklp info PATCH`.
pub fn info(ctx: &Ctx, name: &str) -> Out {
    let p = need_patch(ctx, name)?;
    if ctx.json {
        return Ok(json(PatchDoc { patch: p }));
    }
    Ok(patch::info_text(&p))
}

#[derive(Serialize)]
struct TransitionRef {
    patch: String,
    direction: &'static str,
}

#[derive(Serialize)]
struct StalledDoc {
    transition: Option<TransitionRef>,
    #[serde(flatten)]
    list: StalledList,
}

/// The patch in transition, if any.
fn in_transition(ctx: &Ctx) -> Option<TransitionRef> {
    patch::list_patches(&ctx.roots)
        .into_iter()
        .find(|p| p.transition == Some(true))
        .map(|p| TransitionRef {
            direction: if p.enabled == Some(false) {
                "unpatching"
            } else {
                "patching"
            },
            patch: p.name,
        })
}

/// `rklp stalled [-v]`: the tasks not yet switched; with `-v`, each one's
/// kernel stack.
pub fn stalled(ctx: &Ctx, verbose: bool) -> Out {
    need_core(ctx)?;
    let raw = stalled::read_raw(&ctx.roots).map_err(|e| format!("{e} (root only)"))?;
    if !verbose && !ctx.json {
        return Ok(raw);
    }
    let mut list = stalled::parse(&raw);
    if verbose {
        stalled::add_stacks(&ctx.roots, &mut list);
    }
    if ctx.json {
        let transition = in_transition(ctx);
        return Ok(json(StalledDoc { transition, list }));
    }
    Ok(stalled::verbose_text(&list))
}

#[derive(Serialize)]
struct StateDoc {
    pid: u32,
    /// -1 (no transition), 0, 1; null if rklp does not track the task.
    state: Option<i32>,
}

/// Asks `/proc/rklp/patch_state` about task `pid`: a query file, whose
/// answer is read from the open file that asked (a write, then a read from
/// offset 0).
fn ask_patch_state(path: &std::path::Path, pid: u32) -> std::io::Result<String> {
    use std::io::{Read, Seek, SeekFrom, Write};
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)?;
    f.write_all(pid.to_string().as_bytes())?;
    // procfs files without an lseek refuse it (ESPIPE): the write has put
    // the offset back to 0 already. (The unit tests' regular file needs it.)
    match f.seek(SeekFrom::Start(0)) {
        Err(e) if e.raw_os_error() != Some(nix::errno::Errno::ESPIPE as i32) => return Err(e),
        _ => {}
    }
    let mut line = String::new();
    f.read_to_string(&mut line)?;
    Ok(line.trim_end().to_string())
}

/// `rklp state PID`: a task's patch state.
pub fn state(ctx: &Ctx, pid: &str) -> Out {
    need_core(ctx)?;
    let n = parse_u32(pid).ok_or_else(|| format!("bad pid '{pid}'"))?;
    let path = ctx.roots.patch_state();
    let line = ask_patch_state(&path, n).map_err(|e| match e.raw_os_error() {
        Some(e) if e == nix::errno::Errno::ESRCH as i32 => format!("no task {pid}"),
        _ => format!("{}: {e}", path.display()),
    })?;
    if ctx.json {
        let state = line.split_whitespace().nth(1).and_then(|s| s.parse().ok());
        return Ok(json(StateDoc { pid: n, state }));
    }
    Ok(line + "\n")
}

#[derive(Serialize)]
struct KickDelayDoc {
    kick_delay_ms: Option<u32>,
}

/// `rklp kick-delay [MS]`: reads, or sets then reads, the kick delay.
pub fn kick_delay(ctx: &Ctx, ms: Option<&str>) -> Out {
    need_core(ctx)?;
    let path = ctx.roots.kick_delay();
    if let Some(ms) = ms {
        let n = parse_u32(ms).ok_or_else(|| format!("bad delay '{ms}'"))?;
        write_attr(&path, &n.to_string()).map_err(|e| format!("bad delay '{ms}': {e}"))?;
    }
    let v = read_attr(&path).ok_or_else(|| format!("cannot read {}", path.display()))?;
    if ctx.json {
        return Ok(json(KickDelayDoc {
            kick_delay_ms: v.parse().ok(),
        }));
    }
    Ok(v + "\n")
}

/// `rklp status`: the verdict (its exit code is the command's).
pub fn status(ctx: &Ctx) -> Status {
    if need_core(ctx).is_err() {
        return status::error(format!(
            "rklp is not loaded (no {})",
            ctx.roots.patches.display()
        ));
    }
    let patches = patch::list_patches(&ctx.roots);
    let list = stalled::read(&ctx.roots);
    status::evaluate(&patches, list.as_ref().map_err(|e| e.as_str()))
}

/// `rklp status`'s output.
pub fn status_text(ctx: &Ctx, s: &Status) -> String {
    if ctx.json {
        json(s)
    } else {
        format!("rklp: {}\n", s.summary)
    }
}

/// Waits for `name`'s patching transition, then re-reads `enabled`: a
/// reversal (someone disabled it meanwhile) is a failure, not a success.
fn wait_patched(ctx: &Ctx, name: &str) -> Result<(), String> {
    let dir = ctx.roots.patch(name);
    wait::until(
        &ctx.roots,
        ctx.timeout,
        &format!("patching transition of '{name}'"),
        || !dir.exists() || read_bool(&dir.join("transition")) == Some(false),
    )?;
    if !dir.exists() || read_bool(&dir.join("enabled")) != Some(true) {
        return Err(format!(
            "patch '{name}' was disabled during its patching transition (reversed); it is not applied"
        ));
    }
    Ok(())
}

/// Waits for `name`'s unpatching transition (its directory goes); a
/// reversal (someone enabled it again, and that completed) is a failure.
fn wait_unpatched(ctx: &Ctx, name: &str) -> Result<(), String> {
    let dir = ctx.roots.patch(name);
    wait::until(
        &ctx.roots,
        ctx.timeout,
        &format!("unpatching transition of '{name}'"),
        || {
            !dir.exists()
                || (read_bool(&dir.join("transition")) == Some(false)
                    && read_bool(&dir.join("enabled")) == Some(true))
        },
    )?;
    if dir.exists() {
        return Err(format!(
            "patch '{name}' was enabled again during its unpatching transition (reversed); it is still applied"
        ));
    }
    Ok(())
}

/// A patch module file, read once through one descriptor.
struct PatchFile {
    /// The descriptor the bytes were read from (for `finit_module`).
    file: File,
    /// Its bytes (what `install` stores).
    data: Vec<u8>,
    info: modinfo::Modinfo,
    /// The module's name, from its `.modinfo`.
    name: String,
}

/// Opens `path` once, checks that it is a regular file, reads it through
/// that descriptor and refuses it unless its `.modinfo` says it is an rklp
/// patch module (`rklp=Y`); `nothing` ends that refusal ("nothing loaded").
fn read_patch_file(path: &Path, nothing: &str) -> Result<PatchFile, String> {
    let shown = path.display();
    let file = File::open(path).map_err(|e| match e.kind() {
        ErrorKind::NotFound => format!("no such module file '{shown}'"),
        _ => format!("cannot open '{shown}': {e}"),
    })?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot stat '{shown}': {e}"))?;
    if !meta.is_file() {
        return Err(format!("'{shown}' is not a regular file"));
    }
    let mut data = Vec::with_capacity(meta.len() as usize);
    (&file)
        .read_to_end(&mut data)
        .map_err(|e| format!("cannot read '{shown}': {e}"))?;
    let info = modinfo::parse(&data).map_err(|e| match e {
        ModinfoError::NotElf => format!(
            "'{shown}' is not a kernel module (not an ELF file; compressed modules are not supported)"
        ),
        ModinfoError::NoModinfo => format!("'{shown}' is not a kernel module (no .modinfo section)"),
    })?;
    let name = info
        .get("name")
        .ok_or_else(|| format!("'{shown}' has no module name in its .modinfo"))?
        .to_string();
    need_name(&name)?;
    if !info.is_rklp_patch() {
        return Err(format!(
            "'{shown}' (module '{name}') is not an rklp patch module: no rklp=Y in its .modinfo; {nothing}"
        ));
    }
    Ok(PatchFile {
        file,
        data,
        info,
        name,
    })
}

/// `rklp load MODULE.ko [PARAM=VALUE...]`: opens the file once, reads its
/// `.modinfo` through that descriptor, refuses a module that is not an
/// rklp patch, loads it with `finit_module(2)` on the same descriptor and
/// waits for its patching transition.
pub fn load(ctx: &Ctx, path: &Path, params: &[String]) -> Out {
    need_core(ctx)?;
    let shown = path.display();
    if let Some(p) = params.iter().find(|p| !valid_param(p)) {
        return Err(format!(
            "bad module parameter '{p}' (PARAM or PARAM=VALUE, no blanks or quotes)"
        ));
    }
    let PatchFile {
        file, info, name, ..
    } = read_patch_file(path, "nothing loaded")?;
    if ctx.roots.patch(&name).exists() {
        return Err(format!("patch '{name}' is already loaded"));
    }
    if ctx.roots.modules.join(&name).exists() {
        return Err(format!("module '{name}' is already loaded"));
    }
    let args = CString::new(params.join(" "))
        .map_err(|_| "a module parameter holds a NUL byte".to_string())?;
    finit_module(&file, &args, ModuleInitFlags::empty()).map_err(|e| match e {
        nix::errno::Errno::EEXIST => format!("module '{name}' is already loaded"),
        e => format!("loading '{shown}' failed: {e} (see dmesg)"),
    })?;
    drop(file);
    // The module's init enabled its patch before finit_module returned: a
    // directory already gone was disabled (reversed) by someone else.
    wait_patched(ctx, &name)?;
    if ctx.json {
        let mut p = patch::read_patch(&ctx.roots, &name)
            .ok_or_else(|| format!("patch '{name}' went away after its transition"))?;
        p.module = ModuleInfo {
            name: name.clone(),
            version: info.get("version").map(str::to_string),
            srcversion: info.get("srcversion").map(str::to_string),
            description: info.get("description").map(str::to_string),
        };
        return Ok(json(PatchDoc { patch: p }));
    }
    Ok(format!("rklp: patch '{name}' enabled\n"))
}

/// `rklp disable PATCH`: unpatch and wait until the patch is gone.
pub fn disable(ctx: &Ctx, name: &str) -> Out {
    let p = need_patch(ctx, name)?;
    if p.enabled != Some(true) {
        return Err(format!("patch '{name}' is not enabled"));
    }
    write_attr(&ctx.roots.patch(name).join("enabled"), "0")
        .map_err(|e| format!("cannot disable '{name}': {e} (see dmesg)"))?;
    wait_unpatched(ctx, name)?;
    Ok(format!("rklp: patch '{name}' disabled\n"))
}

/// `rklp enable PATCH`: reverse an unpatching transition and wait for it.
pub fn enable(ctx: &Ctx, name: &str) -> Out {
    let p = need_patch(ctx, name)?;
    if p.enabled != Some(false) {
        return Err(format!("patch '{name}' is already enabled"));
    }
    // A disabled patch still in sysfs is in its unpatching transition.
    write_attr(&ctx.roots.patch(name).join("enabled"), "1")
        .map_err(|e| format!("cannot enable '{name}': {e} (see dmesg)"))?;
    wait_patched(ctx, name)?;
    Ok(format!("rklp: patch '{name}' enabled\n"))
}

/// `rklp unload PATCH`: disable if enabled, wait, remove the module (only
/// an rklp patch module: one that holds rklp).
pub fn unload(ctx: &Ctx, name: &str) -> Out {
    need_core(ctx)?;
    need_name(name)?;
    if let Some(p) = patch::read_patch(&ctx.roots, name) {
        if p.enabled == Some(true) {
            disable(ctx, name)?;
        } else {
            wait_unpatched(ctx, name)?;
        }
    }
    if !ctx.roots.modules.join(name).exists() {
        return Err(format!("module '{name}' is not loaded"));
    }
    // Patch modules use rklp's symbols, so they hold rklp (not rklp
    // itself, nor an unrelated module).
    if !ctx.roots.core().join("holders").join(name).exists() {
        return Err(format!("module '{name}' is not an rklp patch module"));
    }
    // rklp drops its reference on the module once the disabled patch is
    // freed, shortly after its directory goes: until then the removal
    // would fail with EAGAIN. (A forced patch's reference stays: the wait
    // times out, and the removal says why.)
    let refcnt = ctx.roots.modules.join(name).join("refcnt");
    let _ = wait::until(
        &ctx.roots,
        ctx.timeout,
        &format!("release of module '{name}'"),
        || read_attr(&refcnt).as_deref() == Some("0"),
    );
    let cname = CString::new(name).map_err(|_| format!("bad patch name '{name}'"))?;
    delete_module(&cname, DeleteModuleFlags::O_NONBLOCK).map_err(|e| {
        format!("removing module '{name}' failed: {e} (a forced patch's module stays forever)")
    })?;
    Ok(format!("rklp: patch module '{name}' removed\n"))
}

/// `rklp force PATCH`: force the running transition.
pub fn force(ctx: &Ctx, name: &str) -> Out {
    let p = need_patch(ctx, name)?;
    if p.transition != Some(true) {
        return Err(format!("patch '{name}' is not in transition"));
    }
    write_attr(&ctx.roots.patch(name).join("force"), "1")
        .map_err(|e| format!("cannot force '{name}': {e} (see dmesg)"))?;
    Ok(format!(
        "rklp: transition of '{name}' forced; its module can no longer be removed\n"
    ))
}

/// The module's identity from a file's `.modinfo`.
fn file_module_info(name: &str, info: &modinfo::Modinfo) -> ModuleInfo {
    ModuleInfo {
        name: name.to_string(),
        version: info.get("version").map(str::to_string),
        srcversion: info.get("srcversion").map(str::to_string),
        description: info.get("description").map(str::to_string),
    }
}

/// `rklp install PATCH.ko [--kernel REL]`: checks the file as `load` does
/// (one descriptor, `rklp=Y`), and that its vermagic names the target
/// release, then stores the bytes it checked as
/// `/var/lib/rklp/<REL>/NNNN-<module>.ko`, NNNN one past the last installed
/// patch (the load order of `load --all`), or the next free one.
pub fn install(ctx: &Ctx, path: &Path, kernel: Option<&str>) -> Out {
    let rel = store::target_release(&ctx.roots, kernel)?;
    let shown = path.display();
    let pf = read_patch_file(path, "nothing installed")?;
    let name = &pf.name;
    // vermagic is "<release> SMP preempt mod_unload ..." (modpost).
    if let Some(built) = pf
        .info
        .get("vermagic")
        .and_then(|v| v.split_whitespace().next())
    {
        if built != rel {
            let hint = if kernel.is_none() {
                format!(" (--kernel {built} installs it for that kernel)")
            } else {
                String::new()
            };
            return Err(format!(
                "'{shown}' (module '{name}') is built for kernel {built} (its vermagic), not {rel}; nothing installed{hint}"
            ));
        }
    }
    let dir = store::dir(&ctx.roots, &rel);
    store::create_dir(&dir)?;
    let _lock = store::lock(&dir)?;
    let entries = store::entries(&dir)?;
    if let Some(e) = entries.iter().find(|e| &e.name == name) {
        return Err(format!(
            "patch '{name}' is already installed for {rel} ({}); 'rklp uninstall {name}' first",
            e.path.display()
        ));
    }
    let seq = entries.iter().map(|e| e.seq).max().unwrap_or(0) + 1;
    let target = store::write_new(&dir, seq, name, &pf.data)?;
    Ok(format!(
        "rklp: patch '{name}' installed for {rel} as {}\n",
        target.display()
    ))
}

/// `rklp uninstall PATCH [--kernel REL]`: removes the installed file (a
/// loaded patch stays loaded).
pub fn uninstall(ctx: &Ctx, name: &str, kernel: Option<&str>) -> Out {
    need_name(name)?;
    let rel = store::target_release(&ctx.roots, kernel)?;
    let dir = store::dir(&ctx.roots, &rel);
    let not_installed =
        || format!("patch '{name}' is not installed for {rel} (see 'rklp list --installed')");
    if !dir.is_dir() {
        return Err(not_installed());
    }
    let _lock = store::lock(&dir)?;
    let entry = store::entries(&dir)?
        .into_iter()
        .find(|e| e.name == name)
        .ok_or_else(not_installed)?;
    std::fs::remove_file(&entry.path)
        .map_err(|e| format!("cannot remove {}: {e}", entry.path.display()))?;
    let _ = File::open(&dir).and_then(|d| d.sync_all());
    let running = store::running_release(&ctx.roots).ok();
    let note = if running.as_deref() == Some(rel.as_str()) && ctx.roots.patch(name).exists() {
        format!("; it stays loaded until 'rklp unload {name}'")
    } else {
        String::new()
    };
    Ok(format!(
        "rklp: patch '{name}' uninstalled for {rel}{note}\n"
    ))
}

#[derive(Serialize)]
struct InstalledPatch {
    name: String,
    /// 1, 2, ...: the load order.
    order: usize,
    file: String,
    /// Whether the patch is in /sys/kernel/rklp; null for another kernel.
    loaded: Option<bool>,
    module: ModuleInfo,
}

#[derive(Serialize)]
struct InstalledDoc {
    kernel: String,
    store: String,
    installed: Vec<InstalledPatch>,
}

/// `rklp list --installed [--kernel REL]`: the installed patches in load
/// order, and whether each is loaded (running kernel only).
pub fn installed(ctx: &Ctx, kernel: Option<&str>) -> Out {
    let rel = store::target_release(&ctx.roots, kernel)?;
    let dir = store::dir(&ctx.roots, &rel);
    let running = store::running_release(&ctx.roots).ok();
    let is_running = running.as_deref() == Some(rel.as_str());
    let list: Vec<InstalledPatch> = store::entries(&dir)?
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            let info = std::fs::read(&e.path)
                .ok()
                .and_then(|d| modinfo::parse(&d).ok())
                .unwrap_or_default();
            InstalledPatch {
                order: i + 1,
                file: e.path.display().to_string(),
                loaded: is_running.then(|| ctx.roots.patch(&e.name).exists()),
                module: file_module_info(&e.name, &info),
                name: e.name,
            }
        })
        .collect();
    if ctx.json {
        return Ok(json(InstalledDoc {
            kernel: rel,
            store: dir.display().to_string(),
            installed: list,
        }));
    }
    if list.is_empty() {
        return Ok(format!("no installed patches for {rel}\n"));
    }
    Ok(text_lines(list.iter().map(|p| {
        let loaded = match p.loaded {
            Some(true) => "1",
            Some(false) => "0",
            None => "-",
        };
        format!(
            "{} order={} loaded={loaded} file={}",
            p.name, p.order, p.file
        )
    })))
}

/// A line of `load --all`, printed as it happens.
#[derive(Debug, PartialEq)]
pub enum Line {
    /// For stdout.
    Out(String),
    /// For stderr (`rklp: ` is added).
    Err(String),
}

#[derive(Serialize)]
struct LoadResult {
    name: String,
    file: String,
    /// "loaded", "skipped" (already loaded) or "failed".
    result: &'static str,
    error: Option<String>,
}

#[derive(Serialize)]
struct LoadAllDoc {
    kernel: String,
    results: Vec<LoadResult>,
}

/// `rklp load --all`: loads the running kernel's installed patches in
/// install order, each with `load` (one descriptor, wait for the
/// transition), skipping those already loaded; tries them all, and fails
/// if any failed. `loader` is `load` (the host tests pass a fake);
/// `emit` prints each line as it comes (boot logs show progress).
pub fn load_all(
    ctx: &Ctx,
    loader: &mut dyn FnMut(&Path) -> Out,
    emit: &mut dyn FnMut(Line),
) -> Result<(), String> {
    let rel = store::running_release(&ctx.roots)?;
    let entries = store::entries(&store::dir(&ctx.roots, &rel))?;
    let mut results = Vec::new();
    if entries.is_empty() && !ctx.json {
        emit(Line::Out(format!("rklp: no installed patches for {rel}\n")));
    }
    if !entries.is_empty() {
        need_core(ctx)?;
    }
    for e in &entries {
        let (result, error) =
            if ctx.roots.patch(&e.name).exists() || ctx.roots.modules.join(&e.name).exists() {
                if !ctx.json {
                    emit(Line::Out(format!(
                        "rklp: patch '{}' is already loaded; skipped\n",
                        e.name
                    )));
                }
                ("skipped", None)
            } else {
                match store_file_ok(&e.path).and_then(|()| loader(&e.path)) {
                    Ok(out) => {
                        if !ctx.json {
                            emit(Line::Out(out));
                        }
                        ("loaded", None)
                    }
                    Err(msg) => {
                        emit(Line::Err(msg.clone()));
                        ("failed", Some(msg))
                    }
                }
            };
        results.push(LoadResult {
            name: e.name.clone(),
            file: e.path.display().to_string(),
            result,
            error,
        });
    }
    let failed: Vec<&str> = results
        .iter()
        .filter(|r| r.result == "failed")
        .map(|r| r.name.as_str())
        .collect();
    let summary = if failed.is_empty() {
        None
    } else {
        Some(format!(
            "{} of {} installed patches for {rel} failed to load: {}",
            failed.len(),
            results.len(),
            failed.join(", ")
        ))
    };
    if ctx.json {
        emit(Line::Out(json(LoadAllDoc {
            kernel: rel,
            results,
        })));
    }
    summary.map_or(Ok(()), Err)
}

/// A stored file that group or others may write is not loaded: the store
/// is root's (install writes 0644).
fn store_file_ok(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::symlink_metadata(path)
        .map_err(|e| format!("cannot stat {}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!(
            "{} is not a regular file; not loaded",
            path.display()
        ));
    }
    if meta.permissions().mode() & 0o022 != 0 {
        return Err(format!(
            "{} is writable by group or others; not loaded",
            path.display()
        ));
    }
    Ok(())
}
