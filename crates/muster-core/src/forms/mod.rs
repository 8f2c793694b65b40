//! Paper questionnaires: XLSForm definitions, heads-down keying, CSV
//! responses, double entry, paper batches and the trainee portrait.
//!
//! - [`xlsform`] reads an `.xlsx`/`.xls` XLSForm into a [`Form`] (pure).
//! - [`expr`] evaluates the XPath subset of `relevant`, `constraint`,
//!   `required` and `choice_filter`.
//! - [`keying`] is the keyboard-only state machine the keying screen drives.
//! - [`responses`] validates answers (keyed or from a CSV), imports CSVs,
//!   lists double-entry differences and computes keyer statistics.
//! - [`portrait`] computes the per-question summary and writes it to XLSX.
//! - [`template`] writes the ready portrait questionnaire as an XLSForm.
//!
//! The definition types here are what `muster form show` prints and what the
//! keying screen renders: one [`Form`] with its questions in order.

pub mod attachments;
pub mod desk;
pub mod expr;
pub mod keying;
pub mod ops;
pub mod portrait;
pub mod responses;
pub mod template;
pub mod xlsform;

use serde::{Deserialize, Serialize};

pub use crate::store::forms::Resolution;
use std::collections::BTreeMap;

/// Labels (or hints, messages) per language; the key `""` is the column
/// without a language (`label`).
pub type Labels = BTreeMap<String, String>;

/// What kind of answer a question takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Text,
    Integer,
    Decimal,
    /// `YYYY-MM-DD`.
    Date,
    /// `HH:MM`.
    Time,
    /// `YYYY-MM-DDTHH:MM`.
    DateTime,
    SelectOne,
    /// Answer: the chosen codes separated by single spaces.
    SelectMultiple,
    /// Shown, never answered.
    Note,
    /// A type a paper form cannot carry (see `Question::skipped`).
    Other,
}

impl Kind {
    /// Whether a keyer types an answer for it (before relevance).
    pub fn answerable(self) -> bool {
        !matches!(self, Kind::Note | Kind::Other)
    }
    pub fn is_select(self) -> bool {
        matches!(self, Kind::SelectOne | Kind::SelectMultiple)
    }
}

/// One choice of a select question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Choice {
    /// The stored value (XLSForm `name`).
    pub value: String,
    pub labels: Labels,
    /// What the keyer types: the choice's position (1, 2, …) as printed
    /// beside it, or its own code when every code of the list is a number.
    pub key: String,
    /// The other columns of the choices sheet (for `choice_filter`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub columns: BTreeMap<String, String>,
}

/// One row of the survey sheet that is a question or a note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Question {
    pub name: String,
    pub kind: Kind,
    /// The type as written, e.g. `select_one yes_no or_other`.
    #[serde(rename = "type")]
    pub type_name: String,
    /// Survey sheet row (as Excel numbers it).
    pub row: u64,
    pub labels: Labels,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hints: Labels,
    /// The choice list of a select.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
    /// `or_other`: an `other` choice and a `<name>_other` text question.
    #[serde(default)]
    pub or_other: bool,
    pub required: bool,
    /// A `required` that is an expression rather than yes/no.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_if: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub required_message: Labels,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub constraint_message: Labels,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice_filter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appearance: Option<String>,
    /// Enclosing groups and repeats, outermost first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Why it is not keyed (a type paper cannot carry, inside a repeat).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

impl Question {
    /// Whether the keyer answers it: answerable and not skipped.
    pub fn keyed(&self) -> bool {
        self.kind.answerable() && self.skipped.is_none()
    }

    /// The label in `lang`, else the default-language one, else any, else
    /// the name.
    pub fn label(&self, lang: Option<&str>) -> &str {
        pick(&self.labels, lang).unwrap_or(&self.name)
    }

    pub fn choice(&self, value: &str) -> Option<&Choice> {
        self.choices.iter().find(|c| c.value == value)
    }
}

/// The label in `lang`, else the column without a language, else the first.
pub fn pick<'a>(labels: &'a Labels, lang: Option<&str>) -> Option<&'a str> {
    lang.and_then(|l| labels.get(l))
        .or_else(|| labels.get(""))
        .or_else(|| labels.values().next())
        .map(String::as_str)
        .filter(|s| !s.is_empty())
}

/// A `begin group` / `begin repeat`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Group {
    pub name: String,
    pub labels: Labels,
    pub repeat: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant: Option<String>,
    pub row: u64,
    /// A repeat's `repeat_count`: a number, or an expression over earlier
    /// answers (`${children}`); without one the keyer ends the repeat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub repeat_count: Option<String>,
}

/// The most repetitions of one repeat a paper holds (a `repeat_count`
/// above it is capped, with a message; a CSV column `name[51]` is refused).
pub const MAX_REPETITIONS: u32 = 50;

/// Where the answer of repetition `rep` (1-based) of a question in a
/// repeat is stored: `name[rep]`.
pub fn slot(name: &str, rep: u32) -> String {
    format!("{name}[{rep}]")
}

/// `name[3]` → (`name`, 3); anything else (`name`, `name[0]`, `name[x]`) is
/// not a slot.
pub fn parse_slot(key: &str) -> Option<(&str, u32)> {
    let (name, rest) = key.strip_suffix(']')?.split_once('[')?;
    let n: u32 = rest.parse().ok().filter(|n| *n >= 1)?;
    (!name.is_empty() && rest.chars().all(|c| c.is_ascii_digit())).then_some((name, n))
}

