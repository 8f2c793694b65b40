//! The one error type of muster-core, and the small code enum that callers
//! (the CLI's exit codes, the desktop UI across IPC) match on — never on the
//! message text.

use serde::Serialize;

/// Where in an input a problem is: file, line (as a spreadsheet user counts,
/// header = line 1) and field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub field: Option<String>,
}

/// The stable, typed category of an error. The UI and the CLI's exit codes
/// depend on these names: extend, never rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The input (a file, a field, an argument) is not acceptable; nothing
    /// was written.
    InvalidInput,
    /// A referenced event, session or trainee does not exist.
    NotFound,
    /// The request conflicts with what is stored (e.g. a duplicate).
    Conflict,
    /// The local store failed (disk full, corrupt file, locked too long).
    Storage,
    /// Reading or writing a file failed.
    Io,
    /// Allowed, but only when the user confirms (the app asks; the CLI
    /// needs `--force`), e.g. checking into a session that has ended.
    NeedsConfirmation,
    /// The signed-in user's role may not do this (a keyer printing
    /// certificates, say).
    Forbidden,
    /// Nobody is signed in (the app locked after idle, or at start when the
    /// laptop has users), or sign-in is refused for a while after too many
    /// wrong PINs.
    Locked,
}

impl ErrorCode {
    /// The `muster` CLI's exit code for this category: 3 for bad input
    /// (nothing written), 1 for runtime failures.
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorCode::InvalidInput
            | ErrorCode::NotFound
            | ErrorCode::Conflict
            | ErrorCode::NeedsConfirmation
            | ErrorCode::Forbidden
            | ErrorCode::Locked => 3,
            ErrorCode::Storage | ErrorCode::Io => 1,
        }
    }
}

/// What exactly was refused, where a caller acts on the difference (the
/// UI asks for the passphrase again, counts PIN tries, opens the reason
/// dialog): finer than [`ErrorCode`], which stays the category. Extend,
/// never rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The passphrase given (or none) does not open the store or file.
    WrongPassphrase,
    /// A wrong PIN at sign-in (tries are counted).
    WrongPin,
    /// Allowed only with a reason (a reprint, a correction, an override).
    ReasonRequired,
    /// What was scanned or typed at the door is not a trainee code.
    NotACode,
    /// A trainee code of another event than the one at the door.
    OtherEvent,
    /// A roster import was given a questionnaire (an XLSForm): the UI
    /// offers to import it as one.
    IsQuestionnaire,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input, with where it is, and what exactly when a caller acts on it.
    #[error("{message}")]
    Invalid { message: String, location: Location, kind: Option<ErrorKind> },
    #[error("{kind} not found: {id}")]
    NotFound { kind: &'static str, id: String },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    NeedsConfirmation(String),
    /// The role of `user` may not `action`.
    #[error("{user} ({role}) may not {action}")]
    Forbidden { user: String, role: &'static str, action: &'static str, key: &'static str },
    #[error("{0}")]
    Locked(String),
    /// The store is held by another program (the app, a sync) and this
    /// operation needs it alone (restore, passphrase change); nothing was
    /// done. Code `conflict`, with the store as `file`.
    #[error("{message}")]
    Busy { message: String, path: String },
    /// A damaged store file also says how to get back to work
    /// ([`storage_message`]).
    #[error("local store: {}", storage_message(.0))]
    Storage(#[from] rusqlite::Error),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::Invalid { message: message.into(), location: Location::default(), kind: None }
    }

    /// Bad input in a file, at an optional line and field.
    pub fn invalid_at(
        message: impl Into<String>,
        file: Option<&str>,
        line: Option<u64>,
        field: Option<&str>,
    ) -> Self {
        Error::Invalid {
            message: message.into(),
            location: Location {
                file: file.map(str::to_string),
                line,
                field: field.map(str::to_string),
            },
            kind: None,
        }
    }

    /// This refusal, said to be of `kind` (only bad input has one).
    pub fn kind(self, kind: ErrorKind) -> Self {
        match self {
            Error::Invalid { message, location, .. } => Error::Invalid { message, location, kind: Some(kind) },
            other => other,
        }
    }

    /// What exactly was refused, when it is one of the [`ErrorKind`]s.
    pub fn error_kind(&self) -> Option<ErrorKind> {
        match self {
            Error::Invalid { kind, .. } => *kind,
            _ => None,
        }
    }

    pub fn io(path: impl std::fmt::Display, source: std::io::Error) -> Self {
        Error::Io { path: path.to_string(), source }
    }

    /// The store is open in another program (see [`Error::Busy`]).
    pub fn is_busy(&self) -> bool {
        matches!(self, Error::Busy { .. })
    }

    /// The passphrase given (or none) does not open an encrypted store.
    pub fn is_wrong_passphrase(&self) -> bool {
        self.error_kind() == Some(ErrorKind::WrongPassphrase)
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Invalid { .. } => ErrorCode::InvalidInput,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::Conflict(_) | Error::Busy { .. } => ErrorCode::Conflict,
            Error::NeedsConfirmation(_) => ErrorCode::NeedsConfirmation,
            Error::Forbidden { .. } => ErrorCode::Forbidden,
            Error::Locked(_) => ErrorCode::Locked,
            Error::Storage(_) => ErrorCode::Storage,
            Error::Io { .. } => ErrorCode::Io,
        }
    }

    pub fn location(&self) -> Location {
        match self {
            Error::Invalid { location, .. } => location.clone(),
            Error::Io { path, .. } | Error::Busy { path, .. } => Location { file: Some(path.clone()), ..Location::default() },
            // The refused action's stable name, for the UI to say in its language.
            Error::Forbidden { key, .. } => Location { field: Some(key.to_string()), ..Location::default() },
            _ => Location::default(),
        }
    }

    /// The serialisable form that crosses IPC and the CLI's `--json` output:
    /// `{code, message, file?, line?, field?}`.
    pub fn to_payload(&self) -> ErrorPayload {
        let location = self.location();
        ErrorPayload {
            code: self.code(),
            kind: self.error_kind(),
            message: self.to_string(),
            file: location.file,
            line: location.line,
            field: location.field,
        }
    }
}

