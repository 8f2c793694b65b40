//! The certificate of completion: A4 (or A5) landscape, bilingual.
//!
//! Layout, top to bottom inside a navy double frame with gold corner marks:
//! organiser logos; 结业证书 / CERTIFICATE OF COMPLETION; "this is to certify
//! that"; the name in the trainee's own script, large, and its Latin spelling
//! under it; one paragraph in Chinese and one in English with the training's
//! title, place, dates and hours; the organisers; signature blocks on the
//! left, the verification QR code bottom right with the certificate number,
//! and the verification code in full along the bottom edge.
//!
//! The A5 page is the A4 design scaled by 1/√2, except the QR code, which is
//! enlarged in the design so that it is 30 mm wide on paper at both sizes.

use crate::draw::{self, mm, Rgb};
use crate::fonts::Family;
use crate::qr::Qr;
use crate::text::{self, Style};
use crate::{Doc, Paper, Rendered, Result};
use krilla::geom::Transform;
use krilla::surface::Surface;
use std::collections::BTreeSet;

/// One trainee's certificate.
#[derive(Debug, Clone, PartialEq)]
pub struct Certificate {
    /// The certificate number as printed (short: what a person types into
    /// a Verify box; the long code is only inside the QR).
    pub id: String,
    /// Name in the trainee's own script.
    pub name: String,
    /// Name in Latin letters (pinyin, passport spelling); omitted when the
    /// name is already Latin.
    pub name_latin: Option<String>,
    /// Attended hours, as signed.
    pub hours: f64,
    /// The signed verification code (QR content and printed form).
    pub code: String,
    /// "REPRINT 2025-03-20" etc. in small print, or empty.
    pub note: String,
    /// Admitted by the organisers' decision rather than by the attendance
    /// rule: the wording says so instead of "passed" (成绩合格).
    pub by_decision: bool,
}

/// Someone who signs the certificates.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Signatory {
    pub name: String,
    pub title: String,
    /// PNG or JPEG of the signature (transparent background looks best).
    pub image: Option<Vec<u8>>,
}

/// What every certificate of a batch shares.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Design {
    pub paper: Paper,
    /// Training title in Chinese (or the local language).
    pub title: String,
    /// Training title in English (empty: the English paragraph names no title).
    pub title_en: String,
    pub venue: String,
    /// The venue in Latin letters (empty: the venue as written).
    pub venue_en: String,
    /// Pre-formatted dates, e.g. "2025年3月10日至12日" / "10–12 March 2025".
    pub dates: String,
    pub dates_en: String,
    pub organisers: Vec<String>,
    pub signatories: Vec<Signatory>,
    /// PNG/JPEG logos shown at the top.
    pub logos: Vec<Vec<u8>>,
    /// Date of issue, pre-formatted (e.g. "2025-03-12").
    pub issued_on: String,
    /// One line on how to check a certificate.
    pub verify_hint: String,
    /// The certificate's first language (English is always the second).
    pub lang: Lang,
    /// The event's dates in [`Design::lang`] when it is not Chinese
    /// (e.g. "10–12.03.2025"); Chinese uses [`Design::dates`].
    pub dates_local: String,
    /// The organisers' seal (PNG/JPEG), printed over the date of issue.
    pub seal: Option<Vec<u8>>,
}

/// The first language of a certificate; English is always the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    Km,
    Lo,
    Az,
    Tk,
}

impl Lang {
    /// `zh+en`, `km+en`, `lo+en`, `az+en`, `tk+en` (or the first code alone).
    pub fn parse(pair: &str) -> Option<Lang> {
        Some(match pair.trim().to_ascii_lowercase().split('+').next()? {
            "zh" => Lang::Zh,
            "km" => Lang::Km,
            "lo" => Lang::Lo,
            "az" => Lang::Az,
            "tk" => Lang::Tk,
            _ => return None,
        })
    }

    fn words(self) -> &'static Words {
        match self {
            Lang::Zh => &ZH,
            Lang::Km => &KM,
            Lang::Lo => &LO,
            Lang::Az => &AZ,
            Lang::Tk => &TK,
        }
    }

    /// How to check a certificate, in this language (the English follows).
    pub fn verify_hint(self) -> &'static str {
        self.words().verify
    }
}

