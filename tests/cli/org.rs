//! One organisation: a root key on the server, laptops that join with a
//! code, certificates any laptop of the organisation, the server's public
//! page, a phone's QR scan and an offline HTML verifier can check — and
//! revocation, device revocation and key rotation. Two laptops and a real
//! server (SQLite and PostgreSQL) and laptops that join late.

use crate::browser::Browser;
use crate::sync::start_server;
use muster_tests::muster;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const ORG: &str = "第四次工业革命助力产业帮扶与乡村振兴 · 4IR Programme Office";

struct Org {
    store: String,
    url: String,
    dir: tempfile::TempDir,
}

impl Org {
    fn db(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("{name}.db"))
    }

    /// Pairs a device and joins the laptop `name` with the join code.
    fn join(&self, name: &str) -> (PathBuf, Value) {
        let added = muster(&self.db("admin"), &["server", "device", "add", "--store", &self.store, "--name", name]);
        assert_eq!(added.code, 0, "{}{}", added.stdout, added.stderr);
        let added = added.json();
        let code = added["join"].as_str().expect("device add returns a join code").to_string();
        assert!(code.starts_with("MJ1") && code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()), "{code}");
        let db = self.db(name);
        // As a scanner or a person might enter it: lower case, in groups.
        let typed: String = code.to_lowercase().as_bytes().chunks(8).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ");
        let r = muster(&db, &["join", &typed]);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
        let j = r.json();
        assert_eq!(j["server"], self.url);
        assert_eq!(j["org"], ORG);
        assert_eq!(j["device_id"], added["device_id"]);
        (db, added)
    }
}

/// An event with three trainees on `db`, everyone eligible; returns (event
/// id, certificates issued, PDF).
fn issue(db: &Path, dir: &Path, tag: &str) -> (String, Vec<Value>, PathBuf) {
    let id = muster(db, &["event", "create", "--name", &format!("灵寿县培训 {tag}"), "--venue", "灵寿县", "--starts", "2026-11-20", "--days", "1"]).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let s = muster(db, &["session", "add", "--event", &id, "--title", "Day 1", "--starts", "2026-11-20T09:00", "--ends", "2026-11-20T17:00"]);
    assert_eq!(s.code, 0, "{}", s.stdout);
    let roster = dir.join(format!("{tag}.csv"));
    std::fs::write(&roster, "姓名,手机号码\n王素梅,13812345678\n李建国,13900001111\nAynur Məmmədova,13700000011\n").unwrap();
    assert_eq!(muster(db, &["roster", "import", "--event", &id, roster.to_str().unwrap()]).json()["imported"], 3);
    let pdf = dir.join(format!("{tag}.pdf"));
    let r = muster(db, &["certificates", "issue", "--event", &id, "--min-attendance", "0", "--out", pdf.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let certs = r.json()["certificates"].as_array().unwrap().clone();
    assert_eq!(certs.len(), 3);
    (id, certs, pdf)
}

fn muster_env(db: &Path, args: &[&str], pass: &str) -> muster_tests::Run {
    let out = Command::new(muster_tests::muster_bin()).arg("--db").arg(db).arg("--json").args(args).env("MUSTER_EXPORT_PASSPHRASE", pass).output().unwrap();
    muster_tests::Run { code: out.status.code().unwrap_or(-1), stdout: String::from_utf8_lossy(&out.stdout).into(), stderr: String::from_utf8_lossy(&out.stderr).into() }
}

fn verify(db: &Path, code: &str) -> (i32, Value) {
    let r = muster(db, &["certificates", "verify", code]);
    (r.code, r.json())
}

fn sync(db: &Path) {
    let r = muster(db, &["sync"]);
    assert_eq!(r.code, 0, "sync needs nothing after join: {}{}", r.stdout, r.stderr);
}

fn get(url: &str, json: bool) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut req = agent.get(url);
    if json {
        req = req.header("Accept", "application/json");
    }
    let mut resp = req.call().expect("the server answers");
    (resp.status().as_u16(), resp.body_mut().read_to_string().unwrap_or_default())
}

/// The QR codes zbarimg reads off the PDF's first page.
fn qr_texts(pdf: &Path, dir: &Path) -> Vec<String> {
    let prefix = dir.join("page");
    let st = Command::new("pdftoppm").args(["-r", "200", "-png", "-f", "1", "-l", "1"]).arg(pdf).arg(&prefix).status().expect("pdftoppm runs");
    assert!(st.success());
    let png = std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok().map(|e| e.path())).find(|p| p.file_name().unwrap().to_string_lossy().starts_with("page") && p.extension().is_some_and(|x| x == "png")).expect("a page image");
    let out = Command::new("zbarimg").args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"]).arg(&png).output().expect("zbarimg (zbar-tools) runs");
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).filter(|l| !l.is_empty()).collect()
}

