//! The server's logs hold no personal data: the real `muster serve`
//! process, its stdout and stderr captured to files, a roster synced
//! through it, bad requests thrown at it; then the logs are searched for
//! every name, mobile, ID number and the device token.

use muster_tests::muster_bin;
use std::process::{Command, Stdio};

#[test]
fn the_server_logs_no_personal_data_and_no_token() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite:{}", dir.path().join("server.db").display());
    let out = Command::new(muster_bin()).args(["--json", "server", "device", "add", "--store", &store, "--name", "A"]).output().unwrap();
    let token = serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["token"].as_str().unwrap().to_string();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (log_out, log_err) = (dir.path().join("serve.out"), dir.path().join("serve.err"));
    let mut server = Command::new(muster_bin())
        .args(["serve", "--store", &store, "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::from(std::fs::File::create(&log_out).unwrap()))
        .stderr(Stdio::from(std::fs::File::create(&log_err).unwrap()))
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "muster serve did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }

    let secrets = ["王素梅", "13812345678", "11010519491231002X", "Aysel Məmmədova", "13900001111"];
    let db = dir.path().join("a.db");
    let muster = |args: &[&str]| {
        let out = Command::new(muster_bin()).arg("--db").arg(&db).arg("--json").args(args).output().unwrap();
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap_or_default()
    };
    let event = muster(&["event", "create", "--name", "县电商培训", "--starts", "2026-12-01", "--days", "1"])["id"].as_str().unwrap().to_string();
    let roster = dir.path().join("r.csv");
    std::fs::write(&roster, "姓名,手机,身份证号\n王素梅,13812345678,11010519491231002X\nAysel Məmmədova,13900001111,\n").unwrap();
    assert_eq!(muster(&["roster", "import", "--event", &event, roster.to_str().unwrap()])["imported"], 2);
    let synced = muster(&["sync", "--server", &url, "--token", &token]);
    assert!(synced["pushed"].as_u64().unwrap() > 0, "{synced}");

    // Bad requests carrying personal data: a wrong token, garbage, a body
    // that is valid zstd but not a batch.
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let junk = muster_protocol::sync::encode(&serde_json::json!({"name": secrets[0], "phone": secrets[1]}));
    for (auth, body) in [
        (format!("Bearer {token}x"), junk.clone()),
        (format!("Bearer {token}"), junk.clone()),
        (format!("Bearer {token}"), secrets.join(",").into_bytes()),
    ] {
        let r = agent.post(&format!("{url}/v1/push")).header("Authorization", &auth).send(&body[..]).unwrap();
        assert!(r.status().is_client_error(), "{}", r.status());
    }
    let _ = agent.get(&format!("{url}/")).call().unwrap();
    server.kill().unwrap();
    let _ = server.wait();

    let logs = [std::fs::read(&log_out).unwrap(), std::fs::read(&log_err).unwrap()].concat();
    assert!(String::from_utf8_lossy(&logs).contains("listening on"), "the log is captured");
    for s in secrets.iter().copied().chain([token.as_str()]) {
        assert!(!logs.windows(s.len()).any(|w| w == s.as_bytes()), "the server's log holds {s:?}");
    }
}
