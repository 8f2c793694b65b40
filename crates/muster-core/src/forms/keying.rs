//! Heads-down keying: a pure, keyboard-only state machine over one form.
//!
//! One paper = one screen. The keyer types the paper ID (Enter alone takes
//! the batch's next missing paper; a full-width ID from the batch advances
//! by itself), then answers questions in order. [`KeyingSession::press`]
//! takes one [`Key`] and says what happened ([`Step`]); [`KeyingSession::screen`]
//! is everything the screen shows. The session never touches the store or
//! the clock: the caller saves [`KeyingSession::finish`]'s [`KeyedForm`]
//! and measures time.
//!
//! Rules that keep keystrokes per answer near 1:
//! - a select answer is its choice's key (the number printed beside it, or
//!   its code); it is taken as soon as the typed keys can mean only one
//!   offered choice (`3` of 12 choices is taken at once; `1` waits for a
//!   second digit or Enter);
//! - select_multiple: each unambiguous key toggles a choice, Enter ends;
//! - dates take 8 digits (`20260315`) and times 4 (`0930`) and advance;
//! - text and numbers end with Enter; Enter alone leaves an optional
//!   question blank;
//! - notes, skipped types and questions whose `relevant` is false are never
//!   visited; constraints and required are checked on each answer and the
//!   form's message is shown;
//! - Backspace on an empty answer (or [`Key::Back`]) returns to the previous
//!   question.
//!
//! Verify mode (as CSPro's): a second entry keyed against the first
//! ([`KeyingSession::verify_against`]). An answer that differs from the
//! first entry's is not taken: the screen shows both ([`Mismatch`]) and the
//! keyer says which is right — `1` the first entry's, `2` the one just
//! keyed — or Backspace to key it again. Each choice is kept
//! ([`Verified`]) and saved as the resolution of that difference, so the
//! keyer statistics still charge the keyer whose value lost.

use super::responses::{key_for, normalize_answer, repeat_count, validate, view_for, Answers, Eval};
use super::{pick, Choice, Entry, Form, Kind, Question, MAX_REPETITIONS};
use crate::error::{Msg, Said};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// One key press.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Enter,
    Backspace,
    /// Back to the previous question (e.g. the Up arrow).
    Back,
}

/// What one key press did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    /// Input taken; the same field is still open.
    Typing,
    /// The field was completed; the screen moved on.
    Advanced,
    /// Moved back to an earlier field.
    Back,
    /// The input was refused; `message` says why (the field stays open).
    Invalid { message: String },
    /// Verify mode: the answer differs from the first entry's; the screen's
    /// [`Screen::mismatch`] asks which is right (`1` first, `2` this one).
    Mismatch,
    /// Every question is answered: call [`KeyingSession::finish`].
    Complete,
    /// (The desk) the complete paper is shown for review: Enter saves it,
    /// ↑ or Backspace goes back into it.
    Review,
}

/// Where the cursor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Batch,
    Paper,
    Question,
    /// The "another <group>?" prompt before a repetition of a repeat
    /// without a `repeat_count` (see [`Screen::repeat`]): Enter (or `1`,
    /// `y`, `+`) keys it, `0` (or `n`, `-`) ends the repeat.
    Another,
    Complete,
}

/// The repeat being keyed, as the screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ScreenRepeat {
    /// The repeat's name and label.
    pub group: String,
    pub label: String,
    /// The repetition keyed (or, at the prompt, offered), from 1.
    pub index: u32,
    /// The repetitions its `repeat_count` fixes; `None` when the keyer ends
    /// the repeat.
    pub count: Option<u32>,
}

/// Where the keyer is: question `at` in repetition `rep` of its repeat (0
/// outside one), or (`ask`) the prompt before repetition `rep` of the
/// repeat whose first keyed question is `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Pos {
    at: usize,
    rep: u32,
    ask: bool,
}

/// A registered batch as the session sees it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BatchPlan {
    pub name: String,
    /// Expected paper IDs in stack order.
    pub expected: Vec<String>,
}

/// How a session starts.
#[derive(Debug, Clone, Default)]
pub struct SessionSetup {
    pub entry: Entry,
    pub keyer: String,
    /// Label language to show and to word messages in.
    pub language: Option<String>,
    /// Today's date (`YYYY-MM-DD`) for `today()` in expressions.
    pub today: String,
    /// The form's batches; when there are some and none is preset, the first
    /// paper asks for one (typed by name, Enter takes a unique prefix).
    pub batches: Vec<BatchPlan>,
    pub batch: Option<String>,
    /// Papers already keyed for this entry (refused, to avoid keying twice).
    pub already_keyed: Vec<String>,
    /// A second entry: who keyed each paper's first entry (the same keyer
    /// is refused at the paper ID, before a single answer is keyed).
    pub first_keyers: HashMap<String, String>,
}

/// Verify mode: the first entry's answer and the one just keyed differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Mismatch {
    pub question: String,
    /// The values as stored (choice codes), and as the keyer reads them
    /// (a choice's key and label).
    pub first: String,
    pub keyed: String,
    pub first_shown: String,
    pub keyed_shown: String,
}

