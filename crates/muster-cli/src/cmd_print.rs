//! Printing commands: badge slips, the attendance sheet for signatures,
//! certificates (settings, eligibility, overrides, issue, reprint, verify,
//! public key, print log) and the certificate benchmark.
//!
//! The mapping from Muster's records to `muster-print`'s plain structs lives
//! here, at the edge: the renderer knows no store and the core no renderer.

use crate::output::Outcome;
use clap::{Args, Subcommand};
use muster_core::certificates::{self as certs, IssuedCertificate, SettingsPatch, Signatory};
use muster_core::model::{Event, Trainee};
use muster_core::Muster;
use muster_print::certificate::{Certificate, Design};
use muster_print::{badges, certificate, sheet, Paper, Rendered};
use serde_json::{json, Value};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Exit code of `certificates verify` for an invalid or altered code.
const EXIT_INVALID: u8 = 3;

#[derive(Subcommand, Debug)]
pub enum CertificatesCmd {
    /// Who is eligible, who is not and why → {"min_attendance", "eligible", "ineligible", "trainees": [{"name", "eligible", "reason", ...}]}.
    Eligibility {
        #[arg(long)]
        event: String,
        /// Share of scheduled hours required (default: the event's rule, 0.8).
        #[arg(long)]
        min_attendance: Option<f64>,
    },
    /// Record a manual eligibility decision → {"id", "eligible", "reason", "decided_by"}.
    Override {
        #[arg(long)]
        event: String,
        #[arg(long)]
        trainee: String,
        /// true: eligible whatever the attendance; false: not eligible.
        #[arg(long, action = clap::ArgAction::Set)]
        eligible: bool,
        #[arg(long)]
        reason: String,
        /// Who decided (default: $USER).
        #[arg(long)]
        by: Option<String>,
    },
    /// Set the event's certificate details → the settings.
    Configure(ConfigureArgs),
    /// Issue certificates to the eligible and print them → {"issued", "new", "ineligible", "file", "certificates": [{"id", "trainee_id", "name", "code"}]}.
    Issue {
        #[arg(long)]
        event: String,
        #[arg(long)]
        min_attendance: Option<f64>,
        /// One PDF for the whole batch.
        #[arg(long, value_name = "FILE.pdf", required_unless_present = "out_dir")]
        out: Option<PathBuf>,
        /// One PDF per trainee in this directory instead.
        #[arg(long, value_name = "DIR", conflicts_with = "out")]
        out_dir: Option<PathBuf>,
        /// a4 or a5 (default: the event's setting).
        #[arg(long)]
        paper: Option<String>,
        /// Who prints (default: $USER).
        #[arg(long)]
        by: Option<String>,
        /// Why certificates printed before are printed again.
        #[arg(long, default_value = "")]
        reason: String,
        /// Replace an existing file at the output path that is not what this command writes (never the store, its -wal/-shm, or an input file).
        #[arg(long)]
        force: bool,
    },
    /// Print one certificate again, same id and code; logged with who and why → {"file", "certificate", "print"}.
    Reprint {
        /// Certificate id or the trainee's id.
        id: String,
        #[arg(long)]
        reason: String,
        #[arg(long, value_name = "FILE.pdf")]
        out: PathBuf,
        #[arg(long)]
        paper: Option<String>,
        #[arg(long)]
        by: Option<String>,
        /// Replace an existing file at the output path that is not what this command writes (never the store, its -wal/-shm, or an input file).
        #[arg(long)]
        force: bool,
    },
    /// Check a certificate code offline → {"valid": true, "name", "event", "hours", ...}; invalid → {"valid": false, "reason"}, exit 3.
    Verify {
        code: String,
        /// The organisation's public key, hex (default: this installation's).
        #[arg(long, value_name = "HEX")]
        public_key: Option<String>,
    },
    /// This installation's signing public key → {"public_key"}.
    PublicKey,
    /// The print log of an event → {"prints": [{"certificate_id", "kind", "reason", "printed_by", "at"}]}.
    Log {
        #[arg(long)]
        event: String,
    },
}

