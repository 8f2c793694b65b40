//! Printing commands: badge slips, the attendance sheet for signatures,
//! certificates (settings, eligibility, overrides, issue, reprint, verify,
//! public key, print log) and the certificate benchmark.
//!
//! One-liners over `Muster`: the printing itself (what is printed, the
//! reprint rule, the PDF, the print log) lives in `muster_core::documents`.

use crate::output::Outcome;
use clap::{Args, Subcommand};
use muster_core::certificates::{SettingsPatch, Signatory};
use muster_core::documents::{IssueRequest, PrintTarget};
use muster_core::Muster;
use serde_json::{json, Value};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

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
    /// Check a certificate code, the URL its QR holds, or a number known here, offline → {"valid": true, "name", "event", "hours", "org", "issued_by", ...}; altered, unknown or revoked → {"valid": false, "reason", "revoked"?}, exit 3.
    Verify {
        code: String,
        /// The organisation's public key, hex (default: this installation's).
        #[arg(long, value_name = "HEX")]
        public_key: Option<String>,
    },
    /// Revoke a certificate (id or printed number) → {"id", "revoked_at"}; syncs, so every laptop, the server's page and a new verifier say "revoked".
    Revoke {
        #[arg(long, value_name = "ID")]
        certificate: String,
        #[arg(long)]
        reason: String,
    },
    /// Write the offline verifier: one HTML file that checks a typed or pasted code in any browser with no network → {"file", "keys", "devices", "revoked"}.
    Verifier {
        #[arg(long, value_name = "FILE.html")]
        out: PathBuf,
        /// Replace an existing file at the output path that is not what this command writes (never the store, its -wal/-shm, or an input file).
        #[arg(long)]
        force: bool,
    },
    /// This installation's signing public key → {"public_key"}.
    PublicKey,
    /// The Latin forms of the names the next issue prints, to confirm: pinyin is made by Muster and can misread a character (长 chang/zhang) → {"names": [{"trainee_id", "name", "latin", "source": "roster"|"transliterated"|"none"}]}. With --set ID=FORM (repeat; empty: none) or --confirm (every transliteration as shown), records them first (all or nothing) and adds "changed".
    LatinNames {
        #[arg(long)]
        event: String,
        /// A trainee's Latin form: TRAINEE_ID=FORM (an empty FORM: the name has none).
        #[arg(long = "set", value_name = "ID=FORM")]
        set: Vec<String>,
        /// Confirm every transliteration as shown.
        #[arg(long)]
        confirm: bool,
    },
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
    /// Whether excused absences count toward the certificate's hours (default false).
    #[arg(long, value_name = "true|false")]
    pub excused_counts: Option<bool>,
    /// A trainee registered late is measured against all sessions' hours (all, the default) or those after registering (after-registration).
    #[arg(long, value_name = "all|after-registration")]
    pub late_registration: Option<String>,
    /// The certificate's two languages: zh+en (default), km+en, lo+en, az+en, tk+en.
    #[arg(long, value_name = "PAIR")]
    pub languages: Option<String>,
    /// The organisers' seal (PNG/JPEG), printed over the date of issue ("" removes it).
    #[arg(long, value_name = "FILE")]
    pub seal: Option<PathBuf>,
}

fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// `muster badges`.
pub fn badges(m: &mut Muster, event: &str, out: &Path) -> anyhow::Result<Outcome> {
    let p = m.print_badges(event, out)?;
    let text = format!("{} badge slips on {} pages → {}", p.items, p.pages, p.file);
    Ok(Outcome::new(json!({"file": p.file, "badges": p.items, "pages": p.pages, "bytes": p.bytes, "warnings": p.warnings}), text))
}

