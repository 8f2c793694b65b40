//! The architecture's invariants, checked over the source tree (as
//! rust-analyzer's tidy tests do), so a change that breaks one fails CI
//! with the file and line:
//!
//! - the store is core's: no `muster_core::store` (nor `.store()`) outside
//!   `crates/muster-core` and the tests, which reach it through the
//!   `test-api` feature;
//! - the renderer is core's documents module's: no `muster_print` outside
//!   `crates/muster-core/src/documents.rs` and muster-print itself;
//! - the UI never types a command's name: no `invoke(` outside
//!   `ui/src/ipc.ts`, no `call("…")` outside the generated bindings;
//! - only `src-tauri` knows Tauri;
//! - every Rust module starts with its `//!` doc.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// Files under `dir` (relative to the root) ending in `ext`, skipping
/// build output and installed packages.
fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root().join(dir)];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if p.is_dir() {
                if !matches!(name.as_str(), "target" | "node_modules" | "dist" | "gen" | ".git") {
                    stack.push(p);
                }
            } else if name.ends_with(ext) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}

/// Lines of the non-test part of a Rust file (up to its `#[cfg(test)]`
/// module), with their numbers.
fn code_lines(p: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(p).unwrap();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let t = line.trim_start();
        if t.starts_with("//") {
            continue;
        }
        out.push((i + 1, line.to_string()));
    }
    out
}

fn offenders(dirs: &[&str], ext: &str, allowed: impl Fn(&str) -> bool, bad: impl Fn(&str) -> bool) -> Vec<String> {
    let mut found = Vec::new();
    for dir in dirs {
        for f in files(dir, ext) {
            let r = rel(&f);
            if allowed(&r) {
                continue;
            }
            for (n, line) in code_lines(&f) {
                if bad(&line) {
                    found.push(format!("{r}:{n}: {}", line.trim()));
                }
            }
        }
    }
    found
}

const BINARIES_AND_LIBS: &[&str] = &["crates/muster-cli/src", "crates/muster-sync/src", "crates/muster-server/src", "crates/muster-protocol/src", "src-tauri/src"];

#[test]
fn the_store_is_reached_only_through_muster() {
    let found = offenders(BINARIES_AND_LIBS, ".rs", |_| false, |l| l.contains("muster_core::store") || l.contains(".store()") || l.contains(".store_mut()"));
    assert!(found.is_empty(), "the store is core's (use a `Muster` method):\n{}", found.join("\n"));
}

#[test]
fn only_the_documents_module_knows_the_renderer() {
    let dirs = ["crates/muster-cli/src", "crates/muster-sync/src", "crates/muster-server/src", "src-tauri/src", "crates/muster-core/src"];
    let found = offenders(&dirs, ".rs", |r| r == "crates/muster-core/src/documents.rs", |l| l.contains("muster_print"));
    assert!(found.is_empty(), "muster-print is used by core's documents module only:\n{}", found.join("\n"));
    for manifest in ["crates/muster-cli/Cargo.toml", "src-tauri/Cargo.toml", "crates/muster-sync/Cargo.toml", "crates/muster-server/Cargo.toml"] {
        let text = std::fs::read_to_string(root().join(manifest)).unwrap();
        assert!(!text.contains("muster-print"), "{manifest} depends on muster-print");
    }
}

#[test]
fn the_ui_never_types_a_command_name() {
    let found = offenders(
        &["ui/src"],
        ".ts",
        |r| r.starts_with("ui/src/bindings/") || r == "ui/src/ipc.ts" || r.ends_with(".test.ts"),
        |l| l.contains("invoke(") || l.contains("invoke<") || l.contains("call(\"") || l.contains("call<") || l.contains("@tauri-apps/api/core"),
    );
    assert!(found.is_empty(), "commands are called through the generated ui/src/bindings/commands.ts:\n{}", found.join("\n"));
    let generated = std::fs::read_to_string(root().join("ui/src/bindings/commands.ts")).unwrap();
    assert!(generated.starts_with("// Generated"), "commands.ts is generated");
}

#[test]
fn only_the_shell_knows_tauri() {
    let dirs = ["crates/muster-core/src", "crates/muster-cli/src", "crates/muster-sync/src", "crates/muster-server/src", "crates/muster-protocol/src", "crates/muster-print/src"];
    let found = offenders(&dirs, ".rs", |_| false, |l| l.contains("tauri::") || l.contains("use tauri"));
    assert!(found.is_empty(), "only src-tauri knows Tauri:\n{}", found.join("\n"));
}

#[test]
fn every_module_has_its_doc() {
    let mut missing = Vec::new();
    for dir in ["crates", "src-tauri/src", "tests/cli"] {
        for f in files(dir, ".rs") {
            let r = rel(&f);
            if r.contains("/fuzz/") || r.ends_with("build.rs") || r.contains("/tests/fixtures/") {
                continue;
            }
            let text = std::fs::read_to_string(&f).unwrap();
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            if !first.starts_with("//!") {
                missing.push(r);
            }
        }
    }
    assert!(missing.is_empty(), "modules without a `//!` doc:\n{}", missing.join("\n"));
}
