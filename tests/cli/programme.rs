//! The programme: two stops of one programme on two laptops, each limited
//! by the server to its stop, a trainee who attends both, the organiser's
//! laptop and the server's report that see both; a laptop that asks for
//! more gets nothing more, a token that pushes into another stop is
//! refused; a closed stop is read-only and, once synced, purged from the
//! laptop's file (a byte-grep). Real server on SQLite and PostgreSQL.

use crate::sync::start_server;
use muster_tests::muster;
use serde_json::Value;
use std::path::{Path, PathBuf};

const ID_WANG: &str = "130126198805123425";
/// Only at stop 2 (Yan'an): never on laptop A.
const ONLY_YANAN: &str = "赵延河";
const ID_ONLY_YANAN: &str = "610602199001011239";

fn ok(r: &muster_tests::Run) -> Value {
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    r.json()
}

fn join(admin: &Path, store: &str, db: &Path, name: &str, limit: &[&str]) -> Value {
    let mut args = vec!["server", "device", "add", "--store", store, "--name", name];
    args.extend_from_slice(limit);
    let added = ok(&muster(admin, &args));
    ok(&muster(db, &["join", added["join"].as_str().unwrap()]));
    added
}

/// Bytes of the store file and its write-ahead log.
fn file_bytes(db: &Path) -> Vec<u8> {
    let mut all = std::fs::read(db).unwrap();
    if let Ok(wal) = std::fs::read(format!("{}-wal", db.display())) {
        all.extend(wal);
    }
    all
}

fn holds(db: &Path, text: &str) -> bool {
    let bytes = file_bytes(db);
    let needle = text.as_bytes();
    bytes.windows(needle.len()).any(|w| w == needle)
}

fn roster(db: &Path, dir: &Path, event: &str, tag: &str, rows: &str) {
    let file = dir.join(format!("{tag}.csv"));
    std::fs::write(&file, format!("姓名,手机号码,身份证号\n{rows}")).unwrap();
    ok(&muster(db, &["roster", "import", "--event", event, file.to_str().unwrap()]));
}

