//! `muster form`, `muster responses` and `muster batch`: paper
//! questionnaires (XLSForm), their responses, double entry, batches and the
//! trainee portrait. The grammar is a contract: extend, never rename.

use crate::output::Outcome;
use clap::Subcommand;
use muster_core::forms::{Entry, StoredForm};
use muster_core::{Error, Muster};
use serde_json::{json, Value};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum FormCmd {
    /// Import an XLSForm (.xlsx/.xls) → {"id", "title", "questions", "skipped": [{"name", "type", "reason"}], "warnings", "warnings_worded": [{"key", "params"}]}.
    Import {
        #[arg(long)]
        event: String,
        #[arg(required_unless_present = "template")]
        file: Option<PathBuf>,
        /// Every paper must be keyed twice, independently.
        #[arg(long)]
        double_entry: bool,
        /// Start from the ready portrait questionnaire instead of a file (see `form template`).
        #[arg(long, conflicts_with = "file")]
        template: bool,
    },
    /// Write the ready portrait questionnaire (age bracket, gender, occupation, valuable, opened a WeChat shop or Video Channel; Chinese and English) as an XLSForm to edit → {"file", "questions"}.
    Template {
        #[arg(long, value_name = "FILE.xlsx")]
        out: PathBuf,
        /// Replace an existing file at the output path that is not what this command writes.
        #[arg(long)]
        force: bool,
    },
    /// The form as the keying screen needs it: questions in order with type, labels per language, choices with their keys, required, constraint, relevant, skipped.
    Show { form: String },
    /// Switch double entry on or off for a form → the form's summary.
    DoubleEntry {
        #[arg(long)]
        form: String,
        #[arg(value_name = "on|off")]
        state: String,
    },
    /// List an event's forms → {"forms": [{"id", "title", "questions", "double_entry"}]}.
    List {
        #[arg(long)]
        event: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ResponsesCmd {
    /// Import responses from a CSV (first column paper_id, one column per question; a question of a repeat has one column per repetition, `name[1]`, `name[2]`, … up to `name[50]`, a blank repetition not stored) → {"imported", "rejected", "duplicates", "errors": [{"line", "field", "message"}]}.
    Import {
        #[arg(long)]
        form: String,
        file: PathBuf,
        /// first or second (double entry).
        #[arg(long, default_value = "first")]
        entry: String,
        /// Write the rejected rows, with a reason column, to this CSV (an
        /// encrypted store seals it: OUT.csv.zip; → "rejects_file", "encrypted").
        #[arg(long, value_name = "OUT.csv")]
        rejects: Option<PathBuf>,
        /// Write the rejects file as a plain, unencrypted CSV even though the store is encrypted.
        #[arg(long)]
        plain: bool,
        /// Replace an existing file at the output path that is not what this command writes (never the store, its -wal/-shm, or an input file).
        #[arg(long)]
        force: bool,
        /// Who keyed the file (default: the file's name). A second entry refuses the rows of papers this keyer entered first.
        #[arg(long)]
        keyer: Option<String>,
    },
    /// The trainee portrait → {"form", "stored", "rejected", "questions": [...]}.
    Report {
        #[arg(long)]
        form: String,
        /// Also write it as an Excel workbook.
        #[arg(long, value_name = "FILE.xlsx")]
        xlsx: Option<PathBuf>,
        /// Also write it as a PDF of bar charts.
        #[arg(long, value_name = "FILE.pdf")]
        pdf: Option<PathBuf>,
        /// Label language (default: the form's default).
        #[arg(long)]
        lang: Option<String>,
        /// Write the XLSX plain (unencrypted) even though the store is
        /// encrypted (else sealed: FILE.xlsx.zip; → "xlsx", "encrypted").
        #[arg(long)]
        plain: bool,
        /// Replace an existing file at the output path that is not what this command writes (never the store, its -wal/-shm, or an input file).
        #[arg(long)]
        force: bool,
    },
    /// Correct a saved paper (history kept: the paper as keyed and every correction) → {"id", "paper_id", "entry", "answers"}.
    Correct {
        #[arg(long)]
        form: String,
        #[arg(long)]
        paper: String,
        /// first or second.
        #[arg(long, default_value = "first")]
        entry: String,
        /// QUESTION=VALUE (repeat; an empty value clears the answer).
        #[arg(long = "set", value_name = "QUESTION=VALUE", required = true)]
        set: Vec<String>,
        #[arg(long)]
        reason: String,
        /// Who corrects (default: the signed-in user, else the login name).
        #[arg(long)]
        by: Option<String>,
    },
    /// Differences between first and second entry → {"differences": [{"paper_id", "field", "first", "second", "resolution"}]}.
    Diff {
        #[arg(long)]
        form: String,
    },
    /// Resolve one difference: the chosen value and who chose it are recorded.
    Resolve {
        #[arg(long)]
        form: String,
        #[arg(long)]
        paper: String,
        /// The question (its name).
        #[arg(long, alias = "question")]
        field: String,
        /// The right value (a choice code or key, a number, text; empty for blank).
        #[arg(long, allow_hyphen_values = true)]
        value: String,
        /// Who decided (default: the login name).
        #[arg(long)]
        by: Option<String>,
    },
    /// Keyer statistics: forms/hour, keystrokes/hour, disagreements per 1,000 fields.
    Stats {
        #[arg(long)]
        form: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum BatchCmd {
    /// Register a stack of paper forms → {"id", "name", "count", "first_paper"}.
    Add {
        #[arg(long)]
        form: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        count: u32,
        /// The first paper ID (default 1); the others follow it (A001, A002, …).
        #[arg(long)]
        first: Option<String>,
    },
    /// Progress of a batch → {"expected", "keyed", "missing": [...]}.
    Status {
        #[arg(long)]
        form: String,
        /// Batch id or name.
        #[arg(long)]
        batch: String,
        #[arg(long, default_value = "first")]
        entry: String,
    },
    /// List a form's batches.
    List {
        #[arg(long)]
        form: String,
    },
}

fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn entry(s: &str) -> anyhow::Result<Entry> {
    Entry::parse(s).ok_or_else(|| Error::invalid_at(format!("--entry must be first or second, not {s}"), None, None, Some("entry")).into())
}

fn summary(f: &StoredForm) -> Value {
    json!({
        "id": f.id,
        "event_id": f.event_id,
        "form_id": f.form.form_id,
        "title": f.form.title,
        "questions": f.form.keyed().count(),
        "double_entry": f.double_entry,
        "source": f.source,
        "skipped": f.form.skipped,
        "warnings": f.form.warnings,
        "warnings_worded": f.form.warnings_worded,
    })
}

pub fn form(m: &mut Muster, cmd: FormCmd) -> anyhow::Result<Outcome> {
    Ok(match cmd {
        FormCmd::Template { out, force } => {
            m.set_overwrite(force);
            let n = m.write_form_template(&out)?;
            Outcome::new(json!({"file": out.display().to_string(), "questions": n}), format!("the portrait questionnaire ({n} questions) → {}", out.display()))
        }
        FormCmd::Import { event, file, double_entry, template } => {
            let f = match file {
                Some(file) if !template => m.import_form(&event, &file, double_entry)?,
                _ => m.import_form_template(&event, double_entry)?,
            };
            let mut text = format!("imported form {}  {}  ({} questions to key)", f.id, f.form.title, f.form.keyed().count());
            for s in &f.form.skipped {
                text.push_str(&format!("\nskipped {} ({}): {}", s.name, s.type_name, s.reason));
            }
            for w in &f.form.warnings {
                text.push_str(&format!("\nwarning: {w}"));
            }
            Outcome::new(summary(&f), text)
        }
        FormCmd::Show { form } => {
            let f = m.form(&form)?;
            let mut value = to_value(&f.form);
            value["id"] = json!(f.id);
            value["event_id"] = json!(f.event_id);
            value["double_entry"] = json!(f.double_entry);
            let text = f
                .form
                .questions
                .iter()
                .map(|q| {
                    let mut line = format!("{:<24} {:<16} {}", q.name, q.type_name, q.label(None));
                    if let Some(r) = &q.skipped {
                        line.push_str(&format!("  [skipped: {r}]"));
                    }
                    for c in &q.choices {
                        line.push_str(&format!("\n    {} = {} {}", c.key, c.value, muster_core::forms::pick(&c.labels, None).unwrap_or("")));
                    }
                    line
                })
                .collect::<Vec<_>>()
                .join("\n");
            Outcome::new(value, text)
        }
        FormCmd::DoubleEntry { form, state } => {
            let on = match state.trim().to_ascii_lowercase().as_str() {
                "on" | "true" | "yes" => true,
                "off" | "false" | "no" => false,
                other => return Err(Error::invalid_at(format!("double entry is on or off, not {}", muster_core::quote(other)), None, None, Some("state")).into()),
            };
            let f = m.set_double_entry(&form, on)?;
            Outcome::new(summary(&f), format!("double entry {} for {}", if on { "on" } else { "off" }, f.form.title))
        }
        FormCmd::List { event } => {
            let forms = m.list_forms(&event)?;
            let text = forms.iter().map(|f| format!("{}  {}  ({} questions)", f.id, f.form.title, f.form.keyed().count())).collect::<Vec<_>>().join("\n");
            Outcome::new(json!({ "forms": forms.iter().map(summary).collect::<Vec<_>>() }), text)
        }
    })
}

pub fn responses(m: &mut Muster, cmd: ResponsesCmd) -> anyhow::Result<Outcome> {
    Ok(match cmd {
        ResponsesCmd::Correct { form, paper, entry: e, set, reason, by } => {
            let mut pairs = Vec::new();
            for s in &set {
                let Some((q, v)) = s.split_once('=') else {
                    return Err(Error::invalid_at(format!("--set {} is not QUESTION=VALUE", muster_core::quote(s)), None, None, Some("set")).into());
                };
                pairs.push((q.to_string(), v.to_string()));
            }
            let entry = entry(&e)?;
            let (id, answers) = m.correct_response(&form, &paper, entry, &pairs, &reason, by.as_deref())?;
            Outcome::new(json!({"id": id, "paper_id": paper, "entry": entry.as_str(), "answers": answers}), format!("paper {paper} corrected ({})", entry.as_str()))
        }
        ResponsesCmd::Import { form, file, entry: e, rejects, plain, force, keyer } => {
            m.set_overwrite(force);
            let r = m.import_responses_by(&form, &file, entry(&e)?, keyer.as_deref(), rejects.as_deref(), plain)?;
            let mut text = format!("{}: {} imported, {} duplicates, {} rejected ({} entry)", r.file, r.imported, r.duplicates, r.rejected, r.entry.as_str());
            for w in &r.warnings {
                text.push_str(&format!("\nwarning: {w}"));
            }
            for e in &r.errors {
                text.push_str(&format!("\nline {}: {}: {}", e.line, e.field, e.message));
            }
            if let Some(f) = &r.rejects_file {
                text.push_str(&format!("\nrejected rows written to {f}{}", if r.rejects_encrypted == Some(true) { " (encrypted)" } else { "" }));
            }
            let mut value = to_value(&r);
            if let Some(encrypted) = r.rejects_encrypted {
                value["encrypted"] = json!(encrypted);
            }
            Outcome::new(value, text)
        }
        ResponsesCmd::Report { form, xlsx, pdf, lang, plain, force } => {
            // Both paths are checked before either file is written.
            m.set_overwrite(force);
            if let (Some(x), Some(p)) = (&xlsx, &pdf) {
                if muster_core::output::same_file(x, p) {
                    return Err(Error::invalid_at("--xlsx and --pdf name the same file", Some(&p.display().to_string()), None, Some("path")).into());
                }
            }
            if let Some(path) = &xlsx {
                m.check_export_path(path, muster_core::export::ExportKind::PortraitXlsx, plain, &[])?;
            }
            if let Some(path) = &pdf {
                m.check_output(path, muster_core::output::OutputKind::Pdf, &[])?;
            }
            let mut written = None;
            let p = match &xlsx {
                Some(path) => {
                    let (p, f) = m.portrait_xlsx(&form, path, plain)?;
                    written = Some(f);
                    if lang.is_none() { p } else { m.portrait(&form, lang.as_deref())? }
                }
                None => m.portrait(&form, lang.as_deref())?,
            };
            let mut text = format!("{}: {} stored, {} rejected, {} in the portrait, {} pending", p.title, p.stored, p.rejected, p.included, p.pending);
            for q in &p.questions {
                text.push_str(&format!("\n{} ({}): answered {}", q.label, q.name, q.answered));
                for c in &q.choices {
                    text.push_str(&format!("\n    {:<30} {:>5} {:>6.1}%", c.label, c.count, c.percent));
                }
                if let Some(n) = &q.numeric {
                    text.push_str(&format!("\n    n {} min {} max {} mean {} median {}", n.n, n.min, n.max, n.mean, n.median));
                }
            }
            let mut value = to_value(&p);
            add_report_contract(&mut value, p.included);
            if let Some(f) = &written {
                value["xlsx"] = json!(f.file);
                value["encrypted"] = json!(f.encrypted);
                text.push_str(&format!("\nXLSX written to {}{}", f.file, if f.encrypted { " (encrypted)" } else { "" }));
            }
            if let Some(path) = &pdf {
                let pages = m.portrait_pdf(&p, path)?;
                value["pdf"] = json!(path.display().to_string());
                value["pdf_pages"] = json!(pages);
                text.push_str(&format!("\nPDF written to {} ({pages} pages)", path.display()));
            }
            Outcome::new(value, text)
        }
        ResponsesCmd::Diff { form } => {
            let d = m.responses_diff(&form)?;
            let mut text = format!("{} papers compared, {} differences, {} unresolved", d.papers_compared, d.differences.len(), d.unresolved);
            for x in &d.differences {
                let res = x.resolution.as_ref().map(|r| format!("  → {} (by {})", r.value, r.by)).unwrap_or_default();
                text.push_str(&format!("\n{}  {}: first {:?}, second {:?}{res}", x.paper_id, x.field, x.first, x.second));
            }
            let mut value = to_value(&d);
            // `question` is the contract's name for the differing field.
            if let Some(list) = value["differences"].as_array_mut() {
                for x in list {
                    x["question"] = x["field"].clone();
                }
            }
            Outcome::new(value, text)
        }
        ResponsesCmd::Resolve { form, paper, field, value, by } => {
            let by = by.or_else(|| std::env::var("USER").ok()).filter(|b| !b.trim().is_empty()).unwrap_or_else(|| "muster-cli".into());
            let r = m.resolve_difference(&form, &paper, &field, &value, &by)?;
            let text = format!("paper {} {}: {:?} chosen by {}", r.paper_id, r.field, r.value, r.by);
            Outcome::new(to_value(&r), text)
        }
        ResponsesCmd::Stats { form } => {
            let s = m.keyer_stats(&form)?;
            let f = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.1}"));
            let text = s
                .iter()
                .map(|k| format!("{}: {} forms, {} forms/h, {} keys/h, {} disagreements per 1000 fields", k.keyer, k.forms, f(k.forms_per_hour), f(k.keystrokes_per_hour), f(k.disagreements_per_1000)))
                .collect::<Vec<_>>()
                .join("\n");
            Outcome::new(json!({ "keyers": s }), text)
        }
    })
}

pub fn batch(m: &mut Muster, cmd: BatchCmd) -> anyhow::Result<Outcome> {
    Ok(match cmd {
        BatchCmd::Add { form, name, count, first } => {
            let b = m.add_batch(&form, &name, count, first.as_deref())?;
            let text = format!("batch {}  {}: {} papers from {}", b.id, b.name, b.count, b.first_paper);
            Outcome::new(to_value(&b), text)
        }
        BatchCmd::Status { form, batch, entry: e } => {
            let s = m.batch_status(&form, &batch, entry(&e)?)?;
            let mut text = format!("{}: {}/{} keyed", s.name, s.keyed, s.expected);
            if !s.missing.is_empty() {
                text.push_str(&format!("\nmissing: {}", s.missing.join(" ")));
            }
            if !s.unexpected.is_empty() {
                text.push_str(&format!("\nnot in this batch: {}", s.unexpected.join(" ")));
            }
            Outcome::new(to_value(&s), text)
        }
        BatchCmd::List { form } => {
            let bs = m.batches(&form)?;
            let text = bs.iter().map(|b| format!("{}  {}: {} papers from {}", b.id, b.name, b.count, b.first_paper)).collect::<Vec<_>>().join("\n");
            Outcome::new(json!({ "batches": bs }), text)
        }
    })
}

/// `muster report …`: reports by name.
#[derive(Subcommand, Debug)]
pub enum ReportCmd {
    /// Per question: answered n, counts and percent per choice → {"responses", "questions": [{"name", "type", "label", "n", "counts", "percent"}]}.
    Questions {
        #[arg(long)]
        form: String,
        #[arg(long, value_name = "FILE.xlsx")]
        xlsx: Option<PathBuf>,
        #[arg(long, value_name = "FILE.pdf")]
        pdf: Option<PathBuf>,
        #[arg(long)]
        lang: Option<String>,
        /// Write the XLSX plain (unencrypted) even though the store is encrypted.
        #[arg(long)]
        plain: bool,
        /// Replace an existing file at the output path that is not what this command writes (never the store, its -wal/-shm, or an input file).
        #[arg(long)]
        force: bool,
    },
}

pub fn report(m: &mut Muster, cmd: ReportCmd) -> anyhow::Result<Outcome> {
    let ReportCmd::Questions { form, xlsx, pdf, lang, plain, force } = cmd;
    responses(m, ResponsesCmd::Report { form, xlsx, pdf, lang, plain, force })
}

/// The report's JSON as the questions-report contract names it, beside the
/// portrait's own fields: `responses`, and per question `n`, `counts`
/// {choice: n} and `percent` {choice: pct}.
fn add_report_contract(value: &mut Value, responses: u64) {
    value["responses"] = json!(responses);
    if let Some(questions) = value["questions"].as_array_mut() {
        for q in questions {
            let choices = q["choices"].as_array().cloned().unwrap_or_default();
            let counts: serde_json::Map<String, Value> =
                choices.iter().filter_map(|c| Some((c["value"].as_str()?.to_string(), c["count"].clone()))).collect();
            let percent: serde_json::Map<String, Value> =
                choices.iter().filter_map(|c| Some((c["value"].as_str()?.to_string(), c["percent"].clone()))).collect();
            q["n"] = q["answered"].clone();
            q["counts"] = Value::Object(counts);
            q["percent"] = Value::Object(percent);
        }
    }
}
