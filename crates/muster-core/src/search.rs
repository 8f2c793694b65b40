//! Finding a trainee at the door: by code, by name in characters, by pinyin
//! in full or by initials (`wsm`, `wang su`, `wangsumei` all find 王素梅),
//! by the last four digits of the mobile.
//!
//! Each trainee gets a small set of *search keys* when written (see
//! [`keys`]); a query is a few prefix range scans over an index of those
//! keys (sorted, in memory: `store::search`), in ranking order, so its cost
//! grows with the log of the roster, not with its size. Pinyin comes from the `pinyin` crate; the first character
//! of a name is read as a surname (单 shàn, 曾 zēng, 区 ōu, 仇 qiú, 解 xiè,
//! 朴 piáo, 查 zhā, 乐 yuè, 尉迟 yùchí, 万俟 mòqí), and the everyday reading
//! is kept too, so both spellings find the person.

use pinyin::ToPinyinMulti;

/// Kinds of key, in ranking order: a lower kind ranks first.
///
/// A name's common reading, surname first, ranks above its rarer readings
/// and above its given name alone: `zh` finds 张丽华 (zhang-li-hua) before
/// 萧长青, whose 长 reads zhang only as a rarer reading of a given name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeyKind {
    Code = 0,
    Name = 1,
    NamePart = 2,
    /// The full name in its common reading (the surname's reading first).
    Pinyin = 3,
    /// The initials of that reading.
    Initials = 4,
    /// Other readings of the full name, their initials, the given name alone.
    PinyinOther = 5,
    PhoneTail = 6,
    Other = 7,
    /// The village or work unit (所在村, 单位): finds everyone from there.
    Place = 8,
}

impl KeyKind {
    pub const ALL: [KeyKind; 9] = [
        KeyKind::Code,
        KeyKind::Name,
        KeyKind::NamePart,
        KeyKind::Pinyin,
        KeyKind::Initials,
        KeyKind::PinyinOther,
        KeyKind::PhoneTail,
        KeyKind::Other,
        KeyKind::Place,
    ];

    /// Whether a key of this kind that equals the query names a person well
    /// enough for the door to check them in without asking (when nobody
    /// else matches so): a code, the whole name, its pinyin or initials, a
    /// mobile or ID number. Part of a name, a rarer reading, or the given
    /// name alone never does, nor a village.
    pub fn identifies(self) -> bool {
        !matches!(self, KeyKind::NamePart | KeyKind::PinyinOther | KeyKind::Place)
    }
}

/// Surname readings that differ from the everyday reading of the character.
const SURNAMES: &[(&str, &str)] = &[
    ("尉迟", "yuchi"),
    ("万俟", "moqi"),
    ("单于", "chanyu"),
    ("单", "shan"),
    ("曾", "zeng"),
    ("区", "ou"),
    ("仇", "qiu"),
    ("解", "xie"),
    ("朴", "piao"),
    ("查", "zha"),
    ("乐", "yue"),
    ("盖", "ge"),
    ("缪", "miao"),
    ("秘", "bi"),
    ("覃", "qin"),
    ("翟", "zhai"),
    ("繁", "po"),
    ("折", "she"),
];

/// At most this many pinyin spellings per name (polyphonic characters
/// multiply).
const MAX_SPELLINGS: usize = 4;