/// `muster sheet`: the attendance sheet for signatures.
pub fn attendance_sheet(m: &mut Muster, event: &str, out: &Path) -> anyhow::Result<Outcome> {
    let p = m.print_signature_sheet(event, out)?;
    let text = format!("attendance sheet: {} trainees on {} pages → {}", p.items, p.pages, p.file);
    Ok(Outcome::new(json!({"file": p.file, "rows": p.items, "pages": p.pages, "warnings": p.warnings}), text))
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
        CertificatesCmd::LatinNames { event, set, confirm } => {
            let mut names: Vec<(String, String)> = Vec::new();
            for s in &set {
                let Some((id, form)) = s.split_once('=') else {
                    return Err(muster_core::Error::invalid_at(format!("--set {}: expected TRAINEE_ID=FORM", muster_core::quote(s)), None, None, Some("set")).into());
                };
                names.push((id.trim().to_string(), form.to_string()));
            }
            if confirm {
                for n in m.latin_names(&event)? {
                    if n.source == muster_core::certificates::LatinSource::Transliterated && !names.iter().any(|(id, _)| *id == n.trainee_id) {
                        names.push((n.trainee_id, n.latin.unwrap_or_default()));
                    }
                }
            }
            let changed = if names.is_empty() { None } else { Some(m.confirm_latin_names(&event, &names)?) };
            let list = m.latin_names(&event)?;
            let text = list
                .iter()
                .map(|n| format!("{:<14}  {}  {}", format!("{:?}", n.source).to_lowercase(), n.name, n.latin.as_deref().unwrap_or("-")))
                .collect::<Vec<_>>()
                .join("\n");
            let mut v = serde_json::json!({ "names": list });
            if let Some(c) = changed {
                v["changed"] = c.into();
            }
            Outcome::new(v, text)
        }
        CertificatesCmd::Override { event, trainee, eligible, reason, by } => {
            let by = m.who(by.as_deref());
            let o = m.override_eligibility(&event, &trainee, eligible, &reason, &by)?;
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
                excused_counts: a.excused_counts,
                late_registration: a.late_registration,
                languages: a.languages,
                seal: a.seal.map(|p| (!p.as_os_str().is_empty()).then(|| absolute(&p))),
            };
            let s = m.configure_certificates(&a.event, patch)?;
            Outcome::new(to_value(&s), "certificate settings saved")
        }
        CertificatesCmd::Issue { event, min_attendance, out, out_dir, paper, by, reason, force } => {
            m.set_overwrite(force);
            let target = match (out, out_dir) {
                (Some(path), _) => PrintTarget::File(path),
                (None, Some(dir)) => PrintTarget::Folder(dir),
                (None, None) => unreachable!("clap requires --out or --out-dir"),
            };
            let req = IssueRequest { event_id: &event, min_attendance, paper: paper.as_deref(), reason: &reason, by: by.as_deref(), target };
            let job = m.prepare_certificates(&req)?;
            let mut progress = progress_bar("rendering certificates");
            let done = m.commit_certificates(job.render(&mut progress)?)?;
            let text = format!(
                "{} certificates ({} new), {} not eligible, {} pages → {}",
                done.issued,
                done.new,
                done.ineligible,
                done.pages,
                done.file.clone().unwrap_or_default()
            );
            Outcome::new(to_value(&done), text)
        }
        CertificatesCmd::Reprint { id, reason, out, paper, by, force } => {
            m.set_overwrite(force);
            let job = m.prepare_reprint(&id, &reason, paper.as_deref(), by.as_deref(), &out)?;
            let done = m.commit_certificates(job.render(&mut |_, _| {})?)?;
            let c = done.certificates.first();
            let text = format!("reprinted certificate {} for {} → {}", c.map(|c| c.id.as_str()).unwrap_or(""), c.map(|c| c.name.as_str()).unwrap_or(""), out.display());
            Outcome::new(json!({"file": out.display().to_string(), "certificate": c, "print": done.prints.first(), "warnings": done.warnings}), text)
        }
        CertificatesCmd::Verify { code, public_key } => {
            let v = m.verify_certificate(&code, public_key.as_deref())?;
            let text = if v.valid {
                format!(
                    "VALID: {} — {} — {} h — certificate {}{}",
                    v.name.clone().unwrap_or_default(),
                    v.event.clone().unwrap_or_default(),
                    v.hours.unwrap_or(0.0),
                    v.number.clone().unwrap_or_default(),
                    match (&v.org, &v.issued_by) {
                        (Some(o), Some(by)) => format!(" — {o}, issued on {by}"),
                        _ => String::new(),
                    }
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
        CertificatesCmd::Revoke { certificate, reason } => {
            let r = m.revoke_certificate(&certificate, &reason)?;
            let text = format!("revoked {} at {}", r.id, r.revoked_at);
            Outcome::new(json!(r), text)
        }
        CertificatesCmd::Verifier { out, force } => {
            m.set_overwrite(force);
            let f = m.write_verifier(&out)?;
            let text = format!("wrote {} ({} keys, {} laptops, {} revoked)", f.file, f.keys, f.devices, f.revoked);
            Outcome::new(json!(f), text)
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
    let v = to_value(&muster_core::documents::certificate_benchmark(m, count, out)?);
    Ok(Outcome::new(v.clone(), v.to_string()))
}
