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
    /// Import and list an event's trainee roster.
    #[command(subcommand)]
    Roster(RosterCmd),
    /// Edit one trainee.
    #[command(subcommand)]
    Trainee(TraineeCmd),
    /// Create the demo event (two sessions, 26 trainees).
    Demo,
    /// Check the store's integrity; exit 1 if there are problems.
    Check,
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
    },
    /// List events → {"events": [...]}.
    List,
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
        /// Write the rejected rows, with a reason column, to this CSV.
        #[arg(long, value_name = "OUT.csv")]
        rejects: Option<PathBuf>,
    },
    /// List an event's trainees → {"trainees": [...]}.
    List {
        #[arg(long)]
        event: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum TraineeCmd {
    /// Change fields of a trainee (same validation as import); an empty value clears an optional field.
    Edit {
        id: String,
        #[command(flatten)]
        fields: TraineeFieldArgs,
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
}
