//! Check-in at the door and attendance per course session.
//!
//! A check-in or sign-out is a fact, appended and never changed; a second
//! check-in of the same trainee into the same session is answered with the
//! first one (when, on which laptop), never recorded twice. Statuses and
//! attended hours are *derived* from the facts and the session times:
//! present, late (arrived after the event's grace period), left early
//! (signed out before the end, less the grace), absent. A coordinator's
//! correction is another fact; the newest one wins and the older ones stay.

use crate::code;
use crate::model::{Event, Session, Trainee};
use crate::store::{self, attendance::Mark, Store};
use crate::{Error, ErrorKind, Result};
use chrono::{Duration, NaiveDateTime};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// How long before a session starts check-in opens without confirmation.
pub const OPENS_BEFORE_MINUTES: i64 = 60;

/// Who is being checked in: a trainee id, or a typed or scanned code.
#[derive(Debug, Clone)]
pub enum Who {
    Id(String),
    Code(String),
}

/// A check-in or sign-out request.
#[derive(Debug, Clone)]
pub struct MarkRequest {
    pub event_id: String,
    pub session_id: String,
    pub who: Who,
    /// Venue local time `YYYY-MM-DDTHH:MM[:SS]`; `None` = now.
    pub at: Option<String>,
    /// Accept a time outside the session (the user confirmed).
    pub force: bool,
    pub source: Source,
}

/// Where a mark came from, as the change log records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A code read by the scanner (or typed as one).
    Scan,
    /// Picked from the door search.
    Search,
    /// Entered by hand (a correction desk, the CLI by trainee id).
    Manual,
    /// Keyed back from the signed paper sheet (power or a laptop failed):
    /// recorded at the session's start unless a time is given.
    Paper,
    /// Written by closing the session (the sign-out of whoever was still in).
    Close,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Scan => "scan",
            Source::Search => "search",
            Source::Manual => "manual",
            Source::Paper => "paper",
            Source::Close => "close",
        }
    }

    /// `scan`, `search`, `manual` or `paper`; anything else is refused
    /// (field `source`; `close` is the session's own).
    pub fn parse(s: &str) -> Result<Source> {
        match s {
            "scan" => Ok(Source::Scan),
            "search" => Ok(Source::Search),
            "manual" => Ok(Source::Manual),
            "paper" => Ok(Source::Paper),
            other => Err(Error::invalid_at(format!("{} is not scan, search, manual or paper", crate::quote(other)), None, None, Some("source"))),
        }
    }
}

/// A check-in, or a sign-out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MarkKind {
    In,
    Out,
}

impl MarkKind {
    fn as_str(self) -> &'static str {
        match self {
            MarkKind::In => "in",
            MarkKind::Out => "out",
        }
    }
}

impl MarkRequest {
    /// A request from the UI's fields, checked: exactly one of `trainee_id`
    /// and `code` ([`Who::from_parts`]), a known `source` ([`Source::parse`]);
    /// an empty `at` is now.
    #[allow(clippy::too_many_arguments)]
    pub fn from_parts(
        event_id: String,
        session_id: String,
        trainee_id: Option<String>,
        code: Option<String>,
        at: Option<String>,
        force: bool,
        source: &str,
    ) -> Result<MarkRequest> {
        let who = Who::from_parts(trainee_id, code)?;
        let source = Source::parse(source)?;
        Ok(MarkRequest { event_id, session_id, who, at: at.filter(|s| !s.is_empty()), force, source })
    }
}

