//! The organisers' view on the central service (`/org`): organiser
//! accounts made with the real CLI, a real server with its read model, two
//! laptops on two stops of one programme with rosters, a check-in and a
//! questionnaire each, synced; then a real headless Chromium over
//! WebDriver logs in (after a wrong password), opens the programmes, the
//! stops side by side (with SVG charts) and a stop; the XLSX export is
//! fetched with the session's cookie; a stale cookie goes back to the
//! login; POSTs from elsewhere or without the CSRF token are refused;
//! hostile input gets small pages, never a 500; logins are rate-limited.
//! On SQLite and PostgreSQL.

use crate::browser::Browser;
use muster_tests::{muster, muster_bin, workspace};
use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

const PROGRAMME: &str = "第四次工业革命助力产业帮扶与乡村振兴";
const LINGSHOU: &str = "灵寿县培训";
const YANAN: &str = "延安培训";
/// A venue with markup in it: shown as text, never as HTML.
const YANAN_VENUE: &str = "Yan'an <b>centre</b> & co";
const ORGANISER: &str = "赵主任";
const PASSWORD: &str = "correct horse 电池 staple";

fn ok(r: &muster_tests::Run) -> Value {
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    r.json()
}

/// `muster server organiser add` with `MUSTER_PASSWORD` set (or unset).
fn add_organiser(dir: &Path, store: &str, name: &str, password: Option<&str>) -> (i32, String) {
    let mut cmd = Command::new(muster_bin());
    cmd.arg("--db").arg(dir.join("admin.db")).args(["--json", "server", "organiser", "add", "--store", store, "--name", name]).env("XDG_DATA_HOME", dir);
    match password {
        Some(p) => cmd.env("MUSTER_PASSWORD", p),
        None => cmd.env_remove("MUSTER_PASSWORD"),
    };
    let out = cmd.output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

fn join(admin: &Path, store: &str, db: &Path, name: &str, limit: &[&str]) {
    let mut args = vec!["server", "device", "add", "--store", store, "--name", name];
    args.extend_from_slice(limit);
    let added = ok(&muster(admin, &args));
    ok(&muster(db, &["join", added["join"].as_str().unwrap()]));
}

fn stop(db: &Path, name: &str, venue: &str, starts: &str, programme: &str) -> (String, String) {
    let e = ok(&muster(db, &["event", "create", "--name", name, "--venue", venue, "--starts", starts, "--days", "2", "--programme", programme]));
    let id = e["id"].as_str().unwrap().to_string();
    let s = ok(&muster(db, &["session", "add", "--event", &id, "--title", "第一天", "--starts", &format!("{starts}T09:00"), "--ends", &format!("{starts}T17:00")]));
    (id, s["id"].as_str().unwrap().to_string())
}

fn roster(db: &Path, dir: &Path, event: &str, tag: &str, rows: &str) {
    let file = dir.join(format!("{tag}.csv"));
    std::fs::write(&file, format!("姓名,手机号码,身份证号\n{rows}")).unwrap();
    ok(&muster(db, &["roster", "import", "--event", event, file.to_str().unwrap()]));
}

fn first_trainee(db: &Path, event: &str) -> String {
    let list = ok(&muster(db, &["roster", "list", "--event", event]));
    list["trainees"][0]["id"].as_str().unwrap().to_string()
}

/// The one-question yes/no form at a stop, and its papers.
fn questionnaire(db: &Path, dir: &Path, event: &str, tag: &str, answers: &[&str]) {
    let sample = workspace().join("crates/muster-core/tests/data/xlsform/yes_or_no_question.xlsx");
    let form = ok(&muster(db, &["form", "import", "--event", event, sample.to_str().unwrap()]))["id"].as_str().unwrap().to_string();
    let csv = dir.join(format!("{tag}-answers.csv"));
    let mut text = String::from("paper_id,good_day\n");
    for (i, a) in answers.iter().enumerate() {
        text.push_str(&format!("{tag}{:02},{a}\n", i + 1));
    }
    std::fs::write(&csv, text).unwrap();
    let r = ok(&muster(db, &["responses", "import", "--form", &form, csv.to_str().unwrap()]));
    assert_eq!(r["imported"], answers.len(), "{r}");
}

/// A plain HTTP client that shows redirects instead of following them.
fn http() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().into()
}

