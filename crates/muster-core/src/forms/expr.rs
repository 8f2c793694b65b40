//! A small evaluator of the XPath 1.0 subset XLSForm uses in `relevant`,
//! `constraint`, `required` and `choice_filter`: a tokenizer, a
//! precedence-climbing parser into an [`Expr`] tree, and an evaluator over a
//! [`Context`] that supplies `${name}` answers, `.` (the value being checked),
//! bare names (a choice's columns in a `choice_filter`) and today's date.
//!
//! Semantics follow XPath 1.0 as ODK's JavaRosa applies it: a reference is a
//! node whose string value is the answer (`""` when unanswered); `=` compares
//! as booleans if either side is a boolean, else as numbers if either side is
//! a number, else as strings; `<` `<=` `>` `>=` compare numbers, and a
//! `YYYY-MM-DD` string counts as days since 1970-01-01 (so `. >= today()`
//! works, and `today() - ${dob}`, `date(${d} + 7)` are date arithmetic).
//! Beside XPath's own: `jr:choice-name()` (a choice's label, through
//! [`Context::choice_label`]), `pulldata()` (a CSV attached to the form,
//! [`Context::pulldata`]), `once()`, `coalesce()`, `if()`, `regex()`,
//! `format-date()`, `decimal-date-time()`. Unknown functions parse, are
//! listed by [`Expr::unsupported_functions`], and fail at evaluation.

use crate::Msg;
use std::fmt;

/// A parse or evaluation problem, with the character offset (0-based) where
/// parsing stopped: said in English (`message`) and as a sentence for the
/// app to word (`msg`, keys `expr.*`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ExprError {
    pub message: String,
    pub offset: Option<usize>,
    pub msg: Msg,
}

impl ExprError {
    fn at(offset: usize, message: impl Into<String>, msg: Msg) -> Self {
        ExprError { message: message.into(), offset: Some(offset), msg }
    }
    fn eval(message: impl Into<String>, msg: Msg) -> Self {
        ExprError { message: message.into(), offset: None, msg }
    }
}

/// What an expression can read.
pub trait Context {
    /// `${name}`: the answer to question `name` (`""` when unanswered), or
    /// `None` when the form has no such question.
    fn field(&self, name: &str) -> Option<String>;
    /// `.`: the value being checked (a constraint's own answer).
    fn current(&self) -> Option<String>;
    /// A bare name, e.g. a choice's column in a `choice_filter`.
    fn name(&self, _name: &str) -> Option<String> {
        None
    }
    /// Today's date, `YYYY-MM-DD`.
    fn today(&self) -> String;
    /// `jr:choice-name(value, '${question}')`: the label of the choice
    /// `value` of select `question`, or `None` (no such question or choice).
    fn choice_label(&self, _question: &str, _value: &str) -> Option<String> {
        None
    }
    /// `pulldata('file', 'column', 'key_column', key)`: `column` of the
    /// first row of the CSV `file` attached to the form whose `key_column`
    /// is `key`, or `None`.
    fn pulldata(&self, _file: &str, _column: &str, _key_column: &str, _key: &str) -> Option<String> {
        None
    }
}

/// A value during evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Num(f64),
    Bool(bool),
    /// The value of a reference (`${q}`, `.`, a bare name); `None` when it
    /// names nothing (an empty node-set).
    Node(Option<String>),
}

impl Value {
    pub fn as_bool(&self) -> bool {
        match self {
            Value::Bool(b) => *b,
            Value::Num(n) => *n != 0.0 && !n.is_nan(),
            Value::Str(s) => !s.is_empty(),
            Value::Node(v) => v.as_deref().is_some_and(|s| !s.is_empty()),
        }
    }

    pub fn as_num(&self) -> f64 {
        match self {
            Value::Num(n) => *n,
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Str(s) => str_to_num(s),
            Value::Node(v) => v.as_deref().map_or(f64::NAN, str_to_num),
        }
    }

    pub fn as_string(&self) -> String {
        match self {
            Value::Str(s) => s.clone(),
            Value::Node(v) => v.clone().unwrap_or_default(),
            Value::Bool(b) => b.to_string(),
            Value::Num(n) => num_to_string(*n),
        }
    }
}

/// XPath `number()`: a decimal, or a `YYYY-MM-DD` date as days since epoch.
fn str_to_num(s: &str) -> f64 {
    let t = s.trim();
    if t.is_empty() {
        return f64::NAN;
    }
    if let Some(days) = date_days(t) {
        return days as f64;
    }
    let ok = t.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-') && t.chars().any(|c| c.is_ascii_digit());
    if ok {
        t.parse().unwrap_or(f64::NAN)
    } else {
        f64::NAN
    }
}

