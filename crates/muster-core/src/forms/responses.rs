//! Answers and responses: the one validation that keying and CSV import
//! share (types, choices, `choice_filter`, `relevant`, `required`,
//! `constraint`), the CSV import, double-entry differences and their
//! resolution, batch progress and keyer statistics.
//!
//! Responses are facts: a paper's entry is stored once per entry
//! (`first`/`second`); re-importing a file skips papers already stored for
//! that entry. A resolution is a new fact; the newest per field wins.

use super::expr::{Context, Expr};
use super::{pick, Batch, Choice, Entry, Form, Kind, Question, StoredForm};
use crate::import::{self, FieldError, RosterFile, RosterRow};
use crate::store::forms::{self as db, NewResponse, Resolution, ResponseRow};
use crate::store::Store;
use crate::error::Said;
use crate::{normalize, Error, Result};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

/// Question name → answer (select_multiple: codes separated by spaces).
pub type Answers = BTreeMap<String, String>;

/// What expressions see while checking a form's answers.
pub struct Eval<'a> {
    pub form: &'a Form,
    pub answers: &'a Answers,
    pub today: &'a str,
}

struct Ctx<'a> {
    eval: &'a Eval<'a>,
    current: Option<&'a str>,
    choice: Option<&'a Choice>,
}

impl Context for Ctx<'_> {
    fn field(&self, name: &str) -> Option<String> {
        self.eval.form.question(name).map(|_| self.eval.answers.get(name).cloned().unwrap_or_default())
    }
    fn current(&self) -> Option<String> {
        self.current.map(str::to_string)
    }
    fn name(&self, name: &str) -> Option<String> {
        let c = self.choice?;
        match name {
            "name" => Some(c.value.clone()),
            "label" => Some(pick(&c.labels, None).unwrap_or_default().to_string()),
            _ => c
                .columns
                .get(name)
                .or_else(|| c.columns.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
                .cloned()
                .or(Some(String::new())),
        }
    }
    fn today(&self) -> String {
        self.eval.today.to_string()
    }
    fn choice_label(&self, question: &str, value: &str) -> Option<String> {
        let c = self.eval.form.question(question)?.choice(value)?;
        Some(pick(&c.labels, None).unwrap_or(&c.value).to_string())
    }
    fn pulldata(&self, file: &str, column: &str, key_column: &str, key: &str) -> Option<String> {
        self.eval.form.attachments.get(file)?.lookup(column, key_column, key).map(str::to_string)
    }
}

impl Eval<'_> {
    /// `src` evaluated against this form's answers (`.` is `current`), as
    /// its string value.
    pub fn value(&self, src: &str, current: Option<&str>) -> Result<String, super::expr::ExprError> {
        let ctx = Ctx { eval: self, current, choice: None };
        Ok(Expr::parse(src)?.eval(&ctx)?.as_string())
    }

    fn truth(&self, src: &str, current: Option<&str>, choice: Option<&Choice>, on_error: bool) -> bool {
        let ctx = Ctx { eval: self, current, choice };
        Expr::parse(src).and_then(|e| e.truth(&ctx)).unwrap_or(on_error)
    }

    /// Whether `q` is asked: every enclosing group's `relevant` and its own
    /// hold. An expression that cannot be evaluated counts as true (the
    /// question is asked rather than silently dropped).
    pub fn relevant(&self, q: &Question) -> bool {
        let groups = q.groups.iter().filter_map(|g| self.form.group(g)).filter_map(|g| g.relevant.as_deref());
        groups.chain(q.relevant.as_deref()).all(|r| self.truth(r, None, None, true))
    }

    /// Whether a group's (or repeat's) own `relevant` holds.
    pub fn group_relevant(&self, g: &super::Group) -> bool {
        g.relevant.as_deref().is_none_or(|r| self.truth(r, None, None, true))
    }

    pub fn required(&self, q: &Question) -> bool {
        q.required || q.required_if.as_deref().is_some_and(|r| self.truth(r, None, None, false))
    }

    /// Whether `choice` is offered by `q`'s `choice_filter` now.
    pub fn offered(&self, q: &Question, choice: &Choice) -> bool {
        q.choice_filter.as_deref().is_none_or(|f| self.truth(f, None, Some(choice), true))
    }

    /// Required, choice filter and constraint of an answer already in
    /// normal form (see [`normalize_answer`]); `Err` is the message for
    /// the keyer.
    pub fn check(&self, q: &Question, value: &str, lang: Option<&str>) -> std::result::Result<(), String> {
        if value.is_empty() {
            if self.required(q) {
                return Err(pick(&q.required_message, lang).map_or_else(|| "an answer is required".to_string(), str::to_string));
            }
            return Ok(());
        }
        if q.kind.is_select() && q.choice_filter.is_some() {
            for v in value.split(' ') {
                if let Some(c) = q.choice(v) {
                    if !self.offered(q, c) {
                        return Err(format!("{} ({}) is not offered here", c.key, pick(&c.labels, lang).unwrap_or(&c.value)));
                    }
                }
            }
        }
        if let Some(c) = &q.constraint {
            if !self.truth(c, Some(value), None, true) {
                return Err(pick(&q.constraint_message, lang).map_or_else(|| format!("the answer {} breaks the form's rule {c}", crate::quote(value)), str::to_string));
            }
        }
        Ok(())
    }
}

