//! The Latin form of a name on a certificate: from the roster, or a
//! transliteration the coordinator confirms (or corrects, or says there is
//! none) before the certificates are printed.

use muster_core::certificates::LatinSource;
use muster_core::documents::{IssueRequest, PrintTarget};
use muster_core::model::NewEvent;
use muster_core::Muster;

fn event_with(rows: &str) -> (tempfile::TempDir, Muster, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut m = Muster::open(&dir.path().join("m.db")).unwrap();
    let e = m.create_event(NewEvent { name: "金边站".into(), venue: "".into(), starts_on: "2026-12-01".into(), days: 1 }).unwrap();
    let csv = dir.path().join("r.csv");
    std::fs::write(&csv, rows).unwrap();
    m.import_roster(&e.id, &csv, &Default::default(), &mut |_, _| {}).unwrap();
    for t in m.roster(&e.id).unwrap() {
        m.override_eligibility(&e.id, &t.id, true, "attended the make-up session", "Ana").unwrap();
    }
    (dir, m, e.id)
}

#[test]
fn transliterations_are_confirmed_corrected_or_refused_before_printing() {
    let (dir, mut m, event) = event_with("姓名,手机,英文名\n萧长青,13812345678,\n王素梅,13812345679,\nសុខ ស្រីមុំ,+85512345678,\nAynur Məmmədova,,\n李建国,13812345670,LI Jianguo\n");
    let names = m.latin_names(&event).unwrap();
    let by = |n: &str| names.iter().find(|x| x.name == n).unwrap_or_else(|| panic!("{n} in {names:?}")).clone();
    assert_eq!(by("李建国").source, LatinSource::Roster, "the roster's English name");
    assert_eq!(by("李建国").latin.as_deref(), Some("LI Jianguo"));
    assert_eq!(by("萧长青").source, LatinSource::Transliterated, "an empty English-name cell: pinyin, to be confirmed");
    assert_eq!(by("王素梅").latin.as_deref(), Some("WANG Sumei"));
    assert_eq!(by("សុខ ស្រីមុំ").source, LatinSource::None, "Khmer is not romanised");
    assert_eq!(by("Aynur Məmmədova").source, LatinSource::Roster, "already in Latin letters");

    // A wrong form is refused whole: nothing is written.
    let xiao = by("萧长青").trainee_id;
    let wang = by("王素梅").trainee_id;
    let khmer = by("សុខ ស្រីមុំ").trainee_id;
    let bad = m.confirm_latin_names(&event, &[(wang.clone(), "WANG Sumei".into()), (xiao.clone(), "萧 Changqing".into())]).unwrap_err();
    assert_eq!(bad.location().field.as_deref(), Some("name_latin"));
    assert_eq!(m.latin_names(&event).unwrap().iter().filter(|n| n.source == LatinSource::Transliterated).count(), 2, "all or nothing");
    let other = m.create_event(NewEvent { name: "另一站".into(), venue: "".into(), starts_on: "2026-12-01".into(), days: 1 }).unwrap();
    assert!(m.confirm_latin_names(&other.id, &[(wang.clone(), "WANG Sumei".into())]).is_err(), "a trainee of another event");

    // Confirmed, corrected (长 is chang here), a Khmer name given its form.
    let changed = m
        .confirm_latin_names(&event, &[(wang.clone(), "WANG Sumei".into()), (xiao.clone(), "XIAO Changqing".into()), (khmer.clone(), "SOK Sreymom".into())])
        .unwrap();
    assert_eq!(changed, 3);
    let names = m.latin_names(&event).unwrap();
    assert!(names.iter().all(|n| n.source == LatinSource::Roster), "nothing left to confirm: {names:?}");

    let out = dir.path().join("c.pdf");
    let job = m
        .prepare_certificates(&IssueRequest { event_id: &event, min_attendance: None, paper: None, reason: "", by: None, target: PrintTarget::File(out.clone()) })
        .unwrap();
    let printed = m.commit_certificates(job.render(&mut |_, _| {}).unwrap()).unwrap();
    let latin = |n: &str| printed.certificates.iter().find(|c| c.name == n).unwrap().name_latin.clone();
    assert_eq!(latin("萧长青").as_deref(), Some("XIAO Changqing"), "the corrected reading is printed");
    assert_eq!(latin("សុខ ស្រីមុំ").as_deref(), Some("SOK Sreymom"));
    assert_eq!(latin("王素梅").as_deref(), Some("WANG Sumei"));
    assert!(m.latin_names(&event).unwrap().is_empty(), "everyone has a certificate now");
}

#[test]
fn no_latin_form_is_a_confirmed_answer_too() {
    let (_dir, mut m, event) = event_with("姓名,手机\n王素梅,13812345679\n");
    let id = m.latin_names(&event).unwrap()[0].trainee_id.clone();
    m.confirm_latin_names(&event, &[(id.clone(), " ".into())]).unwrap();
    let n = &m.latin_names(&event).unwrap()[0];
    assert_eq!((n.latin.as_deref(), n.source), (None, LatinSource::Roster), "said once, not asked again");
    let t = m.roster(&event).unwrap().into_iter().find(|t| t.id == id).unwrap();
    assert_eq!(muster_core::certificates::latin_name(&t), None, "and printed without one");
}
