//! The one error type of muster-core, and the small code enum that callers
//! (the CLI's exit codes, the desktop UI across IPC) match on — never on the
//! message text.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A value refused, said twice: in English (the CLI, logs, tests) and as a
/// [`Msg`] for the app to word in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    pub english: String,
    pub msg: Msg,
}

impl Said {
    pub fn new(english: impl Into<String>, key: &str, params: &[(&str, &dyn std::fmt::Display)]) -> Said {
        Said { english: english.into(), msg: Msg::new(key, params) }
    }

    /// With the list parameter `name` ([`Msg::with_list`]).
    pub fn with_list<'a>(mut self, name: &str, values: impl IntoIterator<Item = &'a str>, max: usize) -> Said {
        self.msg = self.msg.with_list(name, values, max);
        self
    }
}

impl std::fmt::Display for Said {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.english)
    }
}

/// A sentence for a person, as a key and its parameters: the app words it
/// in the reader's language (its text for `msg.<key>`, the parameters
/// filled in), the CLI prints the English message beside it. Adding a
/// language never touches the Rust side.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Msg {
    pub key: String,
    pub params: BTreeMap<String, String>,
}

impl Msg {
    /// `Msg::new("keying.no_choice", &[("typed", &typed), ("keys", &keys)])`.
    pub fn new(key: &str, params: &[(&str, &dyn std::fmt::Display)]) -> Msg {
        Msg { key: key.to_string(), params: params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() }
    }

    /// Adds the list parameter `name`: `name` itself as [`quote_list`]
    /// words it in English, `name[]` the shown items (quoted, joined by
    /// [`LIST_SEPARATOR`]) and `name+` how many more there are — so the
    /// UI words the list in its own language ("'a'、'b' 及另外 1 项"), not
    /// "and 1 more".
    pub fn with_list<'a>(mut self, name: &str, values: impl IntoIterator<Item = &'a str>, max: usize) -> Msg {
        let (shown, more) = quote_items(values, max);
        self.params.insert(name.to_string(), english_list(&shown, more));
        self.params.insert(format!("{name}[]"), shown.join(&LIST_SEPARATOR.to_string()));
        self.params.insert(format!("{name}+"), more.to_string());
        self
    }

    /// This sentence with another one inside it as parameter `name`: the
    /// English `english` as `{name}`, and the inner sentence's key and
    /// parameters as `name.key` and `name.<param>`, which the app words in
    /// the reader's language in place of the English (e.g. why an
    /// expression does not parse, inside the refusal of the form).
    pub fn nest(mut self, name: &str, english: impl std::fmt::Display, inner: &Msg) -> Msg {
        self.params.insert(name.to_string(), english.to_string());
        if !inner.key.is_empty() {
            self.params.insert(format!("{name}.key"), inner.key.clone());
            for (k, v) in &inner.params {
                self.params.insert(format!("{name}.{k}"), v.clone());
            }
        }
        self
    }
}