#[derive(Args, Debug)]
pub struct ConfigureArgs {
    #[arg(long)]
    pub event: String,
    /// The training's title in English.
    #[arg(long)]
    pub title_en: Option<String>,
    /// The venue in Latin letters.
    #[arg(long)]
    pub venue_en: Option<String>,
    /// An organiser (repeat for several; replaces the list).
    #[arg(long = "organiser")]
    pub organisers: Vec<String>,
    /// A signatory as "Name|Title|signature.png" (repeat; replaces the list).
    #[arg(long = "signatory")]
    pub signatories: Vec<String>,
    /// A logo PNG/JPEG (repeat; replaces the list).
    #[arg(long = "logo")]
    pub logos: Vec<PathBuf>,
    #[arg(long)]
    pub min_attendance: Option<f64>,
    /// a4 or a5.
    #[arg(long)]
    pub paper: Option<String>,
}

fn who(by: Option<String>) -> String {
    by.or_else(|| std::env::var("USER").ok()).or_else(|| std::env::var("USERNAME").ok()).unwrap_or_else(|| "unknown".into())
}

fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Writes a printout through the output guard (never the store or its
/// -wal; an existing file that is not a PDF only with --force).
fn write_pdf(m: &Muster, path: &Path, r: &Rendered) -> anyhow::Result<()> {
    Ok(m.write_printout(path, &r.pdf)?)
}

fn missing_warning(r: &Rendered) -> Vec<String> {
    if r.missing_glyphs.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "no font has these characters, they print as empty boxes: {}",
            r.missing_glyphs.iter().collect::<String>()
        )]
    }
}

/// Latin spelling shown under a name on slips and sheets.
fn latin(t: &Trainee) -> Option<String> {
    certs::latin_name(t)
}

fn event_subtitle(e: &Event) -> String {
    let end = muster_core::clock::add_days(&e.starts_on, e.days.saturating_sub(1) as i64);
    let dates = if e.days <= 1 { e.starts_on.clone() } else { format!("{} – {}", e.starts_on, end) };
    if e.venue.is_empty() {
        dates
    } else {
        format!("{dates} · {}", e.venue)
    }
}

/// `muster badges`.
pub fn badges(m: &mut Muster, event: &str, out: &Path) -> anyhow::Result<Outcome> {
    let e = m.event(event)?;
    let roster = m.roster(event)?;
    let slips: Vec<badges::Slip> = roster
        .iter()
        .filter(|t| t.merged_into.is_none())
        .map(|t| badges::Slip {
            name: t.fields.name.clone(),
            name_latin: latin(t),
            code: t.code.clone().unwrap_or_default(),
            organization: t.fields.organization.clone(),
        })
        .collect();
    let r = badges::render(&badges::BadgeSheet { event: e.name.clone(), subtitle: event_subtitle(&e), slips: slips.clone() })?;
    write_pdf(m, out, &r)?;
    m.log_print(Some(&e.id), "badges", out, slips.len(), r.pages)?;
    let warnings = missing_warning(&r);
    let text = format!("{} badge slips on {} pages → {}", slips.len(), r.pages, out.display());
    Ok(Outcome::new(json!({"file": out.display().to_string(), "badges": slips.len(), "pages": r.pages, "bytes": r.pdf.len(), "warnings": warnings}), text))
}

/// `muster sheet`: the attendance sheet for signatures.
pub fn attendance_sheet(m: &mut Muster, event: &str, out: &Path) -> anyhow::Result<Outcome> {
    let e = m.event(event)?;
    let sessions = m.list_sessions(event)?;
    let roster = m.roster(event)?;
    let rows: Vec<sheet::Row> = roster
        .iter()
        .filter(|t| t.merged_into.is_none())
        .map(|t| sheet::Row { name: t.fields.name.clone(), name_latin: latin(t), code: t.code.clone().unwrap_or_default() })
        .collect();
    let heads = sessions
        .iter()
        .map(|s| format!("{} {}", s.starts_at.get(5..10).unwrap_or("").replace('-', "/"), s.starts_at.get(11..16).unwrap_or("")))
        .collect();
    let r = sheet::render(&sheet::Sheet { event: e.name.clone(), subtitle: event_subtitle(&e), sessions: heads, rows: rows.clone() })?;
    write_pdf(m, out, &r)?;
    m.log_print(Some(&e.id), "signature_sheet", out, rows.len(), r.pages)?;
    let text = format!("attendance sheet: {} trainees on {} pages → {}", rows.len(), r.pages, out.display());
    Ok(Outcome::new(json!({"file": out.display().to_string(), "rows": rows.len(), "pages": r.pages, "warnings": missing_warning(&r)}), text))
}

