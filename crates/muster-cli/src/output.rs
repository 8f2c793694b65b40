//! How results and errors reach the terminal: one JSON object with `--json`,
//! readable text otherwise; and the exit codes.

use muster_core::Error;
use serde_json::{json, Value};
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

pub fn success(outcome: &Outcome, json: bool) -> ExitCode {
    if json {
        println!("{}", outcome.value);
    } else if !outcome.text.is_empty() {
        println!("{}", outcome.text.trim_end());
    }
    ExitCode::from(outcome.exit)
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
        println!("{}", json!({ "error": payload }));
    } else {
        let mut where_ = Vec::new();
        for key in ["file", "line", "field"] {
            if let Some(v) = payload.get(key) {
                where_.push(format!("{key} {}", v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())));
            }
        }
        let message = payload["message"].as_str().unwrap_or("failed");
        if where_.is_empty() {
            eprintln!("error: {message}");
        } else {
            eprintln!("error: {message} ({})", where_.join(", "));
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
        println!("{}", json!({"error": {"code": "usage", "message": first}}));
    } else {
        let _ = e.print();
    }
    ExitCode::from(EXIT_USAGE)
}
