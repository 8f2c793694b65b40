//! The store: migrations, the change log beside every write, device
//! identity across reopen.

use muster_core::model::{NewEvent, NewSession};
use muster_core::store::migrations::{fingerprint, MIGRATIONS};
use muster_core::Muster;

/// Shipped migrations are never edited: their fingerprints are pinned here.
/// A new migration appends a line; an edited one fails this test.
#[test]
fn shipped_migrations_are_never_edited() {
    let pinned: &[(&str, u64)] = &[("0001_init.sql", PINNED_0001), ("0002_checkin.sql", PINNED_0002), ("0003_certificates.sql", PINNED_0003), ("0004_forms.sql", PINNED_0004), ("0005_users_audit.sql", PINNED_0005), ("0006_quarantine.sql", PINNED_0006), ("0007_search_docs.sql", PINNED_0007), ("0008_removed.sql", PINNED_0008), ("0009_revocations.sql", PINNED_0009), ("0010_excused.sql", PINNED_0010), ("0011_certificate_rules.sql", PINNED_0011), ("0012_response_corrections.sql", PINNED_0012), ("0013_programmes.sql", PINNED_0013), ("0014_insert_by_row.sql", PINNED_0014), ("0015_trainee_lookups.sql", PINNED_0015), ("0016_search_from_rows.sql", PINNED_0016), ("0017_code_first.sql", PINNED_0017)];
    assert_eq!(MIGRATIONS.len(), pinned.len(), "a new migration needs its fingerprint pinned here");
    for (m, (name, fp)) in MIGRATIONS.iter().zip(pinned) {
        assert_eq!(m.name, *name);
        assert_eq!(fingerprint(m.sql), *fp, "shipped migration {name} was edited: add a new migration instead");
    }
}
const PINNED_0001: u64 = 485_580_038_206_816_709;
const PINNED_0002: u64 = 2_249_712_013_233_137_330;
const PINNED_0003: u64 = 3_322_396_290_209_384_259;
const PINNED_0004: u64 = 4_912_446_540_166_080_129;
const PINNED_0005: u64 = 1_138_597_691_410_440_259;
const PINNED_0006: u64 = 17_954_154_286_469_983_172;
const PINNED_0007: u64 = 3_042_070_568_250_438_657;
const PINNED_0008: u64 = 979_524_159_802_345_298;
const PINNED_0017: u64 = 14_307_978_255_920_980_170;
const PINNED_0016: u64 = 2_831_724_210_252_548_180;
const PINNED_0015: u64 = 7_475_357_090_607_392_421;
const PINNED_0014: u64 = 1_410_671_106_441_717_995;
const PINNED_0013: u64 = 6_971_773_436_391_897_196;
const PINNED_0012: u64 = 13_189_657_060_511_576_736;
const PINNED_0011: u64 = 17_136_180_475_914_073_543;
const PINNED_0010: u64 = 15_228_314_544_194_171_616;
const PINNED_0009: u64 = 3_837_341_489_789_293_375;

#[test]
fn all_migrations_apply_to_an_empty_store_and_leave_it_valid() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let m = Muster::open(&path).unwrap();
    assert!(m.store().check().unwrap().is_empty());
    drop(m);
    // Reopening applies nothing twice.
    let m = Muster::open(&path).unwrap();
    assert!(m.store().check().unwrap().is_empty());
    let conn = rusqlite_version(&path);
    assert_eq!(conn, MIGRATIONS.len() as i64);
}

/// A new plain store has 16 KiB pages; a store made before (4 KiB) keeps
/// its pages and opens as ever; an encrypted one keeps SQLCipher's.
#[test]
fn a_new_plain_store_has_16_kib_pages_and_an_old_one_keeps_its_own() {
    let page_size = |path: &std::path::Path| -> u32 {
        // The header's page size (offset 16, big-endian; 1 means 65,536).
        let bytes = std::fs::read(path).unwrap();
        u32::from(u16::from_be_bytes(bytes[16..18].try_into().unwrap()))
    };
    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("new.db");
    let mut m = Muster::open(&new).unwrap();
    m.create_event(NewEvent { name: "培训".into(), venue: "".into(), starts_on: "2026-12-01".into(), days: 1 }).unwrap();
    drop(m);
    assert_eq!(page_size(&new), 16_384);

    // A store of 4 KiB pages from an earlier Muster (made here by SQLite
    // itself, with a table in it): its pages stay, its rows with them.
    let old = dir.path().join("old.db");
    {
        let conn = rusqlite::Connection::open(&old).unwrap();
        conn.execute_batch("PRAGMA page_size = 4096; CREATE TABLE kept (x); INSERT INTO kept VALUES (42);").unwrap();
    }
    assert_eq!(page_size(&old), 4_096);
    let mut m = Muster::open(&old).unwrap();
    let event = m.create_event(NewEvent { name: "培训".into(), venue: "".into(), starts_on: "2026-12-01".into(), days: 1 }).unwrap();
    assert!(m.store().check().unwrap().is_empty());
    drop(m);
    assert_eq!(page_size(&old), 4_096);
    let m = Muster::open(&old).unwrap();
    assert_eq!(m.event(&event.id).unwrap().name, "培训");
    drop(m);
    let conn = rusqlite::Connection::open(&old).unwrap();
    assert_eq!(conn.query_row("SELECT x FROM kept", [], |r| r.get::<_, i64>(0)).unwrap(), 42);

    // Encrypted: SQLCipher's own page setting, and it opens again.
    let secret = dir.path().join("secret.db");
    let mut m = Muster::open_with(&secret, Some("correct horse")).unwrap();
    m.create_event(NewEvent { name: "培训".into(), venue: "".into(), starts_on: "2026-12-01".into(), days: 1 }).unwrap();
    drop(m);
    let m = Muster::open_with(&secret, Some("correct horse")).unwrap();
    assert_eq!(m.list_events().unwrap().len(), 1);
}

