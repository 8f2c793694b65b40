//! Helpers shared by the cross-component tests: locating and running the
//! real `muster` binary against a store in a temporary directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// The `muster` binary built for this profile (built on demand).
pub fn muster_bin() -> PathBuf {
    static BUILD: std::sync::Once = std::sync::Once::new();
    let profile_dir = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent()?.parent().map(Path::to_path_buf))
        .expect("test binary lives in target/<profile>/deps");
    let bin = profile_dir.join("muster");
    BUILD.call_once(|| {
        let release = profile_dir.ends_with("release");
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args(["build", "-q", "-p", "muster-cli", "--bin", "muster"]).current_dir(workspace());
        if release {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("cargo runs");
        assert!(status.success(), "building muster failed");
    });
    bin
}

/// Result of one `muster` run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout as the one JSON object `--json` promises.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or_else(|e| {
            panic!("stdout is not one JSON object ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr)
        })
    }
}

/// Runs `muster --db DB --json ARGS...`.
pub fn muster(db: &Path, args: &[&str]) -> Run {
    run(Command::new(muster_bin()).arg("--db").arg(db).arg("--json").args(args).env("XDG_DATA_HOME", db.parent().unwrap_or(Path::new("."))))
}

/// [`muster`] run in `dir` (so relative paths land there), with the app's
/// data folder there too.
pub fn muster_in<S: AsRef<std::ffi::OsStr>>(dir: &Path, db: &Path, args: &[S]) -> Run {
    run(Command::new(muster_bin()).current_dir(dir).arg("--db").arg(db).arg("--json").args(args).env("XDG_DATA_HOME", dir))
}

fn run(cmd: &mut Command) -> Run {
    let out: Output = cmd.output().expect("muster runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