/// The fixed words of a certificate in one language. The paragraph's
/// placeholders: `{dates}`, `{venue}`, `{title}`, `{hours}`.
struct Words {
    heading: &'static str,
    certify: &'static str,
    /// Completed under the attendance rule.
    passed: &'static str,
    /// Admitted by the organisers' decision.
    decided: &'static str,
    /// When the event has no venue.
    here: &'static str,
    organised: &'static str,
    issued: &'static str,
    number: &'static str,
    verify: &'static str,
}

const ZH: Words = Words {
    heading: "结业证书",
    certify: "兹证明",
    passed: "于{dates}在{venue}参加「{title}」培训，完成学习{hours}学时，成绩合格，特发此证。",
    decided: "于{dates}在{venue}参加「{title}」培训，学习{hours}学时，经主办单位审核，准予结业，特发此证。",
    here: "本地",
    organised: "主办单位",
    issued: "发证日期",
    number: "证书编号",
    verify: "核验：用手机扫描二维码，或在 Muster 中输入证书编号",
};
const KM: Words = Words {
    heading: "វិញ្ញាបនបត្របញ្ចប់វគ្គបណ្តុះបណ្តាល",
    certify: "សូមបញ្ជាក់ថា",
    passed: "បានបញ្ចប់វគ្គបណ្តុះបណ្តាល «{title}» ({venue}, {dates}) រយៈពេល {hours} ម៉ោង ដោយជោគជ័យ។",
    decided: "បានចូលរួមវគ្គបណ្តុះបណ្តាល «{title}» ({venue}, {dates}) រយៈពេល {hours} ម៉ោង ហើយទទួលវិញ្ញាបនបត្រនេះតាមការសម្រេចរបស់អ្នករៀបចំ។",
    here: "ទីនេះ",
    organised: "រៀបចំដោយ",
    issued: "កាលបរិច្ឆេទចេញ",
    number: "លេខវិញ្ញាបនបត្រ",
    verify: "ផ្ទៀងផ្ទាត់៖ ស្កេនកូដ QR ឬបញ្ចូលលេខវិញ្ញាបនបត្រក្នុង Muster",
};
const LO: Words = Words {
    heading: "ໃບຢັ້ງຢືນການສຳເລັດການຝຶກອົບຮົມ",
    certify: "ຂໍຢັ້ງຢືນວ່າ",
    passed: "ໄດ້ສຳເລັດການຝຶກອົບຮົມ «{title}» ({venue}, {dates}) ເປັນເວລາ {hours} ຊົ່ວໂມງ.",
    decided: "ໄດ້ເຂົ້າຮ່ວມການຝຶກອົບຮົມ «{title}» ({venue}, {dates}) ເປັນເວລາ {hours} ຊົ່ວໂມງ ແລະ ໄດ້ຮັບໃບຢັ້ງຢືນນີ້ຕາມການຕັດສິນຂອງຜູ້ຈັດ.",
    here: "ບ່ອນນີ້",
    organised: "ຈັດໂດຍ",
    issued: "ວັນທີອອກ",
    number: "ເລກທີໃບຢັ້ງຢືນ",
    verify: "ກວດສອບ: ສະແກນ QR ຫຼື ປ້ອນເລກທີໃບຢັ້ງຢືນໃນ Muster",
};
const AZ: Words = Words {
    heading: "BİTİRMƏ SERTİFİKATI",
    certify: "Təsdiq edilir ki,",
    passed: "«{title}» təlimini ({venue}, {dates}) {hours} saat iştirakla uğurla başa vurmuşdur.",
    decided: "«{title}» təlimində ({venue}, {dates}) {hours} saat iştirak etmiş və təşkilatçıların qərarı ilə bu sertifikata layiq görülmüşdür.",
    here: "yerində",
    organised: "Təşkilatçılar",
    issued: "Verilmə tarixi",
    number: "Sertifikat nömrəsi",
    verify: "Yoxlama: QR kodu skan edin və ya sertifikat nömrəsini Muster-ə daxil edin",
};
const TK: Words = Words {
    heading: "TAMAMLANANDYGY BARADA SERTIFIKAT",
    certify: "Şu sertifikat tassyklaýar:",
    passed: "«{title}» okuwyny ({venue}, {dates}) {hours} sagat gatnaşyp üstünlikli tamamlady.",
    decided: "«{title}» okuwyna ({venue}, {dates}) {hours} sagat gatnaşdy we guramaçylaryň karary bilen şu sertifikata mynasyp boldy.",
    here: "ýerinde",
    organised: "Guramaçylar",
    issued: "Berlen senesi",
    number: "Sertifikat belgisi",
    verify: "Barlamak: QR kody skanirläň ýa-da sertifikat belgisini Muster-e giriziň",
};

