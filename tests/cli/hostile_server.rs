//! The sync boundary, tried as a buggy old laptop, a stolen token and a
//! stranger would: tables of hostile pushes against the real server on
//! loopback, a server store that already holds a bad change (from before the
//! rules), a laptop's own change that could never be sent, a server that
//! never stops saying "more", and the real `muster serve` process for what
//! costs memory. Each case names what the server or the store must do.

use crate::sync::{add_device, create_event, start_server, Laptop};
use muster_protocol::sync::{self, PullRequest, PullResponse, PushRequest, CONTENT_TYPE};
use muster_protocol::{Change, ChangeOp, Hlc, PROTOCOL_VERSION};
use muster_server::Backend;
use muster_tests::{muster, muster_bin};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64
}

fn uuid() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A well-formed event insert of `device`.
pub fn event_change(device: &str, seq: u64, name: &str) -> Change {
    Change {
        device_id: device.into(),
        seq,
        hlc: Hlc::new(now_ms(), seq as u16),
        entity: "event".into(),
        entity_id: uuid(),
        op: ChangeOp::Insert,
        fields: serde_json::from_value(json!({
            "name": name, "venue": "县会堂", "starts_on": "2026-12-01", "days": 2,
            "created_at": "2026-12-01T08:00:00.000Z", "grace_minutes": 10
        }))
        .unwrap(),
    }
}

/// An event made by the real CLI on a laptop's store; its id.
fn create_event_cli(db: &Path) -> String {
    muster(db, &["event", "create", "--name", "灵寿", "--venue", "县会堂", "--starts", "2026-12-01", "--days", "2"]).json()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A POST of an encoded body; the status and the JSON error body, if any.
pub fn post(url: &str, token: &str, path: &str, body: &[u8]) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut resp = agent
        .post(&format!("{url}{path}"))
        .header("Authorization", &format!("Bearer {token}"))
        .header("Content-Type", CONTENT_TYPE)
        .send(body)
        .unwrap();
    let status = resp.status().as_u16();
    let bytes = resp.body_mut().with_config().limit(64 << 20).read_to_vec().unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

pub fn push(url: &str, token: &str, device: &str, changes: Vec<Change>) -> (u16, Value) {
    post(url, token, "/v1/push", &sync::encode(&PushRequest { protocol: PROTOCOL_VERSION, device_id: device.into(), changes }))
}

fn held(rt: &tokio::runtime::Handle, backend: &Backend) -> u64 {
    let b = backend.clone();
    let rt = rt.clone();
    std::thread::spawn(move || rt.block_on(async move { b.count_changes().await.unwrap() })).join().unwrap()
}

/// A change as a buggy or hostile laptop would send it, and the field the
/// server must name.
fn bad_changes(device: &str) -> Vec<(&'static str, Change, &'static str)> {
    let base = || event_change(device, 2, "坏");
    let with = |k: &str, v: Value| {
        let mut c = base();
        c.fields.insert(k.into(), v);
        c
    };
    let mut out = vec![
        ("an event of 0 days", with("days", json!(0)), "days"),
        ("days as text", with("days", json!("two")), "days"),
        ("a date that does not exist", with("starts_on", json!("2026-02-30")), "starts_on"),
        ("a name of blanks", with("name", json!("   ")), "name"),
        ("a text over 32,767 characters", with("venue", json!("大".repeat(32_768))), "venue"),
        ("a field the event has not", with("owner", json!("x")), "owner"),
    ];
    let mut c = base();
    c.seq = u64::MAX;
    out.push(("seq 2^64-1", c, "seq"));
    let mut c = base();
    c.hlc = Hlc::new(1_900_000_000_000, 0); // 2030
    out.push(("a clock in 2030", c, "hlc"));
    let mut c = base();
    c.entity_id = "not-a-uuid".into();
    out.push(("a row id that is not a UUID", c, "entity_id"));
    let mut c = base();
    c.entity = "payroll".into();
    out.push(("an entity nobody knows", c, "entity"));
    let mut c = base();
    c.op = ChangeOp::Delete;
    out.push(("a delete", c, "op"));
    let mut c = base();
    c.entity = "attendance".into();
    c.op = ChangeOp::Update;
    c.fields = serde_json::from_value(json!({"kind": "out"})).unwrap();
    out.push(("an edit of a fact", c, "op"));
    let mut c = base();
    c.fields.insert("venue".into(), json!("x".repeat(30_000)));
    c.fields.insert("name".into(), json!("y".repeat(30_000)));
    for i in 0..40 {
        c.fields.insert(format!("f{i}"), json!("z".repeat(30_000)));
    }
    out.push(("a change over a megabyte", c, "size"));
    out
}

#[test]
fn a_bad_change_is_refused_whole_naming_device_seq_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, backend, rt) = start_server(&format!("sqlite:{}", dir.path().join("server.db").display()));
    let url = format!("http://{addr}");
    let token = add_device(&rt, &backend, "old laptop");
    let device = uuid();
    for (name, bad, field) in bad_changes(&device) {
        // A good change first: the batch is refused whole, so not even it
        // is stored.
        let (status, body) = push(&url, &token, &device, vec![event_change(&device, 1, "好"), bad]);
        assert_eq!(status, 422, "{name}: {body}");
        let e = &body["error"];
        assert_eq!(e["code"], "invalid_change", "{name}: {body}");
        assert_eq!(e["field"], field, "{name}: {body}");
        assert_eq!(e["device_id"], device.as_str(), "{name}");
        assert!(e["message"].as_str().unwrap().len() < 600, "{name}: the message quotes at most a little of the value");
        assert_eq!(held(&rt, &backend), 0, "{name}: nothing stored");
    }
    // The batch of the good change alone goes in; an honest laptop syncs.
    let (status, body) = push(&url, &token, &device, vec![event_change(&device, 1, "好")]);
    assert_eq!(status, 200, "{body}");
    let mut honest = Laptop::new(dir.path(), "honest", add_device(&rt, &backend, "honest"));
    create_event(&mut honest, 3);
    honest.sync(&url).unwrap();
    assert_eq!(honest.m.list_events().unwrap().len(), 2);
}

