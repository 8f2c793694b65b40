//! Normalising and validating the fields of one trainee as organisers type
//! them: full-width characters, `+86` phones, 18-digit national IDs with
//! their check digit, `1990年3月7日` dates.
//!
//! Every function is pure. The `Err` strings are messages for the organiser
//! (they end up in the rejects file and in the edit command's errors), so
//! they quote the value and say what is expected.

use crate::error::{Msg, Said};
use crate::import::{FieldError, RosterField};
use crate::model::{Gender, TraineeFields};

/// Trims (ASCII and Unicode whitespace, including the full-width space
/// U+3000, NBSP, a stray BOM and zero-width spaces) and folds full-width
/// ASCII variants (U+FF01–FF5E, e.g. `１３８` or `（`) to ASCII.
pub fn text(s: &str) -> String {
    let folded: String = s
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' | '\u{00A0}' => ' ',
            _ => c,
        })
        .collect();
    let trimmed = folded.trim_matches(|c: char| c.is_whitespace() || is_invisible(c));
    if trimmed.len() == folded.len() {
        folded
    } else {
        trimmed.to_string()
    }
}

fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{FEFF}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}'
    )
}

/// A person's name: [`text`], runs of whitespace collapsed to one space, and
/// the padding space some rosters put inside two-character Chinese names
/// (`王　芳`) removed. Empty is an error.
pub fn name(s: &str) -> Result<String, Said> {
    let t = text(s);
    if t.is_empty() {
        return Err(Said::new("name is required", "roster.name_required", &[]));
    }
    let mut out = String::with_capacity(t.len());
    let mut pending_space = false;
    for c in t.chars() {
        if c.is_whitespace() || is_invisible(c) {
            pending_space = true;
            continue;
        }
        if pending_space {
            let prev_cjk = out.chars().next_back().is_some_and(is_cjk);
            if !(prev_cjk && is_cjk(c)) {
                out.push(' ');
            }
            pending_space = false;
        }
        out.push(c);
    }
    Ok(out)
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F)
}

/// The countries of the programme's stops abroad, with the lengths of
/// their national numbers (without the trunk 0): Cambodia, Laos,
/// Azerbaijan, Turkmenistan.
const ABROAD: &[(&str, &[usize])] = &[("855", &[8, 9]), ("856", &[8, 9, 10]), ("994", &[9]), ("993", &[8])];

/// A value as [`crate::quote`] shows it in a message, quoted only when
/// shown (a hundred thousand valid cells are checked for each one that is
/// not).
struct Quoted<'a>(&'a str);

impl std::fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::quote(self.0))
    }
}

/// A mobile number: a mainland one returned as 11 digits, or one of a
/// country of the programme's stops abroad written with its country code,
/// returned as `+<code><number>` (E.164).
///
/// Spaces, dashes, dots and parentheses are ignored, and a `+86`, `0086` or
/// `86` country prefix is dropped when 11 digits remain. A mainland number
/// must match `^1[3-9]\d{9}$`. Abroad (`+855 12 345 678`, `00994 50 123 45
/// 67`) the trunk 0 after the code is dropped and the national number must
/// have that country's length.
pub fn phone(s: &str) -> Result<String, Said> {
    let t = text(s);
    // A number cell exported as "13812345678.0".
    let t = match t.strip_suffix(".0") {
        Some(head) if head.len() == 11 && head.bytes().all(|b| b.is_ascii_digit()) => head,
        _ => t.as_str(),
    };
    let tq = Quoted(t);
    let mut cleaned: String = t
        .chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '-' | '(' | ')' | '.' | '–' | '—')))
        .collect();
    for prefix in ["+86", "0086", "86"] {
        if let Some(rest) = cleaned.strip_prefix(prefix) {
            if rest.len() == 11 {
                cleaned = rest.to_string();
                break;
            }
        }
    }
    if let Some(intl) = cleaned.strip_prefix('+').or_else(|| cleaned.strip_prefix("00")) {
        for (code, lengths) in ABROAD {
            if let Some(national) = intl.strip_prefix(code) {
                let national = national.strip_prefix('0').unwrap_or(national);
                if national.bytes().all(|b| b.is_ascii_digit()) && lengths.contains(&national.len()) {
                    return Ok(format!("+{code}{national}"));
                }
            }
        }
    }
    let b = cleaned.as_bytes();
    let ok = b.len() == 11
        && b.iter().all(u8::is_ascii_digit)
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1]);
    if ok {
        Ok(cleaned)
    } else if looks_scientific(&cleaned) {
        Err(Said::new(
            format!(
                "mobile {tq} is in scientific notation: the spreadsheet turned it into a number; \
                 format the column as text and re-enter it"
            ),
            "roster.phone_scientific",
            &[("value", &tq)],
        ))
    } else {
        Err(Said::new(
            format!("mobile {tq} must be 11 digits starting with 13–19 or carry its country code (+855/+856/+994/+993)"),
            "roster.phone_digits",
            &[("value", &tq)],
        ))
    }
}

