//! The command-line grammar (clap). Names, flags and their meaning are a
//! contract that outside checks rely on: extend, never rename or drop.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "muster", version, about = "Muster: offline-first check-in, attendance and records for on-site trainings")]
pub struct Cli {
    /// The store to use (default: the desktop app's own store).
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Print exactly one JSON object on stdout.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create and list events.
    #[command(subcommand)]
    Event(EventCmd),
    /// Add and list an event's course sessions.
    #[command(subcommand)]
    Session(SessionCmd),
    /// Programmes: the same training at stop after stop (create, list, show).
    #[command(subcommand)]
    Programme(ProgrammeCmd),
    /// Import and list an event's trainee roster.
    #[command(subcommand)]
    Roster(RosterCmd),
    /// Edit one trainee.
    #[command(subcommand)]
    Trainee(TraineeCmd),
    /// Find trainees at the door: name, pinyin or initials, mobile's last 4, code → {"results": [...]}.
    Search {
        #[arg(long)]
        event: String,
        query: String,
        #[arg(long, default_value_t = 10)]
        limit: usize,
    },
    /// Check a trainee into a session → {"status": "checked_in" | "already_checked_in", "trainee", "at"}; `checkin undo` undoes a mistaken one.
    Checkin(CheckinArgs),
    /// Sign a trainee out of a session → {"status": "checked_out" | "already_checked_out", "trainee", "at"}.
    Checkout(MarkArgs),
    /// Register a walk-in (not on the roster) → {"id", "walk_in": true, "possible_duplicates"}.
    Walkin {
        #[arg(long)]
        event: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        id_number: Option<String>,
    },
    /// Attendance per session and per trainee.
    #[command(subcommand)]
    Attendance(AttendanceCmd),
    /// Benchmarks run in-process.
    #[command(subcommand)]
    Bench(BenchCmd),
    /// Print badge slips (name, code, QR; ten to an A4 sheet) → {"file", "badges", "pages"}.
    Badges {
        #[arg(long)]
        event: String,
        #[arg(long, value_name = "FILE.pdf")]
        out: PathBuf,
        /// Replace an existing file at the output path that is not what this command writes (never the store, its -wal/-shm, or an input file).
        #[arg(long)]
        force: bool,
    },
    /// Print the attendance sheet for signatures → {"file", "rows", "pages"}.
    Sheet {
        #[arg(long)]
        event: String,
        #[arg(long, value_name = "FILE.pdf")]
        out: PathBuf,
        /// Replace an existing file at the output path that is not what this command writes (never the store, its -wal/-shm, or an input file).
        #[arg(long)]
        force: bool,
    },
    /// Certificates: eligibility, overrides, issue, reprint, verify.
    #[command(subcommand)]
    Certificates(crate::cmd_print::CertificatesCmd),
    /// Paper questionnaires (XLSForm): import, show, list.
    #[command(subcommand)]
    Form(crate::cmd_forms::FormCmd),
    /// Questionnaire responses: CSV import, portrait report, double-entry diff and resolve, keyer stats.
    #[command(subcommand)]
    Responses(crate::cmd_forms::ResponsesCmd),
    /// Reports: `report questions --form F` (the portrait in the contract's shape).
    #[command(subcommand)]
    Report(crate::cmd_forms::ReportCmd),
    /// Paper batches: register a stack, see which papers are missing.
    #[command(subcommand)]
    Batch(crate::cmd_forms::BatchCmd),
    /// Run the central sync service (or a venue hub).
    Serve(crate::cmd_sync::ServeArgs),
    /// Administer the sync service's store: pair and revoke devices.
    #[command(subcommand)]
    Server(crate::cmd_sync::ServerCmd),
    /// Join an organisation with the code `muster server device add` printed → {"server", "org", "device_id"}; then `sync` needs no --server/--token.
    Join {
        /// The join code (MJ1…), as pasted, typed or scanned.
        code: String,
    },
    /// Sync with a server → {"pushed", "pulled"}; or `sync status|export|import`.
    Sync(crate::cmd_sync::SyncArgs),
    /// Create the demo event (two sessions, 26 trainees).
    Demo,
    /// Check the store's integrity; exit 1 if there are problems.
    Check,
    /// Write a consistent backup while the app runs (encrypted like the store) → {"file", "bytes"}.
    Backup(crate::cmd_safety::BackupArgs),
    /// Replace the store (--db) with a verified backup → {"restored", "previous"}; refuses a non-empty store without --force, anything that is not a Muster store of a known schema, and a store another program has open; keeps the replaced store as STORE.before-restore-TIME.
    Restore(crate::cmd_safety::RestoreArgs),
    /// The store's passphrase (from MUSTER_PASSPHRASE): change it.
    #[command(subcommand)]
    Passphrase(crate::cmd_safety::PassphraseCmd),
    /// Open an encrypted export (FILE.zip) with MUSTER_EXPORT_PASSPHRASE or MUSTER_PASSPHRASE → {"file", "bytes"}.
    Decrypt(crate::cmd_safety::DecryptArgs),
    /// The people who share this laptop: roles (admin, coordinator, keyer) and PINs (from MUSTER_PIN).
    #[command(subcommand)]
    User(crate::cmd_users::UserCmd),
    /// Who did what, when, on which laptop, before and after → {"count", "entries": [{"at", "user", "role", "device_id", "event_id", "action", "entity", "entity_id", "before", "after", "detail"}]}.
    Audit(crate::cmd_users::AuditArgs),
}