/// Verify mode: which value of a difference the keyer said was right.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Verified {
    pub question: String,
    pub first: String,
    pub keyed: String,
    pub chosen: String,
}

/// A completed paper, ready to save.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KeyedForm {
    pub paper_id: String,
    pub batch: Option<String>,
    pub entry: Entry,
    pub keyer: String,
    pub answers: Answers,
    /// Every key pressed for this paper, paper ID included.
    pub keystrokes: u32,
    /// Keys pressed while answering questions.
    pub answer_keystrokes: u32,
    /// Questions the keyer was asked (relevant, keyed).
    pub questions_asked: u32,
    /// Milliseconds spent, if the caller measured it.
    pub duration_ms: Option<u64>,
    /// Verify mode: the differences from the first entry and the value the
    /// keyer chose for each (`answers` holds the chosen values).
    pub verified: Vec<Verified>,
}

/// A choice as the screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ScreenChoice {
    pub key: String,
    pub value: String,
    pub label: String,
    /// False when the `choice_filter` hides it now.
    pub offered: bool,
    pub picked: bool,
}

/// Everything the keying screen renders.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Screen {
    pub stage: Stage,
    pub batch: Option<String>,
    pub paper_id: String,
    /// What Enter on an empty paper ID takes.
    pub next_paper: Option<String>,
    /// The open question's name, label, type and hint.
    pub question: Option<String>,
    pub label: Option<String>,
    pub hint: Option<String>,
    pub kind: Option<Kind>,
    pub required: bool,
    pub choices: Vec<ScreenChoice>,
    /// What has been typed into the open field.
    pub input: String,
    pub message: Option<String>,
    /// The message as a key and parameters, for the app to word.
    pub worded: Option<Msg>,
    /// 1-based position among the questions asked so far, and the form's
    /// keyed questions in total.
    pub position: u32,
    pub total: u32,
    pub answers: Answers,
    pub keystrokes: u32,
    /// Verify mode: whether this session keys against the first entry, and
    /// the difference waiting for the keyer's `1` or `2`.
    pub verify: bool,
    pub mismatch: Option<Mismatch>,
    /// The repetition keyed (stage `question`) or offered (stage
    /// `another`), when inside a repeat.
    pub repeat: Option<ScreenRepeat>,
}

/// The keying state machine for one form.
#[derive(Debug, Clone)]
pub struct KeyingSession {
    form: Form,
    setup: SessionSetup,
    batch: Option<String>,
    stage: Stage,
    /// Index into `form.questions` when `stage` is Question (at the prompt:
    /// the repeat's first keyed question).
    current: usize,
    /// The repetition of `current`'s repeat (0 outside one), or the one the
    /// prompt offers.
    rep: u32,
    paper_id: String,
    answers: Answers,
    input: String,
    /// select_multiple: picked choice indices.
    picked: Vec<usize>,
    /// Questions and prompts visited, for going back.
    history: Vec<Pos>,
    /// The input was filled from a stored answer (going back): the first
    /// key replaces it.
    prefilled: bool,
    message: Option<String>,
    /// The key and parameters of `message`, and of the refusal being made.
    worded: Option<Msg>,
    refusing: Option<Msg>,
    keystrokes: u32,
    answer_keystrokes: u32,
    keyed_papers: HashSet<String>,
    /// A paper ID outside the batch typed once; Enter again confirms it.
    confirm_paper: Option<String>,
    /// Verify mode: the first entry's answers by paper ID.
    first: Option<HashMap<String, Answers>>,
    mismatch: Option<Mismatch>,
    verified: Vec<Verified>,
}

impl KeyingSession {
    pub fn new(form: Form, setup: SessionSetup) -> KeyingSession {
        let batch = setup.batch.clone();
        let stage = if batch.is_none() && !setup.batches.is_empty() { Stage::Batch } else { Stage::Paper };
        let keyed_papers = setup.already_keyed.iter().cloned().collect();
        KeyingSession {
            form,
            setup,
            batch,
            stage,
            current: 0,
            rep: 0,
            paper_id: String::new(),
            answers: Answers::new(),
            input: String::new(),
            picked: Vec::new(),
            history: Vec::new(),
            prefilled: false,
            message: None,
            worded: None,
            refusing: None,
            keystrokes: 0,
            answer_keystrokes: 0,
            keyed_papers,
            confirm_paper: None,
            first: None,
            mismatch: None,
            verified: Vec::new(),
        }
    }

    /// Opens a saved paper again to correct it: its answers prefilled,
    /// from its first question (the paper counts as keyed already).
    pub fn correct(&mut self, paper_id: &str, answers: Answers) -> Step {
        self.next_paper_form();
        self.paper_id = paper_id.to_string();
        self.answers = answers;
        self.history.clear();
        match self.scan(0, None) {
            Some(p) => {
                self.open_pos(p);
                Step::Advanced
            }
            None => {
                self.stage = Stage::Complete;
                Step::Complete
            }
        }
    }