/// Lower-case, without spaces, dots, dashes or apostrophes; full-width folded.
pub fn normalize_query(q: &str) -> String {
    crate::normalize::text(q)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '\'' | '’' | '-' | '.' | '·' | '•'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Azerbaijani, Turkmen and other Latin letters folded to plain ASCII, so a
/// coordinator on an English keyboard finds Məmmədova by typing mammadova
/// or memmedova.
fn fold_latin(s: &str) -> Vec<String> {
    // Most names (all Chinese ones) have nothing to fold: no work, no copy.
    if s.is_ascii() || !s.chars().any(|c| matches!(c, 'ə' | 'ş' | 'ś' | 'š' | 'ç' | 'č' | 'ğ' | 'ı' | 'í' | 'ì' | 'î' | 'ö' | 'ó' | 'ò' | 'ô' | 'ő' | 'ü' | 'ú' | 'ù' | 'û' | 'ű' | 'ň' | 'ñ' | 'ž' | 'ý' | 'ÿ' | 'ä' | 'á' | 'à' | 'â' | 'ã' | 'å' | 'é' | 'è' | 'ê' | 'ë' | 'ě')) {
        return Vec::new();
    }
    let fold = |schwa: char| -> String {
        s.chars()
            .map(|c| match c {
                'ə' => schwa,
                'ş' | 'ś' | 'š' => 's',
                'ç' | 'č' => 'c',
                'ğ' => 'g',
                'ı' | 'í' | 'ì' | 'î' => 'i',
                'ö' | 'ó' | 'ò' | 'ô' | 'ő' => 'o',
                'ü' | 'ú' | 'ù' | 'û' | 'ű' => 'u',
                'ň' | 'ñ' => 'n',
                'ž' => 'z',
                'ý' | 'ÿ' => 'y',
                'ä' | 'á' | 'à' | 'â' | 'ã' | 'å' => 'a',
                'é' | 'è' | 'ê' | 'ë' | 'ě' => 'e',
                other => other,
            })
            .collect()
    };
    let mut out = vec![fold('a'), fold('e')];
    out.dedup();
    out.retain(|f| f != s);
    out
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// The pinyin spellings of a name, each a list of syllables (non-Han runs
/// kept as one lower-case "syllable"). The surname reading comes first.
pub fn pinyin_spellings(name: &str) -> Vec<Vec<String>> {
    spellings(name).into_iter().map(|s| s.into_iter().map(|p| p.into_owned()).collect()).collect()
}

/// The readings of one Han character (the `pinyin` crate's, in its order,
/// consecutive repeats dropped); empty for any other character.
fn readings(c: char) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = match c.to_pinyin_multi() {
        Some(m) => m.into_iter().map(|p| p.plain()).collect(),
        None => Vec::new(),
    };
    v.dedup();
    v
}

/// [`pinyin_spellings`], borrowing the `pinyin` crate's static readings
/// where it can (an import makes a hundred thousand of these).
fn spellings(name: &str) -> Vec<Vec<std::borrow::Cow<'static, str>>> {
    use std::borrow::Cow;
    let name: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    if !name.chars().any(is_han) {
        return Vec::new();
    }
    let mut per_char: Vec<Vec<Cow<'static, str>>> = Vec::new();
    let mut rest = name.as_str();
    if let Some((surname, reading)) = SURNAMES.iter().find(|(s, _)| name.starts_with(s)) {
        // The surname reading, and the everyday one as a fallback.
        let everyday: String = surname.to_pinyin_multi().flatten().filter_map(|m| m.get_opt(0).map(|p| p.plain().to_string())).collect();
        let mut readings: Vec<Cow<'static, str>> = vec![Cow::Borrowed(*reading)];
        if everyday != *reading && !everyday.is_empty() {
            readings.push(Cow::Owned(everyday));
        }
        per_char.push(readings);
        rest = &name[surname.len()..];
    }
    let mut latin = String::new();
    for c in rest.chars() {
        let r = readings(c);
        if r.is_empty() {
            latin.extend(c.to_lowercase());
        } else {
            if !latin.is_empty() {
                per_char.push(vec![Cow::Owned(std::mem::take(&mut latin))]);
            }
            per_char.push(r.into_iter().map(Cow::Borrowed).collect());
        }
    }
    if !latin.is_empty() {
        per_char.push(vec![Cow::Owned(latin)]);
    }
    // Cartesian product, first readings first, capped.
    let mut spellings: Vec<Vec<Cow<'static, str>>> = vec![Vec::new()];
    for readings in &per_char {
        let mut next = Vec::new();
        for s in &spellings {
            for r in readings {
                if next.len() >= MAX_SPELLINGS {
                    break;
                }
                let mut s2 = s.clone();
                s2.push(r.clone());
                next.push(s2);
            }
        }
        spellings = next;
    }
    spellings
}

