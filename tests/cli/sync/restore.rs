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
    Muster::restore(&backup, &path, None, false).unwrap();
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
