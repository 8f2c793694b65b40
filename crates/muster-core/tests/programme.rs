//! Programmes in one store: a laptop keeps out what it does not sync, even
//! when the other side sends it (a wrong or hostile server, a sync file); a
//! closed event is read-only but for reprints; a purge refuses until the
//! server holds everything.

use muster_core::model::NewEvent;
use muster_core::Muster;
use muster_protocol::sync::PullResponse;

fn open(dir: &std::path::Path, name: &str) -> Muster {
    let mut m = Muster::open(&dir.join(name)).unwrap();
    m.set_actor(Some(muster_core::access::Actor::admin("test")));
    m
}

fn stop(m: &mut Muster, name: &str, programme: &str) -> String {
    m.create_event_in(NewEvent { name: name.into(), venue: String::new(), starts_on: "2026-11-20".into(), days: 1 }, Some(programme)).unwrap().id
}

#[test]
fn a_laptop_never_keeps_another_stops_people_whatever_it_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(dir.path(), "a.db");
    let p = a.create_programme("4IR", None).unwrap();
    let lingshou = stop(&mut a, "灵寿", &p.id);
    let yanan = stop(&mut a, "延安", &p.id);
    a.walk_in(&lingshou, "王素梅", Some("13812345678"), None).unwrap();
    let (zhao, _) = a.walk_in(&yanan, "赵延河", Some("13700000011"), None).unwrap();
    a.edit_trainee(&zhao.id, &muster_core::trainee::TraineePatch { phone: Some("13700000022".into()), ..Default::default() }).unwrap();
    let all = a.own_changes().unwrap();

    // B first hears of the programme and its stops (as every laptop does), then syncs Lingshou only.
    let mut b = open(dir.path(), "b.db");
    let global: Vec<_> = all.iter().filter(|c| c.entity == "programme" || c.entity == "event").cloned().collect();
    b.apply_pulled(&PullResponse { changes: global, cursor: 1, more: false }).unwrap();
    b.set_sync_events(Some(vec![lingshou.clone()])).unwrap();
    // The "server" sends everything, Yan'an's person and her edit included.
    b.apply_pulled(&PullResponse { changes: all.clone(), cursor: 2, more: false }).unwrap();
    assert_eq!(b.roster(&lingshou).unwrap().len(), 1);
    assert!(b.roster(&yanan).unwrap().is_empty(), "another stop's trainee was kept");
    let held = b.own_changes().unwrap().len() + b.check().unwrap().len();
    assert_eq!(held, 0);
    let view = b.programme("4IR").unwrap();
    assert_eq!(view.stops.len(), 2, "both stops are known by name");
    assert_eq!(view.totals.trainees, 1);
    // The history on B knows only what B holds.
    let wang = b.roster(&lingshou).unwrap()[0].id.clone();
    assert_eq!(b.trainee_history(&wang).unwrap().stops.len(), 1);
}

#[test]
fn a_closed_event_takes_nothing_but_reopening_and_a_purge_waits_for_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(dir.path(), "a.db");
    let p = a.create_programme("4IR", None).unwrap();
    let e = stop(&mut a, "灵寿", &p.id);
    a.walk_in(&e, "王素梅", Some("13812345678"), None).unwrap();
    let open_purge = a.purge_event(&e).unwrap_err();
    assert!(open_purge.to_string().contains("close it first"), "{open_purge}");
    a.close_event(&e).unwrap();
    let refused = a.walk_in(&e, "迟到者", None, None).unwrap_err();
    assert!(refused.to_string().contains("closed"), "{refused}");
    assert_eq!(refused.msg().map(|m| m.key), Some("event_closed".to_string()));
    // Nothing has reached a server: every change of it is unsent.
    let unsent = a.purge_event(&e).unwrap_err();
    assert!(unsent.to_string().contains("have not reached the central service"), "{unsent}");
    assert_eq!(a.roster(&e).unwrap().len(), 1, "nothing was removed");
    a.reopen_event(&e).unwrap();
    a.walk_in(&e, "迟到者", None, None).unwrap();
}