/// What the expressions of repetition `rep` of repeat `group` see: the
/// answers, with each question of the repeat named plainly holding its
/// answer of that repetition (`${child_age}` in `child_name[2]`'s rule is
/// `child_age[2]`, as ODK's `current()`-relative paths mean).
pub fn scoped(form: &Form, answers: &Answers, group: &str, rep: u32) -> Answers {
    let mut view = answers.clone();
    for q in form.repeat_questions(group) {
        match answers.get(&super::slot(&q.name, rep)) {
            Some(v) => view.insert(q.name.clone(), v.clone()),
            None => view.remove(&q.name),
        };
    }
    view
}

/// The view for `q`'s answer in repetition `rep` (the answers themselves
/// outside a repeat).
pub fn view_for<'a>(form: &Form, answers: &'a Answers, q: &Question, rep: u32) -> std::borrow::Cow<'a, Answers> {
    match form.repeat_of(q) {
        Some(g) if rep > 0 => std::borrow::Cow::Owned(scoped(form, answers, &g.name, rep)),
        _ => std::borrow::Cow::Borrowed(answers),
    }
}

/// The answer key of `q` in repetition `rep` (`name[rep]` in a repeat).
pub fn key_for(form: &Form, q: &Question, rep: u32) -> String {
    if rep > 0 && form.repeat_of(q).is_some() {
        super::slot(&q.name, rep)
    } else {
        q.name.clone()
    }
}

/// How many repetitions a repeat's `repeat_count` fixes, over `answers`:
/// `None` when it has none or it is not a number (the keyer ends the
/// repeat), else 0 to [`super::MAX_REPETITIONS`]. A count that is not a
/// number, negative, or above the cap comes with a message saying what was
/// done.
pub fn repeat_count(form: &Form, group: &super::Group, answers: &Answers, today: &str) -> (Option<u32>, Option<Said>) {
    let Some(src) = group.repeat_count.as_deref().map(str::trim).filter(|s| !s.is_empty()) else { return (None, None) };
    let eval = Eval { form, answers, today };
    let ctx = Ctx { eval: &eval, current: None, choice: None };
    let value = Expr::parse(src).and_then(|e| e.eval(&ctx));
    let g = group.name.as_str();
    let n = match &value {
        // A name that is no question: not a count.
        Ok(super::expr::Value::Node(None)) => f64::NAN,
        // A count over a blank answer: no repetition.
        Ok(v) if v.as_string().trim().is_empty() => return (Some(0), None),
        Ok(v) => v.as_num(),
        Err(_) => f64::NAN,
    };
    if !n.is_finite() {
        let srcq = crate::quote(src);
        return (None, Some(Said::new(format!("the repeat_count of {g}, {srcq}, is not a number: the keyer ends the repeat"), "keying.count_not_number", &[("group", &g), ("count", &srcq)])));
    }
    let shown = super::expr::Value::Num(n).as_string();
    if n < 0.0 {
        return (Some(0), Some(Said::new(format!("the repeat_count of {g} is {shown}: no repetition is keyed"), "keying.count_negative", &[("group", &g), ("count", &shown)])));
    }
    let max = super::MAX_REPETITIONS;
    if n > f64::from(max) {
        return (Some(max), Some(Said::new(format!("the repeat_count of {g} is {shown}: only the first {max} repetitions are keyed"), "keying.count_capped", &[("group", &g), ("count", &shown), ("max", &max)])));
    }
    (Some(n.floor() as u32), None)
}

/// Resolves one typed token of a select to its choice: the code itself,
/// then the key (number), then a label in any language (ignoring case).
pub fn resolve_choice<'q>(q: &'q Question, token: &str) -> Option<&'q Choice> {
    q.choices
        .iter()
        .find(|c| c.value == token)
        .or_else(|| q.choices.iter().find(|c| c.key == token))
        .or_else(|| q.choices.iter().find(|c| c.value.eq_ignore_ascii_case(token)))
        .or_else(|| q.choices.iter().find(|c| c.labels.values().any(|l| l.trim().eq_ignore_ascii_case(token))))
}