/// The English paragraph, grammatical for one hour and for several.
pub fn english_paragraph(title_en: &str, venue_en: &str, dates_en: &str, hours: f64, by_decision: bool) -> String {
    let title = if title_en.is_empty() { String::new() } else { format!(" “{title_en}”") };
    let place = if venue_en.is_empty() { String::new() } else { format!(" held in {venue_en}") };
    let h = fmt_hours(h_round(hours));
    let unit = if h == "1" { "hour" } else { "hours" };
    if by_decision {
        format!("has attended the training{title}{place}, {dates_en}, for {h} {unit}, and is awarded this certificate by decision of the organisers.")
    } else {
        format!("has completed the training{title}{place}, {dates_en}, with {h} {unit} of attendance.")
    }
}

/// The first language's paragraph.
pub fn local_paragraph(lang: Lang, title: &str, venue: &str, dates: &str, hours: f64, by_decision: bool) -> String {
    let w = lang.words();
    let venue = if venue.is_empty() { w.here } else { venue };
    let template = if by_decision { w.decided } else { w.passed };
    template.replace("{dates}", dates).replace("{venue}", venue).replace("{title}", title).replace("{hours}", &fmt_hours(h_round(hours)))
}

fn h_round(h: f64) -> f64 {
    (h * 10.0).round() / 10.0
}

const NAVY: Rgb = (0x1F, 0x3A, 0x5F);
const GOLD: Rgb = (0xA8, 0x84, 0x3A);
const INK: Rgb = (0x22, 0x22, 0x22);
const GREY: Rgb = (0x6B, 0x6B, 0x6B);
const W: f32 = 297.0;
const H: f32 = 210.0;
/// QR side on paper, quiet zone included.
pub const QR_MM: f32 = 30.0;

/// Renders `certs` into one PDF, calling `progress(done, total)` after
/// each page.
pub fn render(design: &Design, certs: &[Certificate], progress: &mut dyn FnMut(usize, usize)) -> Result<Rendered> {
    if certs.is_empty() {
        return Err(crate::Error::Empty("no certificates"));
    }
    let (pw, ph) = design.paper.sides_mm();
    let scale = pw / W;
    let logos: Vec<krilla::image::Image> = design.logos.iter().filter_map(|b| draw::image(b)).collect();
    let signatures: Vec<Option<krilla::image::Image>> =
        design.signatories.iter().map(|s| s.image.as_deref().and_then(draw::image)).collect();
    let seal = design.seal.as_deref().and_then(draw::image);
    let mut doc = Doc::new(&format!("{} — 结业证书 Certificates", design.title));
    for (i, cert) in certs.iter().enumerate() {
        doc.page(pw, ph, |s, missing| {
            s.push_transform(&Transform::from_scale(scale, scale));
            page(s, missing, design, &logos, &signatures, seal.as_ref(), cert, scale)?;
            s.pop();
            Ok(())
        })?;
        progress(i + 1, certs.len());
    }
    doc.finish()
}

fn frame(s: &mut Surface) {
    draw::rect(s, 9.0, 9.0, W - 18.0, H - 18.0, NAVY, 2.4);
    draw::rect(s, 12.5, 12.5, W - 25.0, H - 25.0, GOLD, 0.7);
    // Corner marks: a gold diamond with two short navy strokes.
    for (x, y, dx, dy) in [(12.5, 12.5, 1.0, 1.0), (W - 12.5, 12.5, -1.0, 1.0), (12.5, H - 12.5, 1.0, -1.0), (W - 12.5, H - 12.5, -1.0, -1.0)] {
        draw::diamond(s, x, y, 2.2, GOLD);
        draw::line(s, (x + dx * 4.0, y + dy * 4.0), (x + dx * 14.0, y + dy * 4.0), NAVY, 0.6, None);
        draw::line(s, (x + dx * 4.0, y + dy * 4.0), (x + dx * 4.0, y + dy * 14.0), NAVY, 0.6, None);
    }
}