/// The search key of a trainee's code (the first of [`keys`]).
pub fn code_key(code: &str) -> (KeyKind, String) {
    (KeyKind::Code, code.to_lowercase())
}

/// The search keys of one trainee: `(kind, key)` pairs, deduplicated.
/// `place`: the village or work unit.
pub fn keys(name: &str, code: Option<&str>, phone: Option<&str>, id_number: Option<&str>, place: Option<&str>) -> Vec<(KeyKind, String)> {
    let mut out: Vec<(KeyKind, String)> = Vec::new();
    if let Some(code) = code {
        out.push(code_key(code));
    }
    let full = normalize_query(name);
    if !full.is_empty() {
        out.push((KeyKind::Name, full.clone()));
        for f in fold_latin(&full) {
            out.push((KeyKind::Name, f));
        }
    }
    // Later words of a spaced name ("Sok Dara" → "dara"), and the given
    // name of a Chinese one (王素梅 → 素梅, 梅).
    let words: Vec<String> = crate::normalize::text(name).split_whitespace().map(normalize_query).collect();
    for w in words.iter().skip(1) {
        out.push((KeyKind::NamePart, w.clone()));
        for f in fold_latin(w) {
            out.push((KeyKind::NamePart, f));
        }
    }
    if words.len() > 1 {
        let initials: String = words.iter().filter_map(|w| w.chars().next()).collect();
        out.push((KeyKind::Initials, initials));
    }
    if full.chars().any(is_han) {
        let chars: Vec<char> = full.chars().collect();
        for i in 1..chars.len() {
            out.push((KeyKind::NamePart, chars[i..].iter().collect()));
        }
    }
    for (i, syllables) in spellings(name).into_iter().enumerate() {
        // The first spelling is the common reading (the surname's first).
        let (full, initials) = if i == 0 { (KeyKind::Pinyin, KeyKind::Initials) } else { (KeyKind::PinyinOther, KeyKind::PinyinOther) };
        out.push((full, syllables.concat()));
        out.push((initials, syllables.iter().filter_map(|s| s.chars().next()).collect()));
        // The given name alone: "sumei".
        if syllables.len() > 1 {
            out.push((KeyKind::PinyinOther, syllables[1..].concat()));
        }
    }
    if let Some(p) = phone {
        if p.len() >= 4 {
            out.push((KeyKind::PhoneTail, p[p.len() - 4..].to_string()));
        }
        out.push((KeyKind::Other, p.to_string()));
    }
    if let Some(id) = id_number {
        out.push((KeyKind::Other, id.to_lowercase()));
        if id.len() >= 4 {
            out.push((KeyKind::Other, id[id.len() - 4..].to_lowercase()));
        }
    }
    if let Some(place) = place {
        let p = normalize_query(place);
        for f in fold_latin(&p) {
            out.push((KeyKind::Place, f));
        }
        out.push((KeyKind::Place, p));
    }
    out.retain(|(_, k)| !k.is_empty());
    out.sort();
    out.dedup();
    // A key that a better kind already holds is not repeated lower down
    // (a dozen keys: a look back at those kept costs less than hashing and
    // copying each into a set, a hundred thousand times in an import).
    let mut kept: Vec<(KeyKind, String)> = Vec::with_capacity(out.len());
    for (kind, key) in out {
        if !kept.iter().any(|(_, k)| *k == key) {
            kept.push((kind, key));
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(keys: &[(KeyKind, String)], kind: KeyKind, key: &str) -> bool {
        keys.iter().any(|(k, v)| *k == kind && v == key)
    }

    #[test]
    fn chinese_name_gets_pinyin_initials_and_given_name() {
        let k = keys("王素梅", Some("7KQ2MX"), Some("13812345678"), None, None);
        assert!(has(&k, KeyKind::Pinyin, "wangsumei"));
        assert!(has(&k, KeyKind::PinyinOther, "sumei"), "the given name alone, ranked below the full name");
        assert!(has(&k, KeyKind::Initials, "wsm"));
        assert!(has(&k, KeyKind::NamePart, "素梅"));
        assert!(has(&k, KeyKind::PhoneTail, "5678"));
        assert!(has(&k, KeyKind::Code, "7kq2mx"));
    }

    #[test]
    fn polyphonic_surnames_read_as_surnames_and_everyday() {
        for (name, surname_reading) in [("单雄信", "shan"), ("曾丽", "zeng"), ("区志强", "ou"), ("仇小红", "qiu"), ("解放", "xie"), ("朴槿惠", "piao"), ("查良镛", "zha"), ("乐嘉", "yue"), ("尉迟恭", "yuchi"), ("万俟卨", "moqi")] {
            let spellings = pinyin_spellings(name);
            assert_eq!(spellings[0][0], surname_reading, "{name}: {spellings:?}");
            assert!(spellings.len() <= MAX_SPELLINGS);
        }
        let k = keys("单雄信", None, None, None, None);
        assert!(has(&k, KeyKind::Pinyin, "shanxiongxin") && has(&k, KeyKind::Initials, "sxx"));
        assert!(has(&k, KeyKind::PinyinOther, "danxiongxin"), "everyday reading kept, ranked lower: {k:?}");
    }

    #[test]
    fn a_rarer_reading_of_a_given_name_ranks_below_a_surname() {
        // 长 reads chang or zhang; 张 is zhang. `zh` is 张丽华's surname.
        let zhang = keys("张丽华", None, None, None, None);
        let xiao = keys("萧长青", None, None, None, None);
        assert!(has(&zhang, KeyKind::Pinyin, "zhanglihua"), "{zhang:?}");
        let best = |k: &[(KeyKind, String)], q: &str| k.iter().filter(|(_, v)| v.starts_with(q)).map(|(kind, _)| *kind).min();
        assert!(best(&zhang, "zh") < best(&xiao, "zh"), "{zhang:?} / {xiao:?}");
        assert!(!best(&xiao, "zh").expect("萧长青 is still found by zh").identifies());
        // Each key once, at its best kind.
        let mut texts: Vec<&String> = xiao.iter().map(|(_, v)| v).collect();
        let n = texts.len();
        texts.sort();
        texts.dedup();
        assert_eq!(n, texts.len(), "{xiao:?}");
    }

    #[test]
    fn latin_and_khmer_names() {
        let k = keys("Sok Dara", None, None, None, None);
        assert!(has(&k, KeyKind::Name, "sokdara") && has(&k, KeyKind::NamePart, "dara") && has(&k, KeyKind::Initials, "sd"));
        let k = keys("Aysel Məmmədova", None, None, None, None);
        assert!(has(&k, KeyKind::NamePart, "məmmədova") && has(&k, KeyKind::NamePart, "mammadova") && has(&k, KeyKind::NamePart, "memmedova"));
        let k = keys("សុខ ដារ៉ា", None, None, None, None);
        assert!(has(&k, KeyKind::Name, "សុខដារ៉ា") && has(&k, KeyKind::NamePart, "ដារ៉ា"));
    }

    #[test]
    fn a_village_is_found_but_never_names_a_person() {
        let k = keys("王素梅", None, None, None, Some("王家村"));
        assert!(has(&k, KeyKind::Place, "王家村"));
        assert!(!KeyKind::Place.identifies());
        let k = keys("Sok Dara", None, None, None, Some("Kampong Cham"));
        assert!(has(&k, KeyKind::Place, "kampongcham"));
    }

    #[test]
    fn queries_normalise_like_keys() {
        assert_eq!(normalize_query(" Wang Su "), "wangsu");
        assert_eq!(normalize_query("ＷＳＭ"), "wsm");
        assert_eq!(normalize_query("Xi'an"), "xian");
    }
}

/// A trainee found at the door, and whether what was typed names them
/// exactly ([`KeyKind::identifies`]).
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DoorHit {
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(flatten))]
    pub trainee: crate::model::Trainee,
    pub exact: bool,
}

