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
        };
        fs::create_dir_all(&roots.patches).unwrap();
        put(&roots.stalled(), "");
        put(&roots.patch_state(), "0 -1\n");
        put(&roots.kick_delay(), "15000\n");
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