fn ornament(s: &mut Surface, cx: f32, y: f32, half: f32) {
    draw::line(s, (cx - half, y), (cx - 3.5, y), GOLD, 0.7, None);
    draw::line(s, (cx + 3.5, y), (cx + half, y), GOLD, 0.7, None);
    draw::diamond(s, cx, y, 1.6, GOLD);
}

fn fmt_hours(h: f64) -> String {
    let r = (h * 10.0).round() / 10.0;
    if (r - r.round()).abs() < 1e-9 {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

/// The verification code in groups of five, for the printed line.
pub fn grouped(code: &str) -> String {
    code.as_bytes().chunks(5).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

#[allow(clippy::too_many_arguments)]
fn page(
    s: &mut Surface,
    missing: &mut BTreeSet<char>,
    d: &Design,
    logos: &[krilla::image::Image],
    signatures: &[Option<krilla::image::Image>],
    seal: Option<&krilla::image::Image>,
    c: &Certificate,
    scale: f32,
) -> Result<()> {
    let cx = W / 2.0;
    frame(s);

    // Logos, centred in a row.
    if !logos.is_empty() {
        let (lw, lh, gap) = (34.0, 15.0, 8.0);
        let total = logos.len() as f32 * lw + (logos.len() as f32 - 1.0) * gap;
        let mut x = cx - total / 2.0;
        for l in logos {
            draw::image_in_box(s, l, x, 18.0, lw, lh);
            x += lw + gap;
        }
    }

    let w = d.lang.words();
    let t = |m: &mut BTreeSet<char>, txt: &str, st: Style| text::noted(m, txt, st);
    let heading = match d.lang {
        // Han takes wide tracking; joined scripts and Latin capitals do not.
        Lang::Zh => Style::new(Family::Serif, true, 38.0, NAVY).tracked(0.45),
        Lang::Az | Lang::Tk => Style::new(Family::Serif, true, 26.0, NAVY).tracked(0.08),
        Lang::Km | Lang::Lo => Style::new(Family::Serif, true, 28.0, NAVY),
    };
    t(missing, w.heading, heading).fit(mm(240.0)).draw_centered(s, mm(cx), mm(52.0));
    t(missing, "CERTIFICATE OF COMPLETION", Style::new(Family::Serif, false, 12.5, GOLD).tracked(0.28)).draw_centered(s, mm(cx), mm(61.5));
    ornament(s, cx, 66.5, 45.0);

    t(missing, &format!("{}  ·  This is to certify that", w.certify), Style::new(Family::Sans, false, 10.0, GREY)).draw_centered(s, mm(cx), mm(77.0));

    // The name: large, in the trainee's script; then the Latin spelling.
    let name = t(missing, &c.name, Style::new(Family::Serif, true, 30.0, INK).tracked(if is_han(&c.name) { 0.2 } else { 0.0 })).fit(mm(210.0));
    name.draw_centered(s, mm(cx), mm(93.0));
    let latin = c.name_latin.as_deref().filter(|l| !l.is_empty() && *l != c.name);
    let underline_y = if let Some(l) = latin {
        t(missing, l, Style::new(Family::Serif, false, 14.0, NAVY).tracked(0.06)).fit(mm(200.0)).draw_centered(s, mm(cx), mm(101.5));
        104.5
    } else {
        97.5
    };
    draw::line(s, (cx - 70.0, underline_y), (cx + 70.0, underline_y), GOLD, 0.5, None);

    // The two paragraphs.
    let dates = if d.lang == Lang::Zh || d.dates_local.is_empty() { &d.dates } else { &d.dates_local };
    let zh = local_paragraph(d.lang, &d.title, &d.venue, dates, c.hours, c.by_decision);
    let venue_en = if d.venue_en.is_empty() { &d.venue } else { &d.venue_en };
    let en = english_paragraph(&d.title_en, venue_en, &d.dates_en, c.hours, c.by_decision);
    let mut y = underline_y + 10.5;
    for l in text::wrap_balanced(&zh, Style::new(Family::Sans, false, 11.5, INK), mm(232.0)) {
        missing.extend(l.missing.iter().copied());
        l.draw_centered(s, mm(cx), mm(y));
        y += 6.3;
    }
    y += 0.6;
    for l in text::wrap_balanced(&en, Style::new(Family::Serif, false, 11.0, INK), mm(232.0)) {
        missing.extend(l.missing.iter().copied());
        l.draw_centered(s, mm(cx), mm(y));
        y += 5.8;
    }
    if !d.organisers.is_empty() {
        let org = format!("{} Organised by:  {}", w.organised, d.organisers.join("  ·  "));
        t(missing, &org, Style::new(Family::Sans, false, 9.0, GREY)).fit(mm(200.0)).draw_centered(s, mm(cx), mm(y + 2.5));
    }

    // Signatures on the left and middle; the date of issue after them.
    let base = 178.0;
    let block_w = 58.0;
    let mut x = 26.0;
    for (i, sig) in d.signatories.iter().take(3).enumerate() {
        if let Some(Some(img)) = signatures.get(i) {
            draw::image_in_box(s, img, x + 4.0, base - 17.0, block_w - 8.0, 15.5);
        }
        draw::line(s, (x, base), (x + block_w, base), INK, 0.5, None);
        t(missing, &sig.name, Style::new(Family::Sans, true, 9.5, INK)).fit(mm(block_w)).draw_centered(s, mm(x + block_w / 2.0), mm(base + 4.8));
        t(missing, &sig.title, Style::new(Family::Sans, false, 7.5, GREY)).fit(mm(block_w)).draw_centered(s, mm(x + block_w / 2.0), mm(base + 8.8));
        x += block_w + 10.0;
    }
    // The seal pressed over the date (drawn first: the date stays legible
    // on top of it, even on an opaque image).
    if let Some(img) = seal {
        draw::image_in_box(s, img, x + 22.0 - 15.0, base - 24.0, 30.0, 30.0);
    }
    if !d.issued_on.is_empty() {
        t(missing, &d.issued_on, Style::new(Family::Sans, true, 9.5, INK)).draw_centered(s, mm(x + 22.0), mm(base - 1.5));
        draw::line(s, (x, base), (x + 44.0, base), INK, 0.5, None);
        t(missing, &format!("{} Date of issue", w.issued), Style::new(Family::Sans, false, 7.5, GREY)).fit(mm(60.0)).draw_centered(s, mm(x + 22.0), mm(base + 4.8));
    }


    // QR bottom right: 30 mm on paper whatever the page size.
    let q = QR_MM / scale;
    let right = W - 17.0;
    let qr_top = base + 9.0 - q;
    Qr::new(&c.code)?.draw(s, mm(right - q), mm(qr_top), mm(q))?;
    // The number, large enough to read out or type into a Verify box.
    let number = format!("No. {}", c.id);
    let big = Style::new(Family::Mono, true, 9.0, INK);
    t(missing, &format!("{} Certificate number", w.number), Style::new(Family::Sans, false, 6.5, GREY)).draw_right(s, mm(right - q - 2.0), mm(qr_top + q - 10.5));
    t(missing, &number, big).draw_right(s, mm(right - q - 2.0), mm(qr_top + q - 5.0));
    if !c.note.is_empty() {
        t(missing, &c.note, Style::new(Family::Sans, true, 6.5, GOLD)).draw_right(s, mm(right - q - 2.0), mm(qr_top + q - 15.0));
    }

    // How to check it (the code itself is in the QR, not printed: the
    // number above is what a person types).
    if !d.verify_hint.is_empty() {
        t(missing, &d.verify_hint, Style::new(Family::Sans, false, 5.8, GREY)).fit(mm(250.0)).draw_centered(s, mm(cx), mm(H - 14.3));
    }
    Ok(())
}

fn is_han(s: &str) -> bool {
    s.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))
}