/// Brings a raw answer to its stored form by type: trimmed text, integers
/// without `+`/`.0`, dates `YYYY-MM-DD`, times `HH:MM`, choice codes
/// (select_multiple: in list order, space-separated). Empty stays empty.
pub fn normalize_answer(q: &Question, raw: &str) -> std::result::Result<String, String> {
    let t = normalize::text(raw);
    if t.is_empty() {
        return Ok(String::new());
    }
    match q.kind {
        Kind::Text | Kind::Note | Kind::Other => Ok(t),
        Kind::Integer => {
            let s = t.strip_prefix('+').unwrap_or(&t);
            let s = s.strip_suffix(".0").unwrap_or(s);
            match s.parse::<i64>() {
                Ok(n) => Ok(n.to_string()),
                Err(_) => Err(format!("{} is not a whole number", crate::quote(&t))),
            }
        }
        Kind::Decimal => match t.parse::<f64>() {
            Ok(n) if n.is_finite() && t.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+')) => {
                Ok(if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { n.to_string() })
            }
            _ => Err(format!("{} is not a number", crate::quote(&t))),
        },
        Kind::Date => date(&t).ok_or_else(|| format!("{} is not a date (YYYY-MM-DD or YYYYMMDD)", crate::quote(&t))),
        Kind::Time => time(&t).ok_or_else(|| format!("{} is not a time (HH:MM or HHMM)", crate::quote(&t))),
        Kind::DateTime => {
            let (d, tm) = t.split_once(['T', ' ']).unwrap_or((t.get(..8).unwrap_or(""), t.get(8..).unwrap_or("")));
            match (date(d), time(tm.trim())) {
                (Some(d), Some(tm)) => Ok(format!("{d}T{tm}")),
                _ => Err(format!("{} is not a date and time (YYYY-MM-DD HH:MM)", crate::quote(&t))),
            }
        }
        Kind::SelectOne => match resolve_choice(q, &t) {
            Some(c) => Ok(c.value.clone()),
            None => Err(format!("{} is not a choice of {} ({})", crate::quote(&t), q.name, keys_hint(q))),
        },
        Kind::SelectMultiple => {
            let mut picked = BTreeSet::new();
            for token in t.split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '、') {
                if token.is_empty() {
                    continue;
                }
                match q.choices.iter().position(|c| Some(c) == resolve_choice(q, token)) {
                    Some(i) => {
                        picked.insert(i);
                    }
                    None => return Err(format!("{} is not a choice of {} ({})", crate::quote(token), q.name, keys_hint(q))),
                }
            }
            Ok(picked.into_iter().map(|i| q.choices[i].value.as_str()).collect::<Vec<_>>().join(" "))
        }
    }
}

fn keys_hint(q: &Question) -> String {
    let shown: Vec<String> = q.choices.iter().take(12).map(|c| if c.key == c.value { c.key.clone() } else { format!("{}={}", c.key, c.value) }).collect();
    let more = if q.choices.len() > 12 { ", …" } else { "" };
    format!("choices: {}{more}", shown.join(", "))
}

/// `YYYY-MM-DD`, `YYYYMMDD`, `YYYY/M/D`, `YYYY.M.D` → `YYYY-MM-DD`.
fn date(s: &str) -> Option<String> {
    let s = s.trim();
    let out = if s.len() == 8 && s.chars().all(|c| c.is_ascii_digit()) {
        format!("{}-{}-{}", &s[..4], &s[4..6], &s[6..])
    } else {
        let parts: Vec<&str> = s.split(['-', '/', '.']).collect();
        match parts.as_slice() {
            [y, m, d] if y.len() == 4 && (1..=2).contains(&m.len()) && (1..=2).contains(&d.len()) => format!("{y}-{m:0>2}-{d:0>2}"),
            _ => return None,
        }
    };
    crate::clock::is_date(&out).then_some(out)
}

/// `HH:MM`, `H:MM`, `HHMM` → `HH:MM`.
fn time(s: &str) -> Option<String> {
    if !s.is_ascii() {
        return None;
    }
    let (h, m) = match s.split_once(':') {
        Some((h, m)) => (h, m.get(..2)?),
        None if s.len() == 4 => (&s[..2], &s[2..]),
        None => return None,
    };
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then(|| format!("{h:02}:{m:02}"))
}

/// One problem with one answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldIssue {
    pub field: String,
    pub message: String,
}

