//! `muster`: the command line of Muster. Every job the desktop app does,
//! scriptable; `--json` prints exactly one JSON object on stdout.
//!
//! Exit codes (a contract): 0 ok, 1 runtime failure, 2 usage, 3 invalid input
//! (nothing written). Errors with `--json` are
//! `{"error": {"code", "message", "file"?, "line"?, "field"?}}`.

mod bench;
mod cli;
mod cmd_forms;
mod cmd_print;
mod cmd_safety;
mod cmd_sync;
mod cmd_users;
mod output;
mod run;

use clap::Parser;
use std::process::ExitCode;

/// mimalloc, but the system's in a workbook reader child (import::isolate).
#[global_allocator]
static ALLOC: muster_core::import::isolate::Allocator = muster_core::import::isolate::Allocator;

fn main() -> ExitCode {
    // A workbook reader child of this binary (import::isolate) does only that.
    muster_core::import::isolate::serve_if_asked();
    muster_core::import::isolate::use_self();
    let args: Vec<String> = std::env::args().collect();
    let json = args.iter().skip(1).take_while(|a| *a != "--").any(|a| a == "--json");
    let cli = match cli::Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => return output::usage_error(e, json),
    };
    let json = cli.json;
    match run::run(cli) {
        Ok(value) => output::success(&value, json),
        Err(e) => output::failure(&e, json),
    }
}