#[derive(Subcommand, Debug)]
pub enum EventCmd {
    /// Create an event → {"id", ...}.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        venue: String,
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        starts: String,
        #[arg(long, default_value_t = 1)]
        days: u32,
        /// Also add the usual two half-day sessions per day (09:00–12:00, 14:00–17:00) → "sessions".
        #[arg(long)]
        half_days: bool,
        /// The programme this event is a stop of (id or exact name).
        #[arg(long)]
        programme: Option<String>,
    },
    /// List events → {"events": [...]}.
    List,
    /// Edit an event (its sessions must still fit its days) → the event.
    Edit {
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        venue: Option<String>,
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        starts: Option<String>,
        #[arg(long)]
        days: Option<u32>,
        /// The programme it is a stop of (id or exact name); "" takes it out of its programme.
        #[arg(long)]
        programme: Option<String>,
    },
    /// Close an event: read-only from now (certificates can still be reprinted) → the event.
    Close { id: String },
    /// Reopen a closed event → the event.
    Reopen { id: String },
    /// Remove a closed event's personal data from this laptop once the central service holds all of it → {"event_id", "removed", "trainees", "bytes_before", "bytes_after"}; refused (exit 1) while changes of it are unsent, naming how many.
    Purge { id: String },
    /// Remove an event from every list → {"removed": true, "id", "name", "trainees", "marks"}; one with trainees or check-ins only with --force.
    Delete {
        id: String,
        /// Remove it although it holds trainees or check-ins (they stay in the store).
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum ProgrammeCmd {
    /// Create a programme → {"id", "name", ...}.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        description: Option<String>,
    },
    /// List programmes → {"programmes": [...]}.
    List,
    /// A programme's stops in date order with counts → {"id", "name", "stops": [{"event_id", "name", "starts_on", "held", "trainees", "checked_in", "certificates", "responses"}], "totals"}.
    Show { programme: String },
}