impl Who {
    /// Who a mark is for, from the UI's two fields: exactly one of a
    /// trainee id (picked from search) and a scanned or typed code.
    pub fn from_parts(trainee_id: Option<String>, code: Option<String>) -> Result<Who> {
        match (trainee_id.filter(|s| !s.is_empty()), code) {
            (Some(id), None) => Ok(Who::Id(id)),
            (None, Some(code)) => Ok(Who::Code(code)),
            (Some(_), Some(_)) => Err(Error::invalid_at("give a trainee id or a code, not both", None, None, Some("code"))),
            (None, None) => Err(Error::invalid_at("give a trainee id or a code", None, None, Some("code"))),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum MarkStatus {
    CheckedIn,
    AlreadyCheckedIn,
    CheckedOut,
    AlreadyCheckedOut,
}

/// The answer to a check-in or sign-out.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MarkOutcome {
    pub status: MarkStatus,
    pub trainee: Trainee,
    pub session_id: String,
    /// When the (first) mark was taken, venue local time.
    pub at: String,
    /// The laptop (device id) that took it.
    pub device_id: String,
    /// Whether that was this laptop.
    pub this_device: bool,
    /// Arrived after the grace period (check-in only).
    pub late: bool,
    /// The trainee's note for the door, shown large at the scan.
    pub note: Option<String>,
}

/// The status of one trainee in one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Present,
    Late,
    LeftEarly,
    Absent,
    /// Away with leave (arranged before, or explained after): not absent;
    /// its hours count toward a certificate only by the event's rule.
    Excused,
    /// A walk-in registered at the door after this session had ended: not
    /// registered yet, so neither expected nor absent.
    NotRegistered,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Present => "present",
            Status::Late => "late",
            Status::LeftEarly => "left_early",
            Status::Absent => "absent",
            Status::Excused => "excused",
            Status::NotRegistered => "not_registered",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        match s.trim().to_lowercase().replace('-', "_").as_str() {
            "present" => Some(Status::Present),
            "late" => Some(Status::Late),
            "left_early" => Some(Status::LeftEarly),
            "absent" => Some(Status::Absent),
            "excused" => Some(Status::Excused),
            _ => None,
        }
    }
}

/// A stored UTC timestamp (RFC 3339) as venue local time
/// `YYYY-MM-DDTHH:MM:SS` (the laptop is at the venue).
fn local_time_of(utc: &str) -> Option<String> {
    let t = chrono::DateTime::parse_from_rfc3339(utc).ok()?;
    Some(t.with_timezone(&chrono::Local).format("%Y-%m-%dT%H:%M:%S").to_string())
}

pub fn now_local() -> String {
    chrono::Local::now().format("%Y-%m-%dT%H:%M:%S").to_string()
}

fn parse_time(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M"))
        .ok()
}

fn fmt_time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

fn session_of(store: &Store, event: &Event, session_id: &str) -> Result<Session> {
    store::sessions::list(store, &event.id)?
        .into_iter()
        .find(|s| s.id == session_id)
        .ok_or_else(|| Error::NotFound { kind: "session", id: session_id.to_string() })
}

/// Resolves the trainee of a request, with the clear messages a scanner
/// queue needs: garbage, half a code, a code of another event, no such code.
fn resolve(store: &Store, event: &Event, who: &Who) -> Result<Trainee> {
    let trainee = match who {
        Who::Id(id) => store::trainees::get(store, id)?.ok_or_else(|| Error::NotFound { kind: "trainee", id: id.clone() })?,
        Who::Code(raw) => {
            let canonical = code::parse(raw).map_err(|p| {
                let shown = crate::quote(raw.trim());
                // Why, as the app words it: a character no code has, half a code, a wrong check symbol.
                let why = match &p {
                    code::CodeProblem::Character(c) => crate::Msg::new("door.code.character", &[("c", c)]),
                    code::CodeProblem::Length(n) => crate::Msg::new("door.code.length", &[("n", n), ("len", &code::LEN)]),
                    code::CodeProblem::Check => crate::Msg::new("door.code.check", &[]),
                };
                Error::invalid_at(format!("{shown} is not a trainee code: {p}"), None, None, Some("code"))
                    .kind(ErrorKind::NotACode)
                    .with_msg(why)
            })?;
            let t = store::trainees::by_code(store, &canonical)?
                .ok_or_else(|| Error::NotFound { kind: "trainee code", id: canonical.clone() }.worded("door.code.unknown", &[("code", &canonical)]))?;
            if t.event_id != event.id {
                let other = store::events::get(store, &t.event_id)?.map(|e| e.name).unwrap_or_default();
                return Err(Error::invalid_at(
                    format!("code {canonical} belongs to another event ({other}), not {}", event.name),
                    None,
                    None,
                    Some("code"),
                )
                .kind(ErrorKind::OtherEvent)
                .worded("door.code.other_event", &[("code", &canonical), ("other", &other), ("event", &event.name)]));
            }
            t
        }
    };
    if trainee.event_id != event.id {
        return Err(Error::invalid_at(format!("{} is not on the roster of {}", trainee.fields.name, event.name), None, None, Some("trainee")));
    }
    // A record merged into another checks in as the one kept.
    match &trainee.merged_into {
        Some(keep) => store::trainees::get(store, keep)?.ok_or_else(|| Error::NotFound { kind: "trainee", id: keep.clone() }),
        None => Ok(trainee),
    }
}

