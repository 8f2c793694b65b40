//! Sync against the real server: in-process on loopback for the many
//! seeded fault runs, and the real `muster serve` process where a kill -9
//! is the point. Every scenario ends with the same check: after healing,
//! every store holds the same data and the server holds every change once.

mod faults;
pub mod postgres;
mod proxy;
mod logs;
mod restore;

use muster_core::attendance::{MarkRequest, Who};
use muster_core::model::{NewEvent, NewSession};
use muster_core::Muster;
use muster_server::Backend;
use muster_sync::HttpTransport;
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;

/// Starts the real server (in this process, on its own runtime) on a free
/// loopback port; returns its address and the backend for inspection.
pub fn start_server(store: &str) -> (SocketAddr, Backend, tokio::runtime::Handle) {
    start_server_with(store, None)
}

/// [`start_server`] with the organisers' view reading its figures from a
/// read model at `read_model`.
pub fn start_server_with(store: &str, read_model: Option<std::path::PathBuf>) -> (SocketAddr, Backend, tokio::runtime::Handle) {
    let (tx, rx) = std::sync::mpsc::channel();
    let store = store.to_string();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async move {
            let backend = Backend::open(&store).await.expect("server store opens");
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send((listener.local_addr().unwrap(), backend.clone(), tokio::runtime::Handle::current())).unwrap();
            muster_server::serve_on_with(listener, backend, read_model).await.unwrap();
        });
    });
    rx.recv().unwrap()
}

pub fn add_device(rt: &tokio::runtime::Handle, backend: &Backend, name: &str) -> String {
    let b = backend.clone();
    let name = name.to_string();
    std::thread::spawn({
        let rt = rt.clone();
        move || rt.block_on(async move { b.add_device(&name).await.unwrap().token })
    })
    .join()
    .unwrap()
}

/// One laptop: its own store file and device token.
pub struct Laptop {
    pub m: Muster,
    pub token: String,
}

impl Laptop {
    pub fn new(dir: &Path, name: &str, token: String) -> Laptop {
        Laptop { m: Muster::open(&dir.join(format!("{name}.db"))).unwrap(), token }
    }

    pub fn sync(&mut self, url: &str) -> Result<muster_core::sync::SyncReport, muster_sync::SyncError> {
        muster_sync::sync_http(&mut self.m, &HttpTransport::new(url, &self.token), &mut |_| {})
    }

    /// Syncs until a run succeeds (faults may break some).
    pub fn sync_until_ok(&mut self, url: &str, tries: usize) {
        let mut last = None;
        for _ in 0..tries {
            match self.sync(url) {
                Ok(_) => return,
                Err(e) => last = Some(e),
            }
        }
        panic!("sync never succeeded: {last:?}");
    }

    /// Every change this store holds, as (device, seq).
    pub fn change_keys(&self) -> BTreeSet<(String, u64)> {
        let s = self.m.store();
        let mut keys = BTreeSet::new();
        for d in s.devices_in_log().unwrap() {
            for c in s.changes_since(&d, 0, usize::MAX >> 1).unwrap() {
                keys.insert((c.device_id, c.seq));
            }
        }
        keys
    }

    /// What a coordinator sees: events, rosters, attendance, as JSON text.
    pub fn view(&self) -> String {
        let mut out = Vec::new();
        for e in self.m.list_events().unwrap() {
            let mut roster = self.m.roster(&e.id).unwrap();
            roster.sort_by(|a, b| a.id.cmp(&b.id));
            let report = self.m.attendance_report(&e.id).unwrap();
            out.push(serde_json::json!({"event": e, "sessions": self.m.list_sessions(&e.id).unwrap(), "roster": roster, "attendance": report}));
        }
        serde_json::to_string_pretty(&out).unwrap()
    }
}

/// The venue: laptop A creates the event and roster; everyone syncs.
pub fn create_event(a: &mut Laptop, trainees: usize) -> (String, String) {
    let e = a.m.create_event(NewEvent { name: "县电商培训".into(), venue: "文化中心".into(), starts_on: "2026-12-01".into(), days: 1 }).unwrap();
    let s = a
        .m
        .add_session(&e.id, NewSession { title: "Day 1".into(), starts_at: "2026-12-01T09:00".into(), ends_at: "2026-12-01T17:00".into() })
        .unwrap();
    for i in 0..trainees {
        a.m.walk_in(&e.id, &format!("学员{i}"), Some(&format!("138{:08}", i)), None).unwrap();
    }
    (e.id, s.id)
}