#[test]
fn a_token_cannot_pose_as_another_laptop_nor_a_relay_forward_one() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, backend, rt) = start_server(&format!("sqlite:{}", dir.path().join("server.db").display()));
    let url = format!("http://{addr}");
    let mut one = Laptop::new(dir.path(), "one", add_device(&rt, &backend, "laptop 1"));
    create_event(&mut one, 3);
    one.sync(&url).unwrap();
    let victim = one.m.store().device_id().to_string();
    let next = one.change_keys().len() as u64 + 1;
    let second = add_device(&rt, &backend, "laptop 2");
    let before = held(&rt, &backend);
    let mut forged = event_change(&victim, next, "FORGED NAME");
    let forged_2030 = {
        let mut c = forged.clone();
        c.hlc = Hlc::new(1_900_000_000_000, 0);
        c
    };
    forged.hlc = Hlc::new(now_ms(), 0);
    let cases: Vec<(&str, String, Vec<Change>, u16, &str)> = vec![
        ("a change under laptop 1's id", victim.clone(), vec![forged.clone()], 403, "wrong_device"),
        ("the same with a clock in 2030", victim.clone(), vec![forged_2030], 422, "invalid_change"),
        ("its own id, carrying laptop 1's change", uuid(), vec![forged.clone()], 400, "bad_request"),
        ("an empty probe as laptop 1", victim.clone(), vec![], 403, "wrong_device"),
    ];
    for (name, as_device, changes, status, code) in cases {
        let (got, body) = push(&url, &second, &as_device, changes);
        assert_eq!((got, body["error"]["code"].as_str().unwrap_or("")), (status, code), "{name}: {body}");
        assert_eq!(held(&rt, &backend), before, "{name}: nothing stored");
    }
    // Pulling as laptop 1 is refused too.
    let pull = PullRequest { protocol: PROTOCOL_VERSION, device_id: victim.clone(), cursor: 0, limit: 100, include_own: true, events: None };
    let (got, body) = post(&url, &second, "/v1/pull", &sync::encode(&pull));
    assert_eq!((got, body["error"]["code"].as_str().unwrap_or("")), (403, "wrong_device"), "{body}");
    // A relay may forward a laptop nobody else owns, never laptop 1.
    let relay = {
        let b = backend.clone();
        let rt2 = rt.clone();
        std::thread::spawn(move || rt2.block_on(async move { b.pair("venue hub", true).await.unwrap().token })).join().unwrap()
    };
    let (got, body) = push(&url, &relay, &victim, vec![forged.clone()]);
    assert_eq!((got, body["error"]["code"].as_str().unwrap_or("")), (403, "wrong_device"), "{body}");
    let brought = uuid();
    let (got, body) = push(&url, &relay, &brought, vec![event_change(&brought, 1, "via hub")]);
    assert_eq!(got, 200, "{body}");
    // ... and the laptop it brought is the relay's: no other token pushes as it.
    let (got, body) = push(&url, &second, &brought, vec![event_change(&brought, 2, "hijack")]);
    assert_eq!((got, body["error"]["code"].as_str().unwrap_or("")), (403, "wrong_device"), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("venue hub"), "names who owns it: {body}");
    // Laptop 1 goes on syncing, and nobody sees the forged name.
    create_event(&mut one, 1);
    one.sync(&url).unwrap();
    let mut other = Laptop::new(dir.path(), "other", second);
    other.sync(&url).unwrap();
    assert!(!other.view().contains("FORGED NAME"));
    assert_eq!(other.m.list_events().unwrap().len(), 3);
}

