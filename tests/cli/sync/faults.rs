//! Seeded fault runs: three laptops, the real server, a proxy that drops,
//! loses, duplicates and delays requests, partitions and clock skew of
//! hours, and a hostile paired laptop pushing broken, forged and garbage
//! batches beside them; then healing and the convergence check. `MUSTER_FAULT_SEEDS`
//! sets how many seeds (CI: 100; a soak: thousands). A failing seed is
//! printed so it can be replayed alone with `MUSTER_FAULT_SEED=N`.

use super::proxy::{Faults, Proxy};
use super::*;
use muster_core::model::{NewEvent, NewSession};
use muster_tests::muster_bin;
use std::process::{Command, Stdio};

fn run_seed(seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    let (addr, backend, rt) = start_server(&format!("sqlite:{}", dir.path().join("server.db").display()));
    let proxy = Proxy::start(addr, seed, Faults { drop_request: 12, drop_response: 12, duplicate: 12, delay: 20 });
    let url = proxy.url();
    let mut laptops: Vec<Laptop> = ["a", "b", "c"].iter().map(|n| Laptop::new(dir.path(), n, add_device(&rt, &backend, n))).collect();
    // Clocks hours apart.
    laptops[1].m.store_mut().skew_clock(-(2 * 3_600_000) + (seed as i64 % 7) * 60_000);
    laptops[2].m.store_mut().skew_clock(3 * 3_600_000);
    // A paired laptop gone bad, talking to the server directly.
    let mut hostile = crate::hostile_server::Hostile {
        token: add_device(&rt, &backend, "hostile"),
        device: uuid::Uuid::now_v7().to_string(),
        next_seq: 1,
    };
    let (event, session) = create_event(&mut laptops[0], 12);
    laptops[0].sync_until_ok(&url, 50);
    let victim = laptops[0].m.store().device_id().to_string();
    for round in 0..8 {
        hostile.act(&format!("http://{addr}"), proxy.roll(1 << 20), &victim);
        if proxy.roll(5) == 0 {
            proxy.partition(true);
        }
        for i in 0..laptops.len() {
            let l = &mut laptops[i];
            let roster = l.m.roster(&event).unwrap_or_default();
            if !roster.is_empty() {
                let t = &roster[proxy.roll(roster.len() as u64) as usize];
                match proxy.roll(4) {
                    0 => check_in(l, &event, &session, &t.id, &format!("2026-12-01T08:{:02}", 30 + round * 3 + i as u64)),
                    1 => {
                        let org = format!("村{}", proxy.roll(100));
                        l.m.edit_trainee(&t.id, &muster_core::trainee::TraineePatch { organization: Some(org), ..Default::default() }).unwrap();
                    }
                    2 => {
                        l.m.walk_in(&event, &format!("新{round}{i}"), Some(&format!("139{:08}", seed * 100 + round * 10 + i as u64)), None).unwrap();
                    }
                    _ => {}
                }
            }
            let _ = l.sync(&url); // may fail: that is the point
        }
        proxy.partition(false);
    }
    proxy.heal();
    for _ in 0..2 {
        for l in laptops.iter_mut() {
            l.sync_until_ok(&url, 20);
        }
    }
    let refs: Vec<&Laptop> = laptops.iter().collect();
    assert_converged(&refs, &rt, &backend);
}

#[test]
fn seeded_faults_heal_to_identical_stores_and_exactly_once() {
    let seeds: Vec<u64> = match std::env::var("MUSTER_FAULT_SEED") {
        Ok(one) => vec![one.parse().unwrap()],
        Err(_) => (0..std::env::var("MUSTER_FAULT_SEEDS").ok().and_then(|v| v.parse().ok()).unwrap_or(100)).collect(),
    };
    for seed in seeds {
        let r = std::panic::catch_unwind(|| run_seed(seed));
        assert!(r.is_ok(), "fault seed {seed} failed: replay with MUSTER_FAULT_SEED={seed}");
    }
}

/// The real `muster serve`, killed with SIGKILL in the middle of a large
/// push, restarted on the same store: the client resumes and the server
/// ends up with every change exactly once. Then the same for the client.
#[test]
fn kill_9_of_server_and_client_mid_batch_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite:{}", dir.path().join("server.db").display());
    let token = {
        let out = Command::new(muster_bin()).args(["--json", "server", "device", "add", "--store", &store, "--name", "A"]).output().unwrap();
        let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        j["token"].as_str().unwrap().to_string()
    };
    let serve = |port: u16| {
        let mut child = Command::new(muster_bin())
            .args(["serve", "--store", &store, "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        // Wait for "listening on".
        let mut out = child.stdout.take().unwrap();
        let mut buf = [0u8; 64];
        let _ = std::io::Read::read(&mut out, &mut buf);
        child
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    let db = dir.path().join("a.db");
    {
        // 6,000 trainees in one roster import (one transaction).
        let mut a = Laptop::new(dir.path(), "a", token.clone());
        let e = a.m.create_event(NewEvent { name: "大班".into(), venue: "".into(), starts_on: "2026-12-01".into(), days: 1 }).unwrap();
        a.m.add_session(&e.id, NewSession { title: "Day 1".into(), starts_at: "2026-12-01T09:00".into(), ends_at: "2026-12-01T17:00".into() }).unwrap();
        let csv = dir.path().join("roster.csv");
        let rows: String = (0..6000).map(|i| format!("学员{i},138{i:08}\n")).collect();
        std::fs::write(&csv, format!("姓名,手机\n{rows}")).unwrap();
        assert_eq!(a.m.import_roster(&e.id, &csv, &Default::default(), &mut |_, _| {}).unwrap().imported, 6000);
    }
    // Kill the server while the client pushes its 6,005 changes.
    let mut server = serve(port);
    let client = Command::new(muster_bin())
        .args(["--db", db.to_str().unwrap(), "--json", "sync", "--server", &url, "--token", &token])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(150));
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    let first = client.wait_with_output().unwrap();
    // Restart and kill the *client* mid-sync this time.
    let mut server = serve(port);
    let mut client = Command::new(muster_bin())
        .args(["--db", db.to_str().unwrap(), "--json", "sync", "--server", &url, "--token", &token])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(100));
    let _ = client.kill();
    let _ = client.wait();
    // Heal: a clean sync finishes the job.
    let last = Command::new(muster_bin())
        .args(["--db", db.to_str().unwrap(), "--json", "sync", "--server", &url, "--token", &token])
        .output()
        .unwrap();
    assert!(last.status.success(), "first: {} last: {}", String::from_utf8_lossy(&first.stdout), String::from_utf8_lossy(&last.stdout));
    let j: serde_json::Value = serde_json::from_slice(&last.stdout).unwrap();
    assert_eq!(j["pending"], 0);
    server.kill().unwrap();
    server.wait().unwrap();
    // Every change exactly once on the server, checked on its file.
    let (_addr, backend, rt) = start_server(&store);
    let b = backend.clone();
    let held = std::thread::spawn(move || rt.block_on(async move { b.count_changes().await.unwrap() })).join().unwrap();
    // Event, session, 6,000 trainees (one import: one audit line), and the
    // audit lines of the event and the session.
    assert_eq!(held, 6005);
    let a = Laptop::new(dir.path(), "a", token);
    assert_eq!(a.change_keys().len(), 6005);
    assert!(a.m.store().check().unwrap().is_empty(), "the client's store is intact");
}
