// SPDX-License-Identifier: GPL-2.0

//! rklp: the command-line tool of the rklp live-patching core. It reads
//! and writes `/sys/kernel/rklp` and `/sys/module/rklp`, loads patch
//! modules with `finit_module(2)` and removes them with
//! `delete_module(2)`, and waits for transitions. Documentation/rklp-tool.rst
//! describes the commands, the exit statuses and the JSON schema.

mod commands;
mod modinfo;
mod names;
mod patch;
mod roots;
mod stalled;
mod status;
mod store;
mod wait;

#[cfg(test)]
mod tests;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser, Subcommand};
use commands::Ctx;
use std::io::Write;
use std::path::PathBuf;
use std::process::exit;

/// The default bound of a wait, in seconds.
const DEFAULT_TIMEOUT: u64 = 60;

const AFTER_HELP: &str = "\
Exit status: 0 on success, 1 on failure (with 'rklp: <why>' on stderr), 2 on a
usage error; 'rklp status': 0 all patches enabled and no transition, 1 a
transition runs, 2 a transition is stalled, 3 error.
--json prints one JSON document (schema version 1, see rklp-tool.rst).";

#[derive(Parser, Debug)]
#[command(
    name = "rklp",
    version,
    about = "Load, inspect and remove rklp live patches",
    after_help = AFTER_HELP,
    arg_required_else_help = true
)]
struct Cli {
    /// Bound every wait to SEC seconds (default 60); allowed anywhere on the line
    #[arg(short = 't', long = "timeout", global = true, value_name = "SEC",
          value_parser = names::parse_timeout)]
    timeout: Option<u64>,

    /// Print JSON (list, info, stalled, state, status, kick-delay, load)
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Patches, in stack order; with --installed, the installed patches
    List {
        /// The patches installed in /var/lib/rklp/<kernel release>, in load order
        #[arg(long)]
        installed: bool,
        /// With --installed: the kernel release (default: the running kernel's)
        #[arg(long, value_name = "REL", requires = "installed")]
        kernel: Option<String>,
    },
    /// A patch's attributes, objects and functions (with --json: modinfo too)
    Info {
        /// The patch (its module's name)
        patch: String,
    },
    /// One line and an exit status: 0 enabled, 1 transition, 2 stalled, 3 error
    Status,
    /// Tasks blocking the transition, with reasons (root only)
    Stalled {
        /// Each task's kernel stack (/proc/PID/stack)
        #[arg(short, long)]
        verbose: bool,
    },
    /// A task's patch state (-1 no transition, 0 unpatched, 1 patched)
    State {
        /// The task's pid
        pid: String,
    },
    /// Load a patch module (finit_module) and wait for its transition
    #[command(
        override_usage = "rklp load [OPTIONS] <MODULE> [PARAMS]...\n       rklp load [OPTIONS] --all"
    )]
    Load {
        /// The module file; it must be an rklp patch module (rklp=Y in .modinfo)
        #[arg(required_unless_present = "all")]
        module: Option<PathBuf>,
        /// Module parameters (PARAM or PARAM=VALUE; no options)
        params: Vec<String>,
        /// Load the patches installed for the running kernel, in install order
        /// (skipping those loaded); fails if any failed, after trying all
        #[arg(long, conflicts_with_all = ["module", "params"])]
        all: bool,
    },
    /// Store a patch module in /var/lib/rklp/<kernel release> for 'load --all'
    Install {
        /// The module file; it must be an rklp patch module (rklp=Y in .modinfo)
        module: PathBuf,
        /// The kernel release (default: the running kernel's, uname -r)
        #[arg(long, value_name = "REL")]
        kernel: Option<String>,
    },
    /// Remove an installed patch (a loaded patch stays loaded)
    Uninstall {
        /// The patch (its module's name)
        patch: String,
        /// The kernel release (default: the running kernel's, uname -r)
        #[arg(long, value_name = "REL")]
        kernel: Option<String>,
    },
    /// Disable if enabled, wait for the transition, remove the module
    Unload {
        /// The patch
        patch: String,
    },
    /// Reverse an unpatching transition and wait for it
    Enable {
        /// The patch
        patch: String,
    },
    /// Unpatch and wait until the patch is gone
    Disable {
        /// The patch
        patch: String,
    },
    /// Force the running transition (the module can then never be removed)
    Force {
        /// The patch in transition
        patch: String,
    },
    /// Read or set the delay before stalled tasks are kicked
    KickDelay {
        /// The new delay in milliseconds
        ms: Option<String>,
    },
    /// Print a shell completion script (make install installs bash's)
    #[command(hide = true)]
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
}