/// Ids whose marks count for `t`: itself and any record merged into it.
fn aliases(store: &Store, t: &Trainee) -> Result<Vec<String>> {
    let mut ids = vec![t.id.clone()];
    ids.extend(store::trainees::merged_into(store, &t.id)?);
    Ok(ids)
}

/// The reason recorded for everyone a session's closing marks absent (the
/// app words it in the reader's language: keep it as it is).
pub const CLOSED_REASON: &str = "no check-in when the session was closed";

/// Checks a trainee in or signs them out.
pub(crate) fn mark(store: &mut Store, req: &MarkRequest, kind: MarkKind) -> Result<MarkOutcome> {
    let event = store::events::get(store, &req.event_id)?.ok_or_else(|| Error::NotFound { kind: "event", id: req.event_id.clone() })?;
    let session = session_of(store, &event, &req.session_id)?;
    let trainee = resolve(store, &event, &req.who)?;
    let (start, end) = match (parse_time(&session.starts_at), parse_time(&session.ends_at)) {
        (Some(s), Some(e)) => (s, e),
        _ => return Err(Error::invalid(format!("session {} has unreadable times", session.id))),
    };
    let at = match &req.at {
        Some(s) => Some(s)
            .filter(|s| crate::clock::is_local_time(s))
            .and_then(|s| parse_time(s))
            .ok_or_else(|| Error::invalid_at(format!("{} is not a real time written YYYY-MM-DDTHH:MM[:SS]", crate::quote(s)), None, None, Some("at")))?,
        // The paper sheet was signed as the session began.
        None if matches!(req.source, Source::Paper) => start,
        None => parse_time(&now_local()).unwrap_or_default(),
    };
    // A signed paper sheet is the record of the session itself: its time
    // needs no confirmation.
    if !req.force && !matches!(req.source, Source::Paper) {
        if at < start - Duration::minutes(OPENS_BEFORE_MINUTES) {
            return Err(Error::NeedsConfirmation(format!(
                "{} has not started yet (starts {}); confirm to record {} anyway",
                session.title, session.starts_at, fmt_time(at)
            ))
            .worded("door.not_started", &[("session", &session.title), ("starts", &session.starts_at.replace('T', " ")), ("at", &fmt_time(at))]));
        }
        if at > end {
            return Err(Error::NeedsConfirmation(format!(
                "{} has ended ({}); confirm to record {} anyway",
                session.title, session.ends_at, fmt_time(at)
            ))
            .worded("door.ended", &[("session", &session.title), ("ends", &session.ends_at.replace('T', " ")), ("at", &fmt_time(at))]));
        }
    }
    let ids = aliases(store, &trainee)?;
    let grace = Duration::minutes(event.grace_minutes as i64);
    let at_text = fmt_time(at);
    let source = req.source.as_str();
    let (status, mark) = store.write(|w| {
        let (marks, newest) = store::attendance::for_pair(w, &session.id, &ids)?;
        let standing = Standing::of(&marks, newest.as_ref());
        let checked_in = standing.first(MarkKind::In).cloned();
        match kind {
            MarkKind::In => {
                if let Some(first) = checked_in {
                    return Ok((MarkStatus::AlreadyCheckedIn, first));
                }
            }
            MarkKind::Out => {
                let Some(checked_in) = checked_in else {
                    return Err(Error::Conflict(format!("{} has not checked in to {}", trainee.fields.name, session.title))
                        .worded("door.not_checked_in", &[("name", &trainee.fields.name), ("session", &session.title)]));
                };
                if let Some(first) = standing.first(MarkKind::Out) {
                    return Ok((MarkStatus::AlreadyCheckedOut, first.clone()));
                }
                // A sign-out follows its check-in (same session, same trainee).
                if parse_time(&checked_in.at).is_some_and(|tin| at < tin) {
                    return Err(Error::invalid_at(
                        format!("the sign-out at {} is before {}'s check-in at {}", fmt_time(at), trainee.fields.name, checked_in.at),
                        None,
                        None,
                        Some("at"),
                    ));
                }
            }
        }
        let mark = store::attendance::insert(w, &event.id, &session.id, &trainee.id, kind.as_str(), &at_text, source)?;
        let status = if kind == MarkKind::In { MarkStatus::CheckedIn } else { MarkStatus::CheckedOut };
        Ok((status, mark))
    })?;
    let late = kind == MarkKind::In && parse_time(&mark.at).is_some_and(|t| t > start + grace);
    Ok(MarkOutcome {
        status,
        this_device: mark.device_id == store.device_id(),
        device_id: mark.device_id,
        at: mark.at,
        session_id: session.id,
        note: trainee.fields.note().map(String::from),
        trainee,
        late,
    })
}

