// SPDX-License-Identifier: GPL-2.0

//! Host tests of the commands over fake sysfs trees (the production binary
//! cannot be pointed at one: `Roots::system()` only).

use crate::commands::{self, Ctx};
use crate::roots::Roots;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fake `/sys/kernel/rklp`, `/sys/module` and `/proc` under a fresh
/// temporary directory, removed on drop.
struct Fake {
    top: PathBuf,
    roots: Roots,
}

impl Drop for Fake {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.top);
    }
}

fn put(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

impl Fake {
    fn new() -> Fake {
        static N: AtomicUsize = AtomicUsize::new(0);
        let top = std::env::temp_dir().join(format!(
            "rklp-cli-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&top);
        let roots = Roots {
            patches: top.join("sys/kernel/rklp"),
            modules: top.join("sys/module"),
            proc: top.join("proc"),
            store: top.join("var/lib/rklp"),
        };
        fs::create_dir_all(&roots.patches).unwrap();
        put(&roots.stalled(), "");
        put(&roots.patch_state(), "0 -1\n");
        put(&roots.kick_delay(), "15000\n");
        put(&roots.osrelease(), "6.12.0-test\n");
        Fake { top, roots }
    }

    /// A patch with `funcs` in vmlinux, at stack position `order`.
    fn patch(
        &self,
        name: &str,
        order: u32,
        enabled: u8,
        transition: u8,
        settled: u32,
        funcs: &[&str],
    ) {
        let d = self.roots.patch(name);
        put(&d.join("enabled"), &format!("{enabled}\n"));
        put(&d.join("transition"), &format!("{transition}\n"));
        put(&d.join("replace"), "0\n");
        put(&d.join("stack_order"), &format!("{order}\n"));
        put(&d.join("settled"), &format!("{settled}\n"));
        put(&d.join("vmlinux/patched"), "1\n");
        for f in funcs {
            fs::create_dir_all(d.join("vmlinux").join(format!("{f},1"))).unwrap();
        }
        put(
            &self.roots.modules.join(name).join("srcversion"),
            "0123ABCD\n",
        );
        fs::create_dir_all(self.roots.core().join("holders").join(name)).unwrap();
    }

    fn ctx(&self, json: bool) -> Ctx {
        Ctx {
            roots: self.roots.clone(),
            timeout: 1,
            json,
        }
    }
}

#[test]
fn list_and_info_text() {
    let f = Fake::new();
    assert_eq!(commands::list(&f.ctx(false)).unwrap(), "no patches\n");
    f.patch("second", 2, 1, 0, 0, &["b"]);
    f.patch("rklp_sample", 1, 1, 0, 1, &["cmdline_proc_show"]);
    assert_eq!(
        commands::list(&f.ctx(false)).unwrap(),
        "rklp_sample enabled=1 transition=0 replace=0\nsecond enabled=1 transition=0 replace=0\n"
    );
    assert_eq!(
        commands::info(&f.ctx(false), "rklp_sample").unwrap(),
        "enabled: 1\ntransition: 0\nreplace: 0\nstack_order: 1\n\
         object vmlinux: patched=1 functions: cmdline_proc_show,1\n"
    );
    assert_eq!(
        commands::info(&f.ctx(false), "nosuch").unwrap_err(),
        "no patch 'nosuch' (see 'rklp list')"
    );
    assert_eq!(
        commands::info(&f.ctx(false), "../..").unwrap_err(),
        "bad patch name '../..'"
    );
}

/// The schema of Documentation/rklp-tool.rst, field by field.
#[test]
fn info_json_schema_v1() {
    let f = Fake::new();
    f.patch("rklp_sample", 1, 1, 0, 1, &["cmdline_proc_show"]);
    put(&f.roots.modules.join("rklp_sample/version"), "1.0\n");
    assert_eq!(
        commands::info(&f.ctx(true), "rklp_sample").unwrap(),
        concat!(
            r#"{"schema_version":1,"patch":{"name":"rklp_sample","enabled":true,"transition":false,"#,
            r#""replace":false,"stack_order":1,"settled_functions":1,"#,
            r#""module":{"name":"rklp_sample","version":"1.0","srcversion":"0123ABCD","description":null},"#,
            r#""objects":[{"name":"vmlinux","patched":true,"functions":"#,
            r#"[{"name":"cmdline_proc_show","sympos":1,"settled":true}]}]}}"#,
            "\n"
        )
    );
    let v: serde_json::Value =
        serde_json::from_str(&commands::list(&f.ctx(true)).unwrap()).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["patches"][0]["name"], "rklp_sample");
}

/// A per-function `settled` file wins; without one, a partial count leaves
/// the functions unknown (null).
#[test]
fn settled_functions() {
    let f = Fake::new();
    f.patch("p", 1, 1, 0, 1, &["a", "b"]);
    let v: serde_json::Value =
        serde_json::from_str(&commands::info(&f.ctx(true), "p").unwrap()).unwrap();
    let funcs = &v["patch"]["objects"][0]["functions"];
    assert!(funcs[0]["settled"].is_null() && funcs[1]["settled"].is_null());
    put(&f.roots.patch("p").join("vmlinux/a,1/settled"), "1\n");
    put(&f.roots.patch("p").join("vmlinux/b,1/settled"), "0\n");
    let v: serde_json::Value =
        serde_json::from_str(&commands::info(&f.ctx(true), "p").unwrap()).unwrap();
    let funcs = &v["patch"]["objects"][0]["functions"];
    assert_eq!(
        (funcs[0]["settled"].clone(), funcs[1]["settled"].clone()),
        (true.into(), false.into())
    );
}

#[test]
fn status_exit_codes() {
    let f = Fake::new();
    let s = commands::status(&f.ctx(false));
    assert_eq!(
        (s.exit_code, commands::status_text(&f.ctx(false), &s)),
        (0, "rklp: no patches\n".into())
    );
    f.patch("p", 1, 1, 0, 0, &["a"]);
    assert_eq!(commands::status(&f.ctx(false)).exit_code, 0);
    f.patch("q", 2, 1, 1, 0, &["a"]);
    put(&f.roots.stalled(), "5 sh running\n");
    assert_eq!(commands::status(&f.ctx(false)).exit_code, 1);
    put(
        &f.roots.stalled(),
        "5 sh running\n6 rklp_busy sleeping in function f\n",
    );
    let s = commands::status(&f.ctx(false));
    assert_eq!(s.exit_code, 2);
    assert_eq!(
        commands::status_text(&f.ctx(false), &s),
        "rklp: patching transition of 'q' stalled: 2 tasks left, blocked by 6 rklp_busy (sleeping in function f)\n"
    );
    let v: serde_json::Value =
        serde_json::from_str(&commands::status_text(&f.ctx(true), &s)).unwrap();
    assert_eq!(v["state"], "stalled");
    assert_eq!(v["exit_code"], 2);
    assert_eq!(v["transition"]["tasks_left"], 2);
    fs::remove_dir_all(&f.roots.patches).unwrap();
    let s = commands::status(&f.ctx(false));
    assert_eq!(s.exit_code, 3);
    assert!(s.summary.starts_with("rklp is not loaded"));
}

#[test]
fn stalled_verbose_with_stacks() {
    let f = Fake::new();
    f.patch("p", 1, 1, 1, 0, &["f"]);
    put(
        &f.roots.stalled(),
        "42 rklp_busy sleeping in function f\n43 gone running\n",
    );
    put(
        &f.roots.proc.join("42/stack"),
        "[<0>] f+0x2b/0x60 [p]\n[<0>] kthread+0xd2/0x100\n",
    );
    assert_eq!(
        commands::stalled(&f.ctx(false), false).unwrap(),
        "42 rklp_busy sleeping in function f\n43 gone running\n"
    );
    assert_eq!(
        commands::stalled(&f.ctx(false), true).unwrap(),
        "42 rklp_busy sleeping in function f\n    f+0x2b/0x60 [p]\n    kthread+0xd2/0x100\n\
         43 gone running\n    (the task has exited)\n"
    );
    let v: serde_json::Value =
        serde_json::from_str(&commands::stalled(&f.ctx(true), true).unwrap()).unwrap();
    assert_eq!(v["transition"]["patch"], "p");
    assert_eq!(v["transition"]["direction"], "patching");
    assert_eq!(v["tasks"][0]["function"], "f");
    assert_eq!(v["tasks"][0]["stack"][1], "kthread+0xd2/0x100");
    assert_eq!(v["more"], 0);
}

#[test]
fn state_and_kick_delay() {
    let f = Fake::new();
    assert_eq!(
        commands::state(&f.ctx(false), "abc").unwrap_err(),
        "bad pid 'abc'"
    );
    assert_eq!(
        commands::state(&f.ctx(false), "99999999999").unwrap_err(),
        "bad pid '99999999999'"
    );
    // The fake file keeps what was written.
    put(&f.roots.patch_state(), "");
    assert_eq!(commands::state(&f.ctx(false), "7").unwrap(), "7\n");
    put(&f.roots.patch_state(), "7 1\n");
    assert_eq!(
        commands::state(&f.ctx(true), "7").unwrap(),
        "{\"schema_version\":1,\"pid\":7,\"state\":1}\n"
    );
    assert_eq!(
        commands::kick_delay(&f.ctx(false), None).unwrap(),
        "15000\n"
    );
    put(&f.roots.kick_delay(), "");
    assert_eq!(
        commands::kick_delay(&f.ctx(true), Some("200")).unwrap(),
        "{\"schema_version\":1,\"kick_delay_ms\":200}\n"
    );
    assert_eq!(
        commands::kick_delay(&f.ctx(false), Some("1e9")).unwrap_err(),
        "bad delay '1e9'"
    );
}

/// The refusals of `load` that come before any system call that changes
/// something.
#[test]
fn load_refusals() {
    let f = Fake::new();
    let c = f.ctx(false);
    let ko = f.top.join("m.ko");
    assert_eq!(
        commands::load(&c, &ko, &[]).unwrap_err(),
        format!("no such module file '{}'", ko.display())
    );
    assert_eq!(
        commands::load(&c, &f.top, &[]).unwrap_err(),
        format!("'{}' is not a regular file", f.top.display())
    );
    put(&ko, "root:x:0:0::/root:/bin/sh\n");
    assert!(commands::load(&c, &ko, &[])
        .unwrap_err()
        .contains("is not a kernel module (not an ELF file"));
    let elf =
        crate::modinfo::tests::elf_with(&[(".modinfo", b"name=rklp_test_target\0license=GPL\0")]);
    fs::write(&ko, elf).unwrap();
    assert_eq!(
        commands::load(&c, &ko, &[]).unwrap_err(),
        format!(
            "'{}' (module 'rklp_test_target') is not an rklp patch module: no rklp=Y in its .modinfo; nothing loaded",
            ko.display()
        )
    );
    let elf = crate::modinfo::tests::elf_with(&[(".modinfo", b"name=p\0rklp=Y\0")]);
    fs::write(&ko, elf).unwrap();
    assert_eq!(
        commands::load(&c, &ko, &["-f".into()]).unwrap_err(),
        "bad module parameter '-f' (PARAM or PARAM=VALUE, no blanks or quotes)"
    );
    f.patch("p", 1, 1, 0, 0, &["a"]);
    assert_eq!(
        commands::load(&c, &ko, &[]).unwrap_err(),
        "patch 'p' is already loaded"
    );
}

/// `unload` removes only modules that hold rklp, whatever the environment
/// says (there is no way to point the binary at another tree).
#[test]
fn unload_refusals() {
    let f = Fake::new();
    let c = f.ctx(false);
    fs::create_dir_all(f.roots.modules.join("rklp_test_target")).unwrap();
    assert_eq!(
        commands::unload(&c, "rklp_test_target").unwrap_err(),
        "module 'rklp_test_target' is not an rklp patch module"
    );
    assert_eq!(
        commands::unload(&c, "nosuch").unwrap_err(),
        "module 'nosuch' is not loaded"
    );
    assert_eq!(
        commands::unload(&c, "-f").unwrap_err(),
        "bad patch name '-f'"
    );
}

/// A wait re-reads `enabled`: a patch disabled during its patching
/// transition is a failure, and so is one re-enabled while unpatching.
#[test]
fn reversal_is_failure() {
    let f = Fake::new();
    f.patch("p", 1, 1, 1, 0, &["a"]);
    let c = f.ctx(false);
    // enable: write 1 to a patch whose enabled reads 0 (the fake keeps "1"
    // written; then the transition "reverses" to 0 and completes).
    put(&f.roots.patch("p").join("enabled"), "0\n");
    let dir = f.roots.patch("p");
    let t = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        put(&dir.join("enabled"), "0\n");
        put(&dir.join("transition"), "0\n");
    });
    assert_eq!(
        commands::enable(&c, "p").unwrap_err(),
        "patch 'p' was disabled during its patching transition (reversed); it is not applied"
    );
    t.join().unwrap();
    // disable: the unpatching transition is reversed and completes.
    put(&f.roots.patch("p").join("enabled"), "1\n");
    put(&f.roots.patch("p").join("transition"), "0\n");
    let dir = f.roots.patch("p");
    let t = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        put(&dir.join("enabled"), "1\n");
    });
    assert_eq!(
        commands::disable(&c, "p").unwrap_err(),
        "patch 'p' was enabled again during its unpatching transition (reversed); it is still applied"
    );
    t.join().unwrap();
}

