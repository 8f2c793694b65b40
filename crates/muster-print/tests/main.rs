//! Render tests of muster-print: the PDFs are read back with poppler
//! (pdftotext, pdffonts, pdftoppm — `poppler-utils`, installed by
//! `scripts/test`) and, when `zbarimg` is installed (`zbar-tools`), the QR
//! codes are decoded from the rendered page.

use muster_print::badges::{self, BadgeSheet, Slip};
use muster_print::certificate::{self, Certificate, Design, Signatory};
use muster_print::{Paper, Rendered};
use std::path::{Path, PathBuf};
use std::process::Command;

fn tool(name: &str) -> Command {
    let ok = Command::new("sh").arg("-c").arg(format!("command -v {name}")).output().map(|o| o.status.success()).unwrap_or(false);
    assert!(ok, "{name} is needed by these tests: apt-get install poppler-utils (scripts/test installs it)");
    Command::new(name)
}

fn has(name: &str) -> bool {
    Command::new("sh").arg("-c").arg(format!("command -v {name}")).output().map(|o| o.status.success()).unwrap_or(false)
}

fn save(dir: &Path, name: &str, r: &Rendered) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, &r.pdf).unwrap();
    // For looking at the pages: MUSTER_PRINT_KEEP=DIR keeps a copy.
    if let Some(keep) = std::env::var_os("MUSTER_PRINT_KEEP") {
        std::fs::write(Path::new(&keep).join(name), &r.pdf).unwrap();
    }
    p
}

fn pdftotext(pdf: &Path) -> String {
    let out = tool("pdftotext").args(["-enc", "UTF-8"]).arg(pdf).arg("-").output().unwrap();
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A realistic certificate code: 157 characters of Crockford base 32.
fn code(seed: u64) -> String {
    const B32: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..157)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            B32[(s % 32) as usize] as char
        })
        .collect()
}

fn design(paper: Paper) -> Design {
    Design {
        paper,
        title: "农村电商运营实务".into(),
        title_en: "Rural E-commerce Operations".into(),
        venue: "河南省信阳市光山县".into(),
        venue_en: "Guangshan County, Henan".into(),
        dates: "2025年3月10日至12日".into(),
        dates_en: "10–12 March 2025".into(),
        organisers: vec!["光山县人力资源和社会保障局".into(), "Muster Training Partners".into()],
        signatories: vec![
            Signatory { name: "陈立华".into(), title: "培训中心主任 Director".into(), image: Some(sample("signature-chen.png")) },
            Signatory { name: "Sophie Martin".into(), title: "Programme Lead".into(), image: None },
        ],
        logos: vec![sample("logo-county.png"), sample("logo-partner.png")],
        issued_on: "2025-03-12".into(),
        verify_hint: "核验 Verify: muster certificates verify CODE".into(),
        lang: certificate::Lang::Zh,
        dates_local: "10–12.03.2025".into(),
        seal: None,
    }
}