/// True for `1.10105E+17`, `1.3812E10` and the like.
fn looks_scientific(s: &str) -> bool {
    let Some((mantissa, exp)) = s.split_once(['E', 'e']) else {
        return false;
    };
    let exp = exp.strip_prefix('+').unwrap_or(exp);
    !mantissa.is_empty()
        && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && !exp.is_empty()
        && exp.bytes().all(|b| b.is_ascii_digit())
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// The GB 11643-1999 check character for the first 17 digits of a mainland
/// ID, or `None` if they are not 17 ASCII digits.
pub fn id_check_char(first17: &str) -> Option<char> {
    let b = first17.as_bytes();
    if b.len() != 17 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = b
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    Some(ID_CHECK[(sum % 11) as usize] as char)
}

/// A national ID number.
///
/// An 18-character mainland ID (17 digits and a digit or `X`) must carry a
/// valid birth date and pass the GB 11643-1999 check digit; a 15-digit old
/// mainland ID is kept as is; other all-digit lengths are rejected. Anything
/// with letters (passports, Hong Kong/Macau/Taiwan IDs) is accepted if it is
/// 5–20 letters, digits, `-` or parentheses. Numbers in scientific notation
/// (`1.10105E+17`, what Excel shows for an ID typed as a number) are
/// rejected: their last digits are already lost.
pub fn id_number(s: &str) -> Result<String, Said> {
    let t = text(s);
    let id: String = t
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let tq = Quoted(&t);
    const MANGLED: &str = "the spreadsheet stored it as a number and lost its last digits; \
                           format the column as text and re-enter it";
    if looks_scientific(&id) {
        return Err(Said::new(format!("ID number {tq} is in scientific notation: {MANGLED}"), "roster.id_scientific", &[("value", &tq)]));
    }
    let b = id.as_bytes();
    let body_digits = b
        .iter()
        .take(b.len().saturating_sub(1))
        .all(u8::is_ascii_digit);
    let last = b.last().copied().unwrap_or(b'?');
    if id.contains('.') && id.bytes().all(|c| c.is_ascii_digit() || c == b'.') {
        return Err(Said::new(format!("ID number {tq} has a decimal point: {MANGLED}"), "roster.id_decimal", &[("value", &tq)]));
    }
    if body_digits && (last.is_ascii_digit() || last == b'X') && !b.is_empty() {
        return match b.len() {
            18 => check_mainland(&id, &t),
            15 if last != b'X' => Ok(id),
            n => Err(Said::new(
                format!("ID number {tq} has {n} characters; a mainland ID has 18 (17 digits and a digit or X)"),
                "roster.id_length",
                &[("value", &tq), ("n", &n)],
            )),
        };
    }
    let other_ok = (5..=20).contains(&id.chars().count())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '(' | ')'))
        && id.chars().any(|c| c.is_ascii_digit());
    if other_ok {
        Ok(id)
    } else {
        Err(Said::new(
            format!(
                "ID number {tq} is neither an 18-character mainland ID nor a 5–20 character \
                 passport or other ID of letters and digits"
            ),
            "roster.id_invalid",
            &[("value", &tq)],
        ))
    }
}