/// `muster serve` as a real process on a free port.
struct Served {
    child: std::process::Child,
    url: String,
}

impl Served {
    fn start(store: &str) -> Served {
        let mut child = Command::new(muster_bin())
            .args(["serve", "--store", store, "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = child.stdout.take().unwrap();
        let mut line = Vec::new();
        let mut b = [0u8; 1];
        while out.read(&mut b).unwrap_or(0) == 1 && b[0] != b'\n' {
            line.push(b[0]);
        }
        let line = String::from_utf8(line).unwrap();
        let addr = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("serve printed {line:?}")).to_string();
        Served { child, url: format!("http://{addr}") }
    }

    fn rss_kb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status.lines().find_map(|l| l.strip_prefix("VmRSS:")).unwrap().trim().trim_end_matches(" kB").trim().parse().unwrap()
    }

    fn addr(&self) -> SocketAddr {
        self.url.trim_start_matches("http://").parse().unwrap()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends a request head (and `body` bytes of its body); returns the status
/// line's code, or 0 when the server closed without one.
fn raw(addr: SocketAddr, head: &str, body: usize) -> u16 {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    if s.write_all(head.as_bytes()).is_err() {
        return 0;
    }
    let chunk = vec![b'x'; 64 * 1024];
    let mut sent = 0;
    while sent < body {
        let n = chunk.len().min(body - sent);
        if s.write_all(&chunk[..n]).is_err() {
            break;
        }
        sent += n;
    }
    let mut buf = [0u8; 512];
    let n = s.read(&mut buf).unwrap_or(0);
    String::from_utf8_lossy(&buf[..n]).split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

#[test]
fn strangers_cost_the_server_nothing_and_see_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite:{}", dir.path().join("server.db").display());
    let token = muster(&dir.path().join("x.db"), &["server", "device", "add", "--store", &store, "--name", "laptop 1"]).json()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let served = Served::start(&store);
    let addr = served.addr();
    let head = |auth: &str, len: usize| {
        format!("POST /v1/push HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: {CONTENT_TYPE}\r\nContent-Length: {len}\r\n\r\n")
    };
    // The token is checked before the body is read: the answer comes with
    // no byte of the body sent (else the read times out: no status).
    assert_eq!(raw(addr, &head("", 16 << 20), 0), 401);
    assert_eq!(raw(addr, &head("Authorization: Bearer nope\r\n", 16 << 20), 0), 401);
    // A declared length over the limit is refused at once, as JSON.
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(head(&format!("Authorization: Bearer {token}\r\n"), (16 << 20) + 1).as_bytes()).unwrap();
    let mut resp = Vec::new();
    let _ = s.read_to_end(&mut resp);
    let resp = String::from_utf8_lossy(&resp);
    assert!(resp.starts_with("HTTP/1.1 413"), "{resp}");
    assert!(resp.contains(r#""code":"too_large""#), "{resp}");
    // 80 strangers posting 16 MB each at once.
    let before = served.rss_kb();
    let threads: Vec<_> = (0..80).map(|_| std::thread::spawn(move || raw(addr, &head("", 16 << 20), 16 << 20))).collect();
    let codes: Vec<u16> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let after = served.rss_kb();
    assert!(codes.iter().all(|c| *c == 401 || *c == 0), "{codes:?}");
    assert!(after < before + 64 * 1024, "the server grew from {before} kB to {after} kB");
    eprintln!("80 unauthenticated 16 MB posts: server RSS {before} kB → {after} kB");
    // The lower-case scheme is a bearer token too.
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let pull = PullRequest { protocol: PROTOCOL_VERSION, device_id: uuid(), cursor: 0, limit: 10, include_own: false, events: None };
    let r = agent
        .post(&format!("{}/v1/pull", served.url))
        .header("Authorization", &format!("bearer {token}"))
        .send(&sync::encode(&pull)[..])
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // The page at `/` says what this is, and nothing of what it holds.
    let device = uuid();
    assert_eq!(push(&served.url, &token, &device, vec![event_change(&device, 1, "灵寿县培训")]).0, 200);
    let page = agent.get(&format!("{}/", served.url)).call().unwrap().body_mut().read_to_string().unwrap();
    assert!(page.contains("Muster") && page.contains(env!("CARGO_PKG_VERSION")), "{page}");
    for secret in ["灵寿县培训", "laptop 1", &device] {
        assert!(!page.contains(secret), "the public page shows {secret}");
    }
    assert_eq!(agent.get(&format!("{}/v1/overview", served.url)).call().unwrap().status().as_u16(), 401);
    let overview = agent
        .get(&format!("{}/v1/overview", served.url))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert!(overview.contains("灵寿县培训") && overview.contains("laptop 1"));
    // A flood of it is cut off.
    let refused = (0..200).filter(|_| agent.get(&format!("{}/", served.url)).call().unwrap().status().as_u16() == 429).count();
    assert!(refused > 100, "only {refused} of 200 refused");
}

/// A fake server that answers every pull with "more", moving its cursor by
/// one; counts the pulls it was asked.
fn creeping_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicU32>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let pulls = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let count = pulls.clone();
    std::thread::spawn(move || {
        for s in listener.incoming() {
            let Ok(mut s) = s else { continue };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 8192];
            let (head_end, len) = loop {
                let n = s.read(&mut chunk).unwrap_or(0);
                if n == 0 {
                    break (0, 0);
                }
                buf.extend_from_slice(&chunk[..n]);
                if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
                    let len = head.lines().find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0))).unwrap_or(0);
                    break (end + 4, len);
                }
            };
            if head_end == 0 {
                continue;
            }
            while buf.len() < head_end + len {
                let n = s.read(&mut chunk).unwrap_or(0);
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let body = match sync::decode::<PullRequest>(&buf[head_end..]) {
                Ok(req) => {
                    count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    sync::encode(&PullResponse { changes: vec![], cursor: req.cursor + 1, more: true })
                }
                Err(_) => sync::encode(&muster_protocol::sync::PushResponse { acked_seq: 0, stored: 0, duplicates: 0 }),
            };
            let _ = s.write_all(
                format!("HTTP/1.1 200 OK\r\nContent-Type: {CONTENT_TYPE}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len())
                    .as_bytes(),
            );
            let _ = s.write_all(&body);
        }
    });
    (url, pulls)
}

