// SPDX-License-Identifier: GPL-2.0

//! The tasks that have not switched yet, from
//! `/sys/module/rklp/transition/stalled` (`pid comm reason` lines, then
//! `... and N more` when the page is full), with their kernel stacks from
//! `/proc/PID/stack` for `rklp stalled -v`.

use crate::roots::Roots;
use serde::Serialize;
use std::fs;

/// One task not yet switched.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StalledTask {
    pub pid: u32,
    pub comm: String,
    pub reason: String,
    /// The function it sleeps in, for `sleeping in function F`.
    pub function: Option<String>,
    /// Its kernel stack, one frame a line (`-v` only; null when unread).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stack: Option<Vec<String>>,
    /// Why the stack could not be read (`-v` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stack_error: Option<String>,
}

/// The whole list.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StalledList {
    pub tasks: Vec<StalledTask>,
    /// Tasks beyond the page the kernel fills (`... and N more`).
    pub more: u64,
}

/// The reasons the kernel writes (src/consistency/stack_check.rs), each
/// ending a line; `sleeping in function F` is matched apart.
const REASONS: &[&str] = &[
    "not tracked (task table full), blocks until it exits",
    "inside rklp's ftrace handler",
    "sleeping in a patched function",
    "unreliable stack",
    "not checked yet",
    "running",
];
const SLEEPING_IN: &str = " sleeping in function ";

impl StalledTask {
    /// Whether the task holds the transition back by where it is (its
    /// stack), rather than merely not having been checked or kicked yet.
    pub fn blocks(&self) -> bool {
        self.reason != "running" && self.reason != "not checked yet"
    }
}

impl StalledList {
    /// How many tasks are left to switch.
    pub fn left(&self) -> u64 {
        self.tasks.len() as u64 + self.more
    }

    /// The first task that blocks the transition.
    pub fn first_blocking(&self) -> Option<&StalledTask> {
        self.tasks.iter().find(|t| t.blocks())
    }
}

/// Parses one `pid comm reason` line (comm may hold blanks: the reason is
/// found from the end).
fn parse_line(line: &str) -> Option<StalledTask> {
    let (pid, rest) = line.split_once(' ')?;
    let pid = pid.parse().ok()?;
    let (comm, reason, function) = if let Some(i) = rest.rfind(SLEEPING_IN) {
        let f = &rest[i + SLEEPING_IN.len()..];
        (&rest[..i], &rest[i + 1..], Some(f.to_string()))
    } else if let Some(r) = REASONS.iter().find(|r| {
        rest.len() > r.len()
            && rest.ends_with(*r)
            && rest.as_bytes()[rest.len() - r.len() - 1] == b' '
    }) {
        (&rest[..rest.len() - r.len() - 1], *r, None)
    } else {
        // A reason this tool does not know: comm is the first word.
        let (c, r) = rest.split_once(' ').unwrap_or((rest, ""));
        (c, r, None)
    };
    Some(StalledTask {
        pid,
        comm: comm.to_string(),
        reason: reason.to_string(),
        function,
        stack: None,
        stack_error: None,
    })
}

/// Parses the file's text.
pub fn parse(text: &str) -> StalledList {
    let mut list = StalledList::default();
    for line in text.lines() {
        if let Some(n) = line
            .strip_prefix("... and ")
            .and_then(|r| r.strip_suffix(" more"))
        {
            list.more += n.parse::<u64>().unwrap_or(0);
        } else if let Some(t) = parse_line(line) {
            list.tasks.push(t);
        }
    }
    list
}

/// Reads the stalled file (root only): its raw text.
pub fn read_raw(roots: &Roots) -> Result<String, String> {
    let path = roots.stalled();
    fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {}", path.display(), e))
}

/// Reads and parses the stalled file.
pub fn read(roots: &Roots) -> Result<StalledList, String> {
    read_raw(roots).map(|t| parse(&t))
}

/// One frame of `/proc/PID/stack` without its (hidden) address:
/// `[<0>] f+0x1/0x2 [mod]` -> `f+0x1/0x2 [mod]`.
fn frame(line: &str) -> String {
    match line.strip_prefix("[<").and_then(|r| r.split_once(">] ")) {
        Some((_, f)) => f.to_string(),
        None => line.to_string(),
    }
}

/// Fills every task's kernel stack.
pub fn add_stacks(roots: &Roots, list: &mut StalledList) {
    for t in list.tasks.iter_mut() {
        let path = roots.proc.join(t.pid.to_string()).join("stack");
        match fs::read_to_string(&path) {
            Ok(s) => t.stack = Some(s.lines().map(frame).collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                t.stack_error = Some("the task has exited".into())
            }
            Err(e) => t.stack_error = Some(format!("cannot read {}: {}", path.display(), e)),
        }
    }
}

/// `rklp stalled -v`'s text: each task's line, then its stack indented.
pub fn verbose_text(list: &StalledList) -> String {
    let mut s = String::new();
    for t in &list.tasks {
        s.push_str(&format!("{} {} {}\n", t.pid, t.comm, t.reason));
        if let Some(st) = &t.stack {
            for f in st {
                s.push_str(&format!("    {f}\n"));
            }
        }
        if let Some(e) = &t.stack_error {
            s.push_str(&format!("    ({e})\n"));
        }
    }
    if list.more > 0 {
        s.push_str(&format!("... and {} more\n", list.more));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_reason() {
        let l = parse(
            "12 rklp_busy sleeping in function rklp_test_busy_func\n\
             13 kworker/0:1 running\n\
             14 my prog unreliable stack\n\
             15 a not checked yet\n\
             16 b inside rklp's ftrace handler\n\
             17 c not tracked (task table full), blocks until it exits\n\
             18 d sleeping in a patched function\n\
             19 e something new\n\
             ... and 7 more\n",
        );
        assert_eq!(l.tasks.len(), 8);
        assert_eq!(l.more, 7);
        assert_eq!(l.left(), 15);
        let t = &l.tasks[0];
        assert_eq!((t.pid, t.comm.as_str()), (12, "rklp_busy"));
        assert_eq!(t.reason, "sleeping in function rklp_test_busy_func");
        assert_eq!(t.function.as_deref(), Some("rklp_test_busy_func"));
        assert_eq!(l.tasks[1].comm, "kworker/0:1");
        assert_eq!(l.tasks[1].reason, "running");
        assert!(!l.tasks[1].blocks());
        assert_eq!(l.tasks[2].comm, "my prog");
        assert_eq!(l.tasks[2].reason, "unreliable stack");
        assert!(l.tasks[2].blocks());
        assert!(!l.tasks[3].blocks());
        assert_eq!(l.tasks[4].reason, "inside rklp's ftrace handler");
        assert_eq!(
            l.tasks[5].reason,
            "not tracked (task table full), blocks until it exits"
        );
        assert_eq!(l.tasks[6].reason, "sleeping in a patched function");
        assert_eq!(
            (l.tasks[7].comm.as_str(), l.tasks[7].reason.as_str()),
            ("e", "something new")
        );
        assert_eq!(l.first_blocking().map(|t| t.pid), Some(12));
    }

    #[test]
    fn empty() {
        assert_eq!(parse(""), StalledList::default());
        assert_eq!(parse("").left(), 0);
    }

    #[test]
    fn frames() {
        assert_eq!(
            frame("[<0>] rklp_test_busy_func+0x2b/0x60 [rklp_test_busy]"),
            "rklp_test_busy_func+0x2b/0x60 [rklp_test_busy]"
        );
        assert_eq!(frame("odd"), "odd");
    }
}