fn sample(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/certificate").join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Names in every script the certificates must print.
fn names() -> Vec<(&'static str, Option<&'static str>)> {
    vec![
        ("王素梅", Some("WANG Sumei")),
        ("Aynur Məmmədova", None),
        ("Şəhla Çələbiyeva", None),
        ("Ýazgül Öwezowa", None),
        ("Täçmämmet Ňazow Žorayew", None),
        ("សុខ ស្រីមុំ", Some("Sok Sreymom")),
        ("ສົມສັກ ພົມມະວົງ", Some("Somsak Phommavong")),
    ]
}

fn certs() -> Vec<Certificate> {
    names()
        .into_iter()
        .enumerate()
        .map(|(i, (n, l))| Certificate {
            id: format!("0195a0c4-7d2e-7b31-9c1d-00000000000{i}"),
            name: n.into(),
            name_latin: l.map(String::from),
            hours: 22.5,
            code: code(i as u64),
            note: String::new(),
            by_decision: false,
        })
        .collect()
}

/// pdftotext of shaped text: compare without spaces and line breaks, which
/// extraction is free to add or drop between runs.
fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn certificate_names_in_every_script_extract_back() {
    let dir = tempfile::tempdir().unwrap();
    let r = certificate::render(&design(Paper::A4), &certs(), &mut |_, _| {}).unwrap();
    assert_eq!(r.pages, names().len());
    assert!(r.missing_glyphs.is_empty(), "no glyph for {:?}", r.missing_glyphs);
    let text = squash(&pdftotext(&save(dir.path(), "c.pdf", &r)));
    for (name, latin) in names() {
        assert!(text.contains(&squash(name)), "{name} not in the text layer");
        if let Some(l) = latin {
            assert!(text.contains(&squash(l)), "{l} not in the text layer");
        }
    }
    for s in ["结业证书", "CERTIFICATEOFCOMPLETION", "农村电商运营实务", "RuralE-commerceOperations", "22.5学时", "22.5hours"] {
        assert!(text.contains(s), "{s} not in the text layer");
    }
    // The number as given, and the long code only in the QR, not as text.
    assert!(text.contains("0195a0c4-7d2e-7b31-9c1d-000000000000"));
    assert!(!text.contains(&squash(&certificate::grouped(&code(0)))), "the long code is not printed as text");
}

#[test]
fn every_font_is_embedded_as_a_subset_with_unicode() {
    let dir = tempfile::tempdir().unwrap();
    let r = certificate::render(&design(Paper::A4), &certs(), &mut |_, _| {}).unwrap();
    let pdf = save(dir.path(), "c.pdf", &r);
    let out = tool("pdffonts").arg(&pdf).output().unwrap();
    let listing = String::from_utf8(out.stdout).unwrap();
    let fonts: Vec<&str> = listing.lines().skip(2).filter(|l| !l.trim().is_empty()).collect();
    assert!(fonts.len() >= 6, "expected Latin, CJK, Khmer, Lao and mono faces:\n{listing}");
    for l in &fonts {
        let cols: Vec<&str> = l.split_whitespace().collect();
        // name type [encoding…] emb sub uni object id
        let n = cols.len();
        let (emb, sub, uni) = (cols[n - 5], cols[n - 4], cols[n - 3]);
        assert_eq!((emb, sub, uni), ("yes", "yes", "yes"), "not an embedded subset with ToUnicode: {l}");
        let tag = cols[0].split('+').next().unwrap();
        assert!(tag.len() == 6 && tag.chars().all(|c| c.is_ascii_uppercase()), "subset tag {tag} in {l}");
    }
    // Subsets, not whole fonts: the CJK collections alone are 20+ MB.
    assert!(r.pdf.len() < 400_000, "{} bytes for 7 pages", r.pdf.len());
}

#[test]
fn five_hundred_certificates_stay_under_two_megabytes() {
    let mut batch = Vec::new();
    let sur = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵"];
    let given = ["素梅", "建国", "秀英", "志强", "桂兰", "海燕"];
    for i in 0..500 {
        batch.push(Certificate {
            id: format!("0195a0c4-7d2e-7b31-9c1d-{i:012}"),
            name: format!("{}{}", sur[i % 8], given[i % 6]),
            name_latin: Some("WANG Sumei".into()),
            hours: 20.0 + (i % 5) as f64,
            code: code(i as u64),
            note: String::new(),
            by_decision: false,
        });
    }
    let mut calls = 0;
    let r = certificate::render(&design(Paper::A4), &batch, &mut |done, total| {
        calls += 1;
        assert_eq!(total, 500);
        assert_eq!(done, calls);
    })
    .unwrap();
    assert_eq!(r.pages, 500);
    assert_eq!(calls, 500);
    assert!(r.pdf.len() < 2_000_000, "{} bytes", r.pdf.len());
}

#[test]
fn a5_certificates_render_and_keep_a_30mm_qr() {
    let dir = tempfile::tempdir().unwrap();
    let r = certificate::render(&design(Paper::A5), &certs()[..1], &mut |_, _| {}).unwrap();
    let pdf = save(dir.path(), "a5.pdf", &r);
    let info = String::from_utf8(tool("pdfinfo").arg(&pdf).output().unwrap().stdout).unwrap();
    // A5 landscape: 595.28 x 419.53 pts.
    assert!(info.contains("595.2") && info.contains("419.5"), "{info}");
    assert!(squash(&pdftotext(&pdf)).contains("王素梅"));
}

#[test]
fn missing_glyphs_are_reported_not_hidden() {
    let mut c = certs().remove(0);
    c.name = "王素梅𓀀".into(); // an Egyptian hieroglyph: no shipped font has it
    let r = certificate::render(&design(Paper::A4), &[c], &mut |_, _| {}).unwrap();
    assert!(r.missing_glyphs.contains(&'𓀀'), "{:?}", r.missing_glyphs);
}

#[test]
fn badge_slips_carry_name_code_and_a_scannable_qr() {
    let dir = tempfile::tempdir().unwrap();
    let slips: Vec<Slip> = (0..13)
        .map(|i| Slip {
            name: ["王素梅", "Aynur Məmmədova", "សុខ ស្រីមុំ"][i % 3].to_string(),
            name_latin: [Some("WANG Sumei"), None, Some("Sok Sreymom")][i % 3].map(String::from),
            code: format!("7K3QX{}", i % 10),
            organization: Some("光山县十里镇".into()),
        })
        .collect();
    let r = badges::render(&BadgeSheet { event: "农村电商运营实务".into(), subtitle: "2025-03-10 – 2025-03-12 · 光山县".into(), slips }).unwrap();
    assert_eq!(r.pages, 2, "ten slips to a page");
    let pdf = save(dir.path(), "b.pdf", &r);
    let text = squash(&pdftotext(&pdf));
    for s in ["王素梅", "WANGSumei", "AynurMəmmədova", "សុខស្រីមុំ", "7K3QX0", "7K3QX9", "农村电商运营实务"] {
        assert!(text.contains(s), "{s} not on the slips");
    }
    if has("zbarimg") {
        let png = dir.path().join("b");
        assert!(tool("pdftoppm").args(["-r", "200", "-gray", "-png", "-f", "1", "-l", "1"]).arg(&pdf).arg(&png).status().unwrap().success());
        let page = std::fs::read_dir(dir.path()).unwrap().filter_map(|e| e.ok()).map(|e| e.path()).find(|p| p.extension().is_some_and(|x| x == "png")).unwrap();
        let out = Command::new("zbarimg").args(["--quiet", "--raw"]).arg(&page).output().unwrap();
        let decoded = String::from_utf8_lossy(&out.stdout);
        for i in 0..10 {
            assert!(decoded.lines().any(|l| l == format!("7K3QX{i}")), "slip {i} QR not decoded: {decoded}");
        }
    } else {
        eprintln!("zbarimg not installed: QR decoding of the slips skipped (apt-get install zbar-tools)");
    }
}

/// The certificate's QR code (30 mm with its quiet zone, A4 and A5) decodes
/// from the whole page rendered at 200 dpi: 3.9 pixels a module, less than a
/// phone camera sees at reading distance.
#[test]
fn certificate_qr_decodes_from_the_rendered_page() {
    if !has("zbarimg") {
        eprintln!("zbarimg not installed: skipped (apt-get install zbar-tools)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let real = "01VHP1KBYKEM1KSG2G0XTR4HBXR1M6RTS4KZRA7E0ZA7JDB6Y6X8SW2GJBC02AW9P3T1J3X0V8YYVDVB3S9P6C2NHJSXK8P0F5D1FQ4M6N1Z0J2G8T7E8D4Y9S5Y0A6H2M1W4C3B0X9ZS5K7V8E1R";
    let mut c = certs().remove(0);
    c.code = real.into();
    for (paper, dpi) in [(Paper::A4, "200"), (Paper::A5, "200")] {
        let r = certificate::render(&design(paper), std::slice::from_ref(&c), &mut |_, _| {}).unwrap();
        let pdf = save(dir.path(), "q.pdf", &r);
        let base = dir.path().join(format!("q{paper:?}"));
        assert!(tool("pdftoppm").args(["-r", dpi, "-gray", "-png", "-singlefile"]).arg(&pdf).arg(&base).status().unwrap().success());
        let out = Command::new("zbarimg").args(["--quiet", "--raw"]).arg(base.with_extension("png")).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), real, "{paper:?}: QR not decoded");
    }
}

/// Page 1 rendered to a 40-dpi grey image matches the reviewed reference
/// (`tests/data/certificate-page1.pgm`) within a tolerance: a layout change
/// fails this test; regenerate the reference with
/// `MUSTER_UPDATE_REFERENCE=1` after looking at the new page.
#[test]
fn page_one_looks_like_the_reviewed_reference() {
    let dir = tempfile::tempdir().unwrap();
    let r = certificate::render(&design(Paper::A4), &certs()[..1], &mut |_, _| {}).unwrap();
    let pdf = save(dir.path(), "v.pdf", &r);
    let base = dir.path().join("v");
    assert!(tool("pdftoppm").args(["-r", "40", "-gray", "-singlefile"]).arg(&pdf).arg(&base).status().unwrap().success());
    let got = std::fs::read(base.with_extension("pgm")).unwrap();
    let reference = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/certificate-page1.pgm");
    if std::env::var_os("MUSTER_UPDATE_REFERENCE").is_some() {
        std::fs::create_dir_all(reference.parent().unwrap()).unwrap();
        std::fs::write(&reference, &got).unwrap();
    }
    let want = std::fs::read(&reference).expect("reference image (MUSTER_UPDATE_REFERENCE=1 to create it after review)");
    let (gw, gh, gpx) = pgm(&got);
    let (ww, wh, wpx) = pgm(&want);
    assert_eq!((gw, gh), (ww, wh), "page size changed");
    let diff: u64 = gpx.iter().zip(wpx).map(|(a, b)| (*a as i32 - *b as i32).unsigned_abs() as u64).sum();
    let mean = diff as f64 / gpx.len() as f64;
    let off = gpx.iter().zip(wpx).filter(|(a, b)| (**a as i32 - **b as i32).abs() > 64).count() as f64 / gpx.len() as f64;
    // Font rasterisation differs a little between poppler versions; a moved
    // block or a missing name does not fit in these bounds.
    assert!(mean < 2.5 && off < 0.01, "page differs from the reference: mean {mean:.2}, {:.2}% pixels off", off * 100.0);
}

/// Width, height and grey pixels of a binary PGM (P5, maxval 255).
fn pgm(b: &[u8]) -> (usize, usize, &[u8]) {
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while b[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !b[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(std::str::from_utf8(&b[start..i]).unwrap().to_string());
    }
    assert_eq!(fields[0], "P5");
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    (w, h, &b[i + 1..i + 1 + w * h])
}

#[test]
fn attendance_sheet_lists_every_trainee() {
    use muster_print::sheet::{self, Row, Sheet};
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<Row> = (0..30).map(|i| Row { name: format!("学员{i:02}"), name_latin: None, code: format!("C{i:05}") }).collect();
    let r = sheet::render(&Sheet { event: "农村电商运营实务".into(), subtitle: "2025-03-10".into(), sessions: vec!["03/10 09:00".into(), "03/11 09:00".into()], rows }).unwrap();
    assert_eq!(r.pages, 2);
    let text = squash(&pdftotext(&save(dir.path(), "s.pdf", &r)));
    for i in 0..30 {
        assert!(text.contains(&format!("学员{i:02}")) && text.contains(&format!("C{i:05}")), "row {i}");
    }
}

#[test]
fn a_verification_url_with_a_chinese_names_code_fits_a_version_8_qr_in_alphanumeric_mode() {
    // The size docs/server.md promises: a version 2 code for a three-character
    // Chinese name is 100 bytes, 160 base-32 characters; with a 30-character
    // upper-case URL in front it is 190 alphanumeric characters.
    let code: String = (0..160).map(|i| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ"[(i * 7) % 32] as char).collect();
    let url = format!("HTTPS://VERIFY.EXAMPLE.ORG/V/{code}");
    let qr = muster_print::qr::Qr::new(&url).unwrap();
    assert_eq!((qr.version, qr.modules), (8, 49), "{}", url.len());
    // 30 mm wide with its quiet zone: about half a millimetre a module.
    let mm = qr.module_mm(30.0);
    assert!((0.5..0.56).contains(&mm), "{mm}");
    // The same in lower case would fall back to byte mode: a bigger symbol.
    assert!(muster_print::qr::Qr::new(&url.to_lowercase()).unwrap().version > 8);
}

#[test]
fn the_wording_fits_the_case_one_hour_or_several_by_rule_or_by_decision() {
    use certificate::{english_paragraph, local_paragraph, Lang};
    let one = english_paragraph("Rural E-commerce", "Phnom Penh", "3 March 2026", 1.0, false);
    assert!(one.contains("with 1 hour of attendance"), "{one}");
    let many = english_paragraph("", "", "3 March 2026", 10.75, false);
    assert!(many.contains("with 10.8 hours of attendance"), "rounded as the report rounds: {many}");
    let decided = english_paragraph("", "", "3 March 2026", 1.3, true);
    assert!(decided.contains("by decision of the organisers") && !decided.contains("completed"), "{decided}");
    let zh = local_paragraph(Lang::Zh, "农村电商", "灵寿县", "2026年3月3日", 1.3, true);
    assert!(!zh.contains("成绩合格") && zh.contains("经主办单位审核"), "{zh}");
    assert!(local_paragraph(Lang::Zh, "农村电商", "灵寿县", "2026年3月3日", 10.0, false).contains("成绩合格"));
    for lang in [Lang::Km, Lang::Lo, Lang::Az, Lang::Tk] {
        let p = local_paragraph(lang, "E-commerce", "Phnom Penh", "03.03.2026", 2.0, false);
        assert!(p.contains("E-commerce") && p.contains("Phnom Penh") && p.contains("03.03.2026") && p.contains('2'), "{lang:?}: {p}");
        assert!(!p.contains('{'), "every placeholder filled: {p}");
        assert_ne!(p, local_paragraph(lang, "E-commerce", "Phnom Penh", "03.03.2026", 2.0, true), "{lang:?} words a decision differently");
    }
    assert_eq!(Lang::parse("km+en"), Some(Lang::Km));
    assert_eq!(Lang::parse("fr+en"), None);
}

#[test]
fn a_khmer_certificate_reads_khmer_and_english_with_a_seal() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = design(Paper::A4);
    d.lang = certificate::Lang::Km;
    d.title = "ពាណិជ្ជកម្មអេឡិចត្រូនិក".into();
    d.venue = "ភ្នំពេញ".into();
    d.seal = Some(sample("logo-county.png"));
    let c = Certificate {
        id: "4K7Q-M2XD".into(),
        name: "សុខ ស្រីមុំ".into(),
        name_latin: Some("Sok Sreymom".into()),
        hours: 1.0,
        code: code(7),
        note: String::new(),
        by_decision: false,
    };
    let r = certificate::render(&d, &[c], &mut |_, _| {}).unwrap();
    assert!(r.missing_glyphs.is_empty(), "no glyph for {:?}", r.missing_glyphs);
    let text = squash(&pdftotext(&save(dir.path(), "km.pdf", &r)));
    for s in ["វិញ្ញាបនបត្រ", "CERTIFICATEOFCOMPLETION", "សុខស្រីមុំ", "SokSreymom", "10–12.03.2025", "with1hourofattendance", "រៀបចំដោយ"] {
        assert!(text.contains(&squash(s)), "{s} not in the text layer: {text}");
    }
    assert!(!text.contains("结业证书") && !text.contains("成绩合格"), "no Chinese on a Khmer certificate");
}