#[test]
fn a_server_that_always_says_more_is_left_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (url, pulls) = creeping_server();
    let db = dir.path().join("laptop.db");
    let r = muster(&db, &["sync", "--server", &url, "--token", "t"]);
    assert_eq!(r.code, 1, "{} {}", r.stdout, r.stderr);
    let out = format!("{}{}", r.stdout, r.stderr);
    assert!(out.contains("moved its cursor by only 1"), "{out}");
    assert!(pulls.load(std::sync::atomic::Ordering::SeqCst) <= 2, "{} pulls", pulls.load(std::sync::atomic::Ordering::SeqCst));
}

/// Writes a change straight into a server's SQLite store, as a server from
/// before the sync rules would have kept it.
fn store_on_server(server_db: &Path, c: &Change) {
    let conn = rusqlite::Connection::open(server_db).unwrap();
    conn.execute(
        "INSERT INTO changes (device_id, seq, hlc, entity, entity_id, op, fields) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        rusqlite::params![c.device_id, c.seq as i64, c.hlc.to_string(), c.entity, c.entity_id, c.op.as_str(), serde_json::to_string(&c.fields).unwrap()],
    )
    .unwrap();
}

#[test]
fn a_change_a_store_cannot_apply_is_set_aside_and_sync_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let server_db = dir.path().join("server.db");
    let (addr, backend, rt) = start_server(&format!("sqlite:{}", server_db.display()));
    let url = format!("http://{addr}");
    let old = uuid();
    // What an old server stored before the rules: an event of 0 days, a
    // seq that was 2^64-1 (kept as -1), a newer Muster's entity, and a
    // session of an event this store has never seen; around them good
    // changes.
    let mut zero_days = event_change(&old, 2, "零天");
    zero_days.fields.insert("days".into(), json!(0));
    let mut huge_seq = event_change(&old, u64::MAX, "大号");
    huge_seq.hlc = Hlc::new(now_ms(), 7);
    let mut newer = event_change(&old, 4, "新");
    newer.entity = "excursion".into();
    let missing_event = uuid();
    let mut orphan = event_change(&old, 5, "x");
    orphan.entity = "session".into();
    orphan.fields = serde_json::from_value(json!({
        "event_id": missing_event, "title": "上午", "starts_at": "2026-12-01T09:00", "ends_at": "2026-12-01T12:00",
        "created_at": "2026-12-01T08:00:00.000Z"
    }))
    .unwrap();
    for c in [event_change(&old, 1, "好的一"), zero_days, huge_seq, newer, orphan.clone(), event_change(&old, 6, "好的二")] {
        store_on_server(&server_db, &c);
    }
    let token = add_device(&rt, &backend, "new laptop");
    let tok = token.as_str();
    let db = dir.path().join("laptop.db");
    let sync = |db: &Path| muster(db, &["sync", "--server", &url, "--token", tok]);
    let r = sync(&db);
    assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
    assert_eq!(r.json()["quarantined"], 4, "{}", r.stdout);
    let events: Vec<String> =
        muster(&db, &["event", "list"]).json()["events"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap().to_string()).collect();
    assert!(events.contains(&"好的一".to_string()) && events.contains(&"好的二".to_string()), "{events:?}");
    assert_eq!(muster(&db, &["sync", "status"]).json()["quarantined"], 4);
    let list = muster(&db, &["sync", "quarantine"]).json();
    let rows = list["quarantined"].as_array().unwrap();
    let fields: Vec<&str> = rows.iter().filter_map(|q| q["field"].as_str()).collect();
    assert!(fields.contains(&"days") && fields.contains(&"seq") && fields.contains(&"entity"), "{list}");
    assert!(rows.iter().any(|q| q["entity"] == "session" && q["reason"].as_str().unwrap().contains("could not be rebuilt")), "{list}");
    // A second sync is clean, and a second laptop gets the good changes.
    assert_eq!(sync(&db).code, 0);
    let db2 = dir.path().join("laptop2.db");
    let token2 = add_device(&rt, &backend, "laptop 2");
    assert_eq!(muster(&db2, &["sync", "--server", &url, "--token", &token2]).code, 0);
    // The missing event arrives (an honest laptop pushes it): the session
    // waiting in quarantine goes in at the next sync.
    let mut parent = event_change(&old, 7, "迟到的活动");
    parent.entity_id = missing_event.clone();
    store_on_server(&server_db, &parent);
    let r = sync(&db);
    assert_eq!(r.json()["quarantined"], 3, "{}", r.stdout);
    let sessions = muster(&db, &["session", "list", "--event", &missing_event]);
    assert!(sessions.stdout.contains("上午"), "{}", sessions.stdout);
}