fn check_mainland(id: &str, shown: &str) -> Result<String, Said> {
    let (y, m, d) = (&id[6..10], &id[10..12], &id[12..14]);
    let expected = id_check_char(&id[..17]).unwrap_or('?');
    let actual = id.as_bytes()[17] as char;
    if expected != actual {
        let hint = if id.ends_with("00") {
            "; the number may have been mangled by Excel (format the column as text and re-enter it)"
        } else {
            ""
        };
        return Err(Said::new(
            format!(
                "ID number {} fails the check digit (last character should be {expected}, \
                 not {actual}): a digit is mistyped{hint}",
                crate::quote(shown)
            ),
            if hint.is_empty() { "roster.id_check" } else { "roster.id_check_excel" },
            &[("value", &crate::quote(shown)), ("expected", &expected), ("actual", &actual)],
        ));
    }
    let date_ok = match (y.parse::<u32>(), m.parse::<u32>(), d.parse::<u32>()) {
        (Ok(y), Ok(m), Ok(d)) => (1900..=2100).contains(&y) && valid_date(y, m, d),
        _ => false,
    };
    if !date_ok {
        return Err(Said::new(
            format!("ID number {} holds no valid birth date ({y}{m}{d})", crate::quote(shown)),
            "roster.id_birth_date",
            &[("value", &crate::quote(shown)), ("date", &format!("{y}{m}{d}"))],
        ));
    }
    Ok(id.to_string())
}

/// 男/女, 男性/女性, M/F, male/female (any case). `None` for anything else.
pub fn gender(s: &str) -> Option<Gender> {
    let t = text(s).to_lowercase();
    match t.as_str() {
        "男" | "男性" | "m" | "male" => Some(Gender::Male),
        "女" | "女性" | "f" | "female" => Some(Gender::Female),
        _ => None,
    }
}

/// An age in whole years, 1–120: `45`, `45岁`, `45周岁`, `45.0`.
pub fn age(s: &str) -> Result<u32, Said> {
    let t = text(s);
    let n = t.trim_end_matches(['岁', '周']).trim_end();
    let n = n
        .strip_suffix(".0")
        .or_else(|| n.strip_suffix(".00"))
        .unwrap_or(n);
    let years: u32 = match n.parse() {
        Ok(v) => v,
        Err(_) => return Err(Said::new(format!("age {} is not a whole number of years", crate::quote(&t)), "roster.age_number", &[("value", &crate::quote(&t))])),
    };
    if (1..=120).contains(&years) {
        Ok(years)
    } else {
        Err(Said::new(format!("age {years} is outside 1–120"), "roster.age_range", &[("value", &years)]))
    }
}

