//! Property test of the merge, seeded: the same changes applied in any
//! order, in any batches, with repeats, give the same rows everywhere, and
//! each field holds the value of its latest (HLC, device) writer.

use muster_core::Muster;
use muster_protocol::sync::PullResponse;
use muster_protocol::{Change, ChangeOp, Hlc};
use serde_json::json;
use std::collections::BTreeMap;

struct Rng(u64);
impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// Changes from three devices about one event's trainees: inserts, then
/// field updates with clocks that disagree by hours.
fn history(seed: u64, event_id: &str) -> Vec<Change> {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let devices = ["0190a000-0000-7000-8000-00000000000a", "0190a000-0000-7000-8000-00000000000b", "0190a000-0000-7000-8000-00000000000c"];
    let mut seq = [0u64; 3];
    let mut out = Vec::new();
    let mut ids = Vec::new();
    for i in 0..6 {
        let d = rng.next(3) as usize;
        seq[d] += 1;
        let id = format!("0190a000-0000-7000-8000-{:012}", seed * 100 + i);
        ids.push(id.clone());
        out.push(Change {
            device_id: devices[d].into(),
            seq: seq[d],
            hlc: Hlc::new(1_764_000_000_000 + rng.next(10_000_000), rng.next(3) as u16),
            entity: "trainee".into(),
            entity_id: id,
            op: ChangeOp::Insert,
            fields: [
                ("event_id", json!(event_id)),
                ("name", json!(format!("学员{i}"))),
                ("phone", json!(format!("1380000{:04}", i))),
                ("extra", json!({})),
                ("created_at", json!("2026-12-01T00:00:00Z")),
                ("walk_in", json!(false)),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        });
    }
    for _ in 0..30 {
        let d = rng.next(3) as usize;
        seq[d] += 1;
        let field = ["name", "organization", "occupation", "phone"][rng.next(4) as usize];
        let value = match field {
            "phone" => json!(format!("1390000{:04}", rng.next(10_000))),
            _ => json!(format!("{field}-{}", rng.next(1000))),
        };
        out.push(Change {
            device_id: devices[d].into(),
            seq: seq[d],
            // Some updates carry a timestamp before the insert they follow
            // (a laptop whose clock is hours behind).
            hlc: Hlc::new(1_764_000_000_000 + rng.next(20_000_000), rng.next(3) as u16),
            entity: "trainee".into(),
            entity_id: ids[rng.next(ids.len() as u64) as usize].clone(),
            op: ChangeOp::Update,
            fields: [(field.to_string(), value)].into_iter().collect(),
        });
    }
    out
}

/// What each field should be: the value of the greatest (HLC, device).
fn expected(changes: &[Change]) -> BTreeMap<String, BTreeMap<String, serde_json::Value>> {
    let mut sorted: Vec<&Change> = changes.iter().collect();
    sorted.sort_by(|a, b| (a.hlc, &a.device_id).cmp(&(b.hlc, &b.device_id)));
    let mut rows: BTreeMap<String, BTreeMap<String, serde_json::Value>> = BTreeMap::new();
    for c in sorted {
        rows.entry(c.entity_id.clone()).or_default().extend(c.fields.clone());
    }
    rows
}

fn fresh(dir: &std::path::Path, name: &str) -> (Muster, String) {
    let mut m = Muster::open(&dir.join(name)).unwrap();
    // The same event id everywhere: apply its insert as a remote change.
    let event = Change {
        device_id: "0190a000-0000-7000-8000-0000000000ff".into(),
        seq: 1,
        hlc: Hlc::new(1_763_000_000_000, 0),
        entity: "event".into(),
        entity_id: "0190a000-0000-7000-8000-ffffffffffff".into(),
        op: ChangeOp::Insert,
        fields: [("name", json!("培训")), ("venue", json!("")), ("starts_on", json!("2026-12-01")), ("days", json!(1)), ("created_at", json!("2026-12-01T00:00:00.000Z"))]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    };
    m.apply_changes(&PullResponse { changes: vec![event.clone()], cursor: 0, more: false }).unwrap();
    (m, event.entity_id)
}

#[test]
fn any_order_any_batches_any_repeats_give_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    for seed in 1..=60u64 {
        let (mut reference, event) = fresh(dir.path(), &format!("ref{seed}.db"));
        let changes = history(seed, &event);
        let want = expected(&changes);
        reference.apply_changes(&PullResponse { changes: changes.clone(), cursor: 0, more: false }).unwrap();
        let reference_view = serde_json::to_string(&reference.roster(&event).unwrap()).unwrap();
        for (id, fields) in &want {
            let t = reference.trainee(id).unwrap();
            for (k, v) in fields {
                let got = serde_json::to_value(&t).unwrap()[k].clone();
                assert_eq!(&got, v, "seed {seed}: {id}.{k}");
            }
        }
        let mut rng = Rng(seed | 1);
        for variant in 0..3 {
            let (mut other, _) = fresh(dir.path(), &format!("o{seed}-{variant}.db"));
            let mut shuffled = changes.clone();
            for i in (1..shuffled.len()).rev() {
                shuffled.swap(i, rng.next(i as u64 + 1) as usize);
            }
            // Random batches, some changes sent twice.
            let mut i = 0;
            while i < shuffled.len() {
                let n = 1 + rng.next(7) as usize;
                let mut batch: Vec<Change> = shuffled[i..(i + n).min(shuffled.len())].to_vec();
                if rng.next(3) == 0 {
                    batch.extend(shuffled[..i.min(3)].iter().cloned());
                }
                other.apply_changes(&PullResponse { changes: batch, cursor: 0, more: false }).unwrap();
                i += n;
            }
            let view = serde_json::to_string(&other.roster(&event).unwrap()).unwrap();
            assert_eq!(view, reference_view, "seed {seed} variant {variant}");
            // Search follows the merged names.
            for t in other.roster(&event).unwrap() {
                assert!(other.search(&event, &t.fields.name, 50).unwrap().iter().any(|x| x.id == t.id), "seed {seed}: search finds {}", t.fields.name);
            }
        }
    }
}