#[test]
fn an_own_change_that_could_never_be_sent_is_reported_not_a_wall() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, backend, rt) = start_server(&format!("sqlite:{}", dir.path().join("server.db").display()));
    let url = format!("http://{addr}");
    let db = dir.path().join("laptop.db");
    let event = create_event_cli(&db);
    // A trainee edit written by an older Muster, before cells were bounded:
    // a 40,000-character name.
    let (device, seq) = {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let device: String = conn.query_row("SELECT value FROM meta WHERE key = 'device_id'", [], |r| r.get(0)).unwrap();
        let seq: i64 = conn.query_row("SELECT MAX(seq) FROM changes WHERE device_id = ?1", [&device], |r| r.get(0)).unwrap();
        let fields = json!({"name": "长".repeat(40_000)}).to_string();
        conn.execute(
            "INSERT INTO changes (device_id, seq, hlc, entity, entity_id, op, fields) VALUES (?1, ?2, ?3, 'event', ?4, 'update', ?5)",
            rusqlite::params![device, seq + 1, Hlc::new(now_ms(), 0).to_string(), event, fields],
        )
        .unwrap();
        (device, seq as u64 + 1)
    };
    // And work after it.
    muster(&db, &["event", "create", "--name", "延安", "--venue", "礼堂", "--starts", "2026-12-05", "--days", "1"]);
    let token = add_device(&rt, &backend, "laptop");
    let r = muster(&db, &["sync", "--server", &url, "--token", &token]);
    assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
    assert_eq!(r.json()["pending"], 0, "{}", r.stdout);
    assert_eq!(r.json()["quarantined"], 1);
    let list = muster(&db, &["sync", "quarantine"]).json();
    assert_eq!(list["quarantined"][0]["seq"], seq, "{list}");
    assert!(list["quarantined"][0]["reason"].as_str().unwrap().contains("could never be sent"), "{list}");
    assert_eq!(list["quarantined"][0]["device_id"], device.as_str());
    // Another laptop gets the event made after it.
    let db2 = dir.path().join("laptop2.db");
    let token2 = add_device(&rt, &backend, "laptop 2");
    assert_eq!(muster(&db2, &["sync", "--server", &url, "--token", &token2]).code, 0);
    assert!(muster(&db2, &["event", "list"]).stdout.contains("延安"));
}