pub fn check_in(l: &mut Laptop, event: &str, session: &str, trainee: &str, at: &str) {
    l.m.check_in(&MarkRequest {
        event_id: event.into(),
        session_id: session.into(),
        who: Who::Id(trainee.into()),
        at: Some(at.into()),
        force: true,
        source: muster_core::attendance::Source::Scan,
    })
    .unwrap();
}

/// After healing: identical stores, and the server holds each change once.
pub fn assert_converged(laptops: &[&Laptop], rt: &tokio::runtime::Handle, backend: &Backend) {
    let keys = laptops[0].change_keys();
    let view = laptops[0].view();
    for l in &laptops[1..] {
        assert_eq!(l.change_keys(), keys, "every store holds the same changes");
        assert_eq!(l.view(), view, "every store shows the same data");
    }
    let b = backend.clone();
    let held = std::thread::spawn({
        let rt = rt.clone();
        move || rt.block_on(async move { b.count_changes().await.unwrap() })
    })
    .join()
    .unwrap();
    assert_eq!(held as usize, keys.len(), "the server holds every change exactly once");
}

fn two_laptops_converge(store: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (addr, backend, rt) = start_server(store);
    let url = format!("http://{addr}");
    let mut a = Laptop::new(dir.path(), "a", add_device(&rt, &backend, "A"));
    let mut b = Laptop::new(dir.path(), "b", add_device(&rt, &backend, "B"));
    let (event, session) = create_event(&mut a, 30);
    let r = a.sync(&url).unwrap();
    // 32 rows, each with its audit line.
    assert_eq!((r.pushed, r.pending), (64, 0));
    let r = b.sync(&url).unwrap();
    assert_eq!(r.pulled, 64);
    // Both laptops check people in at the door, one person on both.
    let roster = b.m.roster(&event).unwrap();
    check_in(&mut a, &event, &session, &roster[0].id, "2026-12-01T08:40");
    check_in(&mut b, &event, &session, &roster[0].id, "2026-12-01T08:42");
    check_in(&mut b, &event, &session, &roster[1].id, "2026-12-01T09:30");
    a.sync(&url).unwrap();
    b.sync(&url).unwrap();
    a.sync(&url).unwrap();
    // A second sync with nothing new moves nothing.
    let again = a.sync(&url).unwrap();
    assert_eq!((again.pushed, again.pulled), (0, 0));
    assert_converged(&[&a, &b], &rt, &backend);
    let report = a.m.attendance_report(&event).unwrap();
    assert_eq!(report.sessions[0].arrived, 2);
    let first = &report.trainees.iter().find(|t| t.id == roster[0].id).unwrap().sessions[&session];
    assert_eq!(first.checked_in.as_deref(), Some("2026-12-01T08:40:00"), "the earliest check-in of the two laptops");
}

#[test]
fn two_laptops_converge_through_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    two_laptops_converge(&format!("sqlite:{}", dir.path().join("server.db").display()));
}

#[test]
fn two_laptops_converge_through_postgres() {
    let pg = postgres::Postgres::start();
    two_laptops_converge(&pg.url);
}