/// What decides one trainee's standing in one session: the one truth of
/// "in this session" that the door, the dashboard and the report share.
///
/// The newest correction holds until a check-in is recorded after it (the
/// person really came, after all); a correction to absent (an undone scan,
/// or "was never here") also sets aside the marks recorded before it, so
/// the door records the next real scan instead of answering "already
/// checked in". Order is the time of recording (`created_at`), not `at`.
pub(crate) struct Standing<'a> {
    /// The marks that count, oldest `at` first.
    marks: Vec<&'a Mark>,
    /// The correction in force, if any.
    correction: Option<&'a store::attendance::CorrectionRow>,
}

impl<'a> Standing<'a> {
    /// `marks`: every mark of the pair; `newest`: its newest correction.
    pub(crate) fn of(marks: &'a [Mark], newest: Option<&'a store::attendance::CorrectionRow>) -> Standing<'a> {
        let Some(c) = newest else {
            return Standing { marks: marks.iter().collect(), correction: None };
        };
        let later: Vec<&Mark> = marks.iter().filter(|m| m.created_at > c.created_at).collect();
        let later_in = later.iter().any(|m| m.kind == MarkKind::In.as_str());
        let absent = Status::parse(&c.status) == Some(Status::Absent);
        Standing {
            marks: if absent || later_in { later } else { marks.iter().collect() },
            correction: if later_in { None } else { Some(c) },
        }
    }

    /// The earliest mark of `kind` that counts.
    fn first(&self, kind: MarkKind) -> Option<&'a Mark> {
        self.marks.iter().copied().filter(|m| m.kind == kind.as_str()).min_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)))
    }

    /// The latest mark of `kind` that counts.
    fn last(&self, kind: MarkKind) -> Option<&'a Mark> {
        self.marks.iter().copied().filter(|m| m.kind == kind.as_str()).max_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)))
    }

    /// The attendance these facts give, the correction in force applied.
    fn attendance(&self, session: &Session, grace_minutes: u32) -> SessionAttendance {
        let mut a = derive(session, grace_minutes, self.first(MarkKind::In).map(|m| m.at.as_str()), self.last(MarkKind::Out).map(|m| m.at.as_str()));
        if let Some(c) = self.correction {
            if let Some(status) = Status::parse(&c.status) {
                a.status = status;
                a.hours = c.hours.unwrap_or(match status {
                    // Excused hours are not attended: the report keeps
                    // them apart (`excused_hours`), eligibility adds them
                    // where the event says so.
                    Status::Absent | Status::Excused | Status::NotRegistered => 0.0,
                    _ if a.checked_in.is_some() => a.hours,
                    _ => session_hours(session),
                });
                a.late = status == Status::Late;
                a.left_early = status == Status::LeftEarly;
                a.corrected = Some(c.reason.clone());
            }
        }
        a
    }
}