/// A birth date as `YYYY-MM-DD`, from `1990-03-07`, `1990/3/7`,
/// `1990.03.07`, `1990年3月7日`, `19900307`, an ISO date-time, or an Excel
/// serial day number (`32939`). The date must exist (leap years included).
pub fn birth_date(s: &str) -> Result<String, Said> {
    let t = text(s);
    // Drop a time of day: "1990-03-07 00:00:00", "1990-03-07T00:00".
    let date = match t.split_once([' ', 'T']) {
        Some((d, time))
            if time
                .trim()
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b':' || b == b'.') =>
        {
            d
        }
        _ => t.as_str(),
    };
    let tq = Quoted(&t);
    let bad = || Said::new(format!("birth date {tq} is not a date like 1990-03-07"), "roster.birth_date_format", &[("value", &tq)]);
    let compact: String = date.chars().filter(|c| !c.is_whitespace()).collect();
    let date = compact.as_str();
    let parts: Vec<&str> = date
        .split(['-', '/', '.', '年', '月', '日'])
        .filter(|p| !p.is_empty())
        .collect();
    let all_digits = |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let (y, m, d) = match parts.as_slice() {
        [y, m, d]
            if parts.iter().all(all_digits) && y.len() == 4 && m.len() <= 2 && d.len() <= 2 =>
        {
            (
                y.parse().unwrap_or(0),
                m.parse().unwrap_or(0),
                d.parse().unwrap_or(0),
            )
        }
        [y, m] if parts.iter().all(all_digits) && y.len() == 4 && m.len() <= 2 => {
            return Err(Said::new(format!("birth date {tq} has no day; write it like 1990-03-07"), "roster.birth_date_no_day", &[("value", &tq)]));
        }
        [ymd] if ymd.len() == 8 && all_digits(ymd) => {
            let p = |r: std::ops::Range<usize>| ymd[r].parse().unwrap_or(0);
            (p(0..4), p(4..6), p(6..8))
        }
        [y] if y.len() == 4 && all_digits(y) && !date.contains('.') => {
            return Err(Said::new(format!("birth date {tq} has only a year; write it like 1990-03-07"), "roster.birth_date_year", &[("value", &tq)]));
        }
        _ => match excel_serial(date) {
            Some(ymd) => ymd,
            None => return Err(bad()),
        },
    };
    if !(1900..=2100).contains(&y) || !valid_date(y, m, d) {
        return Err(Said::new(format!("birth date {tq} is not a real calendar date"), "roster.birth_date_real", &[("value", &tq)]));
    }
    Ok(format!("{y:04}-{m:02}-{d:02}"))
}