struct Answer {
    status: u16,
    location: Option<String>,
    content_type: Option<String>,
    body: Vec<u8>,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn answer(mut r: ureq::http::Response<ureq::Body>) -> Answer {
    let header = |n: &str| r.headers().get(n).and_then(|v| v.to_str().ok()).map(str::to_string);
    let (status, location, content_type) = (r.status().as_u16(), header("location"), header("content-type"));
    let mut body = Vec::new();
    r.body_mut().as_reader().read_to_end(&mut body).unwrap();
    Answer { status, location, content_type, body }
}

fn get(url: &str, cookie: Option<&str>) -> Answer {
    let mut req = http().get(url);
    if let Some(c) = cookie {
        req = req.header("Cookie", format!("muster_org={c}"));
    }
    answer(req.call().unwrap())
}

fn post(url: &str, origin: Option<&str>, cookie: Option<&str>, body: &[u8]) -> Answer {
    let mut req = http().post(url).header("Content-Type", "application/x-www-form-urlencoded");
    if let Some(o) = origin {
        req = req.header("Origin", o);
    }
    if let Some(c) = cookie {
        req = req.header("Cookie", format!("muster_org={c}"));
    }
    answer(req.send(body).unwrap())
}

fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// What the organisers' pages need of the shared browser.
trait OrgBrowser {
    fn login(&self, base: &str, password: &str);
    fn cookie(&self) -> Option<String>;
}

impl OrgBrowser for Browser {
    fn login(&self, base: &str, password: &str) {
        self.goto(&format!("{base}/org/login?lang=en"));
        self.type_into("#name", ORGANISER);
        self.type_into("#password", password);
        self.click("#login");
    }

    fn cookie(&self) -> Option<String> {
        let v = self.session_get("/cookie/muster_org");
        v["value"].as_str().map(str::to_string)
    }
}

/// The strings of an XLSX file (its shared strings and inline strings).
fn xlsx_text(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("the export is a ZIP");
    let mut all = String::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        if f.name().is_ok_and(|n| n.ends_with(".xml")) {
            let mut s = String::new();
            let _ = f.read_to_string(&mut s);
            assert!(!s.contains("<f>"), "a formula in the export: {s}");
            all.push_str(&s);
        }
    }
    all
}