/// What closing a session did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Closed {
    pub session_id: String,
    /// Still checked in: signed out at the session's end.
    pub signed_out: usize,
    /// Never checked in: marked absent.
    pub absent: usize,
}

/// Closes a session: everyone still checked in is signed out at its end
/// time, everyone without a check-in (and no correction) is marked absent —
/// explicitly, and once: closing again writes nothing new.
pub(crate) fn close(store: &mut Store, event_id: &str, session_id: &str) -> Result<Closed> {
    let event = store::events::get(store, event_id)?.ok_or_else(|| Error::NotFound { kind: "event", id: event_id.to_string() })?;
    let session = session_of(store, &event, session_id)?;
    let trainees = store::trainees::list(store, &event.id)?;
    let mut pairs = Vec::with_capacity(trainees.len());
    for t in &trainees {
        // A walk-in registered after the session: not registered yet, not absent.
        let late = t.walk_in && local_time_of(&t.created_at).is_some_and(|r| r.as_str() > session.ends_at.as_str());
        pairs.push((t.id.clone(), aliases(store, t)?, late));
    }
    let end = session.ends_at.clone();
    store.write(|w| {
        let (mut signed_out, mut absent) = (0, 0);
        for (id, ids, late) in &pairs {
            let (marks, newest) = store::attendance::for_pair(w, &session.id, ids)?;
            let standing = Standing::of(&marks, newest.as_ref());
            match (standing.first(MarkKind::In), standing.first(MarkKind::Out)) {
                (Some(_), Some(_)) => {}
                (Some(first), None) => {
                    // Signed out at the end, or at the check-in if that was later.
                    let at = if first.at.as_str() > end.as_str() { first.at.clone() } else { end.clone() };
                    store::attendance::insert(w, &event.id, &session.id, id, MarkKind::Out.as_str(), &at, Source::Close.as_str())?;
                    signed_out += 1;
                }
                (None, _) if standing.correction.is_some() || *late => {}
                (None, _) => {
                    store::attendance::insert_correction(w, &event.id, &session.id, id, Status::Absent.as_str(), None, CLOSED_REASON)?;
                    absent += 1;
                }
            }
        }
        Ok(Closed { session_id: session.id.clone(), signed_out, absent })
    })
}

/// The answer to an undone check-in.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Undone {
    pub trainee: Trainee,
    pub session_id: String,
    /// When the check-in that no longer counts was taken, venue local time.
    pub checked_in_at: String,
    pub reason: String,
}

