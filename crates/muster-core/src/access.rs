//! Who may do what on a shared laptop: three roles and the one table of
//! what each may do.
//!
//! Architecture invariant: every [`crate::Muster`] method that reads
//! personal data or writes anything starts with a check against
//! [`allowed`]; the CLI acts as an admin (after the passphrase), the desktop
//! app as whoever signed in with their PIN.

use serde::{Deserialize, Serialize};

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything: events, rosters, forms, users, restore, the audit log.
    Admin,
    /// The door and the end of the course: check-in, walk-ins, attendance,
    /// certificates, reports, exports, sync, backups.
    Coordinator,
    /// Questionnaire entry only.
    Keyer,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Coordinator, Role::Keyer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::Keyer => "keyer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim().to_ascii_lowercase())
    }
}

/// What a user may be allowed to do; the facade names one per method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// List events and their sessions (no personal data).
    ViewEvents,
    /// Create events and sessions, the demo event.
    ManageEvents,
    /// Import a roster file.
    ImportRoster,
    /// Read the roster and search it.
    ViewRoster,
    /// Correct a trainee's details.
    EditTrainee,
    /// Check in and sign out.
    CheckIn,
    /// Register a walk-in.
    WalkIn,
    /// Merge two trainee records.
    Merge,
    /// Attendance report and dashboard.
    ViewAttendance,
    /// Correct someone's attendance.
    CorrectAttendance,
    /// Certificate settings, eligibility, issue, print, verify.
    Certificates,
    /// Import forms, set double entry, register paper batches.
    ManageForms,
    /// Key questionnaires (and see batches, forms).
    Keying,
    /// Resolve double-entry differences.
    ResolveDifferences,
    /// Portrait, differences, keyer statistics.
    ViewReports,
    /// Write an export file (CSV, XLSX, sync file).
    Export,
    /// Sync with the central service or a hub.
    Sync,
    /// Back up the store.
    Backup,
    /// Restore a backup, change the passphrase.
    Administer,
    /// Add users, change PINs and roles, disable users.
    ManageUsers,
    /// Read and export the audit log.
    ViewAudit,
}

impl Action {
    pub const ALL: [Action; 21] = [
        Action::ViewEvents,
        Action::ManageEvents,
        Action::ImportRoster,
        Action::ViewRoster,
        Action::EditTrainee,
        Action::CheckIn,
        Action::WalkIn,
        Action::Merge,
        Action::ViewAttendance,
        Action::CorrectAttendance,
        Action::Certificates,
        Action::ManageForms,
        Action::Keying,
        Action::ResolveDifferences,
        Action::ViewReports,
        Action::Export,
        Action::Sync,
        Action::Backup,
        Action::Administer,
        Action::ManageUsers,
        Action::ViewAudit,
    ];

    /// The stable name of the action: the `field` of a `forbidden` error,
    /// which the UI translates.
    pub fn key(self) -> &'static str {
        match self {
            Action::ViewEvents => "view_events",
            Action::ManageEvents => "manage_events",
            Action::ImportRoster => "import_roster",
            Action::ViewRoster => "view_roster",
            Action::EditTrainee => "edit_trainee",
            Action::CheckIn => "check_in",
            Action::WalkIn => "walk_in",
            Action::Merge => "merge",
            Action::ViewAttendance => "view_attendance",
            Action::CorrectAttendance => "correct_attendance",
            Action::Certificates => "certificates",
            Action::ManageForms => "manage_forms",
            Action::Keying => "keying",
            Action::ResolveDifferences => "resolve_differences",
            Action::ViewReports => "view_reports",
            Action::Export => "export",
            Action::Sync => "sync",
            Action::Backup => "backup",
            Action::Administer => "administer",
            Action::ManageUsers => "manage_users",
            Action::ViewAudit => "view_audit",
        }
    }

    /// The words of a refusal: "a keyer may not `check people in`".
    pub fn describe(self) -> &'static str {
        match self {
            Action::ViewEvents => "see events",
            Action::ManageEvents => "create events or sessions",
            Action::ImportRoster => "import rosters",
            Action::ViewRoster => "see the roster",
            Action::EditTrainee => "edit trainees",
            Action::CheckIn => "check people in or out",
            Action::WalkIn => "register walk-ins",
            Action::Merge => "merge trainees",
            Action::ViewAttendance => "see attendance",
            Action::CorrectAttendance => "correct attendance",
            Action::Certificates => "handle certificates",
            Action::ManageForms => "import forms or register batches",
            Action::Keying => "key questionnaires",
            Action::ResolveDifferences => "resolve double-entry differences",
            Action::ViewReports => "see reports",
            Action::Export => "export files",
            Action::Sync => "sync",
            Action::Backup => "back up",
            Action::Administer => "restore backups or change the passphrase",
            Action::ManageUsers => "manage users",
            Action::ViewAudit => "read the audit log",
        }
    }
}

/// Whether `role` may do `action`: the one table.
pub fn allowed(role: Role, action: Action) -> bool {
    use Action::*;
    match role {
        Role::Admin => true,
        Role::Coordinator => matches!(
            action,
            ViewEvents
                | ViewRoster
                | EditTrainee
                | CheckIn
                | WalkIn
                | Merge
                | ViewAttendance
                | CorrectAttendance
                | Certificates
                | ViewReports
                | Export
                | Sync
                | Backup
        ),
        Role::Keyer => matches!(action, ViewEvents | Keying),
    }
}

/// Who is acting: a signed-in user, or the CLI (an admin without a user
/// record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Actor {
    /// The user's id; `None` for the CLI or a laptop without users.
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    pub name: String,
    pub role: Role,
}

impl Actor {
    /// The admin that the CLI and a laptop without users act as.
    pub fn admin(name: &str) -> Actor {
        Actor { user_id: None, name: name.to_string(), role: Role::Admin }
    }
}