    /// Verify mode: key against the first entry's answers (by paper ID).
    /// A paper the first entry does not hold is keyed as usual.
    pub fn verify_against(&mut self, first: HashMap<String, Answers>) {
        self.first = Some(first);
    }

    pub fn form(&self) -> &Form {
        &self.form
    }
    pub fn stage(&self) -> Stage {
        self.stage
    }
    pub fn answers(&self) -> &Answers {
        &self.answers
    }
    pub fn keystrokes(&self) -> u32 {
        self.keystrokes
    }

    /// The open question, if any.
    pub fn question(&self) -> Option<&Question> {
        (self.stage == Stage::Question).then(|| &self.form.questions[self.current])
    }

    /// Where the cursor is.
    fn pos(&self) -> Pos {
        Pos { at: self.current, rep: self.rep, ask: self.stage == Stage::Another }
    }

    /// The answer key of `q` in the repetition being keyed.
    fn key_of(&self, q: &Question) -> String {
        key_for(&self.form, q, self.rep)
    }

    /// The first and last keyed question of repeat `group`.
    fn block(&self, group: &str) -> (usize, usize) {
        let mut at = self.form.questions.iter().enumerate().filter(|(_, q)| self.form.repeat_of(q).is_some_and(|g| g.name == group)).map(|(i, _)| i);
        let first = at.next().unwrap_or(0);
        (first, at.last().unwrap_or(first))
    }

    /// The repetitions `group`'s `repeat_count` fixes now (`None`: the
    /// keyer ends it), and what to say about a count that is not one.
    fn count(&self, group: &str) -> (Option<u32>, Option<Said>) {
        match self.form.group(group) {
            Some(g) => repeat_count(&self.form, g, &self.answers, &self.setup.today),
            None => (None, None),
        }
    }

    fn lang(&self) -> Option<&str> {
        self.setup.language.as_deref().or(self.form.default_language.as_deref())
    }

    fn batch_plan(&self) -> Option<&BatchPlan> {
        let b = self.batch.as_deref()?;
        self.setup.batches.iter().find(|p| p.name == b)
    }

    /// The next paper of the batch not keyed yet.
    pub fn next_paper(&self) -> Option<&str> {
        self.batch_plan()?.expected.iter().find(|p| !self.keyed_papers.contains(p.as_str())).map(String::as_str)
    }

    /// Types every character of `s` (a convenience for tests and paste).
    pub fn type_str(&mut self, s: &str) -> Step {
        let mut last = Step::Typing;
        for c in s.chars() {
            last = self.press(Key::Char(c));
        }
        last
    }

    /// Handles one key.
    pub fn press(&mut self, key: Key) -> Step {
        self.keystrokes += 1;
        if matches!(self.stage, Stage::Question | Stage::Another) {
            self.answer_keystrokes += 1;
        }
        self.message = None;
        self.worded = None;
        self.refusing = None;
        let step = match self.stage {
            Stage::Batch => self.press_batch(key),
            Stage::Paper => self.press_paper(key),
            Stage::Question if self.mismatch.is_some() => self.press_mismatch(key),
            Stage::Question => self.press_question(key),
            Stage::Another => self.press_another(key),
            Stage::Complete => match key {
                Key::Back | Key::Backspace => self.back(),
                _ => Step::Complete,
            },
        };
        if let Step::Invalid { message } = &step {
            self.message = Some(message.clone());
            self.worded = self.refusing.take();
        }
        step
    }

    /// A refusal said in English and as a [`Msg`] for the app.
    fn refuse(&mut self, said: Said) -> Step {
        self.refusing = Some(said.msg);
        Step::Invalid { message: said.english }
    }

    fn edit(&mut self, key: Key) -> Option<Step> {
        match key {
            Key::Char(c) => {
                if self.prefilled {
                    self.input.clear();
                    self.prefilled = false;
                }
                self.input.push(c);
                None
            }
            Key::Backspace if !self.input.is_empty() => {
                self.prefilled = false;
                self.input.pop();
                Some(Step::Typing)
            }
            _ => None,
        }
    }

    fn press_batch(&mut self, key: Key) -> Step {
        if let Some(s) = self.edit(key) {
            return s;
        }
        if key != Key::Enter {
            return Step::Typing;
        }
        let typed = self.input.trim().to_string();
        let exact = self.setup.batches.iter().find(|b| b.name == typed);
        let prefixed: Vec<&BatchPlan> = self.setup.batches.iter().filter(|b| b.name.to_lowercase().starts_with(&typed.to_lowercase())).collect();
        let chosen = match (exact, prefixed.as_slice()) {
            (Some(b), _) => b.name.clone(),
            (None, [one]) => one.name.clone(),
            (None, []) => return self.refuse(Said::new(format!("no batch {typed}"), "keying.no_batch", &[("typed", &typed)])),
            (None, _) => return self.refuse(Said::new(format!("{typed} matches several batches; type more"), "keying.batch_ambiguous", &[("typed", &typed)])),
        };
        self.batch = Some(chosen);
        self.input.clear();
        self.stage = Stage::Paper;
        Step::Advanced
    }