#[derive(Subcommand, Debug)]
pub enum SessionCmd {
    /// Add a session → {"id", ...}.
    Add {
        #[arg(long)]
        event: String,
        #[arg(long)]
        title: String,
        /// YYYY-MM-DDTHH:MM, venue local time.
        #[arg(long)]
        starts: String,
        #[arg(long)]
        ends: String,
    },
    /// List an event's sessions → {"sessions": [...]}.
    List {
        #[arg(long)]
        event: String,
    },
    /// Edit a session (by the rules of adding one) → the session.
    Edit {
        id: String,
        #[arg(long)]
        title: Option<String>,
        /// YYYY-MM-DDTHH:MM, venue local time.
        #[arg(long)]
        starts: Option<String>,
        #[arg(long)]
        ends: Option<String>,
    },
    /// Close a session → {"session_id", "signed_out", "absent"}: who is still in is signed out at its end, who never came is marked absent; again → nothing new.
    Close {
        #[arg(long)]
        event: String,
        #[arg(long)]
        session: String,
    },
    /// Remove a session → {"removed": true, "id", "name", "marks"}; one with check-ins only with --force (they stay as history).
    Delete {
        id: String,
        /// Remove it although it holds check-ins.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum RosterCmd {
    /// Import a roster (CSV in UTF-8/GB18030, XLSX, XLS) → {"imported", "rejected", "duplicates", "warnings", "errors"}.
    Import {
        #[arg(long)]
        event: String,
        file: PathBuf,
        /// Validate and report; write nothing.
        #[arg(long)]
        dry_run: bool,
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
        /// Read a column as a field, e.g. --map 所在村=organization, or --map 单位=extra to keep it unmapped (repeat).
        #[arg(long = "map", value_name = "HEADER=FIELD")]
        map: Vec<String>,
    },
    /// List an event's trainees → {"trainees": [...]}.
    List {
        #[arg(long)]
        event: String,
    },
}

/// `muster checkin …` (check in) or `muster checkin undo …`.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct CheckinArgs {
    #[command(subcommand)]
    pub action: Option<CheckinCmd>,
    #[arg(long, required = true)]
    pub event: Option<String>,
    #[arg(long, required = true)]
    pub session: Option<String>,
    /// The trainee's id.
    #[arg(long, conflicts_with = "code", required_unless_present = "code")]
    pub trainee: Option<String>,
    /// The trainee's code, as typed or scanned.
    #[arg(long)]
    pub code: Option<String>,
    /// Venue local time YYYY-MM-DDTHH:MM[:SS] (default: now).
    #[arg(long)]
    pub at: Option<String>,
    /// Record even though the session has not started or has ended.
    #[arg(long)]
    pub force: bool,
    /// Where the mark comes from: scan, search, manual or paper (keyed back from the signed sheet: recorded at the session's start unless --at). Default: scan for --code, manual for --trainee.
    #[arg(long)]
    pub source: Option<String>,
}

impl CheckinArgs {
    /// The check-in's arguments (clap has required them when no subcommand is given).
    pub fn mark(self) -> MarkArgs {
        MarkArgs { event: self.event.unwrap_or_default(), session: self.session.unwrap_or_default(), trainee: self.trainee, code: self.code, at: self.at, force: self.force, source: self.source }
    }
}

#[derive(Subcommand, Debug)]
pub enum CheckinCmd {
    /// Undo a mistaken check-in: it no longer counts, and stays as history with the reason → {"undone": true, "trainee", "session_id", "checked_in_at", "reason"}.
    Undo {
        #[arg(long)]
        event: String,
        #[arg(long)]
        session: String,
        /// The trainee's id.
        #[arg(long, conflicts_with = "code", required_unless_present = "code")]
        trainee: Option<String>,
        /// The trainee's code, as typed or scanned.
        #[arg(long)]
        code: Option<String>,
        /// Why (kept with the history).
        #[arg(long)]
        reason: String,
    },
}

