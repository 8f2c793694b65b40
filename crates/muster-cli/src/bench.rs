//! In-process benchmarks behind `muster bench …`: the numbers the README
//! quotes come from here.

use muster_core::search::pinyin_spellings;
use muster_core::Muster;
use serde_json::{json, Value};
use std::time::Instant;

/// Runs `n` door searches drawn from the event's roster — a full name, the
/// pinyin initials, the mobile's last four digits, a code, in turn — and
/// reports latency percentiles in microseconds.
pub fn search(m: &Muster, event: &str, n: usize) -> muster_core::Result<Value> {
    let roster = m.roster(event)?;
    if roster.is_empty() || n == 0 {
        return Ok(json!({"trainees": roster.len(), "queries": 0, "p50_us": 0, "p99_us": 0, "max_us": 0}));
    }
    // A fixed linear congruential sequence: the same queries every run.
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut queries = Vec::with_capacity(n);
    for i in 0..n {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let t = &roster[(state >> 33) as usize % roster.len()];
        let q = match i % 4 {
            0 => t.fields.name.clone(),
            1 => pinyin_spellings(&t.fields.name)
                .first()
                .map(|s| s.iter().filter_map(|x| x.chars().next()).collect())
                .unwrap_or_else(|| t.fields.name.clone()),
            2 => t.fields.phone.as_ref().map(|p| p[p.len().saturating_sub(4)..].to_string()).unwrap_or_else(|| t.fields.name.clone()),
            _ => t.code.clone().unwrap_or_else(|| t.fields.name.clone()),
        };
        queries.push(q);
    }
    let mut micros = Vec::with_capacity(n);
    let mut found = 0usize;
    for q in &queries {
        let start = Instant::now();
        let hits = m.search(event, q, 10)?;
        micros.push(start.elapsed().as_micros() as u64);
        found += usize::from(!hits.is_empty());
    }
    micros.sort_unstable();
    let pct = |p: f64| micros[((micros.len() as f64 * p).ceil() as usize).clamp(1, micros.len()) - 1];
    Ok(json!({
        "trainees": roster.len(),
        "queries": n,
        "found": found,
        "p50_us": pct(0.50),
        "p99_us": pct(0.99),
        "max_us": micros[micros.len() - 1],
    }))
}

