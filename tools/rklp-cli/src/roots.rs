// SPDX-License-Identifier: GPL-2.0

//! Where the tool finds the kernel's files.
//!
//! The production binary always uses the system's paths ([`Roots::system`]):
//! nothing in the environment moves them, so `sudo rklp unload` cannot be
//! pointed at a fake `holders` directory, nor `rklp load --all` at another
//! store. The host unit tests build fake trees and pass their own `Roots`.

use std::path::PathBuf;

/// The directories the tool reads and writes.
#[derive(Clone, Debug)]
pub struct Roots {
    /// `/sys/kernel/rklp`: one directory per patch.
    pub patches: PathBuf,
    /// `/sys/module`: every loaded module (`version`, `srcversion`, and
    /// rklp's own `rklp/holders`, `rklp/transition`, `rklp/parameters`).
    pub modules: PathBuf,
    /// `/proc`: tasks' kernel stacks, the kernel release.
    pub proc: PathBuf,
    /// `/var/lib/rklp`: the installed patches, one directory per kernel
    /// release (store.rs).
    pub store: PathBuf,
}

impl Roots {
    /// The running system's paths.
    pub fn system() -> Self {
        Roots {
            patches: PathBuf::from("/sys/kernel/rklp"),
            modules: PathBuf::from("/sys/module"),
            proc: PathBuf::from("/proc"),
            store: PathBuf::from("/var/lib/rklp"),
        }
    }

    /// A patch's directory.
    pub fn patch(&self, name: &str) -> PathBuf {
        self.patches.join(name)
    }

    /// rklp's own module directory (`/sys/module/rklp`).
    pub fn core(&self) -> PathBuf {
        self.modules.join("rklp")
    }

    /// `/sys/module/rklp/transition/stalled`.
    pub fn stalled(&self) -> PathBuf {
        self.core().join("transition/stalled")
    }

    /// `/proc/rklp/patch_state` (a query file: per-open state).
    pub fn patch_state(&self) -> PathBuf {
        self.proc.join("rklp/patch_state")
    }

    /// `/sys/module/rklp/parameters/kick_delay_ms`.
    pub fn kick_delay(&self) -> PathBuf {
        self.core().join("parameters/kick_delay_ms")
    }

    /// `/proc/sys/kernel/osrelease`: the running kernel's release (`uname -r`).
    pub fn osrelease(&self) -> PathBuf {
        self.proc.join("sys/kernel/osrelease")
    }
}