#[derive(Args, Debug)]
pub struct MarkArgs {
    #[arg(long)]
    pub event: String,
    #[arg(long)]
    pub session: String,
    /// The trainee's id.
    #[arg(long, conflicts_with = "code", required_unless_present = "code")]
    pub trainee: Option<String>,
    /// The trainee's code, as typed or scanned.
    #[arg(long)]
    pub code: Option<String>,
    /// Venue local time YYYY-MM-DDTHH:MM[:SS] (default: now).
    #[arg(long)]
    pub at: Option<String>,
    /// Record even though the session has not started or has ended.
    #[arg(long)]
    pub force: bool,
    /// Where the mark comes from: scan, search, manual or paper.
    #[arg(long)]
    pub source: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum AttendanceCmd {
    /// → {"sessions": [{"id", "title", "present", "late", "absent", ...}], "trainees": [{"id", "name", "sessions", "hours"}]}.
    Report {
        #[arg(long)]
        event: String,
        /// Also write the report as an Excel workbook.
        #[arg(long, value_name = "FILE.xlsx")]
        xlsx: Option<PathBuf>,
        /// Also write the per-trainee sheet as CSV (UTF-8 with BOM).
        #[arg(long, value_name = "FILE.csv")]
        csv: Option<PathBuf>,
        /// Write the files plain (unencrypted) even though the store is
        /// encrypted (else sealed: FILE.xlsx.zip; → "xlsx", "csv", "encrypted").
        #[arg(long)]
        plain: bool,
        /// Replace an existing file at the output path that is not what this command writes (never the store, its -wal/-shm, or an input file).
        #[arg(long)]
        force: bool,
    },
    /// Live view: expected vs arrived per session, arrivals per 5 minutes, late list.
    Dashboard {
        #[arg(long)]
        event: String,
    },
    /// Record a coordinator's correction (kept as history, newest wins).
    Correct {
        #[arg(long)]
        event: String,
        #[arg(long)]
        session: String,
        #[arg(long)]
        trainee: String,
        /// present, late, left_early, absent or excused (with leave: not absent; counts toward a certificate only with `certificates configure --excused-counts true`).
        #[arg(long)]
        status: String,
        #[arg(long)]
        hours: Option<f64>,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum BenchCmd {
    /// A venue day pushed over loopback to a real server and pulled by a second laptop, against a raw SQLite insert of the same rows.
    Sync {
        #[arg(long, default_value_t = 500)]
        trainees: usize,
        #[arg(long, default_value_t = 4)]
        sessions: usize,
    },
    /// Render N certificates with generated bilingual names and signed QR codes → {"count", "seconds", "bytes"}.
    Certificates {
        #[arg(long, default_value_t = 500)]
        count: usize,
        #[arg(long, value_name = "FILE.pdf")]
        out: PathBuf,
        /// Replace an existing file at the output path that is not what this command writes (never the store, its -wal/-shm, or an input file).
        #[arg(long)]
        force: bool,
    },
    /// A programme at scale: one real stop copied to N stops, pushed to a server store, its read model followed, the report timed → {"changes", "push_changes_per_s", "read_model_changes_per_s", "report_seconds", ...}.
    Programme {
        /// The server's store: sqlite:PATH or postgres://… (default: a temporary SQLite file).
        #[arg(long)]
        store: Option<String>,
        #[arg(long, default_value_t = 50)]
        stops: usize,
        #[arg(long, default_value_t = 2000)]
        trainees: usize,
    },
    /// Run N realistic door searches (names, initials, mobile last-4, codes) → {"trainees", "queries", "p50_us", "p99_us"}.
    Search {
        #[arg(long)]
        event: String,
        #[arg(long, default_value_t = 1000)]
        queries: usize,
    },
}

#[derive(Subcommand, Debug)]
pub enum TraineeCmd {
    /// Possible duplicates (same mobile or ID number), e.g. a walk-in registered on two laptops.
    Duplicates {
        #[arg(long)]
        event: String,
    },
    /// Merge OTHER into KEEP: OTHER leaves the roster, its check-ins count for KEEP.
    Merge { keep: String, other: String },
    /// Change fields of a trainee (same validation as import); an empty value clears an optional field.
    Edit {
        id: String,
        #[command(flatten)]
        fields: TraineeFieldArgs,
    },
    /// The same person at every stop this laptop holds (same ID number, or same name and mobile; linked, never merged) → {"trainee_id", "name", "stops": [{"event_id", "name", "starts", "hours", "certificate"?}]}.
    History {
        #[arg(long)]
        trainee: String,
    },
}

#[derive(Args, Debug)]
pub struct TraineeFieldArgs {
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub gender: Option<String>,
    #[arg(long)]
    pub phone: Option<String>,
    #[arg(long)]
    pub id_number: Option<String>,
    #[arg(long)]
    pub age: Option<String>,
    #[arg(long)]
    pub birth_date: Option<String>,
    #[arg(long)]
    pub organization: Option<String>,
    #[arg(long)]
    pub occupation: Option<String>,
    /// A note shown large at the door when the trainee checks in ("needs wheelchair access"); empty clears it.
    #[arg(long)]
    pub note: Option<String>,
    /// The Latin form of the name printed on certificates ("XIAO Changqing"); empty: the name has none.
    #[arg(long)]
    pub name_latin: Option<String>,
}
