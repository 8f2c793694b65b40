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