fn rusqlite_version(path: &std::path::Path) -> i64 {
    // Read the header's user_version field directly (offset 60, big-endian)
    // so the test does not need its own SQLite connection.
    let bytes = std::fs::read(path).unwrap();
    i64::from(u32::from_be_bytes(bytes[60..64].try_into().unwrap()))
}

#[test]
fn every_write_appends_field_level_changes_with_gap_free_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let mut m = Muster::open(&path).unwrap();
    let e = m
        .create_event(NewEvent { name: "培训".into(), venue: "县城".into(), starts_on: "2026-12-01".into(), days: 2 })
        .unwrap();
    m.add_session(&e.id, NewSession { title: "Day 1".into(), starts_at: "2026-12-01T09:00".into(), ends_at: "2026-12-01T17:00".into() })
        .unwrap();
    let device = m.store().device_id().to_string();
    let all = m.store().changes_since(&device, 0, 100).unwrap();
    // Each row's change is followed by its audit line, in the same sequence.
    assert_eq!(all.iter().map(|c| (c.seq, c.entity.as_str())).collect::<Vec<_>>(), [(1, "event"), (2, "audit"), (3, "session"), (4, "audit")]);
    assert_eq!(all[1].fields["entity_id"], e.id.as_str());
    let changes: Vec<_> = all.into_iter().filter(|c| c.entity != "audit").collect();
    assert!(changes[0].hlc < changes[1].hlc);
    assert_eq!(changes[0].entity, "event");
    assert_eq!(changes[0].entity_id, e.id);
    assert_eq!(changes[0].fields["name"], "培训");
    assert_eq!(changes[1].entity, "session");
    assert_eq!(uuid_version(&e.id), 7);

    // A reopened store (and a second process) continues the same device's
    // sequence and clock.
    drop(m);
    let mut again = Muster::open(&path).unwrap();
    assert_eq!(again.store().device_id(), device);
    let demo = again.create_demo_event().unwrap();
    let changes = again.store().changes_since(&device, 4, 1000).unwrap();
    assert_eq!(changes.first().unwrap().seq, 5);
    assert!(changes.windows(2).all(|w| w[1].seq == w[0].seq + 1 && w[1].hlc > w[0].hlc));
    assert_eq!(changes.iter().filter(|c| c.entity == "trainee").count() as u32, demo.trainee_count);
}

fn uuid_version(id: &str) -> u8 {
    let hex: String = id.chars().filter(|c| *c != '-').collect();
    u8::from_str_radix(&hex[12..13], 16).unwrap()
}

#[test]
fn a_failed_write_leaves_no_row_and_no_change() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = Muster::open(&dir.path().join("m.db")).unwrap();
    let e = m
        .create_event(NewEvent { name: "E".into(), venue: "".into(), starts_on: "2026-12-01".into(), days: 1 })
        .unwrap();
    let bad = m.add_session(&e.id, NewSession { title: "T".into(), starts_at: "2026-12-01T10:00".into(), ends_at: "2026-12-01T09:00".into() });
    assert!(bad.is_err());
    assert!(m.list_sessions(&e.id).unwrap().is_empty());
    let device = m.store().device_id().to_string();
    let entities: Vec<String> = m.store().changes_since(&device, 0, 10).unwrap().into_iter().map(|c| c.entity).collect();
    assert_eq!(entities, ["event", "audit"]);
}

#[test]
fn a_store_from_a_newer_muster_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    drop(Muster::open(&path).unwrap());
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[60..64].copy_from_slice(&99u32.to_be_bytes());
    std::fs::write(&path, &bytes).unwrap();
    let err = Muster::open(&path).err().expect("refused");
    assert!(err.to_string().contains("newer Muster"), "{err}");
}