/// A question the keying screen skips, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Skipped {
    pub name: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub reason: String,
}

/// A questionnaire as read from an XLSForm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Form {
    /// `settings.form_id`, else the file name without extension.
    pub form_id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_language: Option<String>,
    /// Languages of the label columns in order of appearance (`""` is the
    /// column without a language).
    pub languages: Vec<String>,
    /// Questions and notes in survey order (groups are in `groups`).
    pub questions: Vec<Question>,
    pub groups: Vec<Group>,
    pub skipped: Vec<Skipped>,
    /// What a coordinator should know about the import, in English.
    pub warnings: Vec<String>,
    /// The same warnings as sentences for the app to word, one per warning
    /// (`form.warn.*`); empty for a form stored before they were kept.
    #[serde(default)]
    pub warnings_worded: Vec<crate::Msg>,
    /// CSVs `pulldata()` reads, by the name it calls them
    /// ([`attachments`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attachments: BTreeMap<String, attachments::Attachment>,
}

impl Form {
    pub fn question(&self, name: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.name == name)
    }

    /// The questions a keyer answers, in order.
    pub fn keyed(&self) -> impl Iterator<Item = &Question> {
        self.questions.iter().filter(|q| q.keyed())
    }

    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.name == name)
    }

    /// The repeat a keyed question is keyed in, once per repetition (the
    /// innermost repeat around it; the reader leaves a question of a
    /// nested repeat or of a loop unkeyed).
    pub fn repeat_of(&self, q: &Question) -> Option<&Group> {
        if !q.keyed() {
            return None;
        }
        q.groups.iter().rev().filter_map(|g| self.group(g)).find(|g| g.repeat)
    }

    /// The keyed questions of repeat `group`, in order.
    pub fn repeat_questions<'a>(&'a self, group: &'a str) -> impl Iterator<Item = &'a Question> + 'a {
        self.keyed().filter(move |q| self.repeat_of(q).is_some_and(|g| g.name == group))
    }

    /// The repeats that hold keyed questions, in survey order.
    pub fn keyed_repeats(&self) -> Vec<&Group> {
        let mut out: Vec<&Group> = Vec::new();
        for q in self.keyed() {
            if let Some(g) = self.repeat_of(q) {
                if !out.iter().any(|o| o.name == g.name) {
                    out.push(g);
                }
            }
        }
        out
    }

    /// The keyed question an answer key names: `name`, or `name[i]` for a
    /// question of a repeat (with `i`).
    pub fn question_of_key(&self, key: &str) -> Option<(&Question, Option<u32>)> {
        if let Some(q) = self.keyed().find(|q| q.name == key && self.repeat_of(q).is_none()) {
            return Some((q, None));
        }
        let (name, rep) = parse_slot(key)?;
        let q = self.keyed().find(|q| q.name == name && self.repeat_of(q).is_some())?;
        Some((q, Some(rep)))
    }

    /// The stored answer keys of `q` for `reps` repetitions (just its name
    /// outside a repeat).
    pub fn keys_of(&self, q: &Question, reps: u32) -> Vec<String> {
        match self.repeat_of(q) {
            Some(_) => (1..=reps).map(|i| slot(&q.name, i)).collect(),
            None => vec![q.name.clone()],
        }
    }
}

/// A form as stored for an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StoredForm {
    pub id: String,
    pub event_id: String,
    /// Whether every paper is keyed twice, independently.
    pub double_entry: bool,
    /// The file it was imported from (name only).
    pub source: String,
    pub created_at: String,
    pub form: Form,
}

/// A registered stack of paper forms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Batch {
    pub id: String,
    pub form_id: String,
    pub name: String,
    /// How many papers the stack holds.
    pub count: u32,
    /// The first paper ID; the others follow it (`A001` → `A002` …).
    pub first_paper: String,
    pub created_at: String,
}

impl Batch {
    /// The paper IDs the stack should hold, in order.
    pub fn expected_papers(&self) -> Vec<String> {
        paper_sequence(&self.first_paper, self.count)
    }
}

/// `count` paper IDs from `first`, incrementing its last run of digits and
/// keeping its width (`A001` → `A001`, `A002`, …; `7` → `7`, `8`, …).
pub fn paper_sequence(first: &str, count: u32) -> Vec<String> {
    let chars: Vec<char> = first.chars().collect();
    let end = chars.iter().rposition(|c| c.is_ascii_digit()).map_or(0, |i| i + 1);
    let start = chars[..end].iter().rposition(|c| !c.is_ascii_digit()).map_or(0, |i| i + 1);
    if end == 0 {
        return (1..=count).map(|i| format!("{first}{i}")).collect();
    }
    let prefix: String = chars[..start].iter().collect();
    let suffix: String = chars[end..].iter().collect();
    let digits: String = chars[start..end].iter().collect();
    let width = digits.len();
    let n: u64 = digits.parse().unwrap_or(0);
    (0..u64::from(count)).map(|i| format!("{prefix}{:0width$}{suffix}", n + i)).collect()
}

/// One entry of a paper: the first keying, or the independent second one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Entry {
    #[default]
    First,
    Second,
}

impl Entry {
    pub fn as_str(self) -> &'static str {
        match self {
            Entry::First => "first",
            Entry::Second => "second",
        }
    }
    pub fn parse(s: &str) -> Option<Entry> {
        match s {
            "first" | "1" => Some(Entry::First),
            "second" | "2" => Some(Entry::Second),
            _ => None,
        }
    }
}