    fn press_paper(&mut self, key: Key) -> Step {
        if let Some(s) = self.edit(key) {
            return s;
        }
        let typed = crate::normalize::text(&self.input);
        let complete_width = self.batch_plan().and_then(|p| {
            let w = p.expected.first()?.chars().count();
            (p.expected.iter().all(|e| e.chars().count() == w) && typed.chars().count() == w && p.expected.contains(&typed)).then_some(())
        });
        match key {
            Key::Enter => {}
            Key::Char(_) if complete_width.is_some() && !self.keyed_papers.contains(&typed) => {}
            _ => return Step::Typing,
        }
        let paper = if typed.is_empty() {
            match self.next_paper() {
                Some(p) => p.to_string(),
                None => return self.refuse(Said::new("type the paper ID", "keying.type_paper", &[])),
            }
        } else {
            typed
        };
        if self.keyed_papers.contains(&paper) {
            self.input.clear();
            let entry = self.setup.entry.as_str();
            return self.refuse(Said::new(format!("paper {paper} is already keyed ({entry} entry)"), "keying.already_keyed", &[("paper", &paper), ("entry", &entry)]));
        }
        if self.setup.entry == Entry::Second && !self.setup.keyer.is_empty() && self.setup.first_keyers.get(&paper) == Some(&self.setup.keyer) {
            self.input.clear();
            let keyer = self.setup.keyer.clone();
            return self.refuse(Said::new(
                format!("paper {paper} was keyed first by {keyer}: its second entry must be keyed by someone else"),
                "keying.same_keyer",
                &[("paper", &paper), ("keyer", &keyer)],
            ));
        }
        if let Some(plan) = self.batch_plan() {
            if !plan.expected.is_empty() && !plan.expected.contains(&paper) && self.confirm_paper.as_deref() != Some(paper.as_str()) {
                let name = plan.name.clone();
                self.confirm_paper = Some(paper.clone());
                return self.refuse(Said::new(
                    format!("paper {paper} is not in batch {name}; press Enter again to key it anyway"),
                    "keying.not_in_batch",
                    &[("paper", &paper), ("batch", &name)],
                ));
            }
        }
        self.confirm_paper = None;
        self.paper_id = paper;
        self.input.clear();
        self.history.clear();
        match self.scan(0, None) {
            Some(p) => {
                self.open_pos(p);
                Step::Advanced
            }
            None => {
                self.stage = Stage::Complete;
                Step::Complete
            }
        }
    }