fn progress_bar(label: &str) -> impl FnMut(usize, usize) + '_ {
    let show = std::io::stderr().is_terminal();
    let mut last = usize::MAX;
    move |done, total| {
        let pct = if total == 0 { 100 } else { done * 100 / total };
        if show && pct != last {
            last = pct;
            eprint!("\r{label}: {pct:3}% ({done}/{total})");
            let _ = std::io::stderr().flush();
            if done == total {
                eprintln!();
            }
        }
    }
}

fn file_name(c: &IssuedCertificate) -> String {
    let safe: String = c.name.chars().filter(|ch| ch.is_alphanumeric() || *ch == ' ').collect::<String>().trim().replace(' ', "_");
    format!("{}-{}.pdf", safe, &c.id[c.id.len().saturating_sub(8)..])
}

/// `muster certificates …`.
pub fn certificates(m: &mut Muster, cmd: CertificatesCmd) -> anyhow::Result<Outcome> {
    Ok(match cmd {
        CertificatesCmd::Eligibility { event, min_attendance } => {
            let r = m.certificate_eligibility(&event, min_attendance)?;
            let text = r
                .trainees
                .iter()
                .map(|t| format!("{}  {}  {}", if t.eligible { "eligible    " } else { "not eligible" }, t.name, t.reason))
                .collect::<Vec<_>>()
                .join("\n");
            Outcome::new(to_value(&r), text)
        }
        CertificatesCmd::Override { event, trainee, eligible, reason, by } => {
            let o = m.override_eligibility(&event, &trainee, eligible, &reason, &who(by))?;
            let text = format!("recorded: {} ({})", if o.eligible { "eligible" } else { "not eligible" }, o.reason);
            let mut v = to_value(&o);
            v["trainee_id"] = json!(trainee);
            Outcome::new(v, text)
        }
        CertificatesCmd::Configure(a) => {
            let signatories = a
                .signatories
                .iter()
                .map(|s| {
                    let mut parts = s.splitn(3, '|');
                    Signatory {
                        name: parts.next().unwrap_or("").trim().to_string(),
                        title: parts.next().unwrap_or("").trim().to_string(),
                        image: parts.next().map(|p| p.trim().to_string()).filter(|p| !p.is_empty()),
                    }
                })
                .collect::<Vec<_>>();
            let patch = SettingsPatch {
                title_en: a.title_en,
                venue_en: a.venue_en,
                organisers: (!a.organisers.is_empty()).then_some(a.organisers),
                signatories: (!signatories.is_empty()).then_some(signatories),
                logos: (!a.logos.is_empty()).then(|| a.logos.iter().map(|p| absolute(p)).collect()),
                min_attendance: a.min_attendance,
                paper: a.paper,
            };
            let s = m.configure_certificates(&a.event, patch)?;
            Outcome::new(to_value(&s), "certificate settings saved")
        }
        CertificatesCmd::Issue { event, min_attendance, out, out_dir, paper, by, reason, force } => {
            m.set_overwrite(force);
            // Refuse a bad --out before any certificate is issued.
            if let Some(path) = &out {
                m.check_output(path, muster_core::output::OutputKind::Pdf, &[])?;
            }
            if let Some(dir) = out_dir.as_ref().filter(|d| d.exists() && !d.is_dir()) {
                return Err(muster_core::Error::invalid_at(format!("{} is a file, not a folder", dir.display()), Some(&dir.display().to_string()), None, Some("out_dir")).into());
            }
            let e = m.event(&event)?;
            let settings = m.certificate_settings(&event)?;
            let d = muster_core::documents::certificate_design(m, &e, &settings, paper.as_deref())?;
            if reason.trim().is_empty() {
                let printed = m.certificate_prints(&event, None)?;
                let eligible = m.certificate_eligibility(&event, min_attendance)?;
                if eligible.trainees.iter().any(|t| t.eligible && printed.iter().any(|p| Some(&p.certificate_id) == t.certificate_id.as_ref())) {
                    return Err(muster_core::Error::invalid_at(
                        "some of these certificates were printed before: give --reason for printing them again",
                        None,
                        None,
                        Some("reason"),
                    )
                    .into());
                }
            }
            let outcome = m.issue_certificates(&event, min_attendance)?;
            let by = who(by);
            let mut files = Vec::new();
            let mut warnings = Vec::new();
            let mut bytes = 0usize;
            let mut pages = 0usize;
            if !outcome.certificates.is_empty() {
                let mut progress = progress_bar("rendering certificates");
                match (&out, &out_dir) {
                    (Some(path), _) => {
                        let batch: Vec<Certificate> = outcome.certificates.iter().map(|c| muster_core::documents::printable(c, "")).collect();
                        let r = certificate::render(&d, &batch, &mut progress)?;
                        write_pdf(m, path, &r)?;
                        warnings.extend(missing_warning(&r));
                        bytes += r.pdf.len();
                        pages += r.pages;
                        let ids: Vec<String> = outcome.certificates.iter().map(|c| c.id.clone()).collect();
                        m.record_certificate_prints(&event, &ids, &reason, &by, &path.display().to_string())?;
                        files.push(path.display().to_string());
                    }
                    (None, Some(dir)) => {
                        let total = outcome.certificates.len();
                        for (i, c) in outcome.certificates.iter().enumerate() {
                            let r = certificate::render(&d, &[muster_core::documents::printable(c, "")], &mut |_, _| {})?;
                            let path = dir.join(file_name(c));
                            write_pdf(m, &path, &r)?;
                            warnings.extend(missing_warning(&r));
                            bytes += r.pdf.len();
                            pages += r.pages;
                            m.record_certificate_prints(&event, std::slice::from_ref(&c.id), &reason, &by, &path.display().to_string())?;
                            files.push(path.display().to_string());
                            progress(i + 1, total);
                        }
                    }
                    (None, None) => unreachable!("clap requires --out or --out-dir"),
                }
            }
            warnings.dedup();
            let new = outcome.certificates.iter().filter(|c| c.new).count();
            let list: Vec<Value> = outcome
                .certificates
                .iter()
                .map(|c| json!({"id": c.id, "trainee_id": c.trainee_id, "name": c.name, "name_latin": c.name_latin, "hours": c.hours, "code": c.code, "new": c.new}))
                .collect();
            let not: Vec<Value> = outcome.ineligible.iter().map(|t| json!({"trainee_id": t.trainee_id, "name": t.name, "reason": t.reason})).collect();
            let file = out.as_ref().or(out_dir.as_ref()).map(|p| p.display().to_string());
            let text = format!(
                "{} certificates ({} new), {} not eligible, {} pages → {}",
                outcome.certificates.len(),
                new,
                outcome.ineligible.len(),
                pages,
                file.clone().unwrap_or_default()
            );
            Outcome::new(
                json!({
                    "issued": outcome.certificates.len(),
                    "new": new,
                    "ineligible": outcome.ineligible.len(),
                    "file": file,
                    "files": files,
                    "pages": pages,
                    "bytes": bytes,
                    "certificates": list,
                    "not_eligible": not,
                    "warnings": warnings,
                }),
                text,
            )
        }
        CertificatesCmd::Reprint { id, reason, out, paper, by, force } => {
            m.set_overwrite(force);
            if reason.trim().is_empty() {
                return Err(muster_core::Error::invalid_at("a reprint needs a reason", None, None, Some("reason")).into());
            }
            let (c, event) = m.certificate(&id)?;
            let e = m.event(&event)?;
            let settings = m.certificate_settings(&event)?;
            let d = muster_core::documents::certificate_design(m, &e, &settings, paper.as_deref())?;
            let r = certificate::render(&d, &[muster_core::documents::printable(&c, &format!("补发 REPRINT {}", muster_core::clock::today()))], &mut |_, _| {})?;
            write_pdf(m, &out, &r)?;
            let log = m.record_certificate_prints(&event, std::slice::from_ref(&c.id), &reason, &who(by), &out.display().to_string())?;
            let text = format!("reprinted certificate {} for {} → {}", c.id, c.name, out.display());
            Outcome::new(json!({"file": out.display().to_string(), "certificate": c, "print": log.first(), "warnings": missing_warning(&r)}), text)
        }
        CertificatesCmd::Verify { code, public_key } => {
            let v = m.verify_certificate(&code, public_key.as_deref())?;
            let text = if v.valid {
                format!(
                    "VALID: {} — {} — {} h — certificate {}",
                    v.name.clone().unwrap_or_default(),
                    v.event.clone().unwrap_or_default(),
                    v.hours.unwrap_or(0.0),
                    v.id.clone().unwrap_or_default()
                )
            } else {
                format!("NOT VALID: {}", v.reason.clone().unwrap_or_default())
            };
            let mut o = Outcome::new(to_value(&v), text);
            if !v.valid {
                o.exit = EXIT_INVALID;
            }
            o
        }
        CertificatesCmd::PublicKey => {
            let k = m.certificate_public_key()?;
            Outcome::new(json!({"public_key": k, "algorithm": "ed25519"}), k)
        }
        CertificatesCmd::Log { event } => {
            let prints = m.certificate_prints(&event, None)?;
            let text = prints.iter().map(|p| format!("{}  {}  {}  {}  {}", p.at, p.kind, p.certificate_id, p.printed_by, p.reason)).collect::<Vec<_>>().join("\n");
            Outcome::new(json!({"prints": prints}), text)
        }
    })
}