fn organisation(store: &str) {
    let (addr, _backend, _rt) = start_server(store);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://{addr}");
    let org = Org { store: store.to_string(), url: url.clone(), dir };
    let admin = org.db("admin");

    // The organisation's key: once.
    let init = muster(&admin, &["server", "init", "--store", store, "--org", ORG, "--public-url", &url]);
    assert_eq!(init.code, 0, "{}{}", init.stdout, init.stderr);
    let init = init.json();
    assert_eq!(init["org"], ORG);
    let key_id = init["key_id"].as_str().unwrap().to_string();
    assert_eq!(key_id.len(), 16);
    assert_eq!(init["public_key"].as_str().unwrap().len(), 64);
    let again = muster(&admin, &["server", "init", "--store", store, "--org", "Someone else"]);
    assert_eq!(again.code, 3, "a second init is refused: {}", again.stdout);
    assert!(again.stdout.contains("already"), "{}", again.stdout);

    // Two laptops join; A issues certificates offline, with its device key.
    let (a, a_dev) = org.join("Lingshou laptop A");
    let (b, _) = org.join("Lingshou laptop B");
    let (event, certs, pdf) = issue(&a, org.dir.path(), "A");
    let wang = certs.iter().find(|c| c["name"] == "王素梅").unwrap().clone();
    let aynur = certs.iter().find(|c| c["name"] == "Aynur Məmmədova").unwrap().clone();
    let code = wang["code"].as_str().unwrap().to_string();
    let (rc, v) = verify(&a, &code);
    assert_eq!(rc, 0, "{v}");
    assert_eq!((v["valid"].clone(), v["org"].clone(), v["issued_by"].clone()), (Value::Bool(true), Value::from(ORG), Value::from("Lingshou laptop A")));
    // B never synced: its trust from joining already holds A's certificate.
    let (rc, v) = verify(&b, &code);
    assert_eq!(rc, 0, "{v}");
    assert_eq!(v["valid"], true);
    assert_eq!(v["name"], "王素梅");
    assert_eq!(v["hours"], 0.0);
    assert_eq!(v["issued_by"], "Lingshou laptop A");
    assert_eq!(v["number"], wang["number"]);

    // A syncs with nothing but what join stored; C joins later and never
    // syncs, and still says valid — with the event's name.
    sync(&a);
    let (c, _) = org.join("Yan'an laptop C");
    let (rc, v) = verify(&c, &code);
    assert_eq!(rc, 0, "{v}");
    assert_eq!(v["event"], "灵寿县培训 A");
    assert_eq!(v["org"], ORG);

    // Tampering: every laptop refuses; so does a laptop outside the organisation.
    let mut chars: Vec<char> = code.chars().collect();
    let i = chars.len() / 2;
    chars[i] = if chars[i] == 'X' { 'Y' } else { 'X' };
    let altered: String = chars.into_iter().collect();
    let (rc, v) = verify(&b, &altered);
    assert_eq!((rc, v["valid"].clone()), (3, Value::Bool(false)), "{v}");
    let outsider = org.db("outsider");
    let (rc, v) = verify(&outsider, &code);
    assert_eq!(rc, 3, "{v}");
    assert!(v["reason"].as_str().unwrap().contains("join"), "{v}");

    // The QR holds <public-url>/V/<CODE> in capitals; a phone opens it.
    let qrs = qr_texts(&pdf, org.dir.path());
    let qr = qrs.iter().find(|q| q.ends_with(&code)).unwrap_or_else(|| panic!("no QR with Wang's code among {qrs:?}"));
    assert_eq!(qr, &format!("{}/V/{code}", url.to_uppercase()));
    let (status, page) = get(&format!("{url}/V/{code}"), false);
    assert_eq!(status, 200);
    assert!(page.contains("证书真实有效") && page.contains("Genuine") && page.contains("王素梅") && page.contains("Lingshou laptop A"), "{page}");
    assert!(!page.contains("<script"), "the page needs no script");
    let (_, json) = get(&format!("{url}/v/{code}"), true);
    let json: Value = serde_json::from_str(&json).unwrap();
    assert_eq!((json["valid"].clone(), json["recorded"].clone(), json["event"].clone()), (Value::Bool(true), Value::Bool(true), Value::from("灵寿县培训 A")));
    // The number printed under the QR finds it on the server too.
    let (_, json) = get(&format!("{url}/v/{}", wang["number"].as_str().unwrap()), true);
    assert_eq!(serde_json::from_str::<Value>(&json).unwrap()["valid"], true, "{json}");
    // Junk and forgeries: a "not genuine" page, never a 500.
    for junk in [altered.as_str(), "hello", "%F0%9F%92%A9", &"Z".repeat(5000), "0"] {
        let (status, page) = get(&format!("{url}/v/{junk}"), false);
        assert_eq!(status, 200, "{junk}: {page}");
        assert!(page.contains("无法确认此证书"), "{junk}: {page}");
    }
    assert_eq!(get(&format!("{url}/nowhere"), false).0, 404);

    // Revocation is a synced fact.
    let wang_id = wang["id"].as_str().unwrap();
    let r = muster(&a, &["certificates", "revoke", "--certificate", wang_id, "--reason", "issued to the wrong person"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let rv = r.json();
    assert_eq!(rv["id"], wang_id);
    assert!(rv["revoked_at"].is_string());
    let twice = muster(&a, &["certificates", "revoke", "--certificate", wang_id, "--reason", "again"]);
    assert_eq!(twice.code, 3, "{}", twice.stdout);
    let (rc, v) = verify(&a, &code);
    assert_eq!(rc, 3);
    assert_eq!(v["revoked"]["reason"], "issued to the wrong person");
    sync(&a);
    sync(&b);
    let (rc, v) = verify(&b, &code);
    assert_eq!((rc, v["valid"].clone()), (3, Value::Bool(false)), "{v}");
    assert_eq!(v["revoked"]["reason"], "issued to the wrong person");
    assert!(v["revoked"]["at"].is_string());
    let (_, json) = get(&format!("{url}/v/{code}"), true);
    let json: Value = serde_json::from_str(&json).unwrap();
    assert_eq!((json["valid"].clone(), json["revoked"]["reason"].clone()), (Value::Bool(false), Value::from("issued to the wrong person")));
    let (_, page) = get(&format!("{url}/v/{code}"), false);
    assert!(page.contains("证书已撤销"), "{page}");
    // C learns it from the server's trust on its first sync.
    sync(&c);
    assert_eq!(verify(&c, &code).0, 3);

    // The verifier B writes carries the revocation.
    let html = org.dir.path().join("verify.html");
    let r = muster(&b, &["certificates", "verifier", "--out", html.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let f = r.json();
    assert_eq!((f["keys"].clone(), f["revoked"].clone()), (Value::from(1), Value::from(1)), "{f}");
    assert_eq!(f["file"], html.to_str().unwrap());
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(!text.contains("13812345678") && !text.contains("王素梅"), "the verifier carries no personal data");

    // A laptop revoked on the server: what it signed before stays valid,
    // what it signs after is refused.
    let aynur_code = aynur["code"].as_str().unwrap().to_string();
    let revoke = muster(&admin, &["server", "device", "revoke", "--store", store, a_dev["device_id"].as_str().unwrap()]);
    assert_eq!(revoke.code, 0, "{}", revoke.stdout);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let (_, later, _) = issue(&a, org.dir.path(), "A-after-revocation");
    let later_code = later[0]["code"].as_str().unwrap().to_string();
    sync(&b);
    let (rc, v) = verify(&b, &aynur_code);
    assert_eq!(rc, 0, "signed before the revocation: {v}");
    let (rc, v) = verify(&b, &later_code);
    assert_eq!(rc, 3, "{v}");
    assert_eq!(v["revoked"]["device"], true, "{v}");
    let (_, json) = get(&format!("{url}/v/{later_code}"), true);
    assert_eq!(serde_json::from_str::<Value>(&json).unwrap()["valid"], false);

    // Rotation: the new key certifies laptops that join now; the old one
    // keeps verifying what it signed; B follows the rotation on sync.
    let rot = muster(&admin, &["server", "key", "rotate", "--store", store]);
    assert_eq!(rot.code, 0, "{}{}", rot.stdout, rot.stderr);
    let rot = rot.json();
    assert_eq!(rot["retired"], key_id);
    assert_ne!(rot["key_id"], key_id);
    let (d, _) = org.join("Yiwu laptop D");
    let (_, d_certs, _) = issue(&d, org.dir.path(), "D");
    let d_code = d_certs[0]["code"].as_str().unwrap().to_string();
    assert_eq!(verify(&d, &aynur_code).0, 0, "the old key's laptop still verifies on a laptop that joined under the new key");
    sync(&b);
    let (rc, v) = verify(&b, &d_code);
    assert_eq!(rc, 0, "{v}");
    assert_eq!(v["issued_by"], "Yiwu laptop D");
    let (_, json) = get(&format!("{url}/v/{d_code}"), true);
    assert_eq!(serde_json::from_str::<Value>(&json).unwrap()["valid"], true);

    // The sealed export of the keys opens with the passphrase.
    let sealed = org.dir.path().join("org-keys.zip");
    let r = muster_env(&admin, &["server", "key", "export", "--store", store, "--out", sealed.to_str().unwrap()], "safe in the office");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json()["keys"], 2);
    let bytes = std::fs::read(&sealed).unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains("secret_key"), "the export is sealed");
    let _ = event;
}

#[test]
fn one_organisation_through_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    organisation(&format!("sqlite:{}", dir.path().join("server.db").display()));
}

#[test]
fn one_organisation_through_postgres() {
    let pg = crate::sync::postgres::Postgres::start();
    organisation(&pg.url);
}

#[test]
fn a_join_code_naming_another_organisations_key_is_refused_and_nothing_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite:{}", dir.path().join("server.db").display());
    let (addr, _backend, _rt) = start_server(&store);
    let admin = dir.path().join("admin.db");
    assert_eq!(muster(&admin, &["server", "init", "--store", &store, "--org", "Real office"]).code, 0);
    let added = muster(&admin, &["server", "device", "add", "--store", &store, "--name", "L", "--server", &format!("http://{addr}")]).json();
    let good = muster_protocol::trust::JoinCode::parse(added["join"].as_str().unwrap()).unwrap();
    // The same server and token, but a fingerprint the user was not given.
    let forged = muster_protocol::trust::JoinCode { key_id: "00112233445566ff".into(), ..good.clone() }.encode().unwrap();
    let db = dir.path().join("l.db");
    let r = muster(&db, &["join", &forged]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert!(r.stdout.contains("0011 2233 4455 66ff"), "{}", r.stdout);
    assert_eq!(muster(&db, &["sync"]).code, 3, "nothing was stored: sync still needs a server");
    // Junk join codes: exit 3, the field named.
    for junk in ["", "MJ1", "hello world", "MJ1ZZZZ", &format!("{}U", added["join"].as_str().unwrap())] {
        let r = muster(&db, &["join", junk]);
        assert_eq!(r.code, 3, "{junk:?}: {}", r.stdout);
        assert_eq!(r.json()["error"]["field"], "join", "{junk:?}");
    }
    // The join sheet: the scanner reads the very code off the printed QR.
    let sheet = dir.path().join("join.pdf");
    let second = muster(&admin, &["server", "device", "add", "--store", &store, "--name", "Dege laptop", "--server", &format!("http://{addr}"), "--sheet", sheet.to_str().unwrap()]);
    assert_eq!(second.code, 0, "{}{}", second.stdout, second.stderr);
    let second = second.json();
    assert_eq!(second["sheet"], sheet.to_str().unwrap());
    let scanned = qr_texts(&sheet, dir.path());
    assert_eq!(scanned, vec![second["join"].as_str().unwrap().to_string()]);
    // A sheet path that cannot be written pairs nothing.
    let before = muster(&admin, &["server", "device", "list", "--store", &store]).json()["devices"].as_array().unwrap().len();
    let bad = muster(&admin, &["server", "device", "add", "--store", &store, "--name", "X", "--sheet", dir.path().to_str().unwrap()]);
    assert_eq!(bad.code, 3, "{}", bad.stdout);
    assert_eq!(muster(&admin, &["server", "device", "list", "--store", &store]).json()["devices"].as_array().unwrap().len(), before);
    // This laptop synced with another server before (a venue hub).
    let hub_store = format!("sqlite:{}", dir.path().join("hub.db").display());
    let (hub, hub_backend, hub_rt) = start_server(&hub_store);
    let hub_token = crate::sync::add_device(&hub_rt, &hub_backend, "hub laptop");
    // …and issued certificates with its own key, before organisations.
    let (_, before_join, _) = issue(&db, dir.path(), "before-join");
    let old_code = before_join[0]["code"].as_str().unwrap().to_string();
    let r = muster(&db, &["sync", "--server", &format!("http://{hub}"), "--token", &hub_token]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // The real code works, and the organisation's server gets everything.
    let r = muster(&db, &["join", &scanned[0]]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = muster(&db, &["sync"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.json()["pushed"].as_u64().unwrap() > 0, "{}", r.stdout);
    assert_eq!(muster(&db, &["sync", "status"]).json()["pending"], 0);
    // What it signed with its own key keeps verifying on it.
    let (rc, v) = verify(&db, &old_code);
    assert_eq!(rc, 0, "{v}");
    assert_eq!(v["issued_by"], "this laptop");
    // And on the organisation's page, now that it synced them.
    let (_, json) = get(&format!("http://{addr}/v/{old_code}"), true);
    assert_eq!(serde_json::from_str::<Value>(&json).unwrap()["valid"], true, "{json}");
    // A new certificate is the organisation's (version 2, its QR a URL).
    let (_, after, _) = issue(&db, dir.path(), "after-join");
    let (rc, v) = verify(&db, after[0]["code"].as_str().unwrap());
    assert_eq!((rc, v["org"].clone()), (0, Value::from("Real office")), "{v}");
}

/// Types `code` into the verifier page and returns its verdict and text.
fn verdict_of(b: &Browser, code: &str) -> (String, String) {
    let input = b.element("#code");
    b.session(&format!("/element/{input}/clear"), serde_json::json!({}));
    b.script("document.getElementById('result').dataset.verdict = 'none'");
    b.session(&format!("/element/{input}/value"), serde_json::json!({"text": code}));
    let button = b.element("#check");
    b.session(&format!("/element/{button}/click"), serde_json::json!({}));
    for _ in 0..200 {
        let v = b.script("return document.getElementById('result').dataset.verdict");
        if let Some(s) = v.as_str().filter(|s| *s != "none") {
            let text = b.script("return document.getElementById('result').innerText");
            return (s.to_string(), text.as_str().unwrap_or_default().to_string());
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the verifier gave no verdict for {code}");
}


#[test]
fn the_offline_verifier_checks_codes_in_a_real_browser_with_no_network() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite:{}", dir.path().join("server.db").display());
    let (addr, _backend, _rt) = start_server(&store);
    let url = format!("http://{addr}");
    let org = Org { store: store.clone(), url: url.clone(), dir };
    let admin = org.db("admin");
    assert_eq!(muster(&admin, &["server", "init", "--store", &store, "--org", ORG, "--public-url", &url]).code, 0);
    let (a, _) = org.join("Lingshou laptop A");
    let (_, certs, _) = issue(&a, org.dir.path(), "A");
    let (valid, revoked) = (certs[0]["code"].as_str().unwrap().to_string(), certs[1].clone());
    assert_eq!(muster(&a, &["certificates", "revoke", "--certificate", revoked["number"].as_str().unwrap(), "--reason", "duplicate"]).code, 0);
    let html = org.dir.path().join("verify.html");
    let r = muster(&a, &["certificates", "verifier", "--out", html.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // Written again over itself: it is a verifier, no --force needed.
    assert_eq!(muster(&a, &["certificates", "verifier", "--out", html.to_str().unwrap()]).code, 0);

    let b = Browser::start(false);
    b.session("/url", serde_json::json!({"url": format!("file://{}", html.display())}));
    let (verdict, text) = verdict_of(&b, &valid);
    assert_eq!(verdict, "genuine", "{text}");
    assert!(text.contains(certs[0]["name"].as_str().unwrap()) && text.contains("Lingshou laptop A") && text.contains(certs[0]["number"].as_str().unwrap()), "{text}");
    // The URL a phone's camera reads works too, in any case.
    assert_eq!(verdict_of(&b, &muster_protocol::trust::verify_url(&url, &valid).to_lowercase()).0, "genuine");
    let (verdict, text) = verdict_of(&b, revoked["code"].as_str().unwrap());
    assert_eq!(verdict, "revoked", "{text}");
    assert!(text.contains("duplicate"), "{text}");
    // A forged code: one character changed, or signed by a stranger's key.
    let mut chars: Vec<char> = valid.chars().collect();
    let i = chars.len() - 20;
    chars[i] = if chars[i] == 'Q' { 'R' } else { 'Q' };
    assert_eq!(verdict_of(&b, &chars.into_iter().collect::<String>()).0, "invalid");
    let stranger = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    let forged = muster_protocol::trust::sign_v2(&stranger, &[1u8; 16], 108, [0, 0, 0, 1], "王素梅");
    assert_eq!(verdict_of(&b, &forged).0, "invalid");
    assert_eq!(verdict_of(&b, "not a code at all").0, "invalid");
}