/// Days since 1970-01-01 of a valid `YYYY-MM-DD` (optionally followed by a time).
pub fn date_days(s: &str) -> Option<i64> {
    let d = s.get(..10)?;
    if !crate::clock::is_date(d) || (s.len() > 10 && !s[10..].starts_with('T') && !s[10..].starts_with(' ')) {
        return None;
    }
    let y: i64 = d[0..4].parse().ok()?;
    let m: i64 = d[5..7].parse().ok()?;
    let day: i64 = d[8..10].parse().ok()?;
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

fn num_to_string(n: f64) -> String {
    if n.is_nan() {
        "NaN".into()
    } else if n.is_infinite() {
        if n > 0.0 { "Infinity".into() } else { "-Infinity".into() }
    } else if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    Ref(String),
    Dot,
    Name(String),
    LParen,
    RParen,
    Comma,
    Op(Op),
}

/// Binary operators, lowest precedence first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl Op {
    fn precedence(self) -> u8 {
        match self {
            Op::Or => 1,
            Op::And => 2,
            Op::Eq | Op::Ne => 3,
            Op::Lt | Op::Le | Op::Gt | Op::Ge => 4,
            Op::Add | Op::Sub => 5,
            Op::Mul | Op::Div | Op::Mod => 6,
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Op::Or => "or",
            Op::And => "and",
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Add => "+",
            Op::Sub => "-",
            Op::Mul => "*",
            Op::Div => "div",
            Op::Mod => "mod",
        };
        f.write_str(s)
    }
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Num(f64),
    Str(String),
    /// `${name}`.
    Ref(String),
    /// `.`.
    Current,
    /// A bare name or path (its last step).
    Name(String),
    Neg(Box<Expr>),
    Bin(Op, Box<Expr>, Box<Expr>),
    Call(String, Vec<Expr>),
}

fn is_name_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':')
}

fn tokenize(src: &str) -> Result<Vec<(usize, Tok)>, ExprError> {
    let chars: Vec<(usize, char)> = src.char_indices().collect();
    let mut out: Vec<(usize, Tok)> = Vec::new();
    let mut i = 0;
    // After an operand, `and`/`or`/`div`/`mod`/`*` are operators (XPath 1.0 §3.7).
    let operand_before = |out: &Vec<(usize, Tok)>| {
        matches!(out.last(), Some((_, Tok::Num(_) | Tok::Str(_) | Tok::Ref(_) | Tok::Dot | Tok::Name(_) | Tok::RParen)))
    };
    while i < chars.len() {
        let (pos, c) = chars[i];
        let next = chars.get(i + 1).map(|&(_, c)| c);
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let tok = match c {
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            ',' => Tok::Comma,
            '=' => Tok::Op(Op::Eq),
            '+' => Tok::Op(Op::Add),
            '-' => Tok::Op(Op::Sub),
            '*' => Tok::Op(Op::Mul),
            '!' if next == Some('=') => {
                i += 1;
                Tok::Op(Op::Ne)
            }
            '<' if next == Some('=') => {
                i += 1;
                Tok::Op(Op::Le)
            }
            '>' if next == Some('=') => {
                i += 1;
                Tok::Op(Op::Ge)
            }
            '<' => Tok::Op(Op::Lt),
            '>' => Tok::Op(Op::Gt),
            '\'' | '"' => {
                let mut j = i + 1;
                let mut s = String::new();
                while j < chars.len() && chars[j].1 != c {
                    s.push(chars[j].1);
                    j += 1;
                }
                if j == chars.len() {
                    return Err(ExprError::at(pos, format!("unterminated string starting at character {}", pos + 1), Msg::new("expr.unterminated_string", &[("at", &(pos + 1))])));
                }
                i = j;
                Tok::Str(s)
            }
            '$' => {
                if next != Some('{') {
                    return Err(ExprError::at(pos, "expected `{` after `$`", Msg::new("expr.dollar_brace", &[("at", &(pos + 1))])));
                }
                let mut j = i + 2;
                let mut name = String::new();
                while j < chars.len() && chars[j].1 != '}' {
                    name.push(chars[j].1);
                    j += 1;
                }
                if j == chars.len() {
                    return Err(ExprError::at(pos, "unterminated `${` reference", Msg::new("expr.unterminated_ref", &[("at", &(pos + 1))])));
                }
                let name = name.trim().to_string();
                if name.is_empty() || !name.chars().all(is_name_char) {
                    return Err(ExprError::at(pos, format!("`${{{name}}}` is not a question name"), Msg::new("expr.bad_ref", &[("name", &crate::quote(&name)), ("at", &(pos + 1))])));
                }
                i = j;
                Tok::Ref(name)
            }
            '.' if next == Some('.') => return Err(ExprError::at(pos, "`..` (parent) is not supported", Msg::new("expr.parent", &[("at", &(pos + 1))]))),
            '.' if !next.is_some_and(|n| n.is_ascii_digit()) => Tok::Dot,
            c if c.is_ascii_digit() || c == '.' => {
                let mut j = i;
                let mut s = String::new();
                while j < chars.len() && (chars[j].1.is_ascii_digit() || chars[j].1 == '.') {
                    s.push(chars[j].1);
                    j += 1;
                }
                let n: f64 = s.parse().map_err(|_| ExprError::at(pos, format!("`{s}` is not a number"), Msg::new("expr.bad_number", &[("value", &s), ("at", &(pos + 1))])))?;
                i = j - 1;
                Tok::Num(n)
            }
            '/' if next.is_some_and(is_name_start) => {
                // An absolute path such as /data/q: keep its last step.
                let mut j = i;
                let mut last = String::new();
                while j < chars.len() && (chars[j].1 == '/' || is_name_char(chars[j].1)) {
                    if chars[j].1 == '/' {
                        last.clear();
                    } else {
                        last.push(chars[j].1);
                    }
                    j += 1;
                }
                i = j - 1;
                Tok::Name(last)
            }
            c if is_name_start(c) => {
                let mut j = i;
                let mut s = String::new();
                while j < chars.len() && is_name_char(chars[j].1) {
                    s.push(chars[j].1);
                    j += 1;
                }
                // A trailing `-` or `.` belongs to what follows (`a-1` stays a name, as in XPath).
                i = j - 1;
                let op = match s.as_str() {
                    "and" => Some(Op::And),
                    "or" => Some(Op::Or),
                    "div" => Some(Op::Div),
                    "mod" => Some(Op::Mod),
                    _ => None,
                };
                match op {
                    Some(op) if operand_before(&out) => Tok::Op(op),
                    _ => Tok::Name(s),
                }
            }
            other => return Err(ExprError::at(pos, format!("unexpected character `{other}` at character {}", pos + 1), Msg::new("expr.unexpected_char", &[("value", &other), ("at", &(pos + 1))]))),
        };
        out.push((pos, tok));
        i += 1;
    }
    Ok(out)
}