/// The door's search: the hits, exact ones first, and the one trainee that
/// Enter may check in without asking.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DoorSearch {
    pub hits: Vec<DoorHit>,
    /// The id of the only trainee the query names exactly (and nobody else
    /// does): Enter checks them in at once. `None`: Enter asks (moves into
    /// the list), because a wrong record costs a trainee a certificate.
    pub sure: Option<String>,
}

/// Whether `query` (normalised) equals one of the trainee's keys of a kind
/// that identifies a person.
fn names_exactly(t: &crate::model::Trainee, q: &str) -> bool {
    keys(&t.fields.name, t.code.as_deref(), t.fields.phone.as_deref(), t.fields.id_number.as_deref(), t.fields.organization.as_deref())
        .iter()
        .any(|(kind, key)| kind.identifies() && key == q)
}

/// [`find`] for the door: one more hit than shown is read, so a second
/// exact match past the limit still makes Enter ask.
pub(crate) fn door(store: &crate::store::Store, event_id: &str, query: &str, limit: usize) -> crate::Result<DoorSearch> {
    let q = normalize_query(query);
    let code = crate::code::parse(query).ok().map(|c| c.to_lowercase());
    let found = find(store, event_id, query, limit.saturating_add(1))?;
    let mut hits: Vec<DoorHit> = found
        .into_iter()
        .map(|trainee| {
            let exact = names_exactly(&trainee, &q) || code.as_deref().is_some_and(|c| trainee.code.as_deref().map(str::to_lowercase).as_deref() == Some(c));
            DoorHit { trainee, exact }
        })
        .collect();
    // Stable: exact matches first, each group in ranking order.
    hits.sort_by_key(|h| !h.exact);
    let exact: Vec<&DoorHit> = hits.iter().filter(|h| h.exact).collect();
    let sure = if exact.len() == 1 { Some(exact[0].trainee.id.clone()) } else { None };
    hits.truncate(limit);
    Ok(DoorSearch { hits, sure })
}

