//! A real PostgreSQL for the tests, started from Debian's `postgresql`
//! package in a temporary directory on a free port, torn down on drop.

use std::path::PathBuf;
use std::process::Command;

pub struct Postgres {
    pub url: String,
    dir: tempfile::TempDir,
    bin: PathBuf,
    as_postgres: bool,
}

fn pg_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql").ok()?.filter_map(|e| e.ok().map(|e| e.path().join("bin"))).collect();
    versions.sort();
    versions.into_iter().rev().find(|b| b.join("initdb").exists())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Postgres {
    fn cmd(&self, tool: &str) -> Command {
        let exe = self.bin.join(tool);
        if self.as_postgres {
            // initdb refuses to run as root: run the server as `postgres`.
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        }
    }

    /// Starts a fresh cluster. Panics with a clear message when PostgreSQL
    /// is not installed: `scripts/test` installs it.
    pub fn start() -> Postgres {
        let bin = pg_bin().expect("PostgreSQL is not installed (apt-get install postgresql): scripts/test installs it");
        let dir = tempfile::Builder::new().prefix("muster-pg").tempdir().unwrap();
        let as_postgres = unsafe_is_root();
        if as_postgres {
            let status = Command::new("chown").args(["-R", "postgres:postgres"]).arg(dir.path()).status().unwrap();
            assert!(status.success());
        }
        let port = free_port();
        let mut pg = Postgres { url: format!("postgres://muster@127.0.0.1:{port}/postgres"), dir, bin, as_postgres };
        let data = pg.dir.path().join("data");
        let out = pg.cmd("initdb").arg("-D").arg(&data).args(["-A", "trust", "-U", "muster", "--no-sync", "-E", "UTF8"]).output().unwrap();
        assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
        // The free port may be taken by another test's server before
        // PostgreSQL binds it: try a few.
        let mut port = port;
        let mut tries = 0;
        loop {
            let opts = format!("-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", pg.dir.path().display());
            let out = pg
                .cmd("pg_ctl")
                .arg("-D")
                .arg(&data)
                .args(["-o", &opts, "-l"])
                .arg(pg.dir.path().join("log"))
                .args(["-w", "start"])
                .output()
                .unwrap();
            tries += 1;
            if out.status.success() {
                break;
            }
            let log = std::fs::read_to_string(pg.dir.path().join("log")).unwrap_or_default();
            assert!(tries < 4, "pg_ctl start: {}\n{log}", String::from_utf8_lossy(&out.stderr));
            port = free_port();
        }
        pg.url = format!("postgres://muster@127.0.0.1:{port}/postgres");
        pg
    }
}

fn unsafe_is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = self.cmd("pg_ctl").arg("-D").arg(&data).args(["-m", "immediate", "-w", "stop"]).output();
    }
}
