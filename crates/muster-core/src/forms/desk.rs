//! The keying desk: the keying sessions open on one `Muster` (the app's
//! window), each a [`KeyingSession`] driven one key at a time. A paper
//! whose last answer is keyed is shown for review ([`Step::Review`]: every
//! answer on one screen); Enter saves it with the time spent on it (from
//! its first key) and the session moves on to the next paper, ↑ or
//! Backspace goes back into it. Closing a session drops an unfinished
//! paper; nothing of it was saved.

use super::keying::{Key, KeyedForm, KeyingSession, Screen, Step};
use super::Entry;
use crate::access::Action;
use crate::{Error, Muster, Result};
use serde::Serialize;
use std::collections::HashMap;
use std::time::Instant;

struct Open {
    form_id: String,
    session: KeyingSession,
    /// When the current paper's first key was pressed.
    started: Option<Instant>,
    /// The complete paper is on the review screen: Enter saves it.
    reviewing: bool,
    /// A saved paper opened again to correct it: why.
    correcting: Option<String>,
}

/// The open keying sessions, by id.
#[derive(Default)]
pub(crate) struct Desk {
    next: u64,
    open: HashMap<String, Open>,
}

/// A new session and its first screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KeyingStart {
    pub session_id: String,
    pub screen: Screen,
}

/// What one key did, the screen now, and the paper saved by it (if any).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KeyingPress {
    pub step: Step,
    pub screen: Screen,
    pub saved: Option<SavedPaper>,
}

/// A paper saved by the key that completed it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SavedPaper {
    pub response_id: String,
    pub keyed: KeyedForm,
    /// A saved paper corrected (the id is the correction's), not a new one.
    pub corrected: bool,
}

impl Key {
    /// A key as the UI names it: `Enter`, `Backspace`, `Back` (or
    /// `ArrowUp`), or one character.
    pub fn parse(key: &str) -> Result<Key> {
        match key {
            "Enter" => Ok(Key::Enter),
            "Backspace" => Ok(Key::Backspace),
            "Back" | "ArrowUp" => Ok(Key::Back),
            _ => {
                let mut chars = key.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => Ok(Key::Char(c)),
                    _ => Err(Error::invalid_at(format!("{} is not one key", crate::quote(key)), None, None, Some("key"))),
                }
            }
        }
    }
}

impl Muster {
    /// Opens a keying session on a form. A signed-in user keys as
    /// themselves (keyer statistics, double entry by two different
    /// people); else as `keyer` typed, else as the system's user.
    /// With `verify` (a second entry only), each answer is checked against
    /// the first entry's at once ([`super::keying`]'s verify mode).
    pub fn keying_open(&mut self, form_id: &str, entry: Entry, keyer: Option<&str>, batch: Option<&str>, language: Option<&str>, verify: bool) -> Result<KeyingStart> {
        let signed_in = self.actor().filter(|a| a.user_id.is_some()).map(|a| a.name.clone());
        let keyer = match signed_in {
            Some(name) => name,
            None => self.who(keyer),
        };
        let mut session = self.keying_session(form_id, entry, &keyer, batch.filter(|b| !b.is_empty()), language)?;
        if verify {
            if entry != Entry::Second {
                return Err(Error::invalid_at("verify mode keys a second entry against the first", None, None, Some("verify")));
            }
            session.verify_against(super::ops::first_answers(&self.store, form_id)?);
        }
        let screen = session.screen();
        self.desk.next += 1;
        let session_id = format!("k{}", self.desk.next);
        self.desk.open.insert(session_id.clone(), Open { form_id: form_id.to_string(), session, started: None, reviewing: false, correcting: None });
        Ok(KeyingStart { session_id, screen })
    }

    /// One key into an open session (`key` as [`Key::parse`] reads it). A
    /// completed paper is saved and the next one begins.
    pub fn keying_press(&mut self, session_id: &str, key: &str) -> Result<KeyingPress> {
        let key = Key::parse(key)?;
        self.allow(Action::Keying)?;
        let o = self.desk.open.get_mut(session_id).ok_or_else(|| Error::NotFound { kind: "keying session", id: session_id.to_string() })?;
        let started = *o.started.get_or_insert_with(Instant::now);
        let step = o.session.press(key);
        if step != Step::Complete {
            o.reviewing = false;
            return Ok(KeyingPress { step, screen: o.session.screen(), saved: None });
        }
        // The last answer shows the paper for review; Enter there saves it.
        if !o.reviewing || key != Key::Enter {
            o.reviewing = true;
            return Ok(KeyingPress { step: Step::Review, screen: o.session.screen(), saved: None });
        }
        let mut keyed = o.session.finish().ok_or_else(|| Error::invalid("the paper is not complete"))?;
        keyed.duration_ms = Some(started.elapsed().as_millis() as u64);
        let form_id = o.form_id.clone();
        let correcting = o.correcting.clone();
        let response_id = match &correcting {
            Some(reason) => super::ops::correct(&mut self.store, &form_id, &keyed.paper_id, keyed.entry, &keyed.answers, reason, &keyed.keyer)?,
            None => self.save_keyed(&form_id, &keyed)?,
        };
        let o = self.desk.open.get_mut(session_id).expect("the session is open");
        o.session.next_paper_form();
        o.started = None;
        o.reviewing = false;
        o.correcting = None;
        Ok(KeyingPress { step, screen: o.session.screen(), saved: Some(SavedPaper { response_id, keyed, corrected: correcting.is_some() }) })
    }

    /// Opens a saved paper of this session's entry again to correct it:
    /// its answers prefilled from its first question; the review's Enter
    /// saves the correction (with `reason`, by the session's keyer), and
    /// Esc-like leaving drops it.
    pub fn keying_correct(&mut self, session_id: &str, paper: &str, reason: &str) -> Result<KeyingPress> {
        self.allow(Action::Keying)?;
        let o = self.desk.open.get(session_id).ok_or_else(|| Error::NotFound { kind: "keying session", id: session_id.to_string() })?;
        let reason = crate::normalize::text(reason);
        if reason.is_empty() {
            return Err(Error::invalid_at("a correction of a saved paper needs a reason", None, None, Some("reason"))
                .kind(crate::ErrorKind::ReasonRequired)
                .worded("keying.correct_reason", &[]));
        }
        let entry = o.session.finish_entry();
        let form_id = o.form_id.clone();
        let answers = super::ops::saved_answers(&self.store, &form_id, &crate::normalize::text(paper), entry)?;
        let o = self.desk.open.get_mut(session_id).expect("the session is open");
        let step = o.session.correct(&crate::normalize::text(paper), answers);
        o.correcting = Some(reason);
        o.started = Some(Instant::now());
        o.reviewing = false;
        Ok(KeyingPress { step, screen: o.session.screen(), saved: None })
    }

    /// Closes a session; an unfinished paper is dropped (nothing of it was
    /// saved). Whether it was open.
    pub fn keying_close(&mut self, session_id: &str) -> bool {
        self.desk.open.remove(session_id).is_some()
    }

    /// How many keying sessions are open.
    pub fn keying_open_count(&self) -> usize {
        self.desk.open.len()
    }
}
