//! A laptop restored from a backup older than what the server holds of it:
//! it writes on, syncs, gets back what it had sent after the backup, and
//! nothing it wrote since the restore collides with the server's copies.

use super::{add_device, assert_converged, check_in, create_event, start_server, Laptop};
use muster_core::Muster;

#[test]
fn a_laptop_restored_from_an_old_backup_gets_its_later_changes_back() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, backend, rt) = start_server(&format!("sqlite:{}", dir.path().join("server.db").display()));
    let url = format!("http://{addr}");
    let (token_a, token_b) = (add_device(&rt, &backend, "A"), add_device(&rt, &backend, "B"));
    let mut a = Laptop::new(dir.path(), "a", token_a.clone());
    let (event, session) = create_event(&mut a, 3);
    a.sync(&url).unwrap();
    let backup = dir.path().join("usb-backup.db");
    a.m.backup(&backup).unwrap();

    // After the backup: two walk-ins, synced; then the laptop is lost.
    a.m.walk_in(&event, "晚到一", Some("13900000001"), None).unwrap();
    a.m.walk_in(&event, "晚到二", Some("13900000002"), None).unwrap();
    a.sync(&url).unwrap();
    drop(a);

    // The replacement laptop restores the backup and keeps working before
    // it meets the server: its new change numbers are the ones the server
    // already holds for the two walk-ins.
    let path = dir.path().join("a2.db");
    Muster::restore(&backup, &path, None, false, false).unwrap();
    let mut a2 = Laptop::new(dir.path(), "a2", token_a);
    let first = a2.m.roster(&event).unwrap()[0].id.clone();
    check_in(&mut a2, &event, &session, &first, "2026-12-01T09:03");
    a2.m.walk_in(&event, "新来的", Some("13900000003"), None).unwrap();
    let report = a2.sync(&url).expect("a restored laptop syncs");
    assert!(report.pulled >= 2, "{report:?}");
    assert_eq!(report.pending, 0);
    let names: Vec<String> = a2.m.roster(&event).unwrap().into_iter().map(|t| t.fields.name).collect();
    for n in ["晚到一", "晚到二", "新来的"] {
        assert!(names.contains(&n.to_string()), "{n} missing from {names:?}");
    }
    // Another laptop sees all of it, and the server holds each change once.
    let mut b = Laptop::new(dir.path(), "b", token_b);
    b.sync(&url).unwrap();
    a2.sync(&url).unwrap();
    assert_converged(&[&a2, &b], &rt, &backend);
    // A second sync is quiet: the restore is behind it.
    let again = a2.sync(&url).unwrap();
    assert_eq!((again.pushed, again.pending), (0, 0));
}

/// A backup restored onto a second laptop that stays in use beside the
/// original would put two laptops' changes under the same numbers. The
/// server refuses the clashing changes with a conflict that says so (before,
/// it kept the first and silently dropped the other as a duplicate); the
/// laptop keeps its data. Restored with `new_device`, the second laptop has
/// an id of its own and both sync.
#[test]
fn a_backup_on_a_second_laptop_needs_a_device_id_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, backend, rt) = start_server(&format!("sqlite:{}", dir.path().join("server.db").display()));
    let url = format!("http://{addr}");
    let [token_a, token_b, token_c] = ["A", "B", "C"].map(|n| add_device(&rt, &backend, n));
    let mut a = Laptop::new(dir.path(), "a", token_a.clone());
    let (event, _) = create_event(&mut a, 3);
    a.sync(&url).unwrap();
    let backup = dir.path().join("usb-backup.db");
    a.m.backup(&backup).unwrap();

    // The mistake: the backup restored as the same laptop on another one,
    // and both go on working.
    Muster::restore(&backup, &dir.path().join("b.db"), None, false, false).unwrap();
    let mut b = Laptop::new(dir.path(), "b", token_b);
    assert_eq!(b.m.store().device_id(), a.m.store().device_id());
    a.m.walk_in(&event, "甲", Some("13900000001"), None).unwrap();
    b.m.walk_in(&event, "乙", Some("13900000002"), None).unwrap();
    a.sync(&url).unwrap();
    // With a token of its own, the copy cannot pose as A at all.
    match b.sync(&url) {
        Err(muster_sync::SyncError::Refused { status: 403, code, message }) => {
            assert_eq!(code, "wrong_device");
            assert!(message.contains("--new-device"), "{message}");
        }
        other => panic!("a second token pushing as A: {other:?}"),
    }
    // With A's token copied along, its first sync still works (a restored
    // laptop's changes move past what the server holds of it) ...
    b.token = token_a;
    b.sync(&url).unwrap();
    // ... but from then on the two number their changes over each other.
    a.m.walk_in(&event, "丁", Some("13900000004"), None).unwrap();
    b.m.walk_in(&event, "戊", Some("13900000005"), None).unwrap();
    let (ra, rb) = (a.sync(&url), b.sync(&url));
    let names = |l: &Laptop| -> Vec<String> { l.m.roster(&event).unwrap().into_iter().map(|t| t.fields.name).collect() };
    let refused: Vec<(&Laptop, String, &str)> = [(&a, ra, "丁"), (&b, rb, "戊")]
        .into_iter()
        .filter_map(|(l, r, name)| r.err().map(|e| (l, e.to_string(), name)))
        .collect();
    assert!(!refused.is_empty(), "two laptops under one id are refused");
    for (l, err, name) in refused {
        assert!(err.contains("two laptops are syncing as one store") && err.contains("--new-device"), "{err}");
        assert!(names(l).contains(&name.to_string()), "the laptop keeps its data");
        assert!(l.m.sync_status().unwrap().0 > 0, "and it still waits to be sent");
    }

    // By USB stick the same: the clashing file is refused whole.
    let stick = dir.path().join("b.sync");
    muster_sync::file::export(&mut b.m, &stick, true).unwrap();
    let before = names(&a);
    let err = muster_sync::file::import(&mut a.m, &stick).expect_err("a clashing sync file is refused");
    assert_eq!(err.code(), muster_core::ErrorCode::Conflict);
    assert!(err.to_string().contains("two laptops are syncing as one store"), "{err}");
    assert_eq!(names(&a), before, "nothing of it was applied");

    // The way to do it: a laptop of its own.
    let id = Muster::restore(&backup, &dir.path().join("c.db"), None, false, true).unwrap();
    let mut c = Laptop::new(dir.path(), "c", token_c);
    assert_eq!(c.m.store().device_id(), id);
    assert_ne!(id, a.m.store().device_id());
    assert_eq!(c.m.sync_status().unwrap().0, 1, "of its own only the audit line of the restore");
    c.m.walk_in(&event, "丙", Some("13900000003"), None).unwrap();
    c.sync(&url).expect("a laptop of its own syncs");
    assert!(names(&c).contains(&"甲".to_string()), "{:?}", names(&c));
    // (A and B still clash; a third laptop sees the new one's work.)
    let mut d = Laptop::new(dir.path(), "d", add_device(&rt, &backend, "D"));
    d.sync(&url).unwrap();
    assert!(names(&d).contains(&"丙".to_string()) && names(&d).contains(&"甲".to_string()), "{:?}", names(&d));
    let again = c.sync(&url).unwrap();
    assert_eq!((again.pushed, again.pending), (0, 0));
}