/// Validates a whole response: normalises every answer by type, drops the
/// answers of questions that are not relevant, and checks required,
/// choice filters and constraints. Columns that name no keyed question are
/// ignored (the CSV import warns about them).
///
/// A question of a repeat is answered once per repetition, under
/// `name[1]`, `name[2]`, … (see [`scoped`] for what its rules see). A
/// repeat with a `repeat_count` has exactly that many repetitions (an
/// answer beyond it is an issue); without one, the repetitions are those
/// with an answer, renumbered from 1 (a repetition with every answer blank
/// is not stored).
pub fn validate(form: &Form, raw: &Answers, today: &str, lang: Option<&str>) -> std::result::Result<Answers, Vec<FieldIssue>> {
    let mut issues = Vec::new();
    let mut answers = Answers::new();
    let max = super::MAX_REPETITIONS;
    // Normalised answers of each repeat's questions, by repetition as given.
    let mut repeated: BTreeMap<String, BTreeMap<u32, Vec<(String, String)>>> = BTreeMap::new();
    for (key, v) in raw {
        let Some((q, rep)) = form.question_of_key(key) else { continue };
        if rep.is_some_and(|r| r > max) {
            issues.push(FieldIssue { field: key.clone(), message: format!("{key}: a repeat holds at most {max} repetitions") });
            continue;
        }
        match normalize_answer(q, v) {
            Ok(n) if n.is_empty() => {}
            Ok(n) => match (rep, form.repeat_of(q)) {
                (Some(r), Some(g)) => repeated.entry(g.name.clone()).or_default().entry(r).or_default().push((q.name.clone(), n)),
                _ => {
                    answers.insert(q.name.clone(), n);
                }
            },
            Err(message) => issues.push(FieldIssue { field: key.clone(), message }),
        }
    }
    // Relevance in form order; a question made irrelevant by an earlier one
    // loses its answer before later questions look at it.
    for q in form.keyed().filter(|q| form.repeat_of(q).is_none()) {
        if !(Eval { form, answers: &answers, today }.relevant(q)) {
            answers.remove(&q.name);
        }
    }
    // Each repeat: its count, then its repetitions in order.
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    for g in form.keyed_repeats() {
        let given = repeated.remove(&g.name).unwrap_or_default();
        let (fixed, _) = repeat_count(form, g, &answers, today);
        let reps: Vec<(u32, Vec<(String, String)>)> = match fixed {
            Some(n) => {
                for (r, cells) in &given {
                    if *r > n {
                        for (name, _) in cells {
                            let key = super::slot(name, *r);
                            issues.push(FieldIssue { field: key.clone(), message: format!("{key}: {} has {n} repetitions (repeat_count {})", g.name, g.repeat_count.as_deref().unwrap_or("")) });
                        }
                    }
                }
                let mut given = given;
                (1..=n).map(|r| (r, given.remove(&r).unwrap_or_default())).collect()
            }
            None => given.into_values().enumerate().map(|(i, cells)| (i as u32 + 1, cells)).collect(),
        };
        counts.insert(g.name.clone(), reps.len() as u32);
        for (r, cells) in reps {
            for (name, v) in cells {
                answers.insert(super::slot(&name, r), v);
            }
            for q in form.repeat_questions(&g.name) {
                let view = scoped(form, &answers, &g.name, r);
                if !(Eval { form, answers: &view, today }.relevant(q)) {
                    answers.remove(&super::slot(&q.name, r));
                }
            }
        }
    }
    for q in form.keyed() {
        let reps = form.repeat_of(q).map_or(0, |g| counts.get(&g.name).copied().unwrap_or(0));
        let slots: Vec<u32> = if form.repeat_of(q).is_some() { (1..=reps).collect() } else { vec![0] };
        for r in slots {
            let key = key_for(form, q, r);
            let view = view_for(form, &answers, q, r);
            let eval = Eval { form, answers: &view, today };
            if issues.iter().any(|i| i.field == key) || !eval.relevant(q) {
                continue;
            }
            let value = answers.get(&key).map_or("", String::as_str);
            if let Err(message) = eval.check(q, value, lang) {
                issues.push(FieldIssue { field: key, message });
            }
        }
    }
    if issues.is_empty() {
        Ok(answers)
    } else {
        Err(issues)
    }
}

/// Every answer key of `form` the answer sets may hold, in form order with
/// its question: a question's name, and for a question of a repeat
/// `name[1]` … up to the most repetitions of that repeat in any of the
/// sets (so two entries of one paper are compared repetition by
/// repetition).
pub fn fields<'f>(form: &'f Form, sets: &[&Answers]) -> Vec<(String, &'f Question)> {
    let mut reps: HashMap<String, u32> = HashMap::new();
    for set in sets {
        for key in set.keys() {
            if let Some((q, Some(r))) = form.question_of_key(key) {
                if let Some(g) = form.repeat_of(q) {
                    let e = reps.entry(g.name.clone()).or_insert(0);
                    *e = (*e).max(r.min(super::MAX_REPETITIONS));
                }
            }
        }
    }
    let mut out = Vec::new();
    for q in form.keyed() {
        let n = form.repeat_of(q).map_or(0, |g| reps.get(&g.name).copied().unwrap_or(0));
        for key in form.keys_of(q, n) {
            out.push((key, q));
        }
    }
    out
}

/// One problem of one rejected CSV row.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RowError {
    pub line: u64,
    pub field: String,
    pub message: String,
}

/// The outcome of `responses import`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ResponsesImport {
    pub file: String,
    pub format: String,
    pub encoding: Option<String>,
    pub entry: Entry,
    pub imported: u64,
    pub rejected: u64,
    pub duplicates: u64,
    pub errors: Vec<RowError>,
    pub warnings: Vec<String>,
    /// Where the rejected rows were written, if asked (`<path>.zip` when
    /// sealed).
    pub rejects_file: Option<String>,
    /// Whether that file is sealed (encrypted); absent when none was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub rejects_encrypted: Option<bool>,
}