/// Undoes a mistaken check-in: from now on it does not count (the trainee is
/// absent from the session until a new check-in), and it stays as history,
/// with the reason, the laptop and the time, as a correction to absent.
pub(crate) fn undo(store: &mut Store, event_id: &str, session_id: &str, who: &Who, reason: &str) -> Result<Undone> {
    let event = store::events::get(store, event_id)?.ok_or_else(|| Error::NotFound { kind: "event", id: event_id.to_string() })?;
    let session = session_of(store, &event, session_id)?;
    let reason = crate::normalize::text(reason);
    if reason.is_empty() {
        return Err(Error::invalid_at("undoing a check-in needs a reason", None, None, Some("reason")).kind(ErrorKind::ReasonRequired));
    }
    let trainee = resolve(store, &event, who)?;
    let ids = aliases(store, &trainee)?;
    let checked_in_at = store.write(|w| {
        let (marks, newest) = store::attendance::for_pair(w, &session.id, &ids)?;
        let Some(first) = Standing::of(&marks, newest.as_ref()).first(MarkKind::In).map(|m| m.at.clone()) else {
            return Err(Error::Conflict(format!("{} is not checked in to {}: there is nothing to undo", trainee.fields.name, session.title))
                .worded("door.nothing_to_undo", &[("name", &trainee.fields.name), ("session", &session.title)]));
        };
        store::attendance::insert_correction(w, &event.id, &session.id, &trainee.id, Status::Absent.as_str(), None, &reason)?;
        Ok(first)
    })?;
    Ok(Undone { trainee, session_id: session.id, checked_in_at, reason })
}

/// One trainee's attendance in one session.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SessionAttendance {
    pub status: Status,
    pub checked_in: Option<String>,
    pub checked_out: Option<String>,
    pub hours: f64,
    pub late: bool,
    pub left_early: bool,
    /// The reason of the correction in force, if any.
    pub corrected: Option<String>,
}

/// Derives the attendance of one trainee in one session from its marks.
pub fn derive(session: &Session, grace_minutes: u32, first_in: Option<&str>, last_out: Option<&str>) -> SessionAttendance {
    let (Some(start), Some(end)) = (parse_time(&session.starts_at), parse_time(&session.ends_at)) else {
        return SessionAttendance { status: Status::Absent, checked_in: None, checked_out: None, hours: 0.0, late: false, left_early: false, corrected: None };
    };
    let grace = Duration::minutes(grace_minutes as i64);
    let tin = first_in.and_then(parse_time);
    let tout = last_out.and_then(parse_time);
    let Some(tin) = tin else {
        return SessionAttendance { status: Status::Absent, checked_in: None, checked_out: last_out.map(String::from), hours: 0.0, late: false, left_early: false, corrected: None };
    };
    let late = tin > start + grace;
    let left_early = tout.is_some_and(|t| t < end - grace);
    let from = tin.max(start);
    let to = tout.unwrap_or(end).min(end);
    let hours = if to > from { ((to - from).num_minutes() as f64 / 60.0 * 100.0).round() / 100.0 } else { 0.0 };
    let status = if late {
        Status::Late
    } else if left_early {
        Status::LeftEarly
    } else {
        Status::Present
    };
    SessionAttendance { status, checked_in: first_in.map(String::from), checked_out: last_out.map(String::from), hours, late, left_early, corrected: None }
}

/// Scheduled hours of a session.
pub fn session_hours(s: &Session) -> f64 {
    match (parse_time(&s.starts_at), parse_time(&s.ends_at)) {
        (Some(a), Some(b)) if b > a => ((b - a).num_minutes() as f64 / 60.0 * 100.0).round() / 100.0,
        _ => 0.0,
    }
}

/// Per-session counts of the report.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SessionSummary {
    pub id: String,
    pub title: String,
    pub starts_at: String,
    pub ends_at: String,
    pub hours: f64,
    pub expected: u32,
    pub arrived: u32,
    pub present: u32,
    pub late: u32,
    pub left_early: u32,
    pub absent: u32,
    /// Away with leave (not absent, not arrived).
    pub excused: u32,
    /// Walk-ins registered after the session ended (not in `expected`).
    pub not_registered: u32,
}

/// Per-trainee line of the report.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TraineeAttendance {
    pub id: String,
    pub name: String,
    pub code: Option<String>,
    pub walk_in: bool,
    /// Session id → attendance.
    pub sessions: BTreeMap<String, SessionAttendance>,
    /// Hours attended.
    pub hours: f64,
    /// Hours of sessions the trainee was excused from (not in `hours`).
    pub excused_hours: f64,
    pub scheduled_hours: f64,
}

