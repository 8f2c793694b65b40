//! How results and errors reach the terminal: one JSON object with `--json`,
//! readable text otherwise; and the exit codes.
//!
//! Nothing here panics on a stdout that cannot be written (`println!` does):
//! a closed pipe (`muster … | head -c 10`) ends the run with exit 1 and
//! nothing more; any other failure (`> /dev/full`) with exit 1 and one line
//! on stderr. A failed write to stderr is ignored: there is nowhere left to
//! say it.

use muster_core::Error;
use serde_json::{json, Value};
use std::io::Write;
use std::process::ExitCode;

pub const EXIT_RUNTIME: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

/// What a command produced: the JSON value, and the text for humans.
pub struct Outcome {
    pub value: Value,
    pub text: String,
    /// Non-zero when the command ran but found problems (e.g. `check`).
    pub exit: u8,
}

impl Outcome {
    pub fn new(value: Value, text: impl Into<String>) -> Self {
        Outcome { value, text: text.into(), exit: 0 }
    }
}

/// Writes `text` and a line end to stdout, flushed. `Err` holds the exit
/// code to end with: the output could not be written (and stderr said why,
/// unless the reader just closed the pipe).
fn out_line(text: &str) -> Result<(), ExitCode> {
    let mut stdout = std::io::stdout().lock();
    let written = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.write_all(b"\n"))
        .and_then(|()| stdout.flush());
    match written {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(ExitCode::from(EXIT_RUNTIME)),
        Err(e) => {
            err_line(&format!("error: cannot write the output: {e}"));
            Err(ExitCode::from(EXIT_RUNTIME))
        }
    }
}

/// Writes one line to stderr; a failure is ignored (nowhere left to say it).
fn err_line(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{text}").and_then(|()| stderr.flush());
}

pub fn success(outcome: &Outcome, json: bool) -> ExitCode {
    let written = if json {
        out_line(&outcome.value.to_string())
    } else if !outcome.text.is_empty() {
        out_line(outcome.text.trim_end())
    } else {
        Ok(())
    };
    match written {
        Ok(()) => ExitCode::from(outcome.exit),
        Err(code) => code,
    }
}

pub fn failure(err: &anyhow::Error, json: bool) -> ExitCode {
    let (payload, exit) = match err.downcast_ref::<Error>() {
        Some(e) => (serde_json::to_value(e.to_payload()).unwrap_or(Value::Null), e.code().exit_code() as u8),
        None => match err.downcast_ref::<crate::cmd_sync::SyncFailure>() {
            Some(f) => (json!({"code": f.0.code(), "message": f.0.to_string()}), EXIT_RUNTIME),
            None => (json!({"code": "runtime", "message": format!("{err:#}")}), EXIT_RUNTIME),
        },
    };
    if json {
        if let Err(code) = out_line(&json!({ "error": payload }).to_string()) {
            return code;
        }
    } else {
        let mut where_ = Vec::new();
        for key in ["file", "line", "field"] {
            if let Some(v) = payload.get(key) {
                where_.push(format!("{key} {}", v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())));
            }
        }
        let message = payload["message"].as_str().unwrap_or("failed");
        if where_.is_empty() {
            err_line(&format!("error: {message}"));
        } else {
            err_line(&format!("error: {message} ({})", where_.join(", ")));
        }
    }
    ExitCode::from(exit)
}

pub fn usage_error(e: clap::Error, json: bool) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand) {
        let _ = e.print();
        return ExitCode::from(if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand { EXIT_USAGE } else { 0 });
    }
    if json {
        let message = e.render().to_string();
        let first = message.lines().next().unwrap_or("usage error").trim_start_matches("error: ").to_string();
        if let Err(code) = out_line(&json!({"error": {"code": "usage", "message": first}}).to_string()) {
            return code;
        }
    } else {
        let _ = e.print();
    }
    ExitCode::from(EXIT_USAGE)
}