/// Imports the responses CSV (or XLSX) at `path` into `form` as `entry`:
/// good rows in one transaction, rejected rows reported (and recorded), a
/// paper already stored for this entry (or earlier in the file) counted as
/// a duplicate. With `want_rejects`, also returns the rejected rows with a
/// reason column as CSV bytes (UTF-8 with BOM) for the caller to export.
pub(crate) fn import(store: &mut Store, form: &StoredForm, path: &Path, entry: Entry, keyer: Option<&str>, want_rejects: bool, today: &str) -> Result<(ResponsesImport, Option<Vec<u8>>)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path.display(), e))?;
    let file = path.display().to_string();
    let short = path.file_name().map_or_else(|| file.clone(), |n| n.to_string_lossy().into_owned());
    let table = import::table::read(&file, &bytes, &|rows| rows.first().is_some_and(|(_, c)| c.first().is_some_and(|h| is_paper_header(h))))?;
    let Some(((header_line, header), data)) = table.rows.split_first() else {
        return Err(Error::invalid_at(format!("{file} is empty: no header row"), Some(&file), None, None));
    };
    let headers: Vec<String> = header.iter().map(|h| normalize::text(h)).collect();
    if !headers.first().is_some_and(|h| is_paper_header(h)) {
        return Err(Error::invalid_at(
            format!("{file}: the first column must be paper_id (found {})", crate::quote(headers.first().map_or("", String::as_str))),
            Some(&file),
            Some(*header_line),
            Some("paper_id"),
        ));
    }
    let sf = &form.form;
    let batches = db::batches(store, &form.id)?;
    let mut warnings: Vec<String> = table.notes.iter().map(|n| n.english.clone()).collect();
    // Column index → question name (or the batch column).
    let mut columns: Vec<(usize, String)> = Vec::new();
    let mut batch_col = None;
    let mut seen = HashMap::new();
    let mut unknown = Vec::new();
    for (i, h) in headers.iter().enumerate().skip(1) {
        if h.is_empty() {
            continue;
        }
        let plain = |q: &&Question| sf.repeat_of(q).is_none();
        let q = sf.keyed().filter(plain).find(|q| q.name == *h).or_else(|| sf.keyed().filter(plain).find(|q| q.name.eq_ignore_ascii_case(h)));
        // A question of a repeat: one column per repetition, `name[1]`, `name[2]`, …
        let in_repeat = |name: &str| sf.keyed().filter(|q| sf.repeat_of(q).is_some()).find(|q| q.name == name).or_else(|| sf.keyed().filter(|q| sf.repeat_of(q).is_some()).find(|q| q.name.eq_ignore_ascii_case(name)));
        let slot = h.strip_suffix(']').and_then(|x| x.split_once('[')).and_then(|(n, r)| in_repeat(n.trim()).map(|q| (q, r.trim())));
        let name = match (q, slot) {
            (Some(q), _) => q.name.clone(),
            (None, Some((q, rep))) => {
                let max = super::MAX_REPETITIONS;
                let group = sf.repeat_of(q).map_or("", |g| g.name.as_str());
                match rep.parse::<u32>() {
                    Ok(r) if (1..=max).contains(&r) && rep.chars().all(|c| c.is_ascii_digit()) => super::slot(&q.name, r),
                    _ => {
                        return Err(Error::invalid_at(
                            format!("{file}: column {} ({h}): repetition {} of {group} — a repeat's columns are numbered {}[1] to {}[{max}]", i + 1, crate::quote(rep), q.name, q.name),
                            Some(&file),
                            Some(*header_line),
                            Some(h),
                        ));
                    }
                }
            }
            (None, None) if in_repeat(h).is_some() => {
                let q = in_repeat(h).map_or("", |q| q.name.as_str());
                return Err(Error::invalid_at(
                    format!("{file}: column {} ({h}) is a question of a repeat: name its columns {q}[1], {q}[2], … (one per repetition)", i + 1),
                    Some(&file),
                    Some(*header_line),
                    Some(h),
                ));
            }
            (None, None) if h.eq_ignore_ascii_case("batch") => {
                batch_col = Some(i);
                continue;
            }
            (None, None) => {
                unknown.push(h.clone());
                continue;
            }
        };
        if let Some(first) = seen.insert(name.clone(), i) {
            return Err(Error::invalid_at(
                format!("{file}: columns {} and {} both hold {name}", first + 1, i + 1),
                Some(&file),
                Some(*header_line),
                Some(&name),
            ));
        }
        columns.push((i, name));
    }
    if !unknown.is_empty() {
        warnings.push(format!("columns that are not keyed questions of the form, ignored: {}", crate::quote_list(unknown.iter().map(String::as_str), 20)));
    }
    let has_column = |q: &Question| seen.contains_key(&q.name) || seen.keys().any(|k| super::parse_slot(k).is_some_and(|(n, _)| n == q.name));
    let missing: Vec<&str> = sf.keyed().filter(|q| !has_column(q)).map(|q| q.name.as_str()).collect();
    if !missing.is_empty() {
        warnings.push(format!("no column for: {} (blank for every row)", missing.join(", ")));
    }

    struct Row<'a> {
        line: u64,
        paper: String,
        batch: Option<String>,
        outcome: std::result::Result<Answers, Vec<FieldIssue>>,
        cells: &'a [String],
    }
    let mut rows = Vec::with_capacity(data.len());
    for (line, cells) in data {
        let cell = |i: usize| cells.get(i).map_or("", String::as_str);
        let paper = normalize::text(cell(0));
        let mut raw = Answers::new();
        for (i, name) in &columns {
            raw.insert(name.clone(), cell(*i).to_string());
        }
        let mut outcome = validate(sf, &raw, today, sf.default_language.as_deref());
        let mut batch = None;
        if let Some(b) = batch_col.map(|i| normalize::text(cell(i))).filter(|b| !b.is_empty()) {
            match batches.iter().find(|x| x.name == b) {
                Some(x) => batch = Some(x.id.clone()),
                None => push_issue(&mut outcome, "batch", format!("no batch named {} for this form", crate::quote(&b))),
            }
        }
        if paper.is_empty() {
            push_issue(&mut outcome, "paper_id", "paper_id is required".into());
        }
        rows.push(Row { line: *line, paper, batch, outcome, cells });
    }

    let mut report = ResponsesImport {
        file: file.clone(),
        format: table.format.to_string(),
        encoding: table.encoding.map(str::to_string),
        entry,
        imported: 0,
        rejected: 0,
        duplicates: 0,
        errors: Vec::new(),
        warnings,
        rejects_file: None,
        rejects_encrypted: None,
    };
    let source = format!("csv:{short}");
    // Who keyed the file: named (`--keyer`), else the file itself.
    let keyer = keyer.map(normalize::text).filter(|k| !k.is_empty()).unwrap_or_else(|| source.clone());
    let form_id = form.id.clone();
    // Double entry by two people: the second entry of a paper never comes
    // from its first entry's keyer (the row is rejected, with why).
    if entry == Entry::Second {
        for r in rows.iter_mut() {
            if r.outcome.is_ok() && db::keyer_of(store.conn(), &form_id, &r.paper, Entry::First)?.is_some_and(|first| first == keyer) {
                let message = format!("paper {} was first keyed by {keyer}: the second entry must be keyed by someone else", r.paper);
                r.outcome = Err(vec![FieldIssue { field: "keyer".into(), message }]);
            }
        }
    }
    store.write(|w| {
        // One audit line for the file, not one per row.
        w.bulk();
        let mut in_file: HashSet<String> = HashSet::new();
        for r in &rows {
            match &r.outcome {
                Ok(answers) => {
                    if !in_file.insert(r.paper.clone()) || db::has_response(w.tx(), &form_id, &r.paper, entry)? {
                        report.duplicates += 1;
                        continue;
                    }
                    db::insert_response(
                        w,
                        &form_id,
                        &NewResponse {
                            batch_id: r.batch.as_deref(),
                            paper_id: &r.paper,
                            entry,
                            answers,
                            keyer: &keyer,
                            source: &source,
                            line: Some(r.line),
                            keystrokes: None,
                            duration_ms: None,
                        },
                    )?;
                    report.imported += 1;
                }
                Err(issues) => {
                    report.rejected += 1;
                    report.errors.extend(issues.iter().map(|i| RowError { line: r.line, field: i.field.clone(), message: i.message.clone() }));
                    let reasons = serde_json::to_value(issues).unwrap_or_default();
                    db::insert_rejection(w, &form_id, &r.paper, entry, &source, r.line, &reasons)?;
                }
            }
        }
        w.audit(crate::store::AuditRecord {
            event_id: Some(form.event_id.clone()),
            action: "import",
            entity: Some("response"),
            entity_id: Some(form_id.clone()),
            after: Some(serde_json::json!({
                "file": file, "entry": entry.as_str(), "imported": report.imported,
                "rejected": report.rejected, "duplicates": report.duplicates,
            })),
            ..Default::default()
        })
    })?;
    let mut rejects = None;
    if want_rejects {
        let roster = RosterFile {
            file: file.clone(),
            format: report.format.clone(),
            encoding: report.encoding.clone(),
            delimiter: table.delimiter,
            sheet: table.sheet.clone(),
            headers: header.clone(),
            columns: Vec::new(),
            rows: rows
                .iter()
                .filter_map(|r| {
                    let issues = r.outcome.as_ref().err()?;
                    let mut cells = r.cells.to_vec();
                    cells.resize(header.len(), String::new());
                    Some(RosterRow {
                        line: r.line,
                        cells,
                        outcome: Err(issues.iter().map(|i| FieldError { field: i.field.clone(), message: i.message.clone(), msg: None }).collect()),
                    })
                })
                .collect(),
            warnings: Vec::new(),
            warnings_worded: Vec::new(),
        };
        rejects = Some(import::rejects::rejects_csv_bytes(&roster));
    }
    Ok((report, rejects))
}