#[test]
fn field_edits_merge_and_the_later_writer_wins_with_history_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, backend, rt) = start_server(&format!("sqlite:{}", dir.path().join("server.db").display()));
    let url = format!("http://{addr}");
    let mut a = Laptop::new(dir.path(), "a", add_device(&rt, &backend, "A"));
    let mut b = Laptop::new(dir.path(), "b", add_device(&rt, &backend, "B"));
    let (event, _) = create_event(&mut a, 3);
    a.sync(&url).unwrap();
    b.sync(&url).unwrap();
    let t = a.m.roster(&event).unwrap().remove(0);
    // B's clock runs two hours ahead: its name edit is the later one even
    // though A types after it.
    b.m.store_mut().skew_clock(2 * 3_600_000);
    let patch = |name: Option<&str>, phone: Option<&str>, org: Option<&str>| muster_core::trainee::TraineePatch {
        name: name.map(String::from),
        phone: phone.map(String::from),
        organization: org.map(String::from),
        ..Default::default()
    };
    b.m.edit_trainee(&t.id, &patch(Some("王素梅"), None, Some("王家村"))).unwrap();
    a.m.edit_trainee(&t.id, &patch(Some("王淑梅"), Some("13912345678"), None)).unwrap();
    a.sync(&url).unwrap();
    b.sync(&url).unwrap();
    a.sync(&url).unwrap();
    assert_converged(&[&a, &b], &rt, &backend);
    let merged = a.m.trainee(&t.id).unwrap();
    assert_eq!(merged.fields.name, "王素梅", "later HLC wins the name");
    assert_eq!(merged.fields.phone.as_deref(), Some("13912345678"), "A's phone edit kept");
    assert_eq!(merged.fields.organization.as_deref(), Some("王家村"), "B's organisation edit kept");
    // Both versions of the name stay in the change log.
    let names: BTreeSet<String> = [a.m.store().device_id().to_string(), b.m.store().device_id().to_string()]
        .iter()
        .flat_map(|d| a.m.store().changes_since(d, 0, 1000).unwrap())
        .filter(|c| c.entity_id == t.id)
        .filter_map(|c| c.fields.get("name").and_then(|v| v.as_str()).map(String::from))
        .collect();
    assert!(names.contains("王素梅") && names.contains("王淑梅"), "{names:?}");
    assert!(a.m.search(&event, "wangsumei", 3).unwrap().iter().any(|x| x.id == t.id), "search index follows the merge");
}

#[test]
fn unknown_and_revoked_tokens_get_401_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, backend, rt) = start_server(&format!("sqlite:{}", dir.path().join("server.db").display()));
    let url = format!("http://{addr}");
    let token = add_device(&rt, &backend, "A");
    let mut a = Laptop::new(dir.path(), "a", "not-a-token".into());
    create_event(&mut a, 2);
    match a.sync(&url) {
        Err(muster_sync::SyncError::Refused { status: 401, .. }) => {}
        other => panic!("expected 401, got {other:?}"),
    }
    a.token = token.clone();
    a.sync(&url).unwrap();
    let b = backend.clone();
    let id = std::thread::spawn({
        let rt = rt.clone();
        move || rt.block_on(async move { b.list_devices().await.unwrap().remove(0).id })
    })
    .join()
    .unwrap();
    let b = backend.clone();
    std::thread::spawn({
        let rt = rt.clone();
        move || rt.block_on(async move { b.revoke(&id).await.unwrap() })
    })
    .join()
    .unwrap();
    let before = a.m.store().changes_since(a.m.store().device_id(), 0, 100).unwrap().len();
    a.m.walk_in(&a.m.list_events().unwrap()[0].id, "新人", None, None).unwrap();
    match a.sync(&url) {
        Err(muster_sync::SyncError::Refused { status: 401, code, .. }) => assert_eq!(code, "unauthorized"),
        other => panic!("expected 401, got {other:?}"),
    }
    let b = backend.clone();
    let held = std::thread::spawn({
        let rt = rt.clone();
        move || rt.block_on(async move { b.count_changes().await.unwrap() })
    })
    .join()
    .unwrap();
    assert_eq!(held as usize, before, "the revoked device's new change was not stored");
}

#[test]
fn an_old_client_is_told_to_update_and_nothing_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, backend, rt) = start_server(&format!("sqlite:{}", dir.path().join("server.db").display()));
    let token = add_device(&rt, &backend, "A");
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let body = muster_protocol::sync::encode(&serde_json::json!({"protocol": 0, "device_id": "x", "changes": []}));
    let mut resp = agent
        .post(&format!("http://{addr}/v1/push"))
        .header("Authorization", &format!("Bearer {token}"))
        .header("X-Muster-Protocol", "0")
        .send(&body[..])
        .unwrap();
    assert_eq!(resp.status().as_u16(), 426);
    let text = resp.body_mut().read_to_string().unwrap();
    assert!(text.contains("protocol_version") && text.contains("please update"), "{text}");
    // Garbage bodies are a 400, never a crash.
    let resp = agent.post(&format!("http://{addr}/v1/push")).header("Authorization", &format!("Bearer {token}")).send(&b"garbage"[..]).unwrap();
    assert_eq!(resp.status().as_u16(), 400);
}