#[test]
fn mistakes_at_the_command_line_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("laptop.db");
    muster(&db, &["event", "create", "--name", "灵寿", "--venue", "县会堂", "--starts", "2026-12-01", "--days", "2"]);
    let cases: Vec<(&str, Vec<String>, i32, &str)> = vec![
        ("a server without http://", vec!["sync".into(), "--server".into(), "127.0.0.1:8080".into(), "--token".into(), "t".into()], 3, "must start with http://"),
        ("serve on this laptop's own store", vec!["serve".into(), "--store".into(), format!("sqlite:{}", db.display())], 3, "a laptop's store"),
        (
            "pair a device in a laptop's store",
            vec!["server".into(), "device".into(), "add".into(), "--store".into(), format!("sqlite:{}", db.display()), "--name".into(), "x".into()],
            3,
            "a laptop's store",
        ),
    ];
    for (name, args, code, says) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = muster(&db, &args);
        assert_eq!(r.code, code, "{name}: {} {}", r.stdout, r.stderr);
        assert!(format!("{}{}", r.stdout, r.stderr).contains(says), "{name}: {} {}", r.stdout, r.stderr);
    }
    // The laptop's store was not written into.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let server_tables: i64 =
        conn.query_row("SELECT COUNT(*) FROM sqlite_master WHERE name IN ('devices', 'origins')", [], |r| r.get(0)).unwrap();
    assert_eq!(server_tables, 0);
}

