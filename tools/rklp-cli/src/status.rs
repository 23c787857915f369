// SPDX-License-Identifier: GPL-2.0

//! `rklp status`: one line and an exit code for monitoring, as `kgr`'s
//! status check: 0 every patch enabled and no transition, 1 a transition
//! runs, 2 a transition is stalled (a task blocks it), 3 error.

use crate::patch::PatchInfo;
use crate::stalled::StalledList;
use serde::Serialize;

/// The verdict, with its exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Every patch enabled, no transition (also: no patches).
    Ok,
    /// A transition runs and no task blocks it (yet).
    Transition,
    /// A transition runs and a task blocks it.
    Stalled,
    /// rklp is not loaded or its files cannot be read.
    Error,
}

impl State {
    pub fn exit_code(self) -> i32 {
        match self {
            State::Ok => 0,
            State::Transition => 1,
            State::Stalled => 2,
            State::Error => 3,
        }
    }
}

/// The transition `rklp status` found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TransitionInfo {
    pub patch: String,
    /// `patching` or `unpatching`.
    pub direction: &'static str,
    /// Tasks left to switch; null when the stalled list is unreadable
    /// (root only).
    pub tasks_left: Option<u64>,
}

/// `rklp status`'s result (its JSON form is schema version 1).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Status {
    pub state: State,
    pub exit_code: i32,
    pub summary: String,
    pub patches: Vec<String>,
    pub transition: Option<TransitionInfo>,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// An error verdict.
pub fn error(summary: String) -> Status {
    Status {
        state: State::Error,
        exit_code: State::Error.exit_code(),
        summary,
        patches: Vec::new(),
        transition: None,
    }
}

/// The verdict from the patches and, if readable, the stalled list.
pub fn evaluate(patches: &[PatchInfo], stalled: Result<&StalledList, &str>) -> Status {
    let names: Vec<String> = patches.iter().map(|p| p.name.clone()).collect();
    let make = |state: State, summary: String, transition| Status {
        state,
        exit_code: state.exit_code(),
        summary,
        patches: names.clone(),
        transition,
    };
    if let Some(p) = patches
        .iter()
        .find(|p| p.enabled.is_none() || p.transition.is_none())
    {
        return error(format!("cannot read the attributes of patch '{}'", p.name));
    }
    let Some(p) = patches
        .iter()
        .find(|p| p.transition == Some(true) || p.enabled == Some(false))
    else {
        let summary = if patches.is_empty() {
            "no patches".to_string()
        } else {
            format!(
                "{} enabled, no transition",
                plural(patches.len(), "patch", "patches")
            )
        };
        return make(State::Ok, summary, None);
    };
    let direction = if p.enabled == Some(true) {
        "patching"
    } else {
        "unpatching"
    };
    let what = format!("{direction} transition of '{}'", p.name);
    match stalled {
        Ok(list) => {
            let left = list.left();
            let info = Some(TransitionInfo {
                patch: p.name.clone(),
                direction,
                tasks_left: Some(left),
            });
            let tasks = plural(left as usize, "task", "tasks");
            match list.first_blocking() {
                Some(t) => make(
                    State::Stalled,
                    format!(
                        "{what} stalled: {tasks} left, blocked by {} {} ({})",
                        t.pid, t.comm, t.reason
                    ),
                    info,
                ),
                None => make(
                    State::Transition,
                    format!("{what} running: {tasks} left to switch"),
                    info,
                ),
            }
        }
        Err(why) => make(
            State::Transition,
            format!("{what} running (tasks unknown: {why})"),
            Some(TransitionInfo {
                patch: p.name.clone(),
                direction,
                tasks_left: None,
            }),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::ModuleInfo;
    use crate::stalled::parse;

    fn patch(name: &str, enabled: Option<bool>, transition: Option<bool>) -> PatchInfo {
        PatchInfo {
            name: name.into(),
            enabled,
            transition,
            replace: Some(false),
            stack_order: Some(1),
            settled_functions: Some(0),
            module: ModuleInfo {
                name: name.into(),
                ..Default::default()
            },
            objects: vec![],
        }
    }

    #[test]
    fn ok() {
        let s = evaluate(&[], Ok(&parse("")));
        assert_eq!(
            (s.state, s.exit_code, s.summary.as_str()),
            (State::Ok, 0, "no patches")
        );
        let ps = [
            patch("a", Some(true), Some(false)),
            patch("b", Some(true), Some(false)),
        ];
        let s = evaluate(&ps, Ok(&parse("")));
        assert_eq!(
            (s.exit_code, s.summary.as_str()),
            (0, "2 patches enabled, no transition")
        );
        assert_eq!(s.patches, vec!["a", "b"]);
        let s = evaluate(&ps[..1], Err("no access"));
        assert_eq!(s.summary, "1 patch enabled, no transition");
    }

    #[test]
    fn transition_and_stalled() {
        let ps = [
            patch("a", Some(true), Some(false)),
            patch("b", Some(true), Some(true)),
        ];
        let s = evaluate(&ps, Ok(&parse("1 x running\n2 y not checked yet\n")));
        assert_eq!(s.exit_code, 1);
        assert_eq!(
            s.summary,
            "patching transition of 'b' running: 2 tasks left to switch"
        );
        assert_eq!(s.transition.as_ref().unwrap().tasks_left, Some(2));
        let s = evaluate(
            &ps,
            Ok(&parse("1 x running\n7 busy sleeping in function f\n")),
        );
        assert_eq!(s.exit_code, 2);
        assert_eq!(
            s.summary,
            "patching transition of 'b' stalled: 2 tasks left, blocked by 7 busy (sleeping in function f)"
        );
        let s = evaluate(&ps, Err("Permission denied"));
        assert_eq!(s.exit_code, 1);
        assert_eq!(s.transition.as_ref().unwrap().tasks_left, None);
        let un = [patch("a", Some(false), Some(true))];
        let s = evaluate(&un, Ok(&parse("")));
        assert_eq!(
            s.summary,
            "unpatching transition of 'a' running: 0 tasks left to switch"
        );
    }

    #[test]
    fn errors() {
        let ps = [patch("a", None, Some(false))];
        let s = evaluate(&ps, Ok(&parse("")));
        assert_eq!((s.state, s.exit_code), (State::Error, 3));
        assert_eq!(error("rklp is not loaded".into()).exit_code, 3);
    }
}