#[test]
fn sneakernet_export_and_import_are_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = Laptop::new(dir.path(), "a", String::new());
    let mut c = Laptop::new(dir.path(), "c", String::new());
    let (event, session) = create_event(&mut a, 10);
    let t = a.m.roster(&event).unwrap().remove(0);
    check_in(&mut a, &event, &session, &t.id, "2026-12-01T08:50");
    let file = dir.path().join("usb.muster");
    let (n, written) = muster_sync::file::export(&mut a.m, &file, false).unwrap();
    assert_eq!(n, 26, "13 rows, each with its audit line");
    assert_eq!((written.file.as_str(), written.encrypted), (file.to_str().unwrap(), false), "a plain store writes a plain file");
    assert_eq!(muster_sync::file::import(&mut c.m, &file).unwrap(), 26);
    assert_eq!(muster_sync::file::import(&mut c.m, &file).unwrap(), 0);
    assert_eq!(c.view(), a.view());
    std::fs::write(&file, b"not a sync file").unwrap();
    let err = muster_sync::file::import(&mut c.m, &file).unwrap_err();
    assert_eq!(err.code(), muster_core::ErrorCode::InvalidInput);
}

fn pair_relay(rt: &tokio::runtime::Handle, backend: &Backend, name: &str) -> String {
    let b = backend.clone();
    let name = name.to_string();
    std::thread::spawn({
        let rt = rt.clone();
        move || rt.block_on(async move { b.pair(&name, true).await.unwrap().token })
    })
    .join()
    .unwrap()
}

/// A venue hub: laptops sync with a hub on the local Wi-Fi all day; in the
/// evening the hub's laptop forwards everything to the central service,
/// where a laptop that never saw the venue finds it all.
#[test]
fn a_venue_hub_relays_every_laptops_changes_to_the_central_service() {
    let dir = tempfile::tempdir().unwrap();
    let (hub_addr, hub, hub_rt) = start_server(&format!("sqlite:{}", dir.path().join("hub.db").display()));
    let (central_addr, central, central_rt) = start_server(&format!("sqlite:{}", dir.path().join("central.db").display()));
    let (hub_url, central_url) = (format!("http://{hub_addr}"), format!("http://{central_addr}"));
    let mut a = Laptop::new(dir.path(), "a", add_device(&hub_rt, &hub, "A"));
    let mut b = Laptop::new(dir.path(), "b", add_device(&hub_rt, &hub, "B"));
    let mut h = Laptop::new(dir.path(), "h", add_device(&hub_rt, &hub, "hub laptop"));
    let (event, session) = create_event(&mut a, 20);
    a.sync(&hub_url).unwrap();
    b.sync(&hub_url).unwrap();
    let roster = b.m.roster(&event).unwrap();
    check_in(&mut b, &event, &session, &roster[3].id, "2026-12-01T08:45");
    b.sync(&hub_url).unwrap();
    h.sync(&hub_url).unwrap();
    h.m.walk_in(&event, "晚到的人", Some("13912340000"), None).unwrap();

    // An ordinary token may not forward other laptops' changes.
    let plain = add_device(&central_rt, &central, "hub as plain device");
    let refused = muster_sync::sync_http_with(&mut h.m, &HttpTransport::new(&central_url, &plain), true, &mut |_| {});
    assert!(matches!(refused, Err(muster_sync::SyncError::Refused { status: 403, .. })), "{refused:?}");

    // The organiser revokes the mistaken token and pairs the hub as a relay;
    // the hub's own changes pass to the new token.
    let c = central.clone();
    std::thread::spawn({
        let rt = central_rt.clone();
        move || {
            rt.block_on(async move {
                let d = c.list_devices().await.unwrap().into_iter().find(|d| d.name == "hub as plain device").unwrap();
                c.revoke(&d.id).await.unwrap();
            })
        }
    })
    .join()
    .unwrap();
    let relay = pair_relay(&central_rt, &central, "hub relay");
    let r = muster_sync::sync_http_with(&mut h.m, &HttpTransport::new(&central_url, &relay), true, &mut |_| {}).unwrap();
    assert_eq!(r.pending, 0);
    // Relaying again sends nothing twice.
    muster_sync::sync_http_with(&mut h.m, &HttpTransport::new(&central_url, &relay), true, &mut |_| {}).unwrap();

    let mut d = Laptop::new(dir.path(), "d", add_device(&central_rt, &central, "office"));
    d.sync(&central_url).unwrap();
    assert_converged(&[&h, &d], &central_rt, &central);
    assert_eq!(d.m.roster(&event).unwrap().len(), 21);
    assert_eq!(d.m.attendance_report(&event).unwrap().sessions[0].arrived, 1);
}