/// A wait that does not end names what it waited for and the stalled tasks.
#[test]
fn timeout_names_the_tasks() {
    let f = Fake::new();
    f.patch("p", 1, 0, 1, 0, &["a"]);
    put(&f.roots.stalled(), "9 busy sleeping in function a\n");
    put(&f.roots.patch("p").join("enabled"), "0\n");
    let c = f.ctx(false);
    assert_eq!(
        commands::enable(&c, "p").unwrap_err(),
        "patching transition of 'p' did not finish within 1 s; stalled tasks:\n  9 busy sleeping in function a"
    );
}

/// A patch module file (ELF with a `.modinfo`) named `name`, built for
/// kernel `rel`.
fn patch_ko(name: &str, rel: &str) -> Vec<u8> {
    let info = format!(
        "description=test patch {name}\0name={name}\0rklp=Y\0vermagic={rel} SMP preempt mod_unload \0"
    );
    crate::modinfo::tests::elf_with(&[(".modinfo", info.as_bytes())])
}

fn store_files(f: &Fake, rel: &str) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(f.roots.store.join(rel))
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.retain(|n| !n.starts_with('.'));
    v.sort();
    v
}

#[test]
fn install_checks_and_numbers() {
    let f = Fake::new();
    let c = f.ctx(false);
    let rel = "6.12.0-test";
    let dir = f.roots.store.join(rel);
    // Not a patch module: the load check, nothing stored.
    let ko = f.top.join("target.ko");
    fs::write(
        &ko,
        crate::modinfo::tests::elf_with(&[(".modinfo", b"name=rklp_test_target\0license=GPL\0")]),
    )
    .unwrap();
    assert_eq!(
        commands::install(&c, &ko, None).unwrap_err(),
        format!(
            "'{}' (module 'rklp_test_target') is not an rklp patch module: no rklp=Y in its .modinfo; nothing installed",
            ko.display()
        )
    );
    assert_eq!(store_files(&f, rel), Vec::<String>::new());
    // Two patches, numbered in install order; the file is named after the
    // module, and holds the bytes that were checked.
    let a = f.top.join("some-file.ko");
    fs::write(&a, patch_ko("patch_a", rel)).unwrap();
    assert_eq!(
        commands::install(&c, &a, None).unwrap(),
        format!(
            "rklp: patch 'patch_a' installed for {rel} as {}\n",
            dir.join("0001-patch_a.ko").display()
        )
    );
    let b = f.top.join("b.ko");
    fs::write(&b, patch_ko("patch_b", rel)).unwrap();
    commands::install(&c, &b, None).unwrap();
    assert_eq!(store_files(&f, rel), ["0001-patch_a.ko", "0002-patch_b.ko"]);
    assert_eq!(
        fs::read(dir.join("0001-patch_a.ko")).unwrap(),
        patch_ko("patch_a", rel)
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(dir.join("0002-patch_b.ko"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o644);
    // Twice: refused.
    assert_eq!(
        commands::install(&c, &a, None).unwrap_err(),
        format!(
            "patch 'patch_a' is already installed for {rel} ({}); 'rklp uninstall patch_a' first",
            dir.join("0001-patch_a.ko").display()
        )
    );
    // Built for another kernel: refused, unless --kernel says that one.
    let o = f.top.join("o.ko");
    fs::write(&o, patch_ko("patch_o", "6.1.0-other")).unwrap();
    assert_eq!(
        commands::install(&c, &o, None).unwrap_err(),
        format!(
            "'{}' (module 'patch_o') is built for kernel 6.1.0-other (its vermagic), not {rel}; nothing installed (--kernel 6.1.0-other installs it for that kernel)",
            o.display()
        )
    );
    commands::install(&c, &o, Some("6.1.0-other")).unwrap();
    assert_eq!(store_files(&f, "6.1.0-other"), ["0001-patch_o.ko"]);
    assert!(commands::install(&c, &a, Some("6.1.0-other"))
        .unwrap_err()
        .contains(
            "is built for kernel 6.12.0-test (its vermagic), not 6.1.0-other; nothing installed"
        ));
    // A release is a directory name, nothing else.
    for bad in ["..", "../x", "a/b", "", "-x"] {
        assert!(commands::install(&c, &a, Some(bad))
            .unwrap_err()
            .starts_with(&format!("bad kernel release '{bad}'")));
    }
    assert!(!f.top.join("var/lib/x").exists());
}

#[test]
fn uninstall_and_installed_list() {
    let f = Fake::new();
    let c = f.ctx(false);
    let rel = "6.12.0-test";
    assert_eq!(
        commands::installed(&c, None).unwrap(),
        format!("no installed patches for {rel}\n")
    );
    for n in ["patch_a", "patch_b", "patch_c"] {
        let ko = f.top.join(format!("{n}.ko"));
        fs::write(&ko, patch_ko(n, rel)).unwrap();
        commands::install(&c, &ko, None).unwrap();
    }
    f.patch("patch_b", 1, 1, 0, 0, &["f"]);
    let dir = f.roots.store.join(rel);
    assert_eq!(
        commands::installed(&c, None).unwrap(),
        format!(
            "patch_a order=1 loaded=0 file={d}/0001-patch_a.ko\n\
             patch_b order=2 loaded=1 file={d}/0002-patch_b.ko\n\
             patch_c order=3 loaded=0 file={d}/0003-patch_c.ko\n",
            d = dir.display()
        )
    );
    // Uninstall the first: the others keep their order; a new install
    // comes last (one past the highest number, not in the gap).
    assert_eq!(
        commands::uninstall(&c, "patch_a", None).unwrap(),
        format!("rklp: patch 'patch_a' uninstalled for {rel}\n")
    );
    assert_eq!(
        commands::uninstall(&c, "patch_b", None).unwrap(),
        format!("rklp: patch 'patch_b' uninstalled for {rel}; it stays loaded until 'rklp unload patch_b'\n")
    );
    let ko = f.top.join("patch_a.ko");
    commands::install(&c, &ko, None).unwrap();
    assert_eq!(store_files(&f, rel), ["0003-patch_c.ko", "0004-patch_a.ko"]);
    let v: serde_json::Value =
        serde_json::from_str(&commands::installed(&f.ctx(true), None).unwrap()).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["kernel"], rel);
    assert_eq!(v["store"], dir.display().to_string());
    assert_eq!(v["installed"][0]["name"], "patch_c");
    assert_eq!(v["installed"][0]["order"], 1);
    assert_eq!(v["installed"][0]["loaded"], false);
    assert_eq!(
        v["installed"][0]["module"]["description"],
        "test patch patch_c"
    );
    assert_eq!(v["installed"][1]["name"], "patch_a");
    assert_eq!(
        v["installed"][1]["file"],
        dir.join("0004-patch_a.ko").display().to_string()
    );
    // Another kernel's list: 'loaded' means nothing there.
    let o = f.top.join("o.ko");
    fs::write(&o, patch_ko("patch_o", "6.1.0-other")).unwrap();
    commands::install(&c, &o, Some("6.1.0-other")).unwrap();
    assert!(commands::installed(&c, Some("6.1.0-other"))
        .unwrap()
        .starts_with("patch_o order=1 loaded=- file="));
    assert_eq!(
        commands::uninstall(&c, "patch_a", Some("6.1.0-other")).unwrap_err(),
        "patch 'patch_a' is not installed for 6.1.0-other (see 'rklp list --installed')"
    );
    assert_eq!(
        commands::uninstall(&c, "patch_x", Some("7.0")).unwrap_err(),
        "patch 'patch_x' is not installed for 7.0 (see 'rklp list --installed')"
    );
    assert_eq!(
        commands::uninstall(&c, "../..", None).unwrap_err(),
        "bad patch name '../..'"
    );
}

/// Runs `load --all` with a fake loader that records what it loads and
/// makes the patch appear (or fails for the names in `fail`).
fn load_all(
    f: &Fake,
    json: bool,
    fail: &[&str],
) -> (Vec<String>, Vec<commands::Line>, Result<(), String>) {
    let mut loaded = Vec::new();
    let mut lines = Vec::new();
    let roots = f.roots.clone();
    let res = {
        let mut loader = |p: &Path| {
            let file = p.file_name().unwrap().to_string_lossy().into_owned();
            let (_, name) = crate::store::parse_file_name(&file).unwrap();
            loaded.push(name.clone());
            if fail.contains(&name.as_str()) {
                return Err(format!(
                    "loading '{}' failed: ENOENT (see dmesg)",
                    p.display()
                ));
            }
            fs::create_dir_all(roots.patch(&name)).unwrap();
            Ok(format!("rklp: patch '{name}' enabled\n"))
        };
        let mut emit = |l| lines.push(l);
        commands::load_all(&f.ctx(json), &mut loader, &mut emit)
    };
    (loaded, lines, res)
}

#[test]
fn load_all_in_install_order() {
    use commands::Line::{Err as E, Out as O};
    let f = Fake::new();
    let rel = "6.12.0-test";
    // Nothing installed: nothing to do, even without rklp.
    fs::remove_dir_all(&f.roots.patches).unwrap();
    let (loaded, lines, res) = load_all(&f, false, &[]);
    assert_eq!((loaded.len(), res), (0, Ok(())));
    assert_eq!(
        lines,
        [O(format!("rklp: no installed patches for {rel}\n"))]
    );
    // Installed in the order c, a, b (names out of alphabetical order).
    let c = f.ctx(false);
    for n in ["patch_c", "patch_a", "patch_b"] {
        let ko = f.top.join(format!("{n}.ko"));
        fs::write(&ko, patch_ko(n, rel)).unwrap();
        commands::install(&c, &ko, None).unwrap();
    }
    // Another kernel's patches are never loaded.
    let o = f.top.join("o.ko");
    fs::write(&o, patch_ko("patch_o", "6.1.0-other")).unwrap();
    commands::install(&c, &o, Some("6.1.0-other")).unwrap();
    let (loaded, _, res) = load_all(&f, false, &[]);
    assert_eq!(loaded.len(), 0);
    assert!(res.unwrap_err().starts_with("rklp is not loaded"));
    fs::create_dir_all(&f.roots.patches).unwrap();
    commands::uninstall(&c, "patch_a", None).unwrap();
    commands::install(&c, &f.top.join("patch_a.ko"), None).unwrap();
    // Order c, b, a now; b is loaded already.
    f.patch("patch_b", 1, 1, 0, 0, &["f"]);
    let (loaded, lines, res) = load_all(&f, false, &[]);
    assert_eq!(loaded, ["patch_c", "patch_a"]);
    assert_eq!(
        lines,
        [
            O("rklp: patch 'patch_c' enabled\n".into()),
            O("rklp: patch 'patch_b' is already loaded; skipped\n".into()),
            O("rklp: patch 'patch_a' enabled\n".into()),
        ]
    );
    assert_eq!(res, Ok(()));
    // A failure does not stop the others; the command fails at the end.
    for n in ["patch_a", "patch_b", "patch_c"] {
        fs::remove_dir_all(f.roots.patch(n)).unwrap();
        let _ = fs::remove_dir_all(f.roots.modules.join(n));
    }
    let (loaded, lines, res) = load_all(&f, false, &["patch_c"]);
    assert_eq!(loaded, ["patch_c", "patch_b", "patch_a"]);
    let dir = f.roots.store.join(rel);
    assert_eq!(
        lines[0],
        E(format!(
            "loading '{}' failed: ENOENT (see dmesg)",
            dir.join("0001-patch_c.ko").display()
        ))
    );
    assert_eq!(lines.len(), 3);
    assert_eq!(
        res.unwrap_err(),
        format!("1 of 3 installed patches for {rel} failed to load: patch_c")
    );
    // JSON: one document, after all of them.
    let (_, lines, res) = load_all(&f, true, &[]);
    assert_eq!(res, Ok(()));
    let [O(doc)] = &lines[..] else {
        panic!("{lines:?}")
    };
    let v: serde_json::Value = serde_json::from_str(doc).unwrap();
    assert_eq!(v["kernel"], rel);
    assert_eq!(v["results"][0]["name"], "patch_c");
    assert_eq!(v["results"][0]["result"], "loaded");
    assert_eq!(v["results"][1]["result"], "skipped");
    assert_eq!(v["results"][2]["name"], "patch_a");
    assert!(v["results"][2]["error"].is_null());
}

/// `load --all` loads only files that root alone can change.
#[test]
fn load_all_refuses_writable_files() {
    use std::os::unix::fs::PermissionsExt;
    let f = Fake::new();
    let rel = "6.12.0-test";
    let ko = f.top.join("p.ko");
    fs::write(&ko, patch_ko("patch_p", rel)).unwrap();
    commands::install(&f.ctx(false), &ko, None).unwrap();
    let stored = f.roots.store.join(rel).join("0001-patch_p.ko");
    fs::set_permissions(&stored, fs::Permissions::from_mode(0o666)).unwrap();
    let (loaded, lines, res) = load_all(&f, false, &[]);
    assert!(loaded.is_empty());
    assert_eq!(
        lines,
        [commands::Line::Err(format!(
            "{} is writable by group or others; not loaded",
            stored.display()
        ))]
    );
    assert!(res.is_err());
}

/// The command line of the new commands.
#[test]
fn install_command_line() {
    use clap::{CommandFactory, Parser};
    let p = |args: &[&str]| crate::Cli::try_parse_from(args).map(|c| c.command);
    assert!(matches!(
        p(&["rklp", "load", "--all"]),
        Ok(crate::Command::Load { all: true, .. })
    ));
    assert!(p(&["rklp", "load", "--all", "x.ko"]).is_err());
    assert!(p(&["rklp", "load"]).is_err());
    assert!(p(&["rklp", "list", "--kernel", "6.1"]).is_err());
    assert!(matches!(
        p(&["rklp", "list", "--installed", "--kernel", "6.1"]),
        Ok(crate::Command::List {
            installed: true,
            kernel: Some(_)
        })
    ));
    assert!(p(&["rklp", "install"]).is_err());
    let mut out = Vec::new();
    clap_complete::generate(
        clap_complete::Shell::Bash,
        &mut crate::Cli::command(),
        "rklp",
        &mut out,
    );
    let script = String::from_utf8(out).unwrap();
    assert!(script.contains("complete -F _rklp"));
    assert!(script.contains("uninstall") && script.contains("--installed"));
}