fn is_paper_header(h: &str) -> bool {
    let h = normalize::text(h).to_ascii_lowercase().replace([' ', '-'], "_");
    h == "paper_id" || h == "paperid"
}

fn push_issue(outcome: &mut std::result::Result<Answers, Vec<FieldIssue>>, field: &str, message: String) {
    let issue = FieldIssue { field: field.into(), message };
    match outcome {
        Ok(_) => *outcome = Err(vec![issue]),
        Err(v) => v.insert(0, issue),
    }
}

/// The newest response per paper for one entry.
pub fn latest(rows: &[ResponseRow], entry: Entry) -> BTreeMap<String, &ResponseRow> {
    let mut out = BTreeMap::new();
    for r in rows.iter().filter(|r| r.entry == entry) {
        out.insert(r.paper_id.clone(), r);
    }
    out
}

/// One field where the two entries of a paper differ.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Difference {
    pub paper_id: String,
    pub field: String,
    pub label: String,
    pub first: String,
    pub second: String,
    pub first_keyer: String,
    pub second_keyer: String,
    pub resolution: Option<Resolution>,
}

/// `responses diff`: every differing field of every paper keyed twice.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DiffReport {
    pub form: String,
    pub papers_compared: u64,
    pub fields_compared: u64,
    pub unresolved: u64,
    pub differences: Vec<Difference>,
}