/// The attendance report of an event.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AttendanceReport {
    pub event_id: String,
    pub sessions: Vec<SessionSummary>,
    pub trainees: Vec<TraineeAttendance>,
}

pub(crate) fn report(store: &Store, event_id: &str) -> Result<AttendanceReport> {
    let event = store::events::get(store, event_id)?.ok_or_else(|| Error::NotFound { kind: "event", id: event_id.to_string() })?;
    let sessions = store::sessions::list(store, event_id)?;
    let roster = store::trainees::list(store, event_id)?;
    let canonical = store::trainees::merge_map(store, event_id)?;
    let resolve = |id: &str| canonical.get(id).cloned().unwrap_or_else(|| id.to_string());
    // (session, trainee) → its marks, and its newest correction.
    let mut marks: HashMap<(String, String), Vec<Mark>> = HashMap::new();
    for m in store::attendance::for_event(store, event_id)? {
        marks.entry((m.session_id.clone(), resolve(&m.trainee_id))).or_default().push(m);
    }
    let mut corrections: HashMap<(String, String), store::attendance::CorrectionRow> = HashMap::new();
    for c in store::attendance::corrections(store, event_id)? {
        corrections.insert((c.session_id.clone(), resolve(&c.trainee_id)), c);
    }
    let scheduled: f64 = sessions.iter().map(session_hours).sum();
    let mut summaries: Vec<SessionSummary> = sessions
        .iter()
        .map(|s| SessionSummary {
            id: s.id.clone(),
            title: s.title.clone(),
            starts_at: s.starts_at.clone(),
            ends_at: s.ends_at.clone(),
            hours: session_hours(s),
            expected: roster.len() as u32,
            arrived: 0,
            present: 0,
            late: 0,
            left_early: 0,
            absent: 0,
            excused: 0,
            not_registered: 0,
        })
        .collect();
    let mut trainees = Vec::with_capacity(roster.len());
    for t in &roster {
        let mut per = BTreeMap::new();
        let mut hours = 0.0;
        let mut excused_hours = 0.0;
        // When a walk-in was registered, in the venue's (this laptop's) time.
        let registered = t.walk_in.then(|| local_time_of(&t.created_at)).flatten();
        for (s, sum) in sessions.iter().zip(summaries.iter_mut()) {
            let key = (s.id.clone(), t.id.clone());
            let pair = marks.get(&key).map(Vec::as_slice).unwrap_or(&[]);
            if pair.is_empty() && !corrections.contains_key(&key) && registered.as_deref().is_some_and(|r| r > s.ends_at.as_str()) {
                sum.expected -= 1;
                sum.not_registered += 1;
                per.insert(
                    s.id.clone(),
                    SessionAttendance { status: Status::NotRegistered, checked_in: None, checked_out: None, hours: 0.0, late: false, left_early: false, corrected: None },
                );
                continue;
            }
            let a = Standing::of(pair, corrections.get(&key)).attendance(s, event.grace_minutes);
            // Arrived and absent add up to expected: one truth of "in".
            // Arrived, absent and excused add up to expected.
            if !matches!(a.status, Status::Absent | Status::Excused | Status::NotRegistered) {
                sum.arrived += 1;
            }
            match a.status {
                Status::Present => sum.present += 1,
                Status::Late => sum.late += 1,
                Status::LeftEarly => sum.left_early += 1,
                Status::Absent => sum.absent += 1,
                Status::Excused => {
                    sum.excused += 1;
                    excused_hours += session_hours(s);
                }
                Status::NotRegistered => sum.not_registered += 1,
            }
            hours += a.hours;
            per.insert(s.id.clone(), a);
        }
        trainees.push(TraineeAttendance {
            id: t.id.clone(),
            name: t.fields.name.clone(),
            code: t.code.clone(),
            walk_in: t.walk_in,
            sessions: per,
            hours: (hours * 100.0).round() / 100.0,
            excused_hours: (excused_hours * 100.0).round() / 100.0,
            scheduled_hours: scheduled,
        });
    }
    Ok(AttendanceReport { event_id: event.id, sessions: summaries, trainees })
}