fn organisers_view(store: &str) {
    let dir = tempfile::tempdir().unwrap();
    let base = format!("http://{}", crate::sync::start_server_with(store, Some(dir.path().join("read-model.db"))).0);
    let db = |n: &str| -> PathBuf { dir.path().join(format!("{n}.db")) };
    let (admin, office, a, b) = (db("admin"), db("office"), db("a"), db("b"));

    // Accounts: the password from MUSTER_PASSWORD, at least 10 characters.
    assert_eq!(add_organiser(dir.path(), store, ORGANISER, None).0, 3);
    assert_eq!(add_organiser(dir.path(), store, ORGANISER, Some("short")).0, 3);
    assert_eq!(add_organiser(dir.path(), store, "  ", Some(PASSWORD)).0, 3);
    let (code, out) = add_organiser(dir.path(), store, ORGANISER, Some(PASSWORD));
    assert_eq!(code, 0, "{out}");
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap(), serde_json::json!({"name": ORGANISER}));
    assert_eq!(add_organiser(dir.path(), store, ORGANISER, Some("another password")).0, 3, "a name is taken once");

    // A programme, two stops on two laptops, rosters, a check-in, a
    // questionnaire at each.
    ok(&muster(&admin, &["server", "init", "--store", store, "--org", "4IR Programme Office", "--public-url", &base]));
    join(&admin, store, &office, "Programme office", &[]);
    let pid = ok(&muster(&office, &["programme", "create", "--name", PROGRAMME]))["id"].as_str().unwrap().to_string();
    let (lingshou, s1) = stop(&office, LINGSHOU, "灵寿县", "2026-11-20", &pid);
    let (yanan, s2) = stop(&office, YANAN, YANAN_VENUE, "2027-03-10", &pid);
    ok(&muster(&office, &["sync"]));
    join(&admin, store, &a, "Lingshou laptop", &["--events", &lingshou]);
    join(&admin, store, &b, "Yan'an laptop", &["--events", &yanan]);
    ok(&muster(&a, &["sync"]));
    ok(&muster(&b, &["sync"]));
    roster(&a, dir.path(), &lingshou, "lingshou", "王素梅,13812345678,130126198805123425\n李建国,13900001111,\n");
    roster(&b, dir.path(), &yanan, "yanan", "王素梅,13812345678,130126198805123425\n赵延河,13700000011,610602199001011239\n刘<i>芳</i>,13700000012,\n");
    let t = first_trainee(&a, &lingshou);
    ok(&muster(&a, &["checkin", "--event", &lingshou, "--session", &s1, "--trainee", &t, "--at", "2026-11-20T09:00"]));
    let t = first_trainee(&b, &yanan);
    ok(&muster(&b, &["checkin", "--event", &yanan, "--session", &s2, "--trainee", &t, "--at", "2027-03-10T09:00"]));
    questionnaire(&a, dir.path(), &lingshou, "A", &["yes", "no"]);
    questionnaire(&b, dir.path(), &yanan, "B", &["yes", "yes", "no", "yes"]);
    for l in [&a, &b, &office] {
        ok(&muster(l, &["sync"]));
    }

    // Nothing without a session: to the login.
    let r = get(&format!("{base}/org"), None);
    assert_eq!((r.status, r.location.as_deref()), (303, Some("/org/login")));
    for path in [format!("/org/stop/{lingshou}"), format!("/org/programme/{pid}"), format!("/org/programme/{pid}.xlsx")] {
        assert_eq!(get(&format!("{base}{path}"), None).status, 303, "{path}");
    }

    let br = Browser::start(true);
    br.goto(&format!("{base}/org?lang=en"));
    assert!(br.url().ends_with("/org/login?lang=en"), "{}", br.url());
    let viewport = br.script("return document.querySelector('meta[name=viewport]') !== null");
    assert_eq!(viewport, Value::Bool(true));
    // A wrong password: 401, the same words as an unknown name.
    br.login(&base, "not the password at all");
    br.wait_for("wrong name or password");
    assert!(br.cookie().is_none(), "a wrong password got a session");
    let r = post(&format!("{base}/org/login"), Some(&base), None, format!("name={}&password=wrongwrongwrong", form_encode(ORGANISER)).as_bytes());
    assert_eq!(r.status, 401);
    assert!(r.text().contains("用户名或密码错误") || r.text().contains("wrong name or password"), "{}", r.text());
    let unknown = post(&format!("{base}/org/login"), Some(&base), None, b"name=nobody&password=wrongwrongwrong&lang=en");
    assert_eq!(unknown.status, 401);
    assert!(unknown.text().contains("wrong name or password"), "{}", unknown.text());

    // The right one: the programmes, both stops.
    br.login(&base, PASSWORD);
    let home = br.wait_for("Programmes");
    assert!(br.url().ends_with("/org?lang=en"), "{}", br.url());
    for s in [PROGRAMME, LINGSHOU, YANAN, "Lingshou laptop", "Yan'an laptop", "Programme office"] {
        assert!(home.contains(s), "{s} not on the programmes page: {home}");
    }
    let cookie = br.cookie().expect("a session cookie");
    assert_eq!(cookie.len(), 64, "256 random bits, hex");
    let raw = br.session_get("/cookie/muster_org");
    assert_eq!((raw["httpOnly"].as_bool(), raw["sameSite"].as_str(), raw["path"].as_str()), (Some(true), Some("Strict"), Some("/org")), "{raw}");

    // Stops side by side: both stops, SVG charts, the question at each.
    br.goto(&format!("{base}/org/programme/{pid}?lang=en"));
    let side = br.wait_for("Stops side by side");
    assert!(side.contains(LINGSHOU) && side.contains(YANAN), "{side}");
    assert!(side.contains(YANAN_VENUE), "the venue is shown as text: {side}");
    let svgs = br.script("return document.querySelectorAll('svg').length").as_u64().unwrap_or(0);
    assert!(svgs >= 2, "the figures and the question as SVG charts: {svgs}");
    assert_eq!(br.script("return document.querySelectorAll('main b, main i, script').length"), Value::from(0), "markup from the data became HTML");
    let chart = br.script("return Array.from(document.querySelectorAll('section.question svg')).map(s => s.textContent).join(' ')");
    let chart = chart.as_str().unwrap_or_default();
    assert!(chart.contains("50.0%") && chart.contains("75.0%"), "each stop's share of yes: {chart}");
    // The raw page: escaped, and the totals.
    let raw_page = get(&format!("{base}/org/programme/{pid}?lang=en"), Some(&cookie));
    assert_eq!(raw_page.status, 200);
    let html = raw_page.text();
    assert!(html.contains("Yan&#39;an &lt;b&gt;centre&lt;/b&gt; &amp; co") && !html.contains("<b>centre"), "not escaped");
    assert!(html.contains("<svg"), "server-rendered SVG");
    assert!(html.contains("<strong>5</strong>"), "5 trainees in all: {html}");

    // A stop: its trainees, its sessions, its portrait.
    br.goto(&format!("{base}/org/stop/{yanan}?lang=en"));
    br.wait_for("Attendance per session");
    assert_eq!(br.script("return document.getElementById('trainees').innerText"), Value::from("3"));
    assert_eq!(br.script("return document.getElementById('checked-in').innerText"), Value::from("1"));
    assert_eq!(br.script("return document.getElementById('responses').innerText"), Value::from("4"));
    let stop_text = br.text();
    assert!(stop_text.contains("第一天") && stop_text.contains("Yan'an laptop") && stop_text.contains("75.0"), "{stop_text}");
    assert!(!stop_text.contains("赵延河") && !stop_text.contains("13700000011"), "the stop page names no trainee");
    br.goto(&format!("{base}/org/stop/{lingshou}?lang=zh"));
    br.wait_for("各场次签到");
    assert_eq!(br.script("return document.getElementById('trainees').innerText"), Value::from("2"));
    assert_eq!(br.script("return document.documentElement.lang"), Value::from("zh-CN"));

    // The XLSX export, with the session's cookie and a plain client.
    let x = get(&format!("{base}/org/programme/{pid}.xlsx?lang=en"), Some(&cookie));
    assert_eq!(x.status, 200);
    assert!(x.body.starts_with(b"PK"), "not an XLSX");
    assert_eq!(x.content_type.as_deref(), Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"));
    let strings = xlsx_text(&x.body);
    for s in [LINGSHOU, YANAN, "good_day", "centre&lt;/b&gt; &amp; co"] {
        assert!(strings.contains(s), "{s} not in the export");
    }

    // Hostile input: small pages, never a 500.
    for path in ["/org/stop/not-an-event", "/org/stop/%FF%FE", "/org/stop/..%2F..%2Fetc", "/org/programme/0190f5c2-0000-7000-8000-000000000000", "/org/programme/x.xlsx"] {
        let r = get(&format!("{base}{path}"), Some(&cookie));
        assert_eq!(r.status, 404, "{path}: {}", r.text());
        assert!(r.text().contains("id=\"error\""), "{path}");
    }
    let huge = vec![b'a'; 64 * 1024];
    assert_eq!(post(&format!("{base}/org/login"), Some(&base), None, &huge).status, 413);
    assert_eq!(post(&format!("{base}/org/login"), Some(&base), None, b"name=%zz&password=%").status, 400);
    let junk = http().get(&format!("{base}/org")).header("Cookie", "muster_org=%00; muster_org=\"\"; muster_org=zzzz; other=1").call().unwrap();
    assert_eq!(answer(junk).status, 303);

    // CSRF: a POST from another site, or without the form's token, is refused.
    assert_eq!(post(&format!("{base}/org/logout"), Some("http://evil.example"), Some(&cookie), b"").status, 403);
    assert_eq!(post(&format!("{base}/org/logout"), None, Some(&cookie), b"").status, 403);
    assert_eq!(post(&format!("{base}/org/logout"), Some(&base), Some(&cookie), b"csrf=0000").status, 403);
    assert_eq!(post(&format!("{base}/org/login"), Some("http://evil.example"), None, format!("name={}&password={}", form_encode(ORGANISER), form_encode(PASSWORD)).as_bytes()).status, 403);
    assert_eq!(post(&format!("{base}/org/login"), None, None, format!("name={}&password={}", form_encode(ORGANISER), form_encode(PASSWORD)).as_bytes()).status, 403);
    assert_eq!(get(&format!("{base}/org"), Some(&cookie)).status, 200, "the refused POSTs did not end the session");

    // A stale cookie: back to the login.
    let r = get(&format!("{base}/org"), Some(&"0".repeat(64)));
    assert_eq!((r.status, r.location.as_deref()), (303, Some("/org/login")));
    br.session_delete("/cookie/muster_org");
    br.session("/cookie", serde_json::json!({"cookie": {"name": "muster_org", "value": "f".repeat(64), "path": "/org"}}));
    br.goto(&format!("{base}/org/programme/{pid}?lang=en"));
    assert!(br.url().ends_with("/org/login?lang=en"), "a stale cookie was let in: {}", br.url());
    assert!(br.cookie().is_none(), "the stale cookie was cleared");

    // Logging out in the browser ends the session for everyone holding it.
    br.login(&base, PASSWORD);
    br.wait_for("Programmes");
    let second = br.cookie().unwrap();
    br.click("#logout");
    br.wait_for("Organisers' login");
    assert_eq!(get(&format!("{base}/org"), Some(&second)).status, 303, "a logged-out session still works");
    assert_eq!(get(&format!("{base}/org"), Some(&cookie)).status, 200, "the other session goes on");

    // Rate limit: after 5 failures in 10 minutes, 429 even for the right password.
    let wrong = format!("name={}&password=wrongwrongwrong", form_encode(ORGANISER));
    for i in 0..5 {
        assert_eq!(post(&format!("{base}/org/login"), Some(&base), None, wrong.as_bytes()).status, 401, "attempt {i}");
    }
    let right = format!("name={}&password={}", form_encode(ORGANISER), form_encode(PASSWORD));
    let limited = post(&format!("{base}/org/login"), Some(&base), None, right.as_bytes());
    assert_eq!(limited.status, 429, "{}", limited.text());
    // The client is limited too, whatever name it tries next.
    assert_eq!(post(&format!("{base}/org/login"), Some(&base), None, b"name=someone-else&password=wrongwrongwrong").status, 429);
}

#[test]
fn organisers_view_in_a_real_browser_through_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    organisers_view(&format!("sqlite:{}", dir.path().join("server.db").display()));
}

#[test]
fn organisers_view_in_a_real_browser_through_postgres() {
    let pg = crate::sync::postgres::Postgres::start();
    organisers_view(&pg.url);
}