/// A paired laptop gone bad, for the fault harness: each round it pushes
/// something the server must refuse (a broken change, a change under an
/// honest laptop's id, garbage bytes), and sometimes a good change of its
/// own, which everyone then holds.
pub struct Hostile {
    pub token: String,
    pub device: String,
    pub next_seq: u64,
}

impl Hostile {
    pub fn act(&mut self, url: &str, roll: u64, victim: &str) {
        let bad = bad_changes(&self.device);
        let (status, _) = match roll % 4 {
            0 => {
                let (_, c, _) = bad[(roll / 4) as usize % bad.len()].clone();
                let mut c = c;
                c.seq = if c.seq == u64::MAX { c.seq } else { self.next_seq };
                push(url, &self.token, &self.device, vec![c])
            }
            1 => push(url, &self.token, victim, vec![event_change(victim, 1_000 + roll, "FORGED NAME")]),
            2 => post(url, &self.token, "/v1/push", b"\x28\xb5\x2f\xfd garbage"),
            _ => {
                let r = push(url, &self.token, &self.device, vec![event_change(&self.device, self.next_seq, "hostile but valid")]);
                if r.0 == 200 {
                    self.next_seq += 1;
                }
                return;
            }
        };
        assert!((400..500).contains(&status), "the hostile push got {status}");
    }
}

#[test]
fn a_large_backlog_goes_up_in_pieces_the_server_takes() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, backend, rt) = start_server(&format!("sqlite:{}", dir.path().join("server.db").display()));
    let url = format!("http://{addr}");
    let db = dir.path().join("laptop.db");
    let event = create_event_cli(&db);
    // 100 trainees with 10 long free-text columns of hard-to-compress text:
    // some 30 MB of change log, more than one request may carry compressed
    // (16 MB).
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    let mut text = |n: usize| -> String {
        (0..n)
            .map(|_| {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                (b'a' + (rng % 26) as u8) as char
            })
            .collect()
    };
    let mut csv = String::from("姓名,手机号码");
    for c in 0..10 {
        csv.push_str(&format!(",备注{c}"));
    }
    csv.push('\n');
    for i in 0..100 {
        csv.push_str(&format!("学员{i},138{:08}", i));
        for _ in 0..10 {
            csv.push(',');
            csv.push_str(&text(30_000));
        }
        csv.push('\n');
    }
    let file = dir.path().join("roster.csv");
    std::fs::write(&file, csv).unwrap();
    let r = muster(&db, &["roster", "import", "--event", &event, file.to_str().unwrap()]);
    assert_eq!(r.json()["imported"], 100, "{}", r.stdout);
    let token = add_device(&rt, &backend, "laptop");
    let r = muster(&db, &["sync", "--server", &url, "--token", &token]);
    assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
    assert_eq!(r.json()["pending"], 0);
    let db2 = dir.path().join("laptop2.db");
    let token2 = add_device(&rt, &backend, "laptop 2");
    assert_eq!(muster(&db2, &["sync", "--server", &url, "--token", &token2]).code, 0);
    assert_eq!(muster(&db2, &["roster", "list", "--event", &event]).json()["trainees"].as_array().unwrap().len(), 100);
}