/// Records a coordinator's correction of one trainee's attendance.
pub(crate) fn correct(store: &mut Store, event_id: &str, session_id: &str, trainee_id: &str, status: &str, hours: Option<f64>, reason: &str) -> Result<()> {
    let event = store::events::get(store, event_id)?.ok_or_else(|| Error::NotFound { kind: "event", id: event_id.to_string() })?;
    let session = session_of(store, &event, session_id)?;
    let trainee = resolve(store, &event, &Who::Id(trainee_id.to_string()))?;
    let status = Status::parse(status)
        .ok_or_else(|| Error::invalid_at(format!("{} is not present, late, left_early, absent or excused", crate::quote(status)), None, None, Some("status")))?;
    if let Some(h) = hours {
        if !(0.0..=session_hours(&session)).contains(&h) {
            return Err(Error::invalid_at(format!("hours must be between 0 and {}", session_hours(&session)), None, None, Some("hours")));
        }
    }
    let reason = crate::normalize::text(reason);
    if reason.is_empty() {
        return Err(Error::invalid_at("a correction needs a reason", None, None, Some("reason")).kind(ErrorKind::ReasonRequired));
    }
    store.write(|w| store::attendance::insert_correction(w, &event.id, &session.id, &trainee.id, status.as_str(), hours, &reason))?;
    Ok(())
}

/// Arrivals in one five-minute slot.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ArrivalBucket {
    /// Start of the slot, `YYYY-MM-DDTHH:MM`.
    pub from: String,
    pub count: u32,
}

/// A late arrival.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LateArrival {
    pub trainee_id: String,
    pub name: String,
    pub at: String,
    pub minutes_late: i64,
}

/// The live view of one session at the door.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SessionDashboard {
    pub session: SessionSummary,
    pub arrivals: Vec<ArrivalBucket>,
    pub late: Vec<LateArrival>,
}

/// The live dashboard of an event: per session, expected vs arrived,
/// arrivals per five minutes, the late list.
pub(crate) fn dashboard(store: &Store, event_id: &str) -> Result<Vec<SessionDashboard>> {
    let report = report(store, event_id)?;
    let names: HashMap<&str, &str> = report.trainees.iter().map(|t| (t.id.as_str(), t.name.as_str())).collect();
    let mut out = Vec::new();
    for s in &report.sessions {
        let mut buckets: BTreeMap<String, u32> = BTreeMap::new();
        let mut late = Vec::new();
        let start = parse_time(&s.starts_at);
        for t in &report.trainees {
            let Some(a) = t.sessions.get(&s.id) else { continue };
            let Some(tin) = a.checked_in.as_deref().and_then(parse_time) else { continue };
            let slot = tin - Duration::minutes(tin.format("%M").to_string().parse::<i64>().unwrap_or(0) % 5) - Duration::seconds(tin.format("%S").to_string().parse::<i64>().unwrap_or(0));
            *buckets.entry(slot.format("%Y-%m-%dT%H:%M").to_string()).or_default() += 1;
            if a.late {
                late.push(LateArrival {
                    trainee_id: t.id.clone(),
                    name: names.get(t.id.as_str()).unwrap_or(&"").to_string(),
                    at: fmt_time(tin),
                    minutes_late: start.map(|st| (tin - st).num_minutes()).unwrap_or(0),
                });
            }
        }
        late.sort_by(|a, b| a.at.cmp(&b.at));
        out.push(SessionDashboard {
            session: s.clone(),
            arrivals: buckets.into_iter().map(|(from, count)| ArrivalBucket { from, count }).collect(),
            late,
        });
    }
    Ok(out)
}
