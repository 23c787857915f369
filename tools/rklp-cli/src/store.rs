// SPDX-License-Identifier: GPL-2.0

//! The install store: patch modules that `rklp load --all` loads at boot
//! (rklp.service), one directory per kernel release,
//! `/var/lib/rklp/<release>/NNNN-<module>.ko`. The number is the install
//! order (the load order), four digits or more; the name is the module's
//! (from its `.modinfo`), not the installed file's. Other files (the lock,
//! temporary files, which start with `.`) are not patches.

use crate::names::valid_name;
use crate::roots::Roots;
use std::fs::{self, File, OpenOptions};
use std::io::ErrorKind;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// An installed patch.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The install order number (the file's prefix).
    pub seq: u32,
    /// The module's name.
    pub name: String,
    /// The stored file.
    pub path: PathBuf,
}

/// A kernel release as `uname -r` prints it (at most 64 characters of
/// `[A-Za-z0-9._+~-]`, starting with an alphanumeric one): it names a
/// directory, so no `/`, `..` or blank.
pub fn valid_release(rel: &str) -> bool {
    !rel.is_empty()
        && rel.len() <= 64
        && rel.as_bytes()[0].is_ascii_alphanumeric()
        && rel
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._+~-".contains(&b))
}

/// The running kernel's release (`/proc/sys/kernel/osrelease`, as
/// `uname -r`).
pub fn running_release(roots: &Roots) -> Result<String, String> {
    let path = roots.osrelease();
    let rel = fs::read_to_string(&path)
        .map_err(|e| format!("cannot read the kernel release ({}): {e}", path.display()))?;
    let rel = rel.trim().to_string();
    if !valid_release(&rel) {
        return Err(format!(
            "unexpected kernel release '{rel}' in {}",
            path.display()
        ));
    }
    Ok(rel)
}

/// `--kernel REL`, checked, or the running kernel's release.
pub fn target_release(roots: &Roots, kernel: Option<&str>) -> Result<String, String> {
    match kernel {
        Some(rel) if valid_release(rel) => Ok(rel.to_string()),
        Some(rel) => Err(format!(
            "bad kernel release '{rel}' (as uname -r prints it: letters, digits, '.', '_', '+', '~', '-')"
        )),
        None => running_release(roots),
    }
}

/// A release's directory in the store.
pub fn dir(roots: &Roots, rel: &str) -> PathBuf {
    roots.store.join(rel)
}

/// The file name of entry `seq` of module `name`.
pub fn file_name(seq: u32, name: &str) -> String {
    format!("{seq:04}-{name}.ko")
}

/// `NNNN-name.ko` into its number and module name.
pub fn parse_file_name(file: &str) -> Option<(u32, String)> {
    let stem = file.strip_suffix(".ko")?;
    let (num, name) = stem.split_once('-')?;
    if num.len() < 4 || !num.bytes().all(|b| b.is_ascii_digit()) || !valid_name(name) {
        return None;
    }
    Some((num.parse().ok()?, name.to_string()))
}

/// The patches installed in `dir`, in install order; none if the
/// directory does not exist.
pub fn entries(dir: &Path) -> Result<Vec<Entry>, String> {
    let rd = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot read {}: {e}", dir.display())),
    };
    let mut out = Vec::new();
    for de in rd {
        let de = de.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let Some(file) = de.file_name().to_str().map(str::to_string) else {
            continue;
        };
        if let Some((seq, name)) = parse_file_name(&file) {
            out.push(Entry {
                seq,
                name,
                path: de.path(),
            });
        }
    }
    out.sort_by(|a, b| (a.seq, &a.name).cmp(&(b.seq, &b.name)));
    Ok(out)
}

