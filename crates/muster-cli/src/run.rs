//! Runs one parsed command against the store and shapes its result.

use crate::cli::{AttendanceCmd, BenchCmd, CheckinArgs, CheckinCmd, Cli, Command, EventCmd, MarkArgs, ProgrammeCmd, RosterCmd, SessionCmd, TraineeCmd};
use crate::output::{Outcome, EXIT_RUNTIME};
use muster_core::model::{Event, NewEvent, NewSession, Trainee};
use muster_core::roster::{ImportOptions, ImportReport};
use muster_core::event::{EventPatch, SessionPatch};
use muster_core::trainee::TraineePatch;
use muster_core::attendance::{MarkOutcome, MarkRequest, Source, Who};
use muster_core::Muster;
use serde_json::{json, Value};
use std::io::{IsTerminal, Write};

fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    // The sync service works on its own store, not the app's.
    let path = cli.db.clone().unwrap_or_else(Muster::default_path);
    match &cli.command {
        Command::Serve(args) => return crate::cmd_sync::serve(args),
        Command::Server(cmd) => return crate::cmd_sync::server(cmd),
        // Decrypting an export needs no store (the office has none), but
        // never writes onto one.
        Command::Decrypt(args) => return crate::cmd_safety::decrypt(args, &path),
        _ => {}
    }
    // Restore replaces the store: it must not open (or create) it first.
    if let Command::Restore(args) = &cli.command {
        return crate::cmd_safety::restore(&path, args);
    }
    let mut m = Muster::open_with(&path, crate::cmd_safety::passphrase().as_deref())?;
    m.set_export_passphrase(crate::cmd_safety::export_passphrase().as_deref());
    // The CLI acts as an admin once the passphrase has opened the store.
    m.set_actor(Some(muster_core::access::Actor::admin("cli")));
    Ok(match cli.command {
        Command::Event(EventCmd::Create { name, venue, starts, days, half_days, programme }) => {
            let e = m.create_event_in(NewEvent { name, venue, starts_on: starts, days }, programme.as_deref())?;
            let mut value = to_value(&e);
            let mut text = format!("created event {}  {}", e.id, e.name);
            if half_days {
                let sessions = m.add_half_day_sessions(&e.id)?;
                text.push_str(&format!(" with {} half-day sessions", sessions.len()));
                value["session_count"] = json!(sessions.len());
                value["sessions"] = to_value(&sessions);
            }
            Outcome::new(value, text)
        }
        Command::Event(EventCmd::Edit { id, name, venue, starts, days, programme }) => {
            let e = m.edit_event(&id, &EventPatch { name, venue, starts_on: starts, days, programme_id: programme })?;
            Outcome::new(to_value(&e), format!("updated {}", event_line(&e)))
        }
        Command::Event(EventCmd::Close { id }) => {
            let e = m.close_event(&id)?;
            Outcome::new(to_value(&e), format!("closed {} (read-only; reprints still allowed)", event_line(&e)))
        }
        Command::Event(EventCmd::Reopen { id }) => {
            let e = m.reopen_event(&id)?;
            Outcome::new(to_value(&e), format!("reopened {}", event_line(&e)))
        }
        Command::Event(EventCmd::Purge { id }) => {
            let p = m.purge_event(&id)?;
            let text = format!(
                "purged event {}: {} trainee(s), {} row(s) and change(s) removed; file {} → {} bytes",
                p.event_id, p.trainees, p.removed, p.bytes_before, p.bytes_after
            );
            Outcome::new(to_value(&p), text)
        }
        Command::Programme(ProgrammeCmd::Create { name, description }) => {
            let p = m.create_programme(&name, description.as_deref())?;
            Outcome::new(to_value(&p), format!("created programme {}  {}", p.id, p.name))
        }
        Command::Programme(ProgrammeCmd::List) => {
            let list = m.list_programmes()?;
            let text = list.iter().map(|p| format!("{}  {}  ({} stops)", p.id, p.name, p.stop_count)).collect::<Vec<_>>().join("\n");
            Outcome::new(json!({ "programmes": list }), text)
        }
        Command::Programme(ProgrammeCmd::Show { programme }) => {
            let v = m.programme(&programme)?;
            let mut text = format!("{}  {}\n", v.programme.id, v.programme.name);
            for s in &v.stops {
                let held = if s.held { String::new() } else { "  (not held on this laptop)".into() };
                text.push_str(&format!(
                    "  {}  {}  {}  trainees {}  checked in {}  certificates {}  responses {}{held}\n",
                    s.starts_on, s.event_id, s.name, s.counts.trainees, s.counts.checked_in, s.counts.certificates, s.counts.responses
                ));
            }
            Outcome::new(to_value(&v), text.trim_end().to_string())
        }
        Command::Event(EventCmd::Delete { id, force }) => {
            let r = m.delete_event(&id, force)?;
            let mut value = to_value(&r);
            value["removed"] = json!(true);
            Outcome::new(value, format!("removed event {}  {} ({} trainees, {} marks kept)", r.id, r.name, r.trainees, r.marks))
        }
        Command::Event(EventCmd::List) => {
            let events = m.list_events()?;
            let text = events.iter().map(event_line).collect::<Vec<_>>().join("\n");
            Outcome::new(json!({ "events": events }), text)
        }
        Command::Sync(args) => crate::cmd_sync::sync(&mut m, args)?,
        Command::Join { code } => crate::cmd_sync::join(&mut m, &code)?,
        Command::Serve(_) | Command::Server(_) | Command::Restore(_) | Command::Decrypt(_) => unreachable!("handled before the store is opened"),
        Command::Backup(args) => crate::cmd_safety::backup(&mut m, args)?,
        Command::Passphrase(cmd) => crate::cmd_safety::passphrase_cmd(m, cmd)?,
        Command::Demo => {
            let e = m.create_demo_event()?;
            Outcome::new(to_value(&e), format!("created demo event {}  {}", e.id, e.name))
        }
        Command::Session(SessionCmd::Add { event, title, starts, ends }) => {
            let s = m.add_session(&event, NewSession { title, starts_at: starts, ends_at: ends })?;
            Outcome::new(to_value(&s), format!("added session {}  {}", s.id, s.title))
        }
        Command::Session(SessionCmd::Edit { id, title, starts, ends }) => {
            let s = m.edit_session(&id, &SessionPatch { title, starts_at: starts, ends_at: ends })?;
            Outcome::new(to_value(&s), format!("updated session {}  {} – {}  {}", s.id, s.starts_at, s.ends_at, s.title))
        }
        Command::Session(SessionCmd::Delete { id, force }) => {
            let r = m.delete_session(&id, force)?;
            let mut value = to_value(&r);
            value["removed"] = json!(true);
            Outcome::new(value, format!("removed session {}  {} ({} marks kept as history)", r.id, r.name, r.marks))
        }
        Command::Session(SessionCmd::Close { event, session }) => {
            let c = m.close_session(&event, &session)?;
            let text = format!("closed: {} signed out, {} marked absent", c.signed_out, c.absent);
            Outcome::new(to_value(&c), text)
        }
        Command::Session(SessionCmd::List { event }) => {
            let sessions = m.list_sessions(&event)?;
            let text = sessions.iter().map(|s| format!("{}  {} – {}  {}", s.id, s.starts_at, s.ends_at, s.title)).collect::<Vec<_>>().join("\n");
            Outcome::new(json!({ "sessions": sessions }), text)
        }
        Command::Roster(RosterCmd::Import { event, file, dry_run, rejects, plain, force, map }) => {
            m.set_overwrite(force);
            let mut mapping = muster_core::import::Mapping::new();
            for m in &map {
                let Some((header, field)) = m.rsplit_once('=') else {
                    return Err(muster_core::Error::invalid_at(format!("--map {} is not HEADER=FIELD", muster_core::quote(m)), None, None, Some("map")).into());
                };
                mapping.insert(header.trim().to_string(), field.trim().to_string());
            }
            let opts = ImportOptions { dry_run, rejects, plain, mapping };
            let show = std::io::stderr().is_terminal();
            let mut last = 0u64;
            let report = m.import_roster(&event, &file, &opts, &mut |done, total| {
                let pct = if total == 0 { 100 } else { done * 100 / total };
                if show && pct != last {
                    last = pct;
                    eprint!("\rimporting {}: {pct:3}%", file.display());
                    let _ = std::io::stderr().flush();
                }
            })?;
            if show {
                eprintln!();
            }
            let mut value = to_value(&report);
            if let Some(encrypted) = report.rejects_encrypted {
                value["encrypted"] = json!(encrypted);
            }
            Outcome::new(value, import_text(&report))
        }
        Command::Roster(RosterCmd::List { event }) => {
            let trainees = m.roster(&event)?;
            let text = trainees.iter().map(trainee_line).collect::<Vec<_>>().join("\n");
            Outcome::new(json!({ "trainees": trainees }), text)
        }
        Command::Trainee(TraineeCmd::History { trainee }) => {
            let h = m.trainee_history(&trainee)?;
            let mut text = format!("{}  {}", h.trainee_id, h.name);
            for s in &h.stops {
                text.push_str(&format!("\n  {}  {}  {:.1} h{}", s.starts, s.name, s.hours, s.certificate.as_deref().map(|c| format!("  certificate {c}")).unwrap_or_default()));
            }
            Outcome::new(to_value(&h), text)
        }
        Command::Trainee(TraineeCmd::Edit { id, fields: f }) => {
            let patch = TraineePatch {
                name: f.name,
                gender: f.gender,
                phone: f.phone,
                id_number: f.id_number,
                age: f.age,
                birth_date: f.birth_date,
                organization: f.organization,
                occupation: f.occupation,
                note: f.note,
                name_latin: f.name_latin,
            };
            let t = m.edit_trainee(&id, &patch)?;
            Outcome::new(to_value(&t), format!("updated {}", trainee_line(&t)))
        }
        Command::Search { event, query, limit } => {
            let found = m.door_search(&event, &query, limit)?;
            let text = found.hits.iter().map(|h| trainee_line(&h.trainee)).collect::<Vec<_>>().join("\n");
            Outcome::new(json!({ "results": found.hits, "sure": found.sure }), text)
        }
        Command::Checkin(CheckinArgs { action: Some(CheckinCmd::Undo { event, session, trainee, code, reason }), .. }) => {
            let who = match (trainee, code) {
                (Some(id), _) => Who::Id(id),
                (None, code) => Who::Code(code.unwrap_or_default()),
            };
            let out = m.undo_check_in(&event, &session, &who, &reason)?;
            let text = format!("undone: {}'s check-in at {} no longer counts", out.trainee.fields.name, out.checked_in_at);
            let mut value = to_value(&out);
            value["undone"] = json!(true);
            Outcome::new(value, text)
        }
        Command::Checkin(a) => {
            let out = m.check_in(&mark_request(a.mark())?)?;
            Outcome::new(to_value(&out), mark_text(&out))
        }
        Command::Checkout(a) => {
            let out = m.check_out(&mark_request(a)?)?;
            Outcome::new(to_value(&out), mark_text(&out))
        }
        Command::Walkin { event, name, phone, id_number } => {
            let (t, dups) = m.walk_in(&event, &name, phone.as_deref(), id_number.as_deref())?;
            let mut text = format!("registered walk-in {}", trainee_line(&t));
            for d in &dups {
                text.push_str(&format!("\npossible duplicate of {}", trainee_line(d)));
            }
            let mut value = to_value(&t);
            value["possible_duplicates"] = to_value(&dups);
            Outcome::new(value, text)
        }
        Command::Attendance(AttendanceCmd::Report { event, xlsx, csv, plain, force }) => {
            let report = m.attendance_report(&event)?;
            m.set_overwrite(force);
            let written = m.export_attendance_files(&event, xlsx.as_deref(), csv.as_deref(), plain)?;
            let mut text = report
                .sessions
                .iter()
                .map(|s| format!("{}  expected {}  present {}  late {}  left early {}  absent {}", s.title, s.expected, s.present, s.late, s.left_early, s.absent))
                .collect::<Vec<_>>()
                .join("\n");
            let mut value = to_value(&report);
            for (key, f) in &written {
                value[*key] = json!(f.file);
                value["encrypted"] = json!(f.encrypted);
                text.push_str(&format!("\n{} written to {}{}", key.to_uppercase(), f.file, if f.encrypted { " (encrypted)" } else { "" }));
            }
            Outcome::new(value, text)
        }
        Command::Attendance(AttendanceCmd::Dashboard { event }) => {
            let d = m.dashboard(&event)?;
            let text = d
                .iter()
                .map(|s| format!("{}  {}/{} arrived, {} late", s.session.title, s.session.arrived, s.session.expected, s.late.len()))
                .collect::<Vec<_>>()
                .join("\n");
            Outcome::new(json!({ "sessions": d }), text)
        }
        Command::Attendance(AttendanceCmd::Correct { event, session, trainee, status, hours, reason }) => {
            m.correct_attendance(&event, &session, &trainee, &status, hours, &reason)?;
            Outcome::new(json!({ "corrected": true, "trainee_id": trainee, "session_id": session, "status": status }), "correction recorded")
        }
        Command::Bench(BenchCmd::Programme { store, stops, trainees }) => {
            let tmp = std::env::temp_dir().join(format!("muster-bench-server-{}.db", std::process::id()));
            let url = store.unwrap_or_else(|| format!("sqlite:{}", tmp.display()));
            let v = crate::bench::programme(&url, stops, trainees)?;
            let _ = std::fs::remove_file(&tmp);
            let text = v.to_string();
            Outcome::new(v, text)
        }
        Command::Bench(BenchCmd::Sync { trainees, sessions }) => {
            let out = crate::bench::sync(trainees, sessions)?;
            let text = out.to_string();
            Outcome::new(out, text)
        }
        Command::Bench(BenchCmd::Search { event, queries }) => {
            let out = crate::bench::search(&m, &event, queries)?;
            let text = out.to_string();
            Outcome::new(out, text)
        }
        Command::Trainee(TraineeCmd::Duplicates { event }) => {
            let groups = m.possible_duplicates(&event)?;
            let text = groups
                .iter()
                .map(|g| format!("{} {}: {}", g.by, g.value, g.trainees.iter().map(|t| format!("{} ({})", t.fields.name, t.id)).collect::<Vec<_>>().join(", ")))
                .collect::<Vec<_>>()
                .join("\n");
            Outcome::new(json!({ "groups": groups }), text)
        }
        Command::Trainee(TraineeCmd::Merge { keep, other }) => {
            let t = m.merge_trainees(&keep, &other)?;
            Outcome::new(to_value(&t), format!("merged {other} into {}", trainee_line(&t)))
        }
        Command::Badges { event, out, force } => {
            m.set_overwrite(force);
            crate::cmd_print::badges(&mut m, &event, &out)?
        }
        Command::Sheet { event, out, force } => {
            m.set_overwrite(force);
            crate::cmd_print::attendance_sheet(&mut m, &event, &out)?
        }
        Command::Certificates(cmd) => crate::cmd_print::certificates(&mut m, cmd)?,
        Command::Bench(BenchCmd::Certificates { count, out, force }) => {
            m.set_overwrite(force);
            crate::cmd_print::bench_certificates(&m, count, &out)?
        }
        Command::Form(cmd) => crate::cmd_forms::form(&mut m, cmd)?,
        Command::Report(cmd) => crate::cmd_forms::report(&mut m, cmd)?,
        Command::Responses(cmd) => crate::cmd_forms::responses(&mut m, cmd)?,
        Command::Batch(cmd) => crate::cmd_forms::batch(&mut m, cmd)?,
        Command::User(cmd) => crate::cmd_users::user(&mut m, cmd)?,
        Command::Audit(args) => crate::cmd_users::audit(&mut m, args)?,
        Command::Check => {
            let problems = m.check()?;
            let ok = problems.is_empty();
            let text = if ok { "store ok".to_string() } else { format!("{}\n{}", problems.join("\n"), muster_core::error::DAMAGED_STORE_ADVICE) };
            let mut value = json!({ "ok": ok, "problems": problems, "path": path.display().to_string() });
            if !ok {
                value["advice"] = json!(muster_core::error::DAMAGED_STORE_ADVICE);
            }
            let mut out = Outcome::new(value, text);
            if !ok {
                out.exit = EXIT_RUNTIME;
            }
            out
        }
    })
}