fn absolute(p: &Path) -> String {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()).display().to_string()
}

/// `muster bench certificates`: N certificates with generated bilingual
/// names and signed codes, rendered into one PDF.
pub fn bench_certificates(m: &Muster, count: usize, out: &Path) -> anyhow::Result<Outcome> {
    const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高"];
    const GIVEN: &[&str] = &["素梅", "建国", "秀英", "志强", "桂兰", "海燕", "俊杰", "丽娟", "文华", "春生", "玉珍", "德明", "晓东", "红霞", "振华", "美玲"];
    let start = Instant::now();
    let key = certs::signing_key(m.store())?;
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    let eref = [0x5A, 0x17, 0xC0, 0xDE];
    let batch: Vec<Certificate> = (0..count)
        .map(|_| {
            let name = format!("{}{}", SURNAMES[next() % SURNAMES.len()], GIVEN[next() % GIVEN.len()]);
            let hours_tenths = 200 + (next() % 41) as u16;
            let id = uuid_v7();
            let code = certs::sign(&key, &certs::Payload { id, hours_tenths, event_ref: eref, name: name.clone() });
            Certificate { id: id.to_string(), name_latin: certs::pinyin_name(&name), name, hours: hours_tenths as f64 / 10.0, code, note: String::new() }
        })
        .collect();
    let d = Design {
        paper: Paper::A4,
        title: "农村电商运营实务".into(),
        title_en: "Rural E-commerce Operations".into(),
        venue: "河南省信阳市光山县".into(),
        venue_en: "Guangshan County, Xinyang, Henan".into(),
        dates: "2025年3月10日至12日".into(),
        dates_en: "10–12 March 2025".into(),
        organisers: vec!["光山县人力资源和社会保障局".into(), "Muster Training Partners".into()],
        signatories: vec![
            certificate::Signatory { name: "陈立华".into(), title: "培训中心主任 Director, Training Centre".into(), image: None },
            certificate::Signatory { name: "Sophie Martin".into(), title: "项目负责人 Programme Lead".into(), image: None },
        ],
        logos: Vec::new(),
        issued_on: "2025-03-12".into(),
        verify_hint: muster_core::documents::verify_hint(&certs::to_hex(key.verifying_key().as_bytes())),
    };
    m.check_output(out, muster_core::output::OutputKind::Pdf, &[])?;
    let r = certificate::render(&d, &batch, &mut |_, _| {})?;
    write_pdf(m, out, &r)?;
    let seconds = start.elapsed().as_secs_f64();
    let qr = muster_print::qr::Qr::new(&batch.first().map(|c| c.code.clone()).unwrap_or_default())?;
    let v = json!({
        "count": count,
        "seconds": (seconds * 1000.0).round() / 1000.0,
        "bytes": r.pdf.len(),
        "pages": r.pages,
        "file": out.display().to_string(),
        "qr_version": qr.version,
        "qr_modules": qr.modules,
        "qr_module_mm": (qr.module_mm(certificate::QR_MM) * 1000.0).round() / 1000.0,
    });
    Ok(Outcome::new(v.clone(), v.to_string()))
}

fn uuid_v7() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}