/// Trainees of an event matching `query`, best first: code, name, part of
/// the name, pinyin, initials, other readings, mobile's last four digits,
/// other numbers.
pub(crate) fn find(store: &crate::store::Store, event_id: &str, query: &str, limit: usize) -> crate::Result<Vec<crate::model::Trainee>> {
    let q = normalize_query(query);
    if q.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    // The event's index brought up to date once for all the scans below.
    let Some(finder) = crate::store::search::finder(store, event_id)? else {
        return Ok(Vec::new());
    };
    let mut found: Vec<crate::model::Trainee> = Vec::new();
    let push = |more: Vec<crate::model::Trainee>, found: &mut Vec<crate::model::Trainee>| {
        for t in more {
            if !found.iter().any(|f| f.id == t.id) {
                found.push(t);
            }
        }
    };
    if let Ok(code) = crate::code::parse(query) {
        push(finder.trainees(KeyKind::Code, &code.to_lowercase(), 1)?, &mut found);
    }
    let digits = q.chars().all(|c| c.is_ascii_digit());
    for kind in KeyKind::ALL {
        if found.len() >= limit {
            break;
        }
        let wanted = limit - found.len() + 1;
        let more = match kind {
            KeyKind::Code => continue,
            KeyKind::PhoneTail if !digits => continue,
            _ => finder.trainees(kind, &q, wanted)?,
        };
        push(more, &mut found);
    }
    // A partly typed code (three symbols or more) ranks last: "sxx" is far
    // more likely someone's initials than the start of a code.
    if found.len() < limit && q.len() >= 3 && q.len() < crate::code::LEN && q.is_ascii() {
        push(finder.trainees(KeyKind::Code, &q, limit - found.len())?, &mut found);
    }
    found.truncate(limit);
    Ok(found)
}