/// Whether SQLite found the store file damaged (`SQLITE_CORRUPT`, or a
/// file that stopped being a database).
pub fn is_corrupt(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if matches!(f.code, rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase))
}

/// What to do about a damaged store, said once for every place that finds it.
pub const DAMAGED_STORE_ADVICE: &str = "the store file is damaged; restore the last backup over it \
    (close the app, then `muster restore BACKUP --db STORE --force`; backups are written by \
    `muster backup` and the app's Back up now)";

/// SQLite's message, and for a damaged file what to do about it.
fn storage_message(e: &rusqlite::Error) -> String {
    if is_corrupt(e) {
        format!("{e}: {DAMAGED_STORE_ADVICE}")
    } else {
        e.to_string()
    }
}

/// An error as the UI and `--json` callers see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ErrorPayload {
    pub code: ErrorCode,
    /// What exactly, where the caller acts on it ([`ErrorKind`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub kind: Option<ErrorKind>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub field: Option<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

pub use muster_protocol::rules::QUOTE_CHARS;

pub use muster_protocol::rules::quote;

/// A name that messages show bare when it is short and plain (a sheet, a
/// header): `value` itself, else [`quote`]d.
pub fn quote_if_long(value: &str) -> std::borrow::Cow<'_, str> {
    if value.chars().count() <= QUOTE_CHARS && !value.chars().any(char::is_control) {
        std::borrow::Cow::Borrowed(value)
    } else {
        std::borrow::Cow::Owned(quote(value))
    }
}

/// Values quoted for a message ([`quote`]), comma-separated: at most `max`
/// of them, then how many more there are.
pub fn quote_list<'a>(values: impl IntoIterator<Item = &'a str>, max: usize) -> String {
    let mut shown = Vec::new();
    let mut more = 0usize;
    for v in values {
        if shown.len() < max {
            shown.push(quote(v));
        } else {
            more += 1;
        }
    }
    let mut out = shown.join(", ");
    if more > 0 {
        out.push_str(&format!(" and {more} more"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_clipped_too() {
        assert_eq!(quote_list(["a", "b"], 5), "'a', 'b'");
        assert_eq!(quote_list(["a", "b", "c"], 2), "'a', 'b' and 1 more");
    }

    #[test]
    fn quotes_short_values_whole_and_clips_long_ones() {
        assert_eq!(quote("王芳"), "'王芳'");
        assert_eq!(quote("a\0b\nc"), "'a\\0b\\nc'");
        let long = "姓".repeat(50_000);
        let q = quote(&long);
        assert_eq!(q, format!("'{}…' (50000 characters)", "姓".repeat(QUOTE_CHARS)));
        assert_eq!(quote(&"x".repeat(QUOTE_CHARS)), format!("'{}'", "x".repeat(QUOTE_CHARS)));
    }
}