/// Parses the command line; usage errors print `rklp: <why>` and exit 2,
/// `--help` and `--version` exit 0.
fn parse() -> Cli {
    match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => match e.kind() {
            ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
            _ => {
                let text = e.render().to_string();
                let text = text.strip_prefix("error: ").unwrap_or(&text);
                eprint!("rklp: {text}");
                exit(2)
            }
        },
    }
}

fn print(s: &str) {
    let mut out = std::io::stdout().lock();
    // A closed pipe (rklp list | head -0) is not the tool's failure.
    let _ = out.write_all(s.as_bytes());
    let _ = out.flush();
}

fn main() {
    let cli = parse();
    let ctx = Ctx {
        roots: roots::Roots::system(),
        timeout: cli.timeout.unwrap_or(DEFAULT_TIMEOUT),
        json: cli.json,
    };
    let prints_json = !matches!(
        cli.command,
        Command::Unload { .. }
            | Command::Enable { .. }
            | Command::Disable { .. }
            | Command::Force { .. }
            | Command::Install { .. }
            | Command::Uninstall { .. }
            | Command::Completions { .. }
    );
    if ctx.json && !prints_json {
        eprintln!("rklp: --json is for list, info, status, stalled, state, kick-delay and load");
        exit(2)
    }
    let res = match &cli.command {
        Command::List {
            installed: true,
            kernel,
        } => commands::installed(&ctx, kernel.as_deref()),
        Command::List { .. } => commands::list(&ctx),
        Command::Info { patch } => commands::info(&ctx, patch),
        Command::Status => {
            let s = commands::status(&ctx);
            print(&commands::status_text(&ctx, &s));
            exit(s.exit_code);
        }
        Command::Stalled { verbose } => commands::stalled(&ctx, *verbose),
        Command::State { pid } => commands::state(&ctx, pid),
        Command::KickDelay { ms } => commands::kick_delay(&ctx, ms.as_deref()),
        Command::Load { all: true, .. } => {
            let load_ctx = Ctx {
                json: false,
                ..ctx.clone()
            };
            let mut loader = |p: &std::path::Path| commands::load(&load_ctx, p, &[]);
            let mut emit = |line| match line {
                commands::Line::Out(s) => print(&s),
                commands::Line::Err(s) => eprintln!("rklp: {s}"),
            };
            commands::load_all(&ctx, &mut loader, &mut emit).map(|()| String::new())
        }
        Command::Load { module, params, .. } => match module {
            Some(module) => commands::load(&ctx, module, params),
            // clap requires MODULE without --all; no panic path anyway.
            None => Err("no module file (or --all) to load".into()),
        },
        Command::Install { module, kernel } => commands::install(&ctx, module, kernel.as_deref()),
        Command::Uninstall { patch, kernel } => commands::uninstall(&ctx, patch, kernel.as_deref()),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "rklp", &mut out);
            Ok(String::from_utf8_lossy(&out).into_owned())
        }
        Command::Unload { patch } => commands::unload(&ctx, patch),
        Command::Enable { patch } => commands::enable(&ctx, patch),
        Command::Disable { patch } => commands::disable(&ctx, patch),
        Command::Force { patch } => commands::force(&ctx, patch),
    };
    match res {
        Ok(out) => print(&out),
        Err(msg) => {
            eprintln!("rklp: {msg}");
            exit(1)
        }
    }
}