    /// What the open question's rules see (its repetition's answers named
    /// plainly, see [`super::responses::scoped`]).
    fn view(&self) -> std::borrow::Cow<'_, Answers> {
        view_for(&self.form, &self.answers, &self.form.questions[self.current], self.rep)
    }

    /// The next keyed, relevant question (or prompt) from question `i`,
    /// inside repetition `inside` of a repeat or outside any (`None`).
    /// Entering a repeat whose count is fixed starts its first repetition;
    /// one without a count asks first. A repeat that is not relevant, or
    /// whose count is 0, is passed by. A count that is not one leaves its
    /// message on the screen.
    fn scan(&mut self, mut i: usize, mut inside: Option<(String, u32)>) -> Option<Pos> {
        loop {
            if let Some((g, rep)) = inside.clone() {
                let (first, last) = self.block(&g);
                if i > last {
                    match self.count(&g).0 {
                        Some(n) if rep < n => {
                            i = first;
                            inside = Some((g, rep + 1));
                            continue;
                        }
                        None if rep < MAX_REPETITIONS => return Some(Pos { at: first, rep: rep + 1, ask: true }),
                        None => {
                            let max = MAX_REPETITIONS;
                            self.note(Said::new(format!("{g} holds at most {max} repetitions"), "keying.repeat_full", &[("group", &g), ("max", &max)]));
                        }
                        // A count lowered after its rows were keyed: the rows past it go.
                        Some(_) => self.drop_repetitions(&g, rep + 1),
                    }
                    inside = None;
                    i = last + 1;
                }
            }
            let q = self.form.questions.get(i)?;
            let rep = match (&inside, self.form.repeat_of(q)) {
                (Some((_, r)), Some(_)) => *r,
                (Some(_), None) => {
                    i += 1;
                    continue;
                }
                (None, Some(g)) => {
                    let g = g.clone();
                    let (first, last) = self.block(&g.name);
                    let outside = Eval { form: &self.form, answers: &self.answers, today: &self.setup.today };
                    if !outside.group_relevant(&g) {
                        i = last + 1;
                        continue;
                    }
                    let (count, said) = self.count(&g.name);
                    if let Some(said) = said {
                        self.note(said);
                    }
                    match count {
                        Some(0) => {
                            self.drop_repetitions(&g.name, 1);
                            i = last + 1;
                        }
                        Some(_) => {
                            i = first;
                            inside = Some((g.name.clone(), 1));
                        }
                        None => return Some(Pos { at: first, rep: 1, ask: true }),
                    }
                    continue;
                }
                (None, None) => 0,
            };
            let view = view_for(&self.form, &self.answers, q, rep);
            if q.keyed() && (Eval { form: &self.form, answers: &view, today: &self.setup.today }).relevant(q) {
                return Some(Pos { at: i, rep, ask: false });
            }
            i += 1;
        }
    }

    /// Forgets the answers (and verify choices) of repetitions `from` and
    /// later of repeat `group`.
    fn drop_repetitions(&mut self, group: &str, from: u32) {
        let names: Vec<String> = self.form.repeat_questions(group).map(|q| q.name.clone()).collect();
        let later = |k: &str| super::parse_slot(k).is_some_and(|(n, r)| r >= from && names.iter().any(|x| x == n));
        self.answers.retain(|k, _| !later(k));
        self.verified.retain(|v| !later(&v.question));
    }

    /// A notice for the screen (not a refusal).
    fn note(&mut self, said: Said) {
        self.message = Some(said.english);
        self.worded = Some(said.msg);
    }

    /// The next question (or prompt) after the one at `p`.
    fn next_after(&mut self, p: Pos) -> Option<Pos> {
        let inside = (p.rep > 0).then(|| self.form.repeat_of(&self.form.questions[p.at]).map(|g| (g.name.clone(), p.rep))).flatten();
        self.scan(p.at + 1, inside)
    }

    fn open_pos(&mut self, p: Pos) {
        self.rep = p.rep;
        if p.ask {
            self.stage = Stage::Another;
            self.current = p.at;
            self.input.clear();
            self.picked.clear();
            self.prefilled = false;
        } else {
            self.open(p.at);
        }
    }

    fn open(&mut self, i: usize) {
        self.stage = Stage::Question;
        self.current = i;
        self.input.clear();
        self.picked.clear();
        self.prefilled = false;
        let q = &self.form.questions[i];
        if let Some(v) = self.answers.get(&key_for(&self.form, q, self.rep)) {
            match q.kind {
                Kind::SelectMultiple => {
                    self.picked = v.split(' ').filter_map(|x| q.choices.iter().position(|c| c.value == x)).collect();
                }
                Kind::SelectOne => {
                    self.input = q.choice(v).map_or_else(|| v.clone(), |c| c.key.clone());
                    self.prefilled = true;
                }
                _ => {
                    self.input = v.clone();
                    self.prefilled = true;
                }
            }
        }
    }

    /// The "another?" prompt: Enter, `1`, `y` or `+` keys the offered
    /// repetition; `0`, `n` or `-` ends the repeat (dropping any later
    /// repetitions keyed before going back); Backspace or ↑ goes back into
    /// the last repetition.
    fn press_another(&mut self, key: Key) -> Step {
        let p = self.pos();
        let Some(g) = self.form.repeat_of(&self.form.questions[p.at]).map(|g| g.name.clone()) else { return Step::Typing };
        match key {
            Key::Back | Key::Backspace => self.back(),
            Key::Enter | Key::Char('1' | 'y' | 'Y' | '+') => {
                self.history.push(p);
                let (first, _) = self.block(&g);
                match self.scan(first, Some((g, p.rep))) {
                    Some(n) => {
                        self.open_pos(n);
                        Step::Advanced
                    }
                    None => self.complete(),
                }
            }
            Key::Char('0' | 'n' | 'N' | '-') => {
                self.drop_repetitions(&g, p.rep);
                self.history.push(p);
                let (_, last) = self.block(&g);
                match self.scan(last + 1, None) {
                    Some(n) => {
                        self.open_pos(n);
                        Step::Advanced
                    }
                    None => self.complete(),
                }
            }
            Key::Char(c) => {
                let label = self.form.group(&g).and_then(|x| pick(&x.labels, self.lang())).unwrap_or(&g).to_string();
                let n = p.rep;
                self.refuse(Said::new(format!("{c}: Enter keys repetition {n} of {label}, 0 ends it"), "keying.another_keys", &[("c", &c), ("n", &n), ("group", &label)]))
            }
        }
    }

    /// Verify mode: `1` takes the first entry's value, `2` the one keyed,
    /// Backspace (or ↑) keys the answer again; nothing else is taken.
    fn press_mismatch(&mut self, key: Key) -> Step {
        let Some(m) = self.mismatch.clone() else { return Step::Typing };
        let chosen = match key {
            Key::Char('1') => m.first.clone(),
            Key::Char('2') => m.keyed.clone(),
            Key::Backspace | Key::Back => {
                self.mismatch = None;
                self.input.clear();
                self.picked.clear();
                self.prefilled = false;
                return Step::Typing;
            }
            _ => return Step::Mismatch,
        };
        self.mismatch = None;
        self.verified.retain(|v| v.question != m.question);
        self.verified.push(Verified { question: m.question.clone(), first: m.first, keyed: m.keyed, chosen: chosen.clone() });
        let q = self.form.questions[self.current].clone();
        self.accept(&q, chosen)
    }

    /// An answer as the keyer reads it: a choice's key and label.
    fn shown(&self, q: &Question, value: &str) -> String {
        if value.is_empty() {
            return "—".into();
        }
        if !q.kind.is_select() {
            return value.to_string();
        }
        let lang = self.lang();
        value
            .split(' ')
            .map(|v| q.choice(v).map_or_else(|| v.to_string(), |c| format!("{} {}", c.key, pick(&c.labels, lang).unwrap_or(&c.value))))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn back(&mut self) -> Step {
        self.mismatch = None;
        match self.history.pop() {
            Some(p) => {
                self.open_pos(p);
                Step::Back
            }
            None if matches!(self.stage, Stage::Question | Stage::Another | Stage::Complete) => {
                // Back from the first question: the paper ID again.
                self.stage = Stage::Paper;
                self.input = self.paper_id.clone();
                self.prefilled = true;
                Step::Back
            }
            None => Step::Typing,
        }
    }

    /// Offered choices of the open select whose key or code starts with
    /// `typed` (codes ignoring case).
    fn candidates(&self, q: &Question, typed: &str) -> Vec<usize> {
        let view = self.view();
        let eval = Eval { form: &self.form, answers: &view, today: &self.setup.today };
        let lower = typed.to_lowercase();
        q.choices
            .iter()
            .enumerate()
            .filter(|(_, c)| eval.offered(q, c) && (c.key.starts_with(typed) || c.value.to_lowercase().starts_with(&lower)))
            .map(|(i, _)| i)
            .collect()
    }

    /// The choice `typed` means, if it can mean only one: an exact key or
    /// code that no other offered choice extends.
    fn unambiguous(&self, q: &Question, typed: &str, enter: bool) -> Result<Option<usize>, Said> {
        if typed.is_empty() {
            return Ok(None);
        }
        let cands = self.candidates(q, typed);
        let exact = |c: &Choice| c.key == typed || c.value.eq_ignore_ascii_case(typed);
        let exacts: Vec<usize> = cands.iter().copied().filter(|&i| exact(&q.choices[i])).collect();
        if cands.is_empty() {
            let lang = self.lang();
            if let Some(c) = q.choices.iter().find(|c| exact(c)) {
                let label = pick(&c.labels, lang).unwrap_or(&c.value);
                return Err(Said::new(format!("{} ({label}) is not offered here", c.key), "keying.not_offered", &[("key", &c.key), ("label", &label)]));
            }
            let keys = q.choices.iter().map(|c| c.key.as_str()).collect::<Vec<_>>().join(" ");
            return Err(Said::new(format!("no choice {typed}; keys are {keys}"), "keying.no_choice", &[("typed", &typed), ("keys", &keys)]));
        }
        // Prefer the key over a code that spells the same.
        let by_key: Vec<usize> = exacts.iter().copied().filter(|&i| q.choices[i].key == typed).collect();
        let exact_one = match (by_key.as_slice(), exacts.as_slice()) {
            ([k], _) => Some(*k),
            ([], [e]) => Some(*e),
            _ => None,
        };
        if cands.len() == 1 && (enter || exact_one.is_some()) {
            return Ok(Some(cands[0]));
        }
        if enter {
            return match exact_one {
                Some(i) => Ok(Some(i)),
                None => {
                    let keys = cands.iter().map(|&i| q.choices[i].key.as_str()).collect::<Vec<_>>().join(" / ");
                    Err(Said::new(format!("{typed} could be {}; type more", keys.replace(" / ", " or ")), "keying.ambiguous", &[("typed", &typed), ("keys", &keys)]))
                }
            };
        }
        Ok(None)
    }

    fn press_question(&mut self, key: Key) -> Step {
        let q = self.form.questions[self.current].clone();
        if key == Key::Back || (key == Key::Backspace && (self.input.is_empty() || self.prefilled) && self.picked.is_empty()) {
            return self.back();
        }
        match q.kind {
            Kind::SelectOne => {
                if let Some(s) = self.edit(key) {
                    return s;
                }
                let typed = self.input.trim().to_string();
                if key == Key::Enter && typed.is_empty() {
                    return self.commit(&q, String::new());
                }
                match self.unambiguous(&q, &typed, key == Key::Enter) {
                    Ok(Some(i)) => {
                        let v = q.choices[i].value.clone();
                        self.commit(&q, v)
                    }
                    Ok(None) => Step::Typing,
                    Err(m) => {
                        self.input.clear();
                        self.refuse(m)
                    }
                }
            }
            Kind::SelectMultiple => {
                if key == Key::Backspace && self.input.is_empty() {
                    self.picked.pop();
                    return Step::Typing;
                }
                let separator = key == Key::Char(' ') || key == Key::Char(',');
                if !separator {
                    if let Some(s) = self.edit(key) {
                        return s;
                    }
                }
                let typed = self.input.trim().to_string();
                let enter = key == Key::Enter || separator;
                if !typed.is_empty() {
                    match self.unambiguous(&q, &typed, enter) {
                        Ok(Some(i)) => {
                            self.input.clear();
                            match self.picked.iter().position(|&p| p == i) {
                                Some(at) => {
                                    self.picked.remove(at);
                                }
                                None => self.picked.push(i),
                            }
                        }
                        Ok(None) => return Step::Typing,
                        Err(m) => {
                            self.input.clear();
                            return self.refuse(m);
                        }
                    }
                }
                if key != Key::Enter {
                    return Step::Typing;
                }
                let mut picked = self.picked.clone();
                picked.sort_unstable();
                let v = picked.iter().map(|&i| q.choices[i].value.as_str()).collect::<Vec<_>>().join(" ");
                self.commit(&q, v)
            }
            Kind::Date | Kind::Time | Kind::DateTime => {
                if let Some(s) = self.edit(key) {
                    return s;
                }
                let digits = self.input.chars().filter(char::is_ascii_digit).count();
                let full = match q.kind {
                    Kind::Date => digits == 8,
                    Kind::Time => digits == 4,
                    _ => digits == 12,
                };
                if key == Key::Enter || (full && matches!(key, Key::Char(c) if c.is_ascii_digit())) {
                    let raw = if q.kind == Kind::DateTime && !self.input.contains([' ', 'T']) && digits == 12 {
                        let d: String = self.input.chars().filter(char::is_ascii_digit).collect();
                        format!("{} {}", &d[..8], &d[8..])
                    } else {
                        self.input.clone()
                    };
                    return self.commit_raw(&q, &raw);
                }
                Step::Typing
            }
            Kind::Integer | Kind::Decimal => {
                if let Key::Char(c) = key {
                    let ok = c.is_ascii_digit() || c == '-' || (q.kind == Kind::Decimal && c == '.');
                    if !ok && !('０'..='９').contains(&c) {
                        return self.refuse(Said::new(format!("{c}: numbers only"), "keying.numbers_only", &[("c", &c)]));
                    }
                }
                if let Some(s) = self.edit(key) {
                    return s;
                }
                if key == Key::Enter || (q.kind == Kind::Integer && self.integer_complete(&q)) {
                    let raw = self.input.clone();
                    return self.commit_raw(&q, &raw);
                }
                Step::Typing
            }
            _ => {
                if let Some(s) = self.edit(key) {
                    return s;
                }
                if key == Key::Enter {
                    let raw = self.input.clone();
                    return self.commit_raw(&q, &raw);
                }
                Step::Typing
            }
        }
    }

    /// An integer is complete when it meets its constraint and no further
    /// digit could (age `16..=80`: `45` is complete, `4` and `8` are not).
    fn integer_complete(&self, q: &Question) -> bool {
        if q.constraint.is_none() || !self.input.chars().all(|c| c.is_ascii_digit()) || self.input.is_empty() {
            return false;
        }
        let passes = |v: &str| {
            let Ok(n) = normalize_answer(q, v) else { return false };
            let mut trial = self.answers.clone();
            trial.insert(self.key_of(q), n.clone());
            let view = view_for(&self.form, &trial, q, self.rep);
            Eval { form: &self.form, answers: &view, today: &self.setup.today }.check(q, &n, None).is_ok()
        };
        passes(&self.input) && (0..10).all(|d| !passes(&format!("{}{d}", self.input)))
    }

    fn commit_raw(&mut self, q: &Question, raw: &str) -> Step {
        match normalize_answer(q, raw) {
            Ok(v) => self.commit(q, v),
            Err(m) => Step::Invalid { message: m },
        }
    }

    /// Checks and stores an answer in normal form, then moves on.
    fn commit(&mut self, q: &Question, value: String) -> Step {
        let key = self.key_of(q);
        let mut trial = self.answers.clone();
        if value.is_empty() {
            trial.remove(&key);
        } else {
            trial.insert(key.clone(), value.clone());
        }
        let view = view_for(&self.form, &trial, q, self.rep);
        let checked = Eval { form: &self.form, answers: &view, today: &self.setup.today }.check(q, &value, self.lang());
        if let Err(m) = checked {
            if q.kind.is_select() {
                self.input.clear();
            }
            return Step::Invalid { message: m };
        }
        // Verify mode: a value other than the first entry's waits for the
        // keyer to say which is right.
        if let Some(first) = self.first.as_ref().and_then(|f| f.get(&self.paper_id)) {
            let first = first.get(&key).cloned().unwrap_or_default();
            if first != value {
                self.mismatch = Some(Mismatch {
                    question: key.clone(),
                    first_shown: self.shown(q, &first),
                    keyed_shown: self.shown(q, &value),
                    first,
                    keyed: value,
                });
                return Step::Mismatch;
            }
        }
        self.verified.retain(|v| v.question != key);
        self.accept(q, value)
    }

    /// Stores a checked answer and moves on.
    fn accept(&mut self, q: &Question, value: String) -> Step {
        let key = self.key_of(q);
        if value.is_empty() {
            self.answers.remove(&key);
        } else {
            self.answers.insert(key, value);
        }
        let here = self.pos();
        self.history.push(here);
        self.input.clear();
        self.picked.clear();
        self.prefilled = false;
        match self.next_after(here) {
            Some(p) => {
                self.open_pos(p);
                Step::Advanced
            }
            None => self.complete(),
        }
    }

    fn complete(&mut self) -> Step {
        // A later answer can break an earlier rule (e.g. `. <= ${other}`):
        // check the whole paper and reopen the first problem.
        match validate(&self.form, &self.answers, &self.setup.today, self.lang()) {
            Ok(clean) => {
                self.answers = clean;
                self.stage = Stage::Complete;
                Step::Complete
            }
            Err(issues) => {
                let first = &issues[0];
                if let Some((q, rep)) = self.form.question_of_key(&first.field) {
                    let name = q.name.clone();
                    if let Some(i) = self.form.questions.iter().position(|q| q.name == name && q.keyed()) {
                        self.rep = rep.unwrap_or(0);
                        self.open(i);
                    }
                }
                Step::Invalid { message: format!("{}: {}", first.field, first.message) }
            }
        }
    }

    /// The entry this session keys.
    pub fn finish_entry(&self) -> Entry {
        self.setup.entry
    }

    /// The completed paper, once [`Step::Complete`] was returned.
    pub fn finish(&self) -> Option<KeyedForm> {
        (self.stage == Stage::Complete).then(|| KeyedForm {
            paper_id: self.paper_id.clone(),
            batch: self.batch.clone(),
            entry: self.setup.entry,
            keyer: self.setup.keyer.clone(),
            answers: self.answers.clone(),
            keystrokes: self.keystrokes,
            answer_keystrokes: self.answer_keystrokes,
            questions_asked: self.history.iter().filter(|p| !p.ask).count() as u32,
            duration_ms: None,
            verified: self.verified.iter().filter(|v| self.answers.contains_key(&v.question) || v.chosen.is_empty()).cloned().collect(),
        })
    }

    /// Starts the next paper (same batch, keyer and entry); the finished
    /// paper counts as keyed.
    pub fn next_paper_form(&mut self) {
        if !self.paper_id.is_empty() && self.stage == Stage::Complete {
            self.keyed_papers.insert(self.paper_id.clone());
        }
        self.stage = Stage::Paper;
        self.paper_id.clear();
        self.answers.clear();
        self.input.clear();
        self.picked.clear();
        self.history.clear();
        self.rep = 0;
        self.prefilled = false;
        self.message = None;
        self.worded = None;
        self.keystrokes = 0;
        self.answer_keystrokes = 0;
        self.mismatch = None;
        self.verified.clear();
    }

    /// What the screen shows now.
    pub fn screen(&self) -> Screen {
        let lang = self.lang();
        let q = self.question();
        let view = if q.is_some() { self.view() } else { std::borrow::Cow::Borrowed(&self.answers) };
        let eval = Eval { form: &self.form, answers: &view, today: &self.setup.today };
        let key = q.map(|q| self.key_of(q));
        let choices = q
            .map(|q| {
                q.choices
                    .iter()
                    .enumerate()
                    .map(|(i, c)| ScreenChoice {
                        key: c.key.clone(),
                        value: c.value.clone(),
                        label: pick(&c.labels, lang).unwrap_or(&c.value).to_string(),
                        offered: eval.offered(q, c),
                        picked: self.picked.contains(&i) || (q.kind == Kind::SelectOne && key.as_ref().and_then(|k| self.answers.get(k)) == Some(&c.value)),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Screen {
            stage: self.stage,
            batch: self.batch.clone(),
            paper_id: self.paper_id.clone(),
            next_paper: self.next_paper().map(str::to_string),
            question: q.map(|q| q.name.clone()),
            label: q.map(|q| q.label(lang).to_string()),
            hint: q.and_then(|q| pick(&q.hints, lang)).map(str::to_string),
            kind: q.map(|q| q.kind),
            required: q.is_some_and(|q| eval.required(q)),
            choices,
            input: self.input.clone(),
            message: self.message.clone(),
            worded: self.worded.clone(),
            position: self.history.iter().filter(|p| !p.ask).count() as u32 + u32::from(q.is_some()),
            total: self.form.keyed().count() as u32,
            answers: self.answers.clone(),
            keystrokes: self.keystrokes,
            verify: self.first.is_some(),
            mismatch: self.mismatch.clone(),
            repeat: self.screen_repeat(),
        }
    }

    fn screen_repeat(&self) -> Option<ScreenRepeat> {
        if !matches!(self.stage, Stage::Question | Stage::Another) || self.rep == 0 {
            return None;
        }
        let g = self.form.repeat_of(&self.form.questions[self.current])?;
        Some(ScreenRepeat {
            group: g.name.clone(),
            label: pick(&g.labels, self.lang()).unwrap_or(&g.name).to_string(),
            index: self.rep,
            count: self.count(&g.name).0,
        })
    }
}