/// How many parentheses, function calls and minus signs may be open at
/// once, and how deep the parsed tree may be (operator chains count: `a or
/// b or c` nests to the left). Real forms stay far below both; without them
/// a broken or hostile cell overflows the stack when it is parsed,
/// evaluated or dropped (found by fuzzing). Evaluating a function call
/// takes most stack (about 14 KB in a debug build), hence the lower limit.
pub const MAX_NESTING: usize = 32;
/// See [`MAX_NESTING`].
pub const MAX_DEPTH: usize = 128;

struct Parser {
    toks: Vec<(usize, Tok)>,
    at: usize,
    len: usize,
    /// Parentheses, argument lists and minus signs open right now.
    open: usize,
}

/// The height of a node over children `height` high, at most [`MAX_DEPTH`].
fn taller(height: usize, pos: usize) -> Result<usize, ExprError> {
    if height >= MAX_DEPTH {
        return Err(ExprError::at(
            pos,
            format!("the expression nests more than {MAX_DEPTH} operations deep at character {}", pos + 1),
            Msg::new("expr.too_deep", &[("max", &MAX_DEPTH), ("at", &(pos + 1))]),
        ));
    }
    Ok(height + 1)
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|(_, t)| t)
    }
    fn pos(&self) -> usize {
        self.toks.get(self.at).map_or(self.len, |(p, _)| *p)
    }
    fn bump(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.at).map(|(_, t)| t.clone());
        self.at += 1;
        t
    }

    /// Opens a parenthesis, call or minus sign at `pos` (the caller closes
    /// it), refusing to recurse past [`MAX_NESTING`].
    fn open(&mut self, pos: usize) -> Result<(), ExprError> {
        if self.open >= MAX_NESTING {
            return Err(ExprError::at(
                pos,
                format!("more than {MAX_NESTING} parentheses, function calls or minus signs are open at character {}", pos + 1),
                Msg::new("expr.too_nested", &[("max", &MAX_NESTING), ("at", &(pos + 1))]),
            ));
        }
        self.open += 1;
        Ok(())
    }

    /// An expression and the height of its tree.
    fn expr(&mut self, min_prec: u8) -> Result<(Expr, usize), ExprError> {
        let (mut lhs, mut height) = self.unary()?;
        while let Some(Tok::Op(op)) = self.peek() {
            let op = *op;
            let prec = op.precedence();
            if prec < min_prec {
                break;
            }
            let pos = self.pos();
            self.bump();
            let (rhs, rhs_height) = self.expr(prec + 1)?;
            height = taller(height.max(rhs_height), pos)?;
            lhs = Expr::Bin(op, Box::new(lhs), Box::new(rhs));
        }
        Ok((lhs, height))
    }

    fn unary(&mut self) -> Result<(Expr, usize), ExprError> {
        if self.peek() == Some(&Tok::Op(Op::Sub)) {
            let pos = self.pos();
            self.open(pos)?;
            self.bump();
            let (e, height) = self.unary()?;
            self.open -= 1;
            return Ok((Expr::Neg(Box::new(e)), taller(height, pos)?));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<(Expr, usize), ExprError> {
        let pos = self.pos();
        match self.bump() {
            Some(Tok::Num(n)) => Ok((Expr::Num(n), 1)),
            Some(Tok::Str(s)) => Ok((Expr::Str(s), 1)),
            Some(Tok::Ref(r)) => Ok((Expr::Ref(r), 1)),
            Some(Tok::Dot) => Ok((Expr::Current, 1)),
            Some(Tok::LParen) => {
                self.open(pos)?;
                let e = self.expr(0)?;
                self.open -= 1;
                match self.bump() {
                    Some(Tok::RParen) => Ok(e),
                    _ => Err(ExprError::at(pos, format!("`(` at character {} is never closed", pos + 1), Msg::new("expr.paren_open", &[("at", &(pos + 1))]))),
                }
            }
            Some(Tok::Name(name)) => {
                if self.peek() != Some(&Tok::LParen) {
                    return Ok((Expr::Name(name), 1));
                }
                self.bump();
                let mut args = Vec::new();
                if self.peek() == Some(&Tok::RParen) {
                    self.bump();
                    return Ok((Expr::Call(name, args), 1));
                }
                self.open(pos)?;
                let mut height = 0;
                loop {
                    let (arg, h) = self.expr(0)?;
                    args.push(arg);
                    height = height.max(h);
                    match self.bump() {
                        Some(Tok::Comma) => continue,
                        Some(Tok::RParen) => break,
                        _ => return Err(ExprError::at(
                                pos,
                                format!("the arguments of {name}() at character {} are not closed by `)`", pos + 1),
                                Msg::new("expr.args_open", &[("name", &name), ("at", &(pos + 1))]),
                            )),
                    }
                }
                self.open -= 1;
                Ok((Expr::Call(name, args), taller(height, pos)?))
            }
            Some(t) => Err(unexpected(pos, &t)),
            None => Err(ExprError::at(pos, "the expression ends too early", Msg::new("expr.ends_early", &[("at", &(pos + 1))]))),
        }
    }
}

/// `unexpected <token> at character N`.
fn unexpected(pos: usize, t: &Tok) -> ExprError {
    ExprError::at(pos, format!("unexpected {} at character {}", describe(t), pos + 1), Msg::new("expr.unexpected", &[("value", &token_text(t)), ("at", &(pos + 1))]))
}

/// The token as it reads in the expression, for a person.
fn token_text(t: &Tok) -> String {
    match t {
        Tok::Num(n) => format!("`{n}`"),
        Tok::Str(s) => crate::quote(s),
        Tok::Ref(r) => format!("`${{{r}}}`"),
        Tok::Dot => "`.`".into(),
        Tok::Name(n) => format!("`{n}`"),
        Tok::LParen => "`(`".into(),
        Tok::RParen => "`)`".into(),
        Tok::Comma => "`,`".into(),
        Tok::Op(op) => format!("`{op}`"),
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Op(op) => format!("operator `{op}`"),
        Tok::RParen => "`)`".into(),
        Tok::Comma => "`,`".into(),
        other => format!("{other:?}"),
    }
}

/// Functions the evaluator knows, with their allowed argument counts.
const FUNCTIONS: &[(&str, usize, usize)] = &[
    ("selected", 2, 2),
    ("count-selected", 1, 1),
    ("selected-at", 2, 2),
    ("not", 1, 1),
    ("true", 0, 0),
    ("false", 0, 0),
    ("boolean", 1, 1),
    ("number", 1, 1),
    ("int", 1, 1),
    ("string", 1, 1),
    ("string-length", 1, 1),
    ("contains", 2, 2),
    ("starts-with", 2, 2),
    ("ends-with", 2, 2),
    ("concat", 0, usize::MAX),
    ("substr", 2, 3),
    ("normalize-space", 1, 1),
    ("regex", 2, 2),
    ("if", 3, 3),
    ("coalesce", 2, 2),
    ("round", 1, 2),
    ("floor", 1, 1),
    ("ceiling", 1, 1),
    ("abs", 1, 1),
    ("today", 0, 0),
    ("now", 0, 0),
    ("date", 1, 1),
    ("date-time", 1, 1),
    ("decimal-date-time", 1, 1),
    ("format-date", 2, 2),
    ("jr:choice-name", 2, 2),
    ("pulldata", 4, 4),
    ("once", 1, 1),
    ("substring-before", 2, 2),
    ("substring-after", 2, 2),
    ("translate", 3, 3),
    ("pow", 2, 2),
    ("boolean-from-string", 1, 1),
];

/// The question a `jr:choice-name` names: `'${q}'`, or a path's last step.
fn question_named(s: &str) -> &str {
    let s = s.trim();
    match s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
        Some(n) => n.trim(),
        None => s.rsplit('/').next().unwrap_or(s),
    }
}