fn trainee(db: &Path, event: &str, name: &str) -> String {
    let list = ok(&muster(db, &["roster", "list", "--event", event]));
    list["trainees"].as_array().unwrap().iter().find(|t| t["name"] == name).unwrap_or_else(|| panic!("{name} in {list}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn stop(db: &Path, name: &str, starts: &str, programme: &str) -> (String, String) {
    let e = ok(&muster(db, &["event", "create", "--name", name, "--venue", name, "--starts", starts, "--days", "2", "--programme", programme]));
    let id = e["id"].as_str().unwrap().to_string();
    assert_eq!(e["programme_id"].as_str().map(str::len), Some(36), "{e}");
    let s = ok(&muster(db, &["session", "add", "--event", &id, "--title", "第一天", "--starts", &format!("{starts}T09:00"), "--ends", &format!("{starts}T17:00")]));
    (id, s["id"].as_str().unwrap().to_string())
}

fn programme(store: &str) {
    let (addr, _backend, _rt) = start_server(store);
    let url = format!("http://{addr}");
    let dir = tempfile::tempdir().unwrap();
    let db = |n: &str| -> PathBuf { dir.path().join(format!("{n}.db")) };
    let (admin, office, a, b) = (db("admin"), db("office"), db("a"), db("b"));
    ok(&muster(&admin, &["server", "init", "--store", store, "--org", "4IR Programme Office", "--public-url", &url]));

    // The organisers' laptop (not limited) makes the programme and its stops.
    join(&admin, store, &office, "Programme office", &[]);
    let p = ok(&muster(&office, &["programme", "create", "--name", "第四次工业革命助力产业帮扶与乡村振兴"]));
    let pid = p["id"].as_str().unwrap().to_string();
    let (lingshou, s1) = stop(&office, "灵寿县培训", "2026-11-20", &pid);
    // By its exact name too.
    let (yanan, s2) = stop(&office, "延安培训", "2027-03-10", "第四次工业革命助力产业帮扶与乡村振兴");
    ok(&muster(&office, &["sync"]));

    // An unknown event or programme pairs nothing.
    let bad = muster(&admin, &["server", "device", "add", "--store", store, "--name", "x", "--events", "0190f5c2-0000-7000-8000-000000000000"]);
    assert_eq!(bad.code, 3, "{}", bad.stdout);
    let bad = muster(&admin, &["server", "device", "add", "--store", store, "--name", "x", "--programme", "Nowhere"]);
    assert_eq!(bad.code, 3, "{}", bad.stdout);

    // Laptop A works Lingshou, laptop B Yan'an (by the programme... and its event).
    let added = join(&admin, store, &a, "Lingshou laptop", &["--events", &lingshou]);
    assert_eq!(added["events"], serde_json::json!([lingshou]));
    join(&admin, store, &b, "Yan'an laptop", &["--events", &yanan]);
    ok(&muster(&a, &["sync"]));
    ok(&muster(&b, &["sync"]));
    let status = ok(&muster(&a, &["sync", "status"]));
    assert_eq!(status["events"], serde_json::json!([lingshou]), "the join gave A its stop: {status}");

    roster(&a, dir.path(), &lingshou, "lingshou", &format!("王素梅,13812345678,{ID_WANG}\n李建国,13900001111,\n"));
    roster(&b, dir.path(), &yanan, "yanan", &format!("王素梅,13812345678,{ID_WANG}\n{ONLY_YANAN},13700000011,{ID_ONLY_YANAN}\n"));
    let wang_a = trainee(&a, &lingshou, "王素梅");
    let wang_b = trainee(&b, &yanan, "王素梅");
    ok(&muster(&a, &["checkin", "--event", &lingshou, "--session", &s1, "--trainee", &wang_a, "--at", "2026-11-20T09:00"]));
    ok(&muster(&b, &["checkin", "--event", &yanan, "--session", &s2, "--trainee", &wang_b, "--at", "2027-03-10T09:00"]));
    for l in [&a, &b, &office, &a, &b] {
        ok(&muster(l, &["sync"]));
    }

    // Both laptops know the programme and both stops' names and dates...
    for (l, mine, other) in [(&a, &lingshou, &yanan), (&b, &yanan, &lingshou)] {
        let show = ok(&muster(l, &["programme", "show", &pid]));
        let stops = show["stops"].as_array().unwrap();
        assert_eq!(stops.len(), 2, "{show}");
        assert_eq!(stops[0]["event_id"], lingshou, "in date order: {show}");
        let held = |e: &String| stops.iter().find(|s| s["event_id"] == *e).unwrap().clone();
        assert_eq!(held(mine)["held"], true, "{show}");
        assert_eq!(held(mine)["trainees"], 2, "{show}");
        assert_eq!(held(other)["held"], false, "{show}");
        assert_eq!(held(other)["trainees"], 0, "{show}");
    }
    // ...and never the other stop's people: not in any table, not in the log.
    assert!(!holds(&a, ONLY_YANAN) && !holds(&a, ID_ONLY_YANAN), "laptop A's file holds Yan'an's trainee");
    assert!(!holds(&b, "李建国"), "laptop B's file holds Lingshou's trainee");
    // A's token asking the server itself for everything (not the laptop's
    // own filter) gets no Yan'an person either.
    let token = muster_sync::config::load(&a).unwrap().token;
    let raw = muster_sync::HttpTransport::new(&url, &token)
        .pull(&muster_protocol::sync::PullRequest {
            protocol: muster_protocol::PROTOCOL_VERSION,
            device_id: ok(&muster(&a, &["sync", "status"]))["device_id"].as_str().unwrap().to_string(),
            cursor: 0,
            limit: 10_000,
            include_own: true,
            events: None,
        })
        .unwrap();
    let all = serde_json::to_string(&raw.changes).unwrap();
    assert!(all.contains("李建国") && !all.contains(ONLY_YANAN) && !all.contains(ID_ONLY_YANAN), "the server gave A's token another stop's trainee");
    assert!(all.contains("延安培训"), "the other stop's name and dates reach every laptop");
    // Asking for more gets nothing more: the server keeps A to its stop.
    ok(&muster(&a, &["sync", "--events", &format!("{lingshou},{yanan}")]));
    assert!(!holds(&a, ONLY_YANAN), "a laptop that asks for another stop still gets none of it");
    ok(&muster(&a, &["sync", "--events", &lingshou]));

    // The organisers' laptop holds both; the person is linked, not merged.
    let h = ok(&muster(&office, &["trainee", "history", "--trainee", &wang_a]));
    let stops = h["stops"].as_array().unwrap();
    assert_eq!(stops.len(), 2, "{h}");
    assert_eq!((stops[0]["event_id"].as_str(), stops[1]["event_id"].as_str()), (Some(lingshou.as_str()), Some(yanan.as_str())), "{h}");
    assert_eq!(stops[0]["hours"], 8.0, "{h}");
    assert_eq!(stops[1]["trainee_id"], wang_b, "{h}");
    assert_eq!(ok(&muster(&office, &["roster", "list", "--event", &yanan]))["trainees"].as_array().unwrap().len(), 2, "nothing merged");
    // On laptop A only its own stop.
    assert_eq!(ok(&muster(&a, &["trainee", "history", "--trainee", &wang_a]))["stops"].as_array().unwrap().len(), 1);

    // The server's report agrees with the organisers' laptop exactly.
    let report = ok(&muster(&admin, &["server", "report", "--store", store, "--programme", &pid, "--read-model", dir.path().join("read.db").to_str().unwrap()]));
    let show = ok(&muster(&office, &["programme", "show", &pid]));
    for key in ["trainees", "checked_in", "certificates", "responses"] {
        assert_eq!(report["totals"][key], show["totals"][key], "{key}: {report} vs {show}");
    }
    assert_eq!(report["totals"]["trainees"], 4, "{report}");
    assert_eq!(report["totals"]["checked_in"], 2, "{report}");
    let r_stops = report["stops"].as_array().unwrap();
    assert_eq!(r_stops.iter().map(|s| s["trainees"].as_u64().unwrap()).collect::<Vec<_>>(), [2, 2], "{report}");
    // Again: the read model goes on from where it stopped.
    let again = ok(&muster(&admin, &["server", "report", "--store", store, "--programme", &pid, "--read-model", dir.path().join("read.db").to_str().unwrap()]));
    assert_eq!(again["read_model"]["applied"], 0, "{again}");
    assert_eq!(again["totals"], report["totals"]);

    // A token that pushes into another stop is refused whole.
    let c = db("c");
    join(&admin, store, &c, "Lingshou laptop 2", &["--events", &lingshou]);
    ok(&muster(&c, &["sync"]));
    roster(&c, dir.path(), &yanan, "sneak", "冒名者,13600000000,\n");
    let refused = muster(&c, &["sync"]);
    assert_ne!(refused.code, 0, "{}", refused.stdout);
    assert!(refused.stdout.contains("out_of_scope") || refused.stdout.contains("outside the events"), "{}{}", refused.stdout, refused.stderr);
    ok(&muster(&office, &["sync"]));
    assert!(!holds(&office, "冒名者"), "nothing of the refused batch reached anyone");

    // Closing a stop: read-only; purging it: only once all of it is sent.
    let early = muster(&a, &["event", "purge", &lingshou]);
    assert_ne!(early.code, 0, "an open event is not purged: {}", early.stdout);
    ok(&muster(&a, &["event", "close", &lingshou]));
    let closed = muster(&a, &["checkin", "--event", &lingshou, "--session", &s1, "--trainee", &trainee(&a, &lingshou, "李建国"), "--at", "2026-11-20T10:00"]);
    assert_ne!(closed.code, 0, "a closed event takes no check-in: {}", closed.stdout);
    assert!(closed.stdout.contains("closed"), "{}", closed.stdout);
    let unsent = muster(&a, &["event", "purge", &lingshou]);
    assert_ne!(unsent.code, 0, "{}", unsent.stdout);
    assert!(unsent.stdout.contains("have not reached the central service"), "{}", unsent.stdout);
    assert!(holds(&a, ID_WANG), "nothing was removed");
    ok(&muster(&a, &["sync"]));
    let purged = ok(&muster(&a, &["event", "purge", &lingshou]));
    assert_eq!(purged["trainees"], 2, "{purged}");
    for text in ["王素梅", ID_WANG, "李建国", "13900001111"] {
        assert!(!holds(&a, text), "{text} is still in laptop A's file after the purge");
    }
    // The stop's name stays; a later sync (even from the start) brings nothing back.
    let events = ok(&muster(&a, &["event", "list"]));
    assert!(events["events"].as_array().unwrap().iter().any(|e| e["id"] == lingshou && e["purged_at"].is_string()), "{events}");
    ok(&muster(&a, &["sync", "--events", "all"]));
    ok(&muster(&a, &["sync"]));
    assert!(!holds(&a, ID_WANG), "a pull brought a purged stop back");
    // The central service still holds everything.
    ok(&muster(&office, &["sync"]));
    assert_eq!(ok(&muster(&office, &["roster", "list", "--event", &lingshou]))["trainees"].as_array().unwrap().len(), 2);
}

#[test]
fn two_stops_two_laptops_through_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    programme(&format!("sqlite:{}", dir.path().join("server.db").display()));
}

#[test]
fn two_stops_two_laptops_through_postgres() {
    let pg = crate::sync::postgres::Postgres::start();
    programme(&pg.url);
}

/// A stop abroad (Cambodia): Khmer names and mobiles written with the
/// country code import, the door finds them by the last four digits, and a
/// national number without its code is refused naming what to write.
#[test]
fn a_stop_abroad_takes_mobiles_with_their_country_code() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pp.db");
    let p = ok(&muster(&db, &["programme", "create", "--name", "4IR"]))["id"].as_str().unwrap().to_string();
    let e = ok(&muster(&db, &["event", "create", "--name", "Phnom Penh", "--starts", "2027-06-01", "--days", "2", "--programme", &p]))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let file = dir.path().join("pp.csv");
    std::fs::write(&file, "姓名,手机号码\nសុខ ចាន់ធា,+855 12 345 678\nKeo Sophea,00855 (0)97 123 4567\nNo Code,012 345 678\n").unwrap();
    let r = muster(&db, &["roster", "import", "--event", &e, file.to_str().unwrap()]);
    let j = r.json();
    assert_eq!(j["imported"], 2, "{j}");
    assert_eq!(j["rejected"], 1, "{j}");
    assert!(j["errors"].to_string().contains("country code"), "{j}");
    let phones: Vec<String> = ok(&muster(&db, &["roster", "list", "--event", &e]))["trainees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["phone"].as_str().unwrap().to_string())
        .collect();
    assert!(phones.contains(&"+85512345678".to_string()) && phones.contains(&"+855971234567".to_string()), "{phones:?}");
    let found = ok(&muster(&db, &["search", "--event", &e, "5678"]));
    assert_eq!(found["results"][0]["name"], "សុខ ចាន់ធា", "{found}");
}