/// A venue day over loopback: `trainees` on the roster, each checked into
/// `sessions` sessions, plus one profile edit each; pushed to a real
/// in-process server (SQLite) and pulled by a second laptop. Measured
/// against a raw SQLite insert of the same change-log rows in this run.
pub fn sync(trainees: usize, sessions: usize) -> anyhow::Result<Value> {
    use muster_core::attendance::{MarkRequest, Who};
    use muster_core::model::{NewEvent, NewSession};
    use muster_core::trainee::TraineePatch;
    let dir = std::env::temp_dir().join(format!("muster-bench-sync-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let mut a = Muster::open(&dir.join("a.db"))?;
    let e = a.create_event(NewEvent { name: "bench".into(), venue: "".into(), starts_on: "2026-12-01".into(), days: 2 })?;
    let mut session_ids = Vec::new();
    for i in 0..sessions {
        let day = 1 + i / 2;
        let (from, to) = if i % 2 == 0 { ("09:00", "12:00") } else { ("13:30", "17:00") };
        session_ids.push(
            a.add_session(&e.id, NewSession { title: format!("S{i}"), starts_at: format!("2026-12-0{day}T{from}"), ends_at: format!("2026-12-0{day}T{to}") })?
                .id,
        );
    }
    let csv = dir.join("roster.csv");
    let rows: String = (0..trainees).map(|i| format!("学员{i},138{i:08}\n")).collect();
    std::fs::write(&csv, format!("姓名,手机\n{rows}"))?;
    a.import_roster(&e.id, &csv, &Default::default(), &mut |_, _| {})?;
    let roster = a.roster(&e.id)?;
    for s in &session_ids {
        for t in &roster {
            a.check_in(&MarkRequest { event_id: e.id.clone(), session_id: s.clone(), who: Who::Id(t.id.clone()), at: Some("2026-12-01T08:55".into()), force: true, source: muster_core::attendance::Source::Scan })?;
        }
    }
    for t in &roster {
        a.edit_trainee(&t.id, &TraineePatch { organization: Some("王家村".into()), ..Default::default() })?;
    }
    let changes = a.own_changes()?;

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let store = format!("sqlite:{}", dir.join("server.db").display());
    let (addr, tok_a, tok_b) = rt.block_on(async {
        let backend = muster_server::Backend::open(&store).await?;
        let tok_a = backend.add_device("a").await?.token;
        let tok_b = backend.add_device("b").await?.token;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(muster_server::serve_on(listener, backend));
        anyhow::Ok((addr, tok_a, tok_b))
    })?;
    let url = format!("http://{addr}");
    let start = Instant::now();
    let pushed = muster_sync::sync_http(&mut a, &muster_sync::HttpTransport::new(&url, &tok_a), &mut |_| {})?;
    let push_s = start.elapsed().as_secs_f64();
    let mut b = Muster::open(&dir.join("b.db"))?;
    let start = Instant::now();
    let pulled = muster_sync::sync_http(&mut b, &muster_sync::HttpTransport::new(&url, &tok_b), &mut |_| {})?;
    let pull_s = start.elapsed().as_secs_f64();

    // The same rows, inserted raw into a bare SQLite table.
    let raw = raw_insert(&dir.join("raw.db"), &changes)?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(json!({
        "changes": changes.len(),
        "pushed": pushed.pushed,
        "pulled": pulled.pulled,
        "push_seconds": (push_s * 1000.0).round() / 1000.0,
        "push_changes_per_s": (pushed.pushed as f64 / push_s).round(),
        "pull_apply_seconds": (pull_s * 1000.0).round() / 1000.0,
        "raw_sqlite_insert_seconds": (raw * 1000.0).round() / 1000.0,
        "raw_rows_per_s": (changes.len() as f64 / raw).round(),
    }))
}

/// Seconds to insert the change rows into a bare SQLite table (WAL, one
/// transaction, a prepared statement): the floor any sync can approach.
fn raw_insert(path: &std::path::Path, changes: &[muster_protocol::Change]) -> anyhow::Result<f64> {
    let start = Instant::now();
    let mut conn = rusqlite::Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.execute_batch("CREATE TABLE changes (device_id TEXT, seq INTEGER, hlc TEXT, entity TEXT, entity_id TEXT, op TEXT, fields TEXT)")?;
    let tx = conn.transaction()?;
    {
        let mut stmt = tx.prepare("INSERT INTO changes VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?;
        for c in changes {
            stmt.execute(rusqlite::params![
                c.device_id,
                c.seq as i64,
                c.hlc.to_string(),
                c.entity,
                c.entity_id,
                c.op.as_str(),
                serde_json::to_string(&c.fields)?
            ])?;
        }
    }
    tx.commit()?;
    Ok(start.elapsed().as_secs_f64())
}

/// A programme at scale: one real stop made by a laptop (roster of
/// `trainees`, four sessions, everyone checked into each), copied to
/// `stops` stops under fresh ids, each stop as its own laptop; every change
/// pushed to the server's store (`store`: sqlite:PATH or postgres://…)
/// through the backend's own push (limits, scopes), then the server's read
/// model brought up to date, then the programme report and one stop's
/// figures timed on it.
pub fn programme(store: &str, stops: usize, trainees: usize) -> anyhow::Result<Value> {
    use muster_core::attendance::{MarkRequest, Who};
    use muster_core::model::{NewEvent, NewSession};
    use std::collections::HashMap;
    let dir = std::env::temp_dir().join(format!("muster-bench-programme-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;

    // One stop, for real.
    let made = Instant::now();
    let mut a = Muster::open(&dir.join("stop.db"))?;
    let p = a.create_programme("第四次工业革命助力产业帮扶与乡村振兴 (bench)", None)?;
    let e = a.create_event_in(NewEvent { name: "灵寿县".into(), venue: "灵寿县".into(), starts_on: "2026-11-20".into(), days: 2 }, Some(&p.id))?;
    // Two days of a morning and an afternoon session.
    let mut sessions = Vec::new();
    for day in ["2026-11-20", "2026-11-21"] {
        for (from, to) in [("09:00", "12:00"), ("14:00", "17:00")] {
            sessions.push((a.add_session(&e.id, NewSession { title: format!("{day} {from}"), starts_at: format!("{day}T{from}"), ends_at: format!("{day}T{to}") })?.id, day));
        }
    }
    let csv = dir.join("roster.csv");
    let rows: String = (0..trainees).map(|i| format!("学员{i},139{i:08}\n")).collect();
    std::fs::write(&csv, format!("姓名,手机\n{rows}"))?;
    a.import_roster(&e.id, &csv, &Default::default(), &mut |_, _| {})?;
    for (s, day) in &sessions {
        for t in a.roster(&e.id)? {
            a.check_in(&MarkRequest { event_id: e.id.clone(), session_id: s.clone(), who: Who::Id(t.id), at: Some(format!("{day}T08:55")), force: true, source: muster_core::attendance::Source::Scan })?;
        }
    }
    let template = a.own_changes()?;
    let make_s = made.elapsed().as_secs_f64();
    drop(a);

    // Stop k: every id but the programme's made anew (the same for the same id).
    let fresh = |k: usize, id: &str, map: &mut HashMap<String, String>| -> String {
        map.entry(id.to_string())
            .or_insert_with(|| {
                let mut u = uuid::Uuid::now_v7().to_string();
                u.replace_range(0..8, &format!("{:08x}", k as u32 ^ 0x0190_0000));
                u
            })
            .clone()
    };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let backend = rt.block_on(muster_server::Backend::open(store))?;
    let mut pushed = 0u64;
    let mut push_s = 0.0;
    for k in 0..stops {
        let mut map: HashMap<String, String> = HashMap::new();
        map.insert(p.id.clone(), p.id.clone());
        let origin = fresh(k, &template[0].device_id, &mut map);
        let changes: Vec<muster_protocol::Change> = template
            .iter()
            .filter(|c| k == 0 || c.entity != "programme")
            .map(|c| {
                let mut c = c.clone();
                c.device_id = origin.clone();
                c.entity_id = fresh(k, &c.entity_id, &mut map);
                for v in c.fields.values_mut() {
                    if let Some(s) = v.as_str().filter(|s| muster_protocol::rules::is_uuid(s)) {
                        *v = Value::String(fresh(k, s, &mut map));
                    }
                }
                if c.entity == "event" {
                    if let Some(n) = c.fields.get_mut("name") {
                        *n = Value::String(format!("第 {} 站", k + 1));
                    }
                }
                c
            })
            .collect();
        let device = rt.block_on(async {
            let d = backend.add_device(&format!("stop {}", k + 1)).await?;
            anyhow::Ok(backend.authenticate(&d.token).await?.expect("a new token authenticates"))
        })?;
        let start = Instant::now();
        for batch in changes.chunks(muster_protocol::sync::BATCH) {
            rt.block_on(backend.push(&device, &origin, batch))?;
        }
        push_s += start.elapsed().as_secs_f64();
        pushed += changes.len() as u64;
    }

    // The read model follows, then the figures are read from it.
    let model = dir.join("read-model.db");
    let start = Instant::now();
    let (_, followed) = rt.block_on(muster_server::report::follow(&backend, &model))?;
    let follow_s = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let (view, _) = rt.block_on(muster_server::report::programme(&backend, &model, &p.id))?;
    let report_s = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let mut m = Muster::open(&model)?;
    m.set_actor(Some(muster_core::access::Actor::admin("bench")));
    let open_s = start.elapsed().as_secs_f64();
    let start = Instant::now();
    m.programme(&p.id)?;
    let query_s = start.elapsed().as_secs_f64();
    let one = view.stops.last().map(|s| s.event_id.clone()).unwrap_or_default();
    let start = Instant::now();
    let attendance = m.attendance_report(&one)?;
    let stop_s = start.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&dir);
    let r = |s: f64| (s * 1000.0).round() / 1000.0;
    Ok(json!({
        "store": if store.starts_with("sqlite:") { "sqlite" } else { "postgres" },
        "stops": stops,
        "trainees": view.totals.trainees,
        "checked_in": view.totals.checked_in,
        "changes": pushed,
        "one_stop_made_seconds": r(make_s),
        "push_seconds": r(push_s),
        "push_changes_per_s": (pushed as f64 / push_s).round(),
        "read_model_seconds": r(follow_s),
        "read_model_changes_per_s": (followed.applied as f64 / follow_s).round(),
        "report_seconds": r(report_s),
        "report_open_seconds": r(open_s),
        "report_query_seconds": r(query_s),
        "stop_attendance_seconds": r(stop_s),
        "stop_attendance_rows": attendance.trainees.len(),
    }))
}