/// An Excel serial day number (1900 date system, day 60 being the
/// non-existent 1900-02-29) as a calendar date. Only serials from 3000
/// (1908) on are taken, so that a bare year is not read as a serial.
pub fn excel_serial(s: &str) -> Option<(u32, u32, u32)> {
    let v: f64 = s.parse().ok()?;
    if !(3000.0..2_958_466.0).contains(&v) || s.contains(['e', 'E']) {
        return None;
    }
    // Days since 1899-12-30 (correct for every serial after 1900-02-28).
    Some(civil_from_days(v.floor() as i64 - 25_569))
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian,
/// clamped to years 0–9999.
pub(crate) fn civil_from_days(z: i64) -> (u32, u32, u32) {
    let (y, m, d) = crate::clock::civil_from_days(z);
    (y.clamp(0, 9999) as u32, m, d)
}

fn valid_date(y: u32, m: u32, d: u32) -> bool {
    (1..=crate::clock::days_in_month(y as i64, m)).contains(&d)
}

/// The error text a spreadsheet writes into a cell whose formula failed.
fn spreadsheet_error(s: &str) -> bool {
    matches!(
        s,
        "#N/A"
            | "#DIV/0!"
            | "#VALUE!"
            | "#REF!"
            | "#NAME?"
            | "#NUM!"
            | "#NULL!"
            | "#GETTING_DATA"
            | "#SPILL!"
            | "#CALC!"
            | "#ERR"
    )
}

/// Validates one roster row. `cells` are the mapped columns' raw values,
/// `extra` the unmapped columns (header → value, already trimmed and
/// non-empty). Every field error of the row is collected, not only the first.
pub fn trainee_from_cells(
    cells: &[(RosterField, &str)],
    extra: &[(String, String)],
) -> Result<TraineeFields, Vec<FieldError>> {
    let mut out = TraineeFields::default();
    let mut errors = Vec::new();
    let mut has_name = false;
    for &(field, raw) in cells {
        let value = text(raw);
        if value.is_empty() {
            continue;
        }
        let mut fail = |said: Said| {
            errors.push(FieldError {
                field: field.as_str().to_string(),
                message: said.english,
                msg: Some(said.msg),
            });
        };
        if spreadsheet_error(&value) {
            fail(Said::new(format!("the cell holds the spreadsheet error {}", crate::quote(&value)), "roster.spreadsheet_error", &[("value", &crate::quote(&value))]));
            continue;
        }
        match field {
            RosterField::Name => match name(&value) {
                Ok(v) if !has_name => {
                    has_name = true;
                    out.name = v;
                }
                Ok(_) => {}
                Err(e) => fail(e),
            },
            RosterField::Gender => match gender(&value) {
                Some(g) => out.gender = Some(g),
                None => fail(Said::new(format!("gender {} is not 男/女/male/female", crate::quote(&value)), "roster.gender", &[("value", &crate::quote(&value))])),
            },
            RosterField::Phone => match phone(&value) {
                Ok(v) => out.phone = Some(v),
                Err(e) => fail(e),
            },
            RosterField::IdNumber => match id_number(&value) {
                Ok(v) => out.id_number = Some(v),
                Err(e) => fail(e),
            },
            RosterField::Age => match age(&value) {
                Ok(v) => out.age = Some(v),
                Err(e) => fail(e),
            },
            RosterField::BirthDate => match birth_date(&value) {
                Ok(v) => out.birth_date = Some(v),
                Err(e) => fail(e),
            },
            RosterField::Organization => out.organization = Some(value),
            RosterField::Occupation => out.occupation = Some(value),
        }
    }
    let name_failed = errors.iter().any(|e| e.field == RosterField::Name.as_str());
    if !has_name && !name_failed {
        errors.insert(
            0,
            FieldError {
                field: RosterField::Name.as_str().to_string(),
                message: "name is required".to_string(),
                msg: Some(Msg::new("roster.name_required", &[])),
            },
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // An 18-character mainland ID holds the birth date (checked above).
    if out.birth_date.is_none() {
        out.birth_date = out.id_number.as_deref().and_then(birth_date_of_id);
    }
    out.extra = extra.iter().cloned().collect();
    Ok(out)
}

/// The birth date (`YYYY-MM-DD`) an 18-character mainland ID number holds.
pub fn birth_date_of_id(id: &str) -> Option<String> {
    let b = id.as_bytes();
    (b.len() == 18 && b[..14].iter().all(u8::is_ascii_digit)).then(|| format!("{}-{}-{}", &id[6..10], &id[10..12], &id[12..14]))
}

/// Whole years from `birth` (`YYYY-MM-DD`) to `on` (`YYYY-MM-DD`), if 1–120.
pub fn age_on(birth: &str, on: &str) -> Option<u32> {
    let num = |s: &str, r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<i32>().ok());
    let (by, bm, bd) = (num(birth, 0..4)?, num(birth, 5..7)?, num(birth, 8..10)?);
    let (y, m, d) = (num(on, 0..4)?, num(on, 5..7)?, num(on, 8..10)?);
    let years = y - by - i32::from((m, d) < (bm, bd));
    u32::try_from(years).ok().filter(|a| (1..=120).contains(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid 18-digit ID built from its first 17 digits.
    fn valid_id(first17: &str) -> String {
        format!("{first17}{}", id_check_char(first17).unwrap())
    }

    #[test]
    fn text_trims_and_folds_full_width() {
        assert_eq!(text("\u{3000} 王素梅\u{00A0}\t"), "王素梅");
        assert_eq!(text("１３８　１２３４"), "138 1234");
        assert_eq!(text("（ＡＢＣ）"), "(ABC)");
        assert_eq!(text("\u{FEFF}姓名"), "姓名");
        assert_eq!(text(""), "");
    }

    #[test]
    fn name_collapses_padding() {
        assert_eq!(name("王　芳").unwrap(), "王芳");
        assert_eq!(name("  Aysel   Məmmədova ").unwrap(), "Aysel Məmmədova");
        assert_eq!(name("\u{3000}").unwrap_err().english, "name is required");
    }

    #[test]
    fn phone_cases() {
        let ok = [
            ("13812345678", "13812345678"),
            ("+86 138-1234-5678", "13812345678"),
            ("0086 13812345678", "13812345678"),
            ("86 138 1234 5678", "13812345678"),
            ("(138) 1234.5678", "13812345678"),
            ("１３８１２３４５６７８", "13812345678"),
            ("19912345678", "19912345678"),
            ("13812345678.0", "13812345678"),
            // The stops abroad, with their country codes.
            ("+855 12 345 678", "+85512345678"),
            ("+855 (0)97 123 4567", "+855971234567"),
            ("00856 20 5512 3456", "+8562055123456"),
            ("+994 50 123 45 67", "+994501234567"),
            ("+993 65 12 34 56", "+99365123456"),
        ];
        for (input, want) in ok {
            assert_eq!(phone(input).as_deref(), Ok(want), "{input}");
        }
        for bad in [
            "1381234567",
            "12812345678",
            "23812345678",
            "138123456789",
            "010-12345678",
            "abc",
            "+1 13812345678",
            "012 345 678",
            "+855 1234",
            "+994 50 123 45 678",
            "+44 7700 900123",
        ] {
            assert!(phone(bad).is_err(), "{bad}");
        }
        assert_eq!(
            phone("1381234567").unwrap_err().english,
            "mobile '1381234567' must be 11 digits starting with 13–19 or carry its country code (+855/+856/+994/+993)"
        );
        assert!(phone("1.38123E+10").unwrap_err().english.contains("scientific"));
    }

    #[test]
    fn id_check_digit() {
        // The standard's published example.
        assert_eq!(id_check_char("11010519491231002"), Some('X'));
        assert_eq!(
            id_number("11010519491231002x").unwrap(),
            "11010519491231002X"
        );
        // Computed independently (tests/data/roster/make_fixtures.py).
        for known in [
            "520102198506120023",
            "530102197903071517",
            "440304199003071248",
            "110105198808083312",
            "450102199501010024",
        ] {
            assert_eq!(id_check_char(&known[..17]), known.chars().last(), "{known}");
        }
        let id = valid_id("44030419900307123");
        assert_eq!(id_number(&id).unwrap(), id);
        let full_width: String = id
            .chars()
            .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
            .collect();
        assert_eq!(id_number(&full_width).unwrap(), id);
        // One digit changed.
        let typo = format!(
            "4403041990030712{}{}",
            if &id[16..17] == "4" { "5" } else { "4" },
            &id[17..]
        );
        assert!(
            id_number(&typo).unwrap_err().english.contains("check digit"),
            "{typo}"
        );
    }

    #[test]
    fn id_rejections_and_others() {
        let e = id_number("1.10105E+17").unwrap_err().english;
        assert!(
            e.contains("scientific notation") && e.contains("format the column as text"),
            "{e}"
        );
        assert!(id_number("110105199003071234.0")
            .unwrap_err().english
            .contains("decimal point"));
        assert!(id_number("1101051990030712")
            .unwrap_err().english
            .contains("16 characters"));
        assert!(id_number("11010519900307123")
            .unwrap_err().english
            .contains("17 characters"));
        assert!(id_number("1101051990030712345").is_err());
        // Excel wrote the 15 significant digits it kept, then zeros.
        let mangled = "110105199003071000";
        if id_check_char(&mangled[..17]) != Some('0') {
            assert!(id_number(mangled).unwrap_err().english.contains("mangled by Excel"));
        }
        // Valid check digit but 13th month.
        let bad_date = valid_id("11010519901307123");
        assert!(id_number(&bad_date).unwrap_err().english.contains("birth date"));
        assert_eq!(id_number("110105900307123").unwrap(), "110105900307123");
        assert_eq!(id_number("E12345678").unwrap(), "E12345678");
        assert_eq!(id_number("a123456(7)").unwrap(), "A123456(7)");
        assert!(id_number("ABC").is_err());
        assert!(id_number("no id yet").is_err());
    }

    #[test]
    fn gender_values() {
        for m in ["男", "男性", "M", "male", "MALE", " Male "] {
            assert_eq!(gender(m), Some(Gender::Male), "{m}");
        }
        for f in ["女", "女性", "f", "Female"] {
            assert_eq!(gender(f), Some(Gender::Female), "{f}");
        }
        assert_eq!(gender("x"), None);
        assert_eq!(gender(""), None);
    }

    #[test]
    fn the_birth_date_and_age_come_from_the_id_number() {
        let id = valid_id("41152619850312004");
        assert_eq!(birth_date_of_id(&id).as_deref(), Some("1985-03-12"));
        assert_eq!(age_on("1985-03-12", "2026-03-11"), Some(40));
        assert_eq!(age_on("1985-03-12", "2026-03-12"), Some(41));
        assert_eq!(age_on("2030-01-01", "2026-03-12"), None);
        let t = trainee_from_cells(&[(RosterField::Name, "王素梅"), (RosterField::IdNumber, &id)], &[]).unwrap();
        assert_eq!(t.birth_date.as_deref(), Some("1985-03-12"));
        let given = trainee_from_cells(&[(RosterField::Name, "王素梅"), (RosterField::IdNumber, &id), (RosterField::BirthDate, "1985-03-13")], &[]).unwrap();
        assert_eq!(given.birth_date.as_deref(), Some("1985-03-13"), "a birth date given is kept");
    }

    #[test]
    fn age_values() {
        assert_eq!(age("45"), Ok(45));
        assert_eq!(age("45岁"), Ok(45));
        assert_eq!(age("45周岁"), Ok(45));
        assert_eq!(age("45.0"), Ok(45));
        assert_eq!(age("４５"), Ok(45));
        assert!(age("0").is_err());
        assert_eq!(age("121").unwrap_err().english, "age 121 is outside 1–120");
        assert!(age("45.5").is_err());
        assert!(age("forty").is_err());
    }

    #[test]
    fn birth_dates() {
        for input in [
            "1990-03-07",
            "1990/3/7",
            "1990.03.07",
            "1990年3月7日",
            "1990年03月07",
            "1990年 3月 7日",
            "19900307",
            "1990-03-07 00:00:00",
            "1990-03-07T00:00:00",
            "32939",
        ] {
            assert_eq!(birth_date(input).as_deref(), Ok("1990-03-07"), "{input}");
        }
        assert_eq!(birth_date("2000-02-29").as_deref(), Ok("2000-02-29"));
        assert!(birth_date("1900-02-29").is_err());
        assert!(birth_date("1990-02-29").is_err());
        assert!(birth_date("1990-13-01").is_err());
        assert!(birth_date("1990.03").unwrap_err().english.contains("no day"));
        assert!(birth_date("1990").unwrap_err().english.contains("only a year"));
        assert!(birth_date("tomorrow").is_err());
        assert!(birth_date("61").is_err());
    }

    #[test]
    fn excel_serials() {
        assert_eq!(excel_serial("45366"), Some((2024, 3, 15)));
        assert_eq!(excel_serial("36526.5"), Some((2000, 1, 1)));
        assert_eq!(excel_serial("1990"), None);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
    }

    #[test]
    fn row_collects_all_errors() {
        let cells = [
            (RosterField::Name, " "),
            (RosterField::Phone, "123"),
            (RosterField::IdNumber, "1.10105E+17"),
            (RosterField::Gender, "x"),
            (RosterField::Age, "#N/A"),
        ];
        let errs = trainee_from_cells(&cells, &[]).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "phone", "id_number", "gender", "age"]);
        assert_eq!(errs[3].message, "gender 'x' is not 男/女/male/female");
    }

    #[test]
    fn row_ok_with_optional_fields_empty() {
        let cells = [
            (RosterField::Name, "欧阳娜娜"),
            (RosterField::Gender, "女"),
            (RosterField::Phone, ""),
            (RosterField::Organization, " 新村 "),
            (RosterField::BirthDate, "1990/3/7"),
        ];
        let extra = [("微信号".to_string(), "wx123".to_string())];
        let t = trainee_from_cells(&cells, &extra).unwrap();
        assert_eq!(t.name, "欧阳娜娜");
        assert_eq!(t.gender, Some(Gender::Female));
        assert_eq!(t.phone, None);
        assert_eq!(t.organization.as_deref(), Some("新村"));
        assert_eq!(t.birth_date.as_deref(), Some("1990-03-07"));
        assert_eq!(t.extra.get("微信号").map(String::as_str), Some("wx123"));
    }
}