/// Joins a list parameter's items (`name[]`, [`Msg::with_list`]): a
/// control character, which [`quote`] never leaves in an item.
pub const LIST_SEPARATOR: char = '\u{1f}';

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
    /// Any of the above with its sentence for a person ([`Msg`]); it is
    /// that error in every other respect (code, location, kind, message).
    #[error("{inner}")]
    Worded { inner: Box<Error>, msg: Msg },
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
            Error::Worded { inner, msg } => Error::Worded { inner: Box::new(inner.kind(kind)), msg },
            other => other,
        }
    }

    /// This error with its sentence for a person: `key` (the app's text
    /// `msg.<key>`) and its parameters.
    pub fn worded(self, key: &str, params: &[(&str, &dyn std::fmt::Display)]) -> Self {
        self.with_msg(Msg::new(key, params))
    }

    /// Adds the list parameter `name` to this error's wording
    /// ([`Msg::with_list`]); an unworded error stays as it is.
    pub fn with_list<'a>(self, name: &str, values: impl IntoIterator<Item = &'a str>, max: usize) -> Self {
        match self {
            Error::Worded { inner, msg } => Error::Worded { inner, msg: msg.with_list(name, values, max) },
            other => other,
        }
    }

    /// This error with `msg` as its sentence for a person.
    pub fn with_msg(self, msg: Msg) -> Self {
        match self {
            Error::Worded { inner, .. } => Error::Worded { inner, msg },
            other => Error::Worded { inner: Box::new(other), msg },
        }
    }

    /// The error itself, without its wording.
    pub fn inner(&self) -> &Error {
        match self {
            Error::Worded { inner, .. } => inner.inner(),
            other => other,
        }
    }

    /// The sentence for a person: given ([`Error::worded`]), or known from
    /// the error (a file not found, not readable; a record not found).
    pub fn msg(&self) -> Option<Msg> {
        match self {
            Error::Worded { msg, .. } => Some(msg.clone()),
            Error::Io { path, source } => Some(match source.kind() {
                std::io::ErrorKind::NotFound => Msg::new("file.not_found", &[("path", path)]),
                std::io::ErrorKind::PermissionDenied => Msg::new("file.denied", &[("path", path)]),
                std::io::ErrorKind::AlreadyExists => Msg::new("file.exists", &[("path", path)]),
                _ => Msg::new("file.error", &[("path", path), ("detail", source)]),
            }),
            Error::NotFound { kind, id } => Some(Msg::new("not_found", &[("kind", kind), ("id", id)])),
            _ => None,
        }
    }

    /// What exactly was refused, when it is one of the [`ErrorKind`]s.
    pub fn error_kind(&self) -> Option<ErrorKind> {
        match self.inner() {
            Error::Invalid { kind, .. } => *kind,
            _ => None,
        }
    }

    pub fn io(path: impl std::fmt::Display, source: std::io::Error) -> Self {
        Error::Io { path: path.to_string(), source }
    }

    /// The store is open in another program (see [`Error::Busy`]).
    pub fn is_busy(&self) -> bool {
        matches!(self.inner(), Error::Busy { .. })
    }

    /// The passphrase given (or none) does not open an encrypted store.
    pub fn is_wrong_passphrase(&self) -> bool {
        self.error_kind() == Some(ErrorKind::WrongPassphrase)
    }

    pub fn code(&self) -> ErrorCode {
        match self.inner() {
            Error::Invalid { .. } => ErrorCode::InvalidInput,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::Conflict(_) | Error::Busy { .. } => ErrorCode::Conflict,
            Error::NeedsConfirmation(_) => ErrorCode::NeedsConfirmation,
            Error::Forbidden { .. } => ErrorCode::Forbidden,
            Error::Locked(_) => ErrorCode::Locked,
            Error::Storage(_) => ErrorCode::Storage,
            Error::Io { .. } => ErrorCode::Io,
            Error::Worded { inner, .. } => inner.code(),
        }
    }

    pub fn location(&self) -> Location {
        match self.inner() {
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
            msg: self.msg(),
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
    /// The message as a key and parameters, for the app to word.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub msg: Option<Msg>,
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
    let (shown, more) = quote_items(values, max);
    english_list(&shown, more)
}

/// At most `max` of `values`, [`quote`]d, and how many more there are.
fn quote_items<'a>(values: impl IntoIterator<Item = &'a str>, max: usize) -> (Vec<String>, usize) {
    let mut shown = Vec::new();
    let mut more = 0usize;
    for v in values {
        if shown.len() < max {
            shown.push(quote(v));
        } else {
            more += 1;
        }
    }
    (shown, more)
}

fn english_list(shown: &[String], more: usize) -> String {
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
    fn a_list_parameter_carries_its_items_for_the_ui() {
        let m = Msg::new("k", &[]).with_list("columns", ["a", "b\u{1f}c", "d"], 2);
        assert_eq!(m.params["columns"], "'a', 'b\\u{1f}c' and 1 more", "the English as before");
        let items: Vec<&str> = m.params["columns[]"].split(LIST_SEPARATOR).collect();
        assert_eq!(items.len(), 2, "a separator inside an item is quoted away: {items:?}");
        assert_eq!(items[0], "'a'");
        assert_eq!(m.params["columns+"], "1");
    }

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