/// The differences between first and second entries, with their newest
/// resolutions.
pub fn diff(form: &StoredForm, rows: &[ResponseRow], resolutions: &BTreeMap<(String, String), Resolution>) -> DiffReport {
    let first = latest(rows, Entry::First);
    let second = latest(rows, Entry::Second);
    let mut out = DiffReport { form: form.id.clone(), papers_compared: 0, fields_compared: 0, unresolved: 0, differences: Vec::new() };
    for (paper, a) in &first {
        let Some(b) = second.get(paper) else { continue };
        out.papers_compared += 1;
        for (field, q) in fields(&form.form, &[&a.answers, &b.answers]) {
            out.fields_compared += 1;
            let va = a.answers.get(&field).cloned().unwrap_or_default();
            let vb = b.answers.get(&field).cloned().unwrap_or_default();
            if va == vb {
                continue;
            }
            let resolution = resolutions.get(&(paper.clone(), field.clone())).cloned();
            if resolution.is_none() {
                out.unresolved += 1;
            }
            let label = q.label(form.form.default_language.as_deref());
            let label = match super::parse_slot(&field) {
                Some((_, rep)) => format!("{label} [{rep}]"),
                None => label.to_string(),
            };
            out.differences.push(Difference {
                paper_id: paper.clone(),
                field,
                label,
                first: va,
                second: vb,
                first_keyer: a.keyer.clone(),
                second_keyer: b.keyer.clone(),
                resolution,
            });
        }
    }
    out
}

/// The final answers of each paper: the first entry, or for a double-entry
/// form the agreed answers with resolutions applied. Papers still waiting
/// for a second entry or a resolution are counted in `pending`.
pub fn final_answers(form: &StoredForm, rows: &[ResponseRow], resolutions: &BTreeMap<(String, String), Resolution>) -> (BTreeMap<String, Answers>, u64) {
    let first = latest(rows, Entry::First);
    if !form.double_entry {
        return (first.into_iter().map(|(p, r)| (p, r.answers.clone())).collect(), 0);
    }
    let second = latest(rows, Entry::Second);
    let mut out = BTreeMap::new();
    let mut pending = 0;
    'papers: for (paper, a) in first {
        let Some(b) = second.get(&paper) else {
            pending += 1;
            continue;
        };
        let mut answers = a.answers.clone();
        for (field, _) in fields(&form.form, &[&a.answers, &b.answers]) {
            let va = a.answers.get(&field).map_or("", String::as_str);
            let vb = b.answers.get(&field).map_or("", String::as_str);
            if va == vb {
                continue;
            }
            match resolutions.get(&(paper.clone(), field.clone())) {
                Some(r) if r.value.is_empty() => {
                    answers.remove(&field);
                }
                Some(r) => {
                    answers.insert(field.clone(), r.value.clone());
                }
                None => {
                    pending += 1;
                    continue 'papers;
                }
            }
        }
        out.insert(paper, answers);
    }
    (out, pending)
}

/// Checks a supervisor's value for `field` of `paper` (which must differ
/// between the entries) and returns it in normal form.
pub fn check_resolution(form: &StoredForm, rows: &[ResponseRow], paper: &str, field: &str, value: &str) -> Result<String> {
    let q = form.form.question_of_key(field).map(|(q, _)| q).ok_or_else(|| Error::invalid_at(format!("{} is not a keyed question of this form", crate::quote(field)), None, None, Some(field)))?;
    let first = latest(rows, Entry::First);
    let second = latest(rows, Entry::Second);
    let (Some(a), Some(b)) = (first.get(paper), second.get(paper)) else {
        return Err(Error::Conflict(format!("paper {paper} has not been keyed twice; nothing to resolve")));
    };
    if a.answers.get(field) == b.answers.get(field) {
        return Err(Error::Conflict(format!("the two entries of paper {paper} agree on {field}; nothing to resolve")));
    }
    normalize_answer(q, value).map_err(|m| Error::invalid_at(m, None, None, Some(field)))
}

