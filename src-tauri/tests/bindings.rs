//! The TypeScript of ui/src/bindings/ is generated, never written by hand:
//! the types (by ts-rs, from muster-core and the shell) and `commands.ts`,
//! one typed function per command and a listener per event, from the
//! commands' Rust signatures (`muster_app::ipc`). This test generates them
//! afresh and fails when the committed files differ (so CI catches drift
//! between the Rust signatures and the UI). To rewrite them:
//!
//!     UPDATE_BINDINGS=1 cargo test -p muster-app --test bindings

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use muster_core::{ErrorCode, ErrorKind, ErrorPayload};
use ts_rs::{Config, TS};

fn bindings_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings")
}

/// Every type a command or event names, with everything it depends on, the
/// error payload, and the commands themselves.
fn generate(out: &Path) {
    // u64 counts and line numbers arrive as JSON numbers, not bigints.
    let cfg = Config::new().with_out_dir(out).with_large_int("number");
    ErrorPayload::export_all(&cfg).unwrap();
    ErrorCode::export_all(&cfg).unwrap();
    ErrorKind::export_all(&cfg).unwrap();
    let commands = muster_app::specs();
    let events = muster_app::event_specs();
    for c in &commands {
        (c.export)(&cfg).unwrap_or_else(|e| panic!("{}: {e}", c.name));
    }
    for e in &events {
        (e.export)(&cfg).unwrap_or_else(|x| panic!("{}: {x}", e.name));
    }
    std::fs::write(out.join("commands.ts"), muster_app::ipc::typescript(&commands, &events, &cfg)).unwrap();
}

#[test]
fn every_command_is_declared_once() {
    let names = muster_app::command_names();
    let mut seen = std::collections::BTreeSet::new();
    for n in &names {
        assert!(seen.insert(n), "{n} is declared twice");
    }
    assert!(names.len() >= 60, "{} commands", names.len());
}

fn ts_files(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return files };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "ts") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            files.insert(name, std::fs::read_to_string(&path).unwrap());
        }
    }
    files
}

#[test]
fn ui_bindings_are_up_to_date() {
    let fresh_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("muster-app-bindings");
    let _ = std::fs::remove_dir_all(&fresh_dir);
    generate(&fresh_dir);
    let fresh = ts_files(&fresh_dir);
    assert!(fresh.contains_key("Event.ts"), "ts-rs wrote {:?}", fresh.keys());

    let dir = bindings_dir();
    if std::env::var_os("UPDATE_BINDINGS").is_some_and(|v| v != "0" && !v.is_empty()) {
        std::fs::create_dir_all(&dir).unwrap();
        for stale in ts_files(&dir).keys().filter(|k| !fresh.contains_key(*k)) {
            std::fs::remove_file(dir.join(stale)).unwrap();
        }
        for (name, text) in &fresh {
            std::fs::write(dir.join(name), text).unwrap();
        }
        return;
    }

    let committed = ts_files(&dir);
    let mut problems = Vec::new();
    for (name, text) in &fresh {
        match committed.get(name) {
            None => problems.push(format!("missing: ui/src/bindings/{name}")),
            Some(old) if old != text => problems.push(format!("out of date: ui/src/bindings/{name}")),
            Some(_) => {}
        }
    }
    for name in committed.keys().filter(|k| !fresh.contains_key(*k)) {
        problems.push(format!("no longer generated: ui/src/bindings/{name}"));
    }
    assert!(
        problems.is_empty(),
        "TypeScript bindings differ from the Rust types:\n  {}\n\
         Regenerate with: UPDATE_BINDINGS=1 cargo test -p muster-app --test bindings",
        problems.join("\n  ")
    );
}
