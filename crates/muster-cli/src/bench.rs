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