/// Creates a release's directory (and the store) if missing, mode 0755.
pub fn create_dir(dir: &Path) -> Result<(), String> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create(dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

/// Holds the store directory's lock (`.lock`, flock) while installing or
/// uninstalling: two installs never take the same name. A kernel without
/// file locking (`CONFIG_FILE_LOCKING=n`, as the test kernel: ENOSYS) has
/// no lock to take; [`write_new`] still never overwrites a number.
pub fn lock(dir: &Path) -> Result<Option<File>, String> {
    let path = dir.join(".lock");
    let f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    match lock_result(f.lock()) {
        Ok(true) => Ok(Some(f)),
        Ok(false) => Ok(None),
        Err(e) => Err(format!("cannot lock {}: {e}", path.display())),
    }
}

/// Whether a lock was taken (ENOSYS: the kernel has no file locking).
fn lock_result(res: std::io::Result<()>) -> std::io::Result<bool> {
    match res {
        Ok(()) => Ok(true),
        Err(e) if e.raw_os_error() == Some(nix::errno::Errno::ENOSYS as i32) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Stores `data` as module `name`'s file with number `seq`, or the next
/// free one, mode 0644, all or nothing: a temporary file, synced, then
/// linked under its final name (which fails rather than overwrite another
/// install's file), then the directory synced.
pub fn write_new(dir: &Path, mut seq: u32, name: &str, data: &[u8]) -> Result<PathBuf, String> {
    use std::io::Write;
    let tmp = dir.join(format!(".{name}.ko.tmp.{}", std::process::id()));
    let mut target = dir.join(file_name(seq, name));
    let res = (|| -> std::io::Result<()> {
        let mut f = OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .mode(0o644)
            .open(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        loop {
            match fs::hard_link(&tmp, &target) {
                Err(e) if e.kind() == ErrorKind::AlreadyExists && seq < u32::MAX => {
                    seq += 1;
                    target = dir.join(file_name(seq, name));
                }
                res => break res,
            }
        }?;
        fs::remove_file(&tmp)?;
        File::open(dir)?.sync_all()
    })();
    if let Err(e) = res {
        let _ = fs::remove_file(&tmp);
        return Err(format!("cannot write {}: {e}", target.display()));
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases() {
        for r in ["6.12.38+deb13-amd64", "6.12.0-rklp", "5.10.0~rc1", "6"] {
            assert!(valid_release(r), "{r}");
        }
        for r in ["", ".", "..", "../x", "a/b", "a b", "-r", ".hidden", "x'y"] {
            assert!(!valid_release(r), "{r}");
        }
        assert!(!valid_release(&"a".repeat(65)));
    }

    #[test]
    fn no_file_locking_is_no_lock() {
        use std::io::Error;
        assert!(lock_result(Ok(())).unwrap());
        let enosys = Error::from_raw_os_error(nix::errno::Errno::ENOSYS as i32);
        assert!(!lock_result(Err(enosys)).unwrap());
        let eio = Error::from_raw_os_error(nix::errno::Errno::EIO as i32);
        assert!(lock_result(Err(eio)).is_err());
    }

    /// A number another install took meanwhile is never overwritten.
    #[test]
    fn write_new_takes_a_free_number() {
        let dir = std::env::temp_dir().join(format!("rklp-store-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        create_dir(&dir).unwrap();
        fs::write(dir.join("0002-other.ko"), "other").unwrap();
        fs::write(dir.join("0002-p.ko"), "taken").unwrap();
        let got = write_new(&dir, 2, "p", b"new").unwrap();
        assert_eq!(got, dir.join("0003-p.ko"));
        assert_eq!(fs::read(dir.join("0002-p.ko")).unwrap(), b"taken");
        assert_eq!(fs::read(&got).unwrap(), b"new");
        let mut names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["0002-other.ko", "0002-p.ko", "0003-p.ko"]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn file_names() {
        assert_eq!(
            parse_file_name("0001-rklp_sample.ko"),
            Some((1, "rklp_sample".into()))
        );
        assert_eq!(
            parse_file_name(&file_name(12345, "p")),
            Some((12345, "p".into()))
        );
        for f in [
            "1-p.ko",
            "0001-p.ko.tmp",
            ".0001-p.ko.tmp",
            "0001-.ko",
            "0001-a-b.ko",
            "000a-p.ko",
            "0001-p",
            ".lock",
        ] {
            assert_eq!(parse_file_name(f), None, "{f}");
        }
    }
}
