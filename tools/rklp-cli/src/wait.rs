// SPDX-License-Identifier: GPL-2.0

//! Waiting for a transition, bounded by `-t SEC`, with a progress line
//! (tasks left to switch) on a terminal and nothing on a pipe.

use crate::roots::Roots;
use crate::stalled;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// How often conditions are polled.
const POLL: Duration = Duration::from_millis(100);

/// The progress line: drawn on stderr when it is a terminal, hidden
/// otherwise (scripts and logs get only the final messages).
fn progress() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
        pb.set_style(style);
    }
    pb
}

/// The progress message: what is waited for and how many tasks are left.
pub fn message(what: &str, left: Option<u64>) -> String {
    match left {
        Some(1) => format!("{what}: 1 task left to switch"),
        Some(n) => format!("{what}: {n} tasks left to switch"),
        None => what.to_string(),
    }
}

/// Polls `done` until it returns true, for up to `timeout_s` seconds. On
/// timeout: an error naming `what` and listing the stalled tasks.
pub fn until(
    roots: &Roots,
    timeout_s: u64,
    what: &str,
    mut done: impl FnMut() -> bool,
) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(timeout_s);
    let pb = progress();
    loop {
        if done() {
            pb.finish_and_clear();
            return Ok(());
        }
        if Instant::now() >= deadline {
            pb.finish_and_clear();
            return Err(timed_out(roots, timeout_s, what));
        }
        if !pb.is_hidden() {
            let left = stalled::read(roots).ok().map(|l| l.left());
            pb.set_message(message(what, left));
            pb.tick();
        }
        sleep(POLL);
    }
}

fn timed_out(roots: &Roots, timeout_s: u64, what: &str) -> String {
    let mut s = format!("{what} did not finish within {timeout_s} s; stalled tasks:");
    match stalled::read_raw(roots) {
        Ok(text) => {
            for l in text.lines() {
                s.push_str("\n  ");
                s.push_str(l);
            }
        }
        Err(e) => {
            s.push_str("\n  (");
            s.push_str(&e);
            s.push(')');
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages() {
        assert_eq!(
            message("patching transition of 'p'", Some(3)),
            "patching transition of 'p': 3 tasks left to switch"
        );
        assert_eq!(message("x", Some(1)), "x: 1 task left to switch");
        assert_eq!(message("x", None), "x");
    }
}