fn mark_request(a: MarkArgs) -> muster_core::Result<MarkRequest> {
    let (who, source) = match (a.trainee, a.code) {
        (Some(id), _) => (Who::Id(id), Source::Manual),
        (None, Some(code)) => (Who::Code(code), Source::Scan),
        (None, None) => (Who::Code(String::new()), Source::Scan),
    };
    let source = match a.source.as_deref() {
        Some(s) => Source::parse(s.trim())?,
        None => source,
    };
    Ok(MarkRequest { event_id: a.event, session_id: a.session, who, at: a.at, force: a.force, source })
}

fn mark_text(o: &MarkOutcome) -> String {
    let what = serde_json::to_value(o.status).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    format!(
        "{}: {} at {}{}{}",
        what.replace('_', " "),
        o.trainee.fields.name,
        o.at,
        if o.late { " (late)" } else { "" },
        if o.this_device { String::new() } else { format!(" on laptop {}", o.device_id) }
    )
}

fn event_line(e: &Event) -> String {
    format!("{}  {}  {} ×{}d  {}  ({} trainees)", e.id, e.starts_on, e.venue, e.days, e.name, e.trainee_count)
}

fn trainee_line(t: &Trainee) -> String {
    let f = &t.fields;
    format!(
        "{}  {}  {}  {}  {}",
        t.id,
        f.name,
        f.phone.as_deref().unwrap_or("-"),
        f.organization.as_deref().unwrap_or("-"),
        f.occupation.as_deref().unwrap_or("-")
    )
}

fn import_text(r: &ImportReport) -> String {
    let mut out = format!(
        "{}{}: {} imported, {} duplicates, {} rejected ({}{})",
        if r.dry_run { "dry run — nothing written. " } else { "" },
        r.file,
        r.imported,
        r.duplicates,
        r.rejected,
        r.format,
        r.encoding.as_deref().map(|e| format!(", {e}")).unwrap_or_default()
    );
    for w in &r.warnings {
        out.push_str(&format!("\nwarning: {w}"));
    }
    for e in &r.errors {
        out.push_str(&format!("\nline {}: {}: {}", e.line, e.field, e.message));
    }
    if let Some(f) = &r.rejects_file {
        out.push_str(&format!("\nrejected rows written to {f}{}", if r.rejects_encrypted == Some(true) { " (encrypted)" } else { "" }));
    }
    out
}