/// ODK's `format-date`: `%Y` `%y` `%m` `%n` `%d` `%e` `%H` `%M` `%S` of a
/// `YYYY-MM-DD[THH:MM[:SS]]` value; other characters as written; `""`
/// for a value that is no date.
fn format_date(value: &str, format: &str) -> String {
    let Some(days) = date_days(value) else { return String::new() };
    let d = crate::clock::add_days("1970-01-01", days);
    let (y, m, day) = (&d[0..4], &d[5..7], &d[8..10]);
    let time = value.get(11..).unwrap_or("");
    let part = |i: usize| time.get(i..i + 2).filter(|p| p.chars().all(|c| c.is_ascii_digit())).unwrap_or("00");
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('Y') => out.push_str(y),
            Some('y') => out.push_str(&y[2..]),
            Some('m') => out.push_str(m),
            Some('n') => out.push_str(m.trim_start_matches('0')),
            Some('d') => out.push_str(day),
            Some('e') => out.push_str(day.trim_start_matches('0')),
            Some('H') => out.push_str(part(0)),
            Some('M') => out.push_str(part(3)),
            Some('S') => out.push_str(part(6)),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

impl Expr {
    /// Parses `src`.
    pub fn parse(src: &str) -> Result<Expr, ExprError> {
        let toks = tokenize(src)?;
        if toks.is_empty() {
            return Err(ExprError::at(0, "the expression is empty", Msg::new("expr.empty", &[])));
        }
        let mut p = Parser { toks, at: 0, len: src.chars().count(), open: 0 };
        let (e, _) = p.expr(0)?;
        if p.at < p.toks.len() {
            let pos = p.pos();
            if let Some(t) = p.bump() {
                return Err(unexpected(pos, &t));
            }
        }
        e.check_arity()?;
        Ok(e)
    }

    fn check_arity(&self) -> Result<(), ExprError> {
        self.walk(&mut |e| {
            if let Expr::Call(name, args) = e {
                if let Some((_, lo, hi)) = FUNCTIONS.iter().find(|(n, _, _)| n == name) {
                    if args.len() < *lo || args.len() > *hi {
                        let takes = if lo == hi { lo.to_string() } else { format!("{lo} to {hi}") };
                        let n = args.len();
                        return Err(ExprError::eval(
                            format!("{name}() takes {takes} argument(s), not {n}"),
                            Msg::new("expr.arity", &[("name", name), ("takes", &takes), ("given", &n)]),
                        ));
                    }
                }
            }
            Ok(())
        })
    }

    fn walk(&self, f: &mut dyn FnMut(&Expr) -> Result<(), ExprError>) -> Result<(), ExprError> {
        f(self)?;
        match self {
            Expr::Neg(e) => e.walk(f),
            Expr::Bin(_, a, b) => {
                a.walk(f)?;
                b.walk(f)
            }
            Expr::Call(_, args) => args.iter().try_for_each(|a| a.walk(f)),
            _ => Ok(()),
        }
    }

    /// The `${name}` references, in order, without repeats.
    pub fn references(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let _ = self.walk(&mut |e| {
            if let Expr::Ref(r) = e {
                if !out.contains(r) {
                    out.push(r.clone());
                }
            }
            Ok(())
        });
        out
    }

    /// The bare names (not `${}` references and not function names).
    pub fn bare_names(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let _ = self.walk(&mut |e| {
            if let Expr::Name(r) = e {
                if !out.contains(r) {
                    out.push(r.clone());
                }
            }
            Ok(())
        });
        out
    }

    /// The files `pulldata('file', …)` reads (its first argument, when written as text).
    pub fn pulldata_files(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let _ = self.walk(&mut |e| {
            if let Expr::Call(name, args) = e {
                if let (true, Some(Expr::Str(f))) = (name == "pulldata", args.first()) {
                    if !out.contains(f) {
                        out.push(f.trim().to_string());
                    }
                }
            }
            Ok(())
        });
        out
    }

    /// Functions called that this evaluator does not implement.
    pub fn unsupported_functions(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let _ = self.walk(&mut |e| {
            if let Expr::Call(name, _) = e {
                if !FUNCTIONS.iter().any(|(n, _, _)| n == name) && !out.contains(name) {
                    out.push(name.clone());
                }
            }
            Ok(())
        });
        out
    }

    /// Evaluates to a value.
    pub fn eval(&self, ctx: &dyn Context) -> Result<Value, ExprError> {
        Ok(match self {
            Expr::Num(n) => Value::Num(*n),
            Expr::Str(s) => Value::Str(s.clone()),
            Expr::Ref(r) => Value::Node(ctx.field(r)),
            Expr::Current => Value::Node(ctx.current()),
            Expr::Name(n) => Value::Node(ctx.name(n)),
            Expr::Neg(e) => Value::Num(-e.eval(ctx)?.as_num()),
            Expr::Bin(Op::Or, a, b) => Value::Bool(a.eval(ctx)?.as_bool() || b.eval(ctx)?.as_bool()),
            Expr::Bin(Op::And, a, b) => Value::Bool(a.eval(ctx)?.as_bool() && b.eval(ctx)?.as_bool()),
            Expr::Bin(op, a, b) => binary(*op, &a.eval(ctx)?, &b.eval(ctx)?),
            Expr::Call(name, args) => call(name, args, ctx)?,
        })
    }

    /// Evaluates as a boolean (`relevant`, `constraint`, `choice_filter`).
    pub fn truth(&self, ctx: &dyn Context) -> Result<bool, ExprError> {
        Ok(self.eval(ctx)?.as_bool())
    }
}

fn binary(op: Op, a: &Value, b: &Value) -> Value {
    match op {
        Op::Eq | Op::Ne => {
            let eq = match (a, b) {
                (Value::Node(None), _) | (_, Value::Node(None)) => {
                    // An empty node-set equals nothing (XPath), except as a boolean.
                    match (a, b) {
                        (Value::Bool(x), _) | (_, Value::Bool(x)) => !*x,
                        _ => {
                            return Value::Bool(false);
                        }
                    }
                }
                (Value::Bool(_), _) | (_, Value::Bool(_)) => a.as_bool() == b.as_bool(),
                (Value::Num(_), _) | (_, Value::Num(_)) => a.as_num() == b.as_num(),
                _ => a.as_string() == b.as_string(),
            };
            Value::Bool(if op == Op::Eq { eq } else { !eq })
        }
        Op::Lt => Value::Bool(a.as_num() < b.as_num()),
        Op::Le => Value::Bool(a.as_num() <= b.as_num()),
        Op::Gt => Value::Bool(a.as_num() > b.as_num()),
        Op::Ge => Value::Bool(a.as_num() >= b.as_num()),
        Op::Add => Value::Num(a.as_num() + b.as_num()),
        Op::Sub => Value::Num(a.as_num() - b.as_num()),
        Op::Mul => Value::Num(a.as_num() * b.as_num()),
        Op::Div => Value::Num(a.as_num() / b.as_num()),
        Op::Mod => Value::Num(a.as_num() % b.as_num()),
        Op::Or | Op::And => Value::Bool(false),
    }
}

fn tokens(s: &str) -> Vec<&str> {
    s.split_whitespace().collect()
}

fn call(name: &str, args: &[Expr], ctx: &dyn Context) -> Result<Value, ExprError> {
    let arg = |i: usize| -> Result<Value, ExprError> {
        args.get(i).map_or(Ok(Value::Str(String::new())), |a| a.eval(ctx))
    };
    Ok(match name {
        "selected" => {
            let list = arg(0)?.as_string();
            let want = arg(1)?.as_string();
            Value::Bool(tokens(&list).contains(&want.trim()))
        }
        "count-selected" => Value::Num(tokens(&arg(0)?.as_string()).len() as f64),
        "selected-at" => {
            let list = arg(0)?.as_string();
            let i = arg(1)?.as_num();
            let t = tokens(&list);
            let picked = if i >= 0.0 && i.fract() == 0.0 { t.get(i as usize).copied() } else { None };
            Value::Str(picked.unwrap_or("").to_string())
        }
        "not" => Value::Bool(!arg(0)?.as_bool()),
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "boolean" => Value::Bool(arg(0)?.as_bool()),
        "number" => Value::Num(arg(0)?.as_num()),
        "int" => Value::Num(arg(0)?.as_num().trunc()),
        "string" => Value::Str(arg(0)?.as_string()),
        "string-length" => Value::Num(arg(0)?.as_string().chars().count() as f64),
        "contains" => Value::Bool(arg(0)?.as_string().contains(&arg(1)?.as_string())),
        "starts-with" => Value::Bool(arg(0)?.as_string().starts_with(&arg(1)?.as_string())),
        "ends-with" => Value::Bool(arg(0)?.as_string().ends_with(&arg(1)?.as_string())),
        "concat" => Value::Str(args.iter().map(|a| a.eval(ctx).map(|v| v.as_string())).collect::<Result<String, _>>()?),
        "substr" => {
            let s: Vec<char> = arg(0)?.as_string().chars().collect();
            let start = (arg(1)?.as_num().max(0.0) as usize).min(s.len());
            let end = if args.len() > 2 { (arg(2)?.as_num().max(0.0) as usize).clamp(start, s.len()) } else { s.len() };
            Value::Str(s[start..end].iter().collect())
        }
        "normalize-space" => Value::Str(tokens(&arg(0)?.as_string()).join(" ")),
        "regex" => {
            let s = arg(0)?.as_string();
            let pattern = arg(1)?.as_string();
            let re = regex::Regex::new(&pattern).map_err(|e| ExprError::eval(format!("regex pattern `{pattern}` is not valid: {e}"), Msg::new("expr.bad_regex", &[("value", &crate::quote(&pattern))])))?;
            Value::Bool(re.is_match(&s))
        }
        "if" => {
            if arg(0)?.as_bool() {
                arg(1)?
            } else {
                arg(2)?
            }
        }
        "coalesce" => {
            let a = arg(0)?;
            if a.as_string().is_empty() {
                arg(1)?
            } else {
                a
            }
        }
        "round" => {
            let x = arg(0)?.as_num();
            let digits = if args.len() > 1 { arg(1)?.as_num() } else { 0.0 };
            let f = 10f64.powi(digits as i32);
            Value::Num((x * f).round() / f)
        }
        "floor" => Value::Num(arg(0)?.as_num().floor()),
        "ceiling" => Value::Num(arg(0)?.as_num().ceil()),
        "abs" => Value::Num(arg(0)?.as_num().abs()),
        "today" => Value::Str(ctx.today()),
        "now" => Value::Str(format!("{}T00:00:00", ctx.today())),
        "date" => {
            let v = arg(0)?;
            match v {
                // Years 0000 to 9999 (days past them overflowed add_days, found by fuzzing).
                Value::Num(n) if (-719_528.0..=2_932_896.0).contains(&n.floor()) => {
                    Value::Str(crate::clock::add_days("1970-01-01", n.floor() as i64))
                }
                other => {
                    let s = other.as_string();
                    match date_days(&s) {
                        Some(_) => Value::Str(s[..10].to_string()),
                        None => Value::Str(String::new()),
                    }
                }
            }
        }
        "date-time" => {
            let v = arg(0)?;
            match v {
                Value::Num(n) if (-719_528.0..=2_932_896.0).contains(&n.floor()) => {
                    let date = crate::clock::add_days("1970-01-01", n.floor() as i64);
                    let secs = ((n - n.floor()) * 86_400.0).round() as i64;
                    Value::Str(format!("{date}T{:02}:{:02}:{:02}", secs / 3600, secs % 3600 / 60, secs % 60))
                }
                other => Value::Str(other.as_string()),
            }
        }
        "decimal-date-time" => {
            let s = arg(0)?.as_string();
            match date_days(&s) {
                Some(days) => {
                    let t = s.get(11..).unwrap_or("");
                    let num = |i: usize| t.get(i..i + 2).and_then(|p| p.parse::<f64>().ok()).unwrap_or(0.0);
                    Value::Num(days as f64 + (num(0) * 3600.0 + num(3) * 60.0 + num(6)) / 86_400.0)
                }
                None => Value::Num(f64::NAN),
            }
        }
        "format-date" => {
            let v = arg(0)?;
            let value = match v {
                Value::Num(n) if (-719_528.0..=2_932_896.0).contains(&n.floor()) => crate::clock::add_days("1970-01-01", n.floor() as i64),
                other => other.as_string(),
            };
            Value::Str(format_date(&value, &arg(1)?.as_string()))
        }
        "jr:choice-name" => {
            let value = arg(0)?.as_string();
            let question = arg(1)?.as_string();
            Value::Str(ctx.choice_label(question_named(&question), value.trim()).unwrap_or_default())
        }
        "pulldata" => {
            let (file, column, key_column, key) = (arg(0)?.as_string(), arg(1)?.as_string(), arg(2)?.as_string(), arg(3)?.as_string());
            Value::Str(ctx.pulldata(file.trim(), column.trim(), key_column.trim(), &key).unwrap_or_default())
        }
        // Paper is keyed once: the answer already there, else the expression.
        "once" => match ctx.current().filter(|c| !c.is_empty()) {
            Some(c) => Value::Str(c),
            None => arg(0)?,
        },
        "substring-before" => {
            let (s, sep) = (arg(0)?.as_string(), arg(1)?.as_string());
            Value::Str(s.find(&sep).map_or(String::new(), |i| s[..i].to_string()))
        }
        "substring-after" => {
            let (s, sep) = (arg(0)?.as_string(), arg(1)?.as_string());
            Value::Str(s.find(&sep).map_or(String::new(), |i| s[i + sep.len()..].to_string()))
        }
        "translate" => {
            let s = arg(0)?.as_string();
            let from: Vec<char> = arg(1)?.as_string().chars().collect();
            let to: Vec<char> = arg(2)?.as_string().chars().collect();
            Value::Str(s.chars().filter_map(|c| match from.iter().position(|f| *f == c) { Some(i) => to.get(i).copied(), None => Some(c) }).collect())
        }
        "pow" => Value::Num(arg(0)?.as_num().powf(arg(1)?.as_num())),
        "boolean-from-string" => Value::Bool(matches!(arg(0)?.as_string().trim(), "true" | "1")),
        other => return Err(ExprError::eval(format!("function {other}() is not supported"), Msg::new("expr.unsupported", &[("name", &other)]))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Ctx;
    impl Context for Ctx {
        fn field(&self, name: &str) -> Option<String> {
            match name {
                "q1" => Some("yes".into()),
                "age" => Some("20".into()),
                "empty" => Some(String::new()),
                _ => None,
            }
        }
        fn current(&self) -> Option<String> {
            Some("7".into())
        }
        fn today(&self) -> String {
            "2026-03-15".into()
        }
    }

    #[test]
    fn parse_errors_say_where() {
        for (src, offset) in [("${q} = ", 7), ("(1 + 2", 0), ("'abc", 0), ("1 2", 2), ("$q", 0), ("f(1,", 4), ("..", 0), ("a # b", 2)] {
            let e = Expr::parse(src).unwrap_err();
            assert_eq!(e.offset, Some(offset), "{src}: {e}");
        }
        assert!(Expr::parse("not(1, 2)").unwrap_err().message.contains("takes 1"));
    }

    #[test]
    fn operators_keep_their_precedence() {
        assert_eq!(Expr::parse("1 + 2 * 3").unwrap().eval(&Ctx).unwrap().as_num(), 7.0);
        assert_eq!(Expr::parse("(1 + 2) * 3").unwrap().eval(&Ctx).unwrap().as_num(), 9.0);
        assert_eq!(Expr::parse("10 - 2 - 3").unwrap().eval(&Ctx).unwrap().as_num(), 5.0);
        assert_eq!(Expr::parse("7 mod 4 div 2").unwrap().eval(&Ctx).unwrap().as_num(), 1.5);
        assert!(Expr::parse("1 = 1 or 1 = 2 and 1 = 2").unwrap().truth(&Ctx).unwrap());
    }

    #[test]
    fn names_with_hyphens_and_operator_words() {
        // `and` after an operand is the operator; at the start it is a name.
        let e = Expr::parse("and-x = 'a' and ${q1}='yes'").unwrap();
        assert_eq!(e.bare_names(), vec!["and-x".to_string()]);
        assert_eq!(e.references(), vec!["q1".to_string()]);
        assert_eq!(Expr::parse("/data/group/age > 1").unwrap().bare_names(), vec!["age".to_string()]);
        assert_eq!(Expr::parse("area(${a})").unwrap().unsupported_functions(), vec!["area".to_string()]);
        assert!(Expr::parse("pulldata('a', 'b', 'c', 1) and jr:choice-name(1, '${q}') and once(1)").unwrap().unsupported_functions().is_empty());
    }
}
