//! Trainee codes: short, unique within an event, printable on a badge slip
//! and readable aloud.
//!
//! Six symbols of Crockford's base 32 (`0-9 A-Z` without `I L O U`): five
//! random ones and a check symbol. The check catches any single wrong symbol
//! and most swaps of neighbours, so a scanner that sends half a code or a
//! garbled one is told so instead of checking in the wrong person. Reading is
//! forgiving the way Crockford intends: lower case, `O`→`0`, `I`/`L`→`1`, and
//! spaces or dashes are accepted.

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const WEIGHTS: [u32; 5] = [1, 3, 5, 7, 9];

/// Length of a code.
pub const LEN: usize = 6;

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

fn check_symbol(body: &[u8]) -> u8 {
    let sum: u32 = body.iter().zip(WEIGHTS).map(|(&c, w)| value(c).unwrap_or(0) * w).sum();
    ALPHABET[(sum % 32) as usize]
}

/// A new random code.
pub fn generate() -> String {
    let mut bytes = [0u8; 5];
    // If the OS has no randomness to give, fall back on the clock: codes are
    // unique per event by a database index anyway.
    if getrandom::fill(&mut bytes).is_err() {
        let t = crate::clock::now_ms().to_le_bytes();
        bytes.copy_from_slice(&t[..5]);
    }
    from_bytes(&bytes)
}

/// The code five random bytes make (each picks one of the 32 symbols).
fn from_bytes(bytes: &[u8; 5]) -> String {
    let mut code: Vec<u8> = bytes.iter().map(|b| ALPHABET[(b % 32) as usize]).collect();
    code.push(check_symbol(&code));
    String::from_utf8(code).unwrap_or_default()
}

/// Codes for bulk work (an import draws a hundred thousand): the same
/// random codes as [`generate`], from one read of the OS's randomness per
/// few thousand instead of a system call each.
#[derive(Default)]
pub struct Draw {
    bytes: Vec<u8>,
    at: usize,
}

/// Codes one read of randomness gives a [`Draw`].
const DRAW_BATCH: usize = 4096;

impl Draw {
    pub fn new() -> Draw {
        Draw::default()
    }

    /// A new random code.
    pub fn next_code(&mut self) -> String {
        if self.at + 5 > self.bytes.len() {
            self.bytes.resize(5 * DRAW_BATCH, 0);
            self.at = 0;
            if getrandom::fill(&mut self.bytes).is_err() {
                // No randomness to be had: one code at a time, as `generate` does.
                self.bytes.clear();
                return generate();
            }
        }
        let mut five = [0u8; 5];
        five.copy_from_slice(&self.bytes[self.at..self.at + 5]);
        self.at += 5;
        from_bytes(&five)
    }
}

/// Why something typed or scanned is not a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeProblem {
    /// Too short or too long (a half-read scan).
    Length(usize),
    /// A character that no code contains.
    Character(char),
    /// Every character is possible but the check symbol does not match.
    Check,
}

impl std::fmt::Display for CodeProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CodeProblem::Length(n) => write!(f, "a trainee code has {LEN} characters, this has {n}"),
            CodeProblem::Character(c) => write!(f, "'{c}' cannot be part of a trainee code"),
            CodeProblem::Check => write!(f, "the check character does not match: mistyped or misread"),
        }
    }
}

/// The canonical form of a typed or scanned code, or why it is not one.
pub fn parse(input: &str) -> Result<String, CodeProblem> {
    let mut out = Vec::with_capacity(LEN);
    for ch in input.trim().chars() {
        let c = match ch.to_ascii_uppercase() {
            ' ' | '-' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || value(c as u8).is_none() {
            return Err(CodeProblem::Character(ch));
        }
        out.push(c as u8);
    }
    if out.len() != LEN {
        return Err(CodeProblem::Length(out.len()));
    }
    if check_symbol(&out[..LEN - 1]) != out[LEN - 1] {
        return Err(CodeProblem::Check);
    }
    Ok(String::from_utf8(out).unwrap_or_default())
}

/// Whether `input` could be a code at all (six symbols of the alphabet),
/// regardless of the check: used to tell a garbled scan from a name search.
pub fn looks_like_code(input: &str) -> bool {
    let s: String = input.trim().chars().filter(|c| *c != '-' && *c != ' ').collect();
    s.len() == LEN && s.chars().any(|c| c.is_ascii_digit()) && s.chars().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_parse_back() {
        for _ in 0..1000 {
            let c = generate();
            assert_eq!(parse(&c), Ok(c.clone()));
            assert_eq!(parse(&c.to_lowercase()), Ok(c.clone()));
        }
    }

    #[test]
    fn drawn_codes_parse_back_and_differ() {
        let mut draw = Draw::new();
        let codes: Vec<String> = (0..3 * DRAW_BATCH).map(|_| draw.next_code()).collect();
        for c in &codes {
            assert_eq!(parse(c), Ok(c.clone()));
        }
        let distinct: std::collections::HashSet<&String> = codes.iter().collect();
        // 12,288 of 33 million: a repeat or two at most, never a stuck draw.
        assert!(distinct.len() > codes.len() - 10, "{} distinct of {}", distinct.len(), codes.len());
    }

    #[test]
    fn every_single_substitution_is_caught() {
        let code = generate();
        for i in 0..LEN {
            for &a in ALPHABET {
                let mut b = code.clone().into_bytes();
                if b[i] == a {
                    continue;
                }
                b[i] = a;
                assert_eq!(parse(std::str::from_utf8(&b).unwrap()), Err(CodeProblem::Check));
            }
        }
    }

    #[test]
    fn half_scans_and_garbage_say_why() {
        let code = generate();
        assert_eq!(parse(&code[..3]), Err(CodeProblem::Length(3)));
        assert_eq!(parse("AB#DEF"), Err(CodeProblem::Character('#')));
        assert_eq!(parse(""), Err(CodeProblem::Length(0)));
        assert_eq!(parse("王素梅"), Err(CodeProblem::Character('王')));
    }

    #[test]
    fn crockford_reading_is_forgiving() {
        let body = b"0011A";
        let mut code = body.to_vec();
        code.push(check_symbol(body));
        let canonical = String::from_utf8(code).unwrap();
        let typed = format!("o0-L1 a{}", &canonical[5..]);
        assert_eq!(parse(&typed), Ok(canonical));
    }
}
