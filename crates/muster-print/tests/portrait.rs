//! The portrait PDF: read back with pdftotext (poppler-utils) — the
//! Chinese labels are searchable text, counts and percents are printed,
//! long reports break into pages.

use muster_print::portrait::{self, Bar, Question, Report};
use std::process::Command;

fn report(n: usize) -> Report {
    Report {
        title: "2026 电商直播培训 学员画像".into(),
        totals: "已存 52 stored · 已拒 3 rejected · 纳入 50 included".into(),
        questions: (0..n)
            .map(|i| Question {
                title: format!("{} 培训是否有用？Was it valuable?", i + 1),
                answered: "已答 answered 50".into(),
                bars: vec![
                    Bar { label: "有用 yes".into(), count: 41, percent: 82.0 },
                    Bar { label: "一般 so-so".into(), count: 6, percent: 12.0 },
                    Bar { label: "没用 no".into(), count: 3, percent: 6.0 },
                ],
                summary: (i % 2 == 1).then(|| "n 50 · min 18 · max 61 · mean 34.2 · median 33".into()),
            })
            .collect(),
    }
}

#[test]
fn the_portrait_is_a_searchable_pdf_of_bars() {
    let r = portrait::render(&report(3)).unwrap();
    assert_eq!(r.pages, 1);
    assert!(r.missing_glyphs.is_empty(), "{:?}", r.missing_glyphs);
    let dir = std::env::temp_dir().join(format!("muster-portrait-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pdf = dir.join("portrait.pdf");
    std::fs::write(&pdf, &r.pdf).unwrap();
    if let Some(keep) = std::env::var_os("MUSTER_PRINT_KEEP") {
        std::fs::write(std::path::Path::new(&keep).join("portrait.pdf"), &r.pdf).unwrap();
    }
    let out = Command::new("pdftotext").args(["-layout"]).arg(&pdf).arg("-").output().expect("pdftotext (poppler-utils)");
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in ["学员画像", "培训是否有用", "有用 yes", "82.0%", "6.0%", "median 33", "已拒 3"] {
        assert!(text.contains(needle), "{needle} not in:\n{text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_long_portrait_breaks_into_pages_and_an_empty_one_is_refused() {
    let r = portrait::render(&report(20)).unwrap();
    assert!(r.pages >= 3, "{} pages", r.pages);
    assert!(portrait::render(&Report { title: "x".into(), totals: String::new(), questions: vec![] }).is_err());
}