/// Progress of one paper batch.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BatchStatus {
    pub batch: String,
    pub name: String,
    pub entry: Entry,
    pub expected: u32,
    pub keyed: u32,
    /// Expected paper IDs not keyed yet, in order.
    pub missing: Vec<String>,
    /// Papers keyed into this batch that are not among its expected IDs.
    pub unexpected: Vec<String>,
}

pub fn batch_status(batch: &Batch, rows: &[ResponseRow], entry: Entry) -> BatchStatus {
    let keyed: HashSet<&str> = rows.iter().filter(|r| r.entry == entry).map(|r| r.paper_id.as_str()).collect();
    let expected = batch.expected_papers();
    let expected_set: HashSet<&str> = expected.iter().map(String::as_str).collect();
    let missing: Vec<String> = expected.iter().filter(|p| !keyed.contains(p.as_str())).cloned().collect();
    let unexpected: BTreeSet<String> = rows
        .iter()
        .filter(|r| r.entry == entry && r.batch_id.as_deref() == Some(batch.id.as_str()) && !expected_set.contains(r.paper_id.as_str()))
        .map(|r| r.paper_id.clone())
        .collect();
    BatchStatus {
        batch: batch.id.clone(),
        name: batch.name.clone(),
        entry,
        expected: batch.count,
        keyed: batch.count - missing.len() as u32,
        missing,
        unexpected: unexpected.into_iter().collect(),
    }
}

/// One keyer's throughput and accuracy.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KeyerStats {
    pub keyer: String,
    pub forms: u64,
    pub keystrokes: u64,
    /// Keying time of the forms that recorded it.
    pub hours: f64,
    pub forms_per_hour: Option<f64>,
    pub keystrokes_per_hour: Option<f64>,
    /// Fields of this keyer's papers that were also keyed by someone else.
    pub fields_compared: u64,
    pub disagreements: u64,
    pub disagreements_per_1000: Option<f64>,
    /// Disagreements a supervisor resolved against this keyer's value.
    pub errors: u64,
    pub errors_per_1000: Option<f64>,
}

/// Statistics per keyer, ordered by keyer.
pub fn keyer_stats(form: &StoredForm, rows: &[ResponseRow], resolutions: &BTreeMap<(String, String), Resolution>) -> Vec<KeyerStats> {
    let mut by: BTreeMap<String, KeyerStats> = BTreeMap::new();
    let blank = |k: &str| KeyerStats {
        keyer: k.to_string(),
        forms: 0,
        keystrokes: 0,
        hours: 0.0,
        forms_per_hour: None,
        keystrokes_per_hour: None,
        fields_compared: 0,
        disagreements: 0,
        disagreements_per_1000: None,
        errors: 0,
        errors_per_1000: None,
    };
    let mut timed: HashMap<String, u64> = HashMap::new();
    for r in rows {
        let s = by.entry(r.keyer.clone()).or_insert_with(|| blank(&r.keyer));
        s.forms += 1;
        if let Some(ms) = r.duration_ms {
            s.keystrokes += u64::from(r.keystrokes.unwrap_or(0));
            s.hours += ms as f64 / 3_600_000.0;
            *timed.entry(r.keyer.clone()).or_default() += 1;
        }
    }
    let first = latest(rows, Entry::First);
    let second = latest(rows, Entry::Second);
    for (paper, a) in &first {
        let Some(b) = second.get(paper) else { continue };
        for (field, _) in fields(&form.form, &[&a.answers, &b.answers]) {
            let va = a.answers.get(&field).map_or("", String::as_str);
            let vb = b.answers.get(&field).map_or("", String::as_str);
            let resolved = resolutions.get(&(paper.clone(), field.clone()));
            for (r, v) in [(a, va), (b, vb)] {
                let s = by.entry(r.keyer.clone()).or_insert_with(|| blank(&r.keyer));
                s.fields_compared += 1;
                if va != vb {
                    s.disagreements += 1;
                    if resolved.is_some_and(|x| x.value != v) {
                        s.errors += 1;
                    }
                }
            }
        }
    }
    for s in by.values_mut() {
        if s.hours > 0.0 {
            s.forms_per_hour = Some(timed.get(&s.keyer).copied().unwrap_or(0) as f64 / s.hours);
            s.keystrokes_per_hour = Some(s.keystrokes as f64 / s.hours);
        }
        if s.fields_compared > 0 {
            s.disagreements_per_1000 = Some(s.disagreements as f64 * 1000.0 / s.fields_compared as f64);
            s.errors_per_1000 = Some(s.errors as f64 * 1000.0 / s.fields_compared as f64);
        }
    }
    by.into_values().collect()
}
