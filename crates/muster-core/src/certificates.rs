//! Certificates of completion: who is eligible and why, issuing, reprints
//! with their log, and the signed verification code anyone can check
//! offline with the organisation's public key.
//!
//! **Eligibility.** A trainee is eligible when the hours attended (derived
//! per session from check-ins, sign-outs and corrections, see `attendance`)
//! reach the event's share of the scheduled hours, 80% unless the event's
//! settings or the caller say otherwise. A coordinator's recorded override
//! (who, why) wins over the rule either way.
//!
//! **The code.** A certificate's code is a binary payload — version (1 byte),
//! certificate id (16-byte UUID), hours × 10 (u16), the event's short id (the
//! last 4 bytes of its UUID) and the name as printed (UTF-8) — followed by an
//! Ed25519 signature (64 bytes) of `"MUSTER-CERT" ‖ payload`, written in
//! Crockford base 32 (upper case: the QR alphanumeric mode, 5.5 bits a
//! character). A three-character Chinese name gives 96 bytes, 154 characters:
//! a version 6 QR code at level M (41 modules); printed 30 mm wide with its
//! quiet zone, a module is 0.61 mm. A long Azerbaijani or Turkmen name (30
//! bytes) needs version 8 (49 modules, 0.53 mm). Decoding is strict — padding bits must be
//! zero — so any changed character fails: either the text no longer decodes
//! or the signature no longer matches. Reading forgives what humans do:
//! lower case, spaces and dashes, `O` for `0`, `I`/`L` for `1`.
//!
//! **The key.** One Ed25519 key per installation, made on first use and kept
//! in the store's `meta` table (at-rest encryption comes with its own issue);
//! the public key is exported for verifiers.

use crate::model::{Event, Trainee};
use crate::store::{self, certificates as sql, Store};
use crate::{attendance, Error, ErrorKind, Result};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Default share of the scheduled hours a trainee must attend.
pub const DEFAULT_MIN_ATTENDANCE: f64 = 0.8;
const VERSION: u8 = 1;
const CONTEXT: &[u8] = b"MUSTER-CERT";
const HEADER: usize = 1 + 16 + 2 + 4;
const SIG: usize = 64;
/// Longest name a code carries, in bytes (a QR code stays printable).
pub const MAX_NAME_BYTES: usize = 120;

// ---------------------------------------------------------------- hex, base 32

pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn from_hex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

const B32: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Crockford base 32, upper case, no padding.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(B32[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(B32[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// The certificate number printed under the QR: ten symbols of Crockford
/// base 32 (50 bits) from the random end of the certificate's UUIDv7,
/// written `XXXXX-XXXXX`. Short enough to read aloud or type into a Verify
/// box; it finds the certificate wherever it is known (this laptop, the
/// central service), while the QR's long code proves it anywhere.
pub fn number(id: &str) -> String {
    let hex: String = id.chars().filter(char::is_ascii_hexdigit).collect();
    let tail = &hex[hex.len().saturating_sub(13)..];
    let v = u64::from_str_radix(tail, 16).unwrap_or(0) & ((1u64 << 50) - 1);
    let s: String = (0..10).rev().map(|i| B32[((v >> (i * 5)) & 31) as usize] as char).collect();
    format!("{}-{}", &s[..5], &s[5..])
}

/// A typed or scanned certificate number, canonical (`XXXXX-XXXXX`): ten
/// symbols of Crockford base 32, read leniently (case, O for 0, I/L for 1,
/// spaces and dashes ignored); `None` for anything else.
pub fn parse_number(input: &str) -> Option<String> {
    let mut s = String::with_capacity(10);
    for ch in input.trim().trim_start_matches("No.").trim_start_matches("No").chars() {
        let c = match ch.to_ascii_uppercase() {
            ' ' | '-' | '.' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !B32.contains(&(c as u8)) || !c.is_ascii() {
            return None;
        }
        s.push(c);
    }
    (s.len() == 10).then(|| format!("{}-{}", &s[..5], &s[5..]))
}

/// Decodes Crockford base 32 strictly: unused trailing bits must be zero, so
/// exactly one text decodes to given bytes.
pub fn unbase32(text: &str) -> std::result::Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut acc, mut bits) = (0u32, 0u32);
    for ch in text.chars() {
        let c = match ch.to_ascii_uppercase() {
            ' ' | '-' | '\n' | '\r' | '\t' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        let v = B32.iter().position(|&a| a as char == c).ok_or_else(|| format!("'{ch}' is not part of a certificate code"))?;
        acc = ((acc << 5) | v as u32) & 0xFFFF;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    if bits >= 5 || acc & ((1 << bits) - 1) != 0 {
        return Err("the code is cut short or has a wrong last character".into());
    }
    Ok(out)
}

// ---------------------------------------------------------------- the signed code

/// What a certificate code says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    pub id: uuid::Uuid,
    pub hours_tenths: u16,
    /// Last 4 bytes of the event's UUID.
    pub event_ref: [u8; 4],
    pub name: String,
}

impl Payload {
    fn bytes(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(HEADER + self.name.len());
        b.push(VERSION);
        b.extend_from_slice(self.id.as_bytes());
        b.extend_from_slice(&self.hours_tenths.to_be_bytes());
        b.extend_from_slice(&self.event_ref);
        b.extend_from_slice(self.name.as_bytes());
        b
    }

    /// The event reference as printed: 8 hex digits, the end of the event id.
    pub fn event_ref_hex(&self) -> String {
        to_hex(&self.event_ref)
    }
}

/// The short reference of an event that a code carries.
pub fn event_ref(event_id: &str) -> Result<[u8; 4]> {
    let u = uuid::Uuid::parse_str(event_id).map_err(|_| Error::invalid(format!("event id {event_id} is not a UUID")))?;
    let mut r = [0u8; 4];
    r.copy_from_slice(&u.as_bytes()[12..16]);
    Ok(r)
}

fn message(payload: &[u8]) -> Vec<u8> {
    [CONTEXT, payload].concat()
}

/// Signs `p` into a certificate code.
pub fn sign(key: &SigningKey, p: &Payload) -> String {
    let payload = p.bytes();
    let sig = key.sign(&message(&payload));
    let mut all = payload;
    all.extend_from_slice(&sig.to_bytes());
    base32(&all)
}

/// Why a code is not a valid certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    Unreadable(String),
    Version(u8),
    Signature,
    PublicKey,
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Invalid::Unreadable(why) => write!(f, "not a certificate code: {why}"),
            Invalid::Version(v) => write!(f, "unknown certificate code version {v}"),
            Invalid::Signature => write!(f, "the signature does not match: the code was altered or not issued with this public key"),
            Invalid::PublicKey => write!(f, "the public key is not 64 hex digits of an Ed25519 key"),
        }
    }
}

/// Checks `code` against `public_key` alone; returns what it says.
pub fn check(code: &str, public_key: &[u8; 32]) -> std::result::Result<Payload, Invalid> {
    let vk = VerifyingKey::from_bytes(public_key).map_err(|_| Invalid::PublicKey)?;
    let all = unbase32(code).map_err(Invalid::Unreadable)?;
    if all.len() < HEADER + SIG {
        return Err(Invalid::Unreadable(format!("{} bytes is too short", all.len())));
    }
    if all[0] != VERSION {
        return Err(Invalid::Version(all[0]));
    }
    let (payload, sig) = all.split_at(all.len() - SIG);
    let sig = Signature::from_bytes(sig.try_into().map_err(|_| Invalid::Signature)?);
    vk.verify_strict(&message(payload), &sig).map_err(|_| Invalid::Signature)?;
    let id = uuid::Uuid::from_slice(&payload[1..17]).map_err(|_| Invalid::Unreadable("certificate id".into()))?;
    let name = String::from_utf8(payload[HEADER..].to_vec()).map_err(|_| Invalid::Unreadable("name is not UTF-8".into()))?;
    Ok(Payload {
        id,
        hours_tenths: u16::from_be_bytes([payload[17], payload[18]]),
        event_ref: [payload[19], payload[20], payload[21], payload[22]],
        name,
    })
}

/// The answer of `verify`: the signed details, or why not.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Verification {
    pub valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The event: its name when this store knows it, else its short reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// The signed short reference of the event (last 8 hex digits of its id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hours: Option<f64>,
    /// Whether this store holds the certificate (it was issued or synced here).
    pub known_here: bool,
    pub public_key: String,
}

/// Verifies a code offline; the store is only used to name the event.
pub(crate) fn verify(store: &Store, code: &str, public_key_hex: &str) -> Result<Verification> {
    let invalid = |reason: String| Verification {
        valid: false,
        reason: Some(reason),
        id: None,
        name: None,
        event: None,
        event_ref: None,
        hours: None,
        known_here: false,
        public_key: public_key_hex.to_string(),
    };
    let Some(key) = from_hex(public_key_hex).and_then(|b| <[u8; 32]>::try_from(b).ok()) else {
        return Ok(invalid(Invalid::PublicKey.to_string()));
    };
    // A certificate number (as printed under the QR): the certificate is
    // looked up here, and its signed code checked as if scanned.
    let owned;
    let code = match parse_number(code) {
        Some(n) => match sql::all_codes(store)?.into_iter().find(|(id, _)| number(id) == n) {
            Some((_, c)) => {
                owned = c;
                owned.as_str()
            }
            None => return Ok(invalid(format!("no certificate numbered {n} is known on this laptop (scan its QR code to check it anywhere)"))),
        },
        None => code,
    };
    match check(code, &key) {
        Err(why) => Ok(invalid(why.to_string())),
        Ok(p) => {
            let r = p.event_ref_hex();
            let events = sql::events_by_suffix(store, &r)?;
            let event = match events.as_slice() {
                [(_, name)] => name.clone(),
                _ => r.clone(),
            };
            let known_here = sql::get(store, &p.id.to_string())?.is_some_and(|c| c.code == code_canonical(code));
            Ok(Verification {
                valid: true,
                reason: None,
                id: Some(p.id.to_string()),
                name: Some(p.name),
                event: Some(event),
                event_ref: Some(r),
                hours: Some(p.hours_tenths as f64 / 10.0),
                known_here,
                public_key: public_key_hex.to_string(),
            })
        }
    }
}

fn code_canonical(code: &str) -> String {
    unbase32(code).map(|b| base32(&b)).unwrap_or_default()
}

/// This installation's signing key (made on first use).
pub(crate) fn signing_key(store: &Store) -> Result<SigningKey> {
    let bytes = sql::signing_key(store, || {
        let mut k = [0u8; 32];
        getrandom::fill(&mut k).map_err(|e| Error::invalid(format!("no randomness for a signing key: {e}")))?;
        Ok(k)
    })?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// This installation's public key, hex.
pub(crate) fn public_key(store: &Store) -> Result<String> {
    Ok(to_hex(signing_key(store)?.verifying_key().as_bytes()))
}

// ---------------------------------------------------------------- settings

/// Someone who signs an event's certificates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Signatory {
    pub name: String,
    #[serde(default)]
    pub title: String,
    /// Path of a PNG/JPEG of the signature.
    #[serde(default)]
    pub image: Option<String>,
}

/// An event's certificate settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Settings {
    pub event_id: String,
    pub title_en: String,
    pub venue_en: String,
    pub organisers: Vec<String>,
    pub signatories: Vec<Signatory>,
    /// Paths of PNG/JPEG logos.
    pub logos: Vec<String>,
    pub min_attendance: f64,
    /// `a4` or `a5`.
    pub paper: String,
}

/// A change to the settings: `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct SettingsPatch {
    pub title_en: Option<String>,
    pub venue_en: Option<String>,
    pub organisers: Option<Vec<String>>,
    pub signatories: Option<Vec<Signatory>>,
    pub logos: Option<Vec<String>>,
    pub min_attendance: Option<f64>,
    pub paper: Option<String>,
}

fn require_event(store: &Store, event_id: &str) -> Result<Event> {
    store::events::get(store, event_id)?.ok_or_else(|| Error::NotFound { kind: "event", id: event_id.to_string() })
}

pub(crate) fn settings(store: &Store, event_id: &str) -> Result<Settings> {
    require_event(store, event_id)?;
    Ok(match sql::settings(store, event_id)? {
        Some(r) => Settings {
            event_id: r.event_id,
            title_en: r.title_en,
            venue_en: r.venue_en,
            organisers: serde_json::from_str(&r.organisers).unwrap_or_default(),
            signatories: serde_json::from_str(&r.signatories).unwrap_or_default(),
            logos: serde_json::from_str(&r.logos).unwrap_or_default(),
            min_attendance: r.min_attendance,
            paper: r.paper,
        },
        None => Settings {
            event_id: event_id.to_string(),
            title_en: String::new(),
            venue_en: String::new(),
            organisers: Vec::new(),
            signatories: Vec::new(),
            logos: Vec::new(),
            min_attendance: DEFAULT_MIN_ATTENDANCE,
            paper: "a4".into(),
        },
    })
}

fn check_share(v: f64, field: &str) -> Result<f64> {
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(Error::invalid_at(format!("{field} is a share between 0 and 1 (0.8 = 80%), not {v}"), None, None, Some(field)))
    }
}

pub(crate) fn configure(store: &mut Store, event_id: &str, patch: SettingsPatch) -> Result<Settings> {
    let mut s = settings(store, event_id)?;
    let existing = sql::settings(store, event_id)?.map(|r| r.id);
    if let Some(v) = patch.title_en {
        s.title_en = crate::normalize::text(&v);
    }
    if let Some(v) = patch.venue_en {
        s.venue_en = crate::normalize::text(&v);
    }
    if let Some(v) = patch.organisers {
        s.organisers = v.iter().map(|o| crate::normalize::text(o)).filter(|o| !o.is_empty()).collect();
    }
    if let Some(v) = patch.signatories {
        s.signatories = v;
    }
    if let Some(v) = patch.logos {
        s.logos = v;
    }
    if let Some(v) = patch.min_attendance {
        s.min_attendance = check_share(v, "min_attendance")?;
    }
    if let Some(v) = patch.paper {
        let p = v.trim().to_ascii_lowercase();
        if p != "a4" && p != "a5" {
            return Err(Error::invalid_at(format!("paper is a4 or a5, not {v}"), None, None, Some("paper")));
        }
        s.paper = p;
    }
    for path in s.logos.iter().chain(s.signatories.iter().filter_map(|g| g.image.as_ref())) {
        if !std::path::Path::new(path).is_file() {
            return Err(Error::invalid_at(format!("image file {path} does not exist"), Some(path), None, None));
        }
    }
    let row = sql::SettingsRow {
        id: String::new(),
        event_id: event_id.to_string(),
        title_en: s.title_en.clone(),
        venue_en: s.venue_en.clone(),
        organisers: serde_json::to_string(&s.organisers).unwrap_or_default(),
        signatories: serde_json::to_string(&s.signatories).unwrap_or_default(),
        logos: serde_json::to_string(&s.logos).unwrap_or_default(),
        min_attendance: s.min_attendance,
        paper: s.paper.clone(),
    };
    store.write(|w| sql::save_settings(w, existing.as_deref(), &row))?;
    Ok(s)
}

// ---------------------------------------------------------------- eligibility

/// A recorded eligibility decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Override {
    pub id: String,
    pub eligible: bool,
    pub reason: String,
    pub decided_by: String,
    pub at: String,
}

/// One trainee: eligible or not, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Eligibility {
    pub trainee_id: String,
    pub name: String,
    pub code: Option<String>,
    pub hours: f64,
    pub scheduled_hours: f64,
    /// Share of the scheduled hours attended, 0..1.
    pub attendance: f64,
    pub eligible: bool,
    pub reason: String,
    #[serde(rename = "override")]
    pub override_: Option<Override>,
    /// The trainee's certificate, once issued.
    pub certificate_id: Option<String>,
}

/// Who is eligible for an event's certificates under a rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EligibilityReport {
    pub event_id: String,
    pub min_attendance: f64,
    pub scheduled_hours: f64,
    pub eligible: u32,
    pub ineligible: u32,
    pub trainees: Vec<Eligibility>,
}

fn pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

fn hours_text(h: f64) -> String {
    let r = (h * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// Eligibility of every trainee on the roster; `min` overrides the event's
/// rule for this question.
pub(crate) fn eligibility(store: &Store, event_id: &str, min: Option<f64>) -> Result<EligibilityReport> {
    let s = settings(store, event_id)?;
    let min = check_share(min.unwrap_or(s.min_attendance), "min_attendance")?;
    let report = attendance::report(store, event_id)?;
    let overrides: HashMap<String, sql::OverrideRow> = sql::overrides(store, event_id)?.into_iter().map(|o| (o.trainee_id.clone(), o)).collect();
    let certs: HashMap<String, String> = sql::for_event(store, event_id)?.into_iter().map(|c| (c.trainee_id, c.id)).collect();
    let scheduled = report.sessions.iter().map(|s| s.hours).sum::<f64>();
    let mut out = Vec::with_capacity(report.trainees.len());
    for t in report.trainees {
        let ratio = if scheduled > 0.0 { (t.hours / scheduled).min(1.0) } else { 0.0 };
        // A hair of tolerance: 7.99 h of 10 h at 80% is 7.99, not eligible,
        // but 8.0 computed as 7.999999 is.
        let by_rule = scheduled > 0.0 && ratio + 1e-9 >= min;
        let rule_reason = if scheduled <= 0.0 {
            "no sessions are scheduled".to_string()
        } else {
            format!(
                "attended {} of {} h ({}) {} {}",
                hours_text(t.hours),
                hours_text(scheduled),
                pct(ratio),
                if by_rule { "≥" } else { "<" },
                pct(min)
            )
        };
        let o = overrides.get(&t.id);
        let (eligible, reason) = match o {
            Some(o) => (o.eligible, format!("{} by {}: {} ({rule_reason})", if o.eligible { "made eligible" } else { "made ineligible" }, o.decided_by, o.reason)),
            None => (by_rule, rule_reason),
        };
        out.push(Eligibility {
            certificate_id: certs.get(&t.id).cloned(),
            trainee_id: t.id,
            name: t.name,
            code: t.code,
            hours: t.hours,
            scheduled_hours: scheduled,
            attendance: (ratio * 1000.0).round() / 1000.0,
            eligible,
            reason,
            override_: o.map(|o| Override { id: o.id.clone(), eligible: o.eligible, reason: o.reason.clone(), decided_by: o.decided_by.clone(), at: o.created_at.clone() }),
        });
    }
    let eligible = out.iter().filter(|e| e.eligible).count() as u32;
    Ok(EligibilityReport { event_id: event_id.to_string(), min_attendance: min, scheduled_hours: scheduled, eligible, ineligible: out.len() as u32 - eligible, trainees: out })
}

/// Records a coordinator's decision that a trainee is (not) eligible.
pub(crate) fn set_override(store: &mut Store, event_id: &str, trainee_id: &str, eligible: bool, reason: &str, by: &str) -> Result<Override> {
    require_event(store, event_id)?;
    let t = store::trainees::get(store, trainee_id)?.ok_or_else(|| Error::NotFound { kind: "trainee", id: trainee_id.to_string() })?;
    if t.event_id != event_id {
        return Err(Error::invalid_at(format!("{} is not on this event's roster", t.fields.name), None, None, Some("trainee")));
    }
    let reason = crate::normalize::text(reason);
    if reason.is_empty() {
        return Err(Error::invalid_at("an override needs a reason", None, None, Some("reason")).kind(ErrorKind::ReasonRequired));
    }
    let by = if by.trim().is_empty() { "unknown".to_string() } else { by.trim().to_string() };
    let id = store.write(|w| sql::insert_override(w, event_id, trainee_id, eligible, &reason, &by))?;
    Ok(Override { id, eligible, reason, decided_by: by, at: crate::clock::rfc3339_ms(crate::clock::now_ms()) })
}

// ---------------------------------------------------------------- issuing

/// An issued certificate, as printed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IssuedCertificate {
    pub id: String,
    /// The number printed under the QR ([`number`]).
    pub number: String,
    pub trainee_id: String,
    pub name: String,
    pub name_latin: Option<String>,
    pub hours: f64,
    pub code: String,
    pub issued_at: String,
    /// Issued by this call (false: issued before, printed again).
    pub new: bool,
}

impl IssuedCertificate {
    fn from_row(c: sql::CertificateRow, new: bool) -> IssuedCertificate {
        IssuedCertificate {
            number: number(&c.id),
            id: c.id,
            trainee_id: c.trainee_id,
            name: c.name,
            name_latin: c.name_latin,
            hours: c.hours_tenths as f64 / 10.0,
            code: c.code,
            issued_at: c.created_at,
            new,
        }
    }
}

/// The result of issuing an event's certificates.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IssueOutcome {
    pub event_id: String,
    pub certificates: Vec<IssuedCertificate>,
    pub ineligible: Vec<Eligibility>,
}

/// The Latin spelling of a name for the certificate: a roster column such
/// as "English name" / "英文名" / "拼音" when there is one, pinyin for a
/// Chinese name ("WANG Sumei"), nothing for a name already in Latin letters
/// or in a script we cannot romanise (Khmer, Lao without a roster column).
pub fn latin_name(t: &Trainee) -> Option<String> {
    const KEYS: &[&str] = &["english name", "english_name", "name_en", "latin name", "latin_name", "英文名", "英文姓名", "拼音", "pinyin", "passport name"];
    for (k, v) in &t.fields.extra {
        if KEYS.contains(&k.trim().to_lowercase().as_str()) && !v.trim().is_empty() {
            return Some(v.trim().to_string());
        }
    }
    pinyin_name(&t.fields.name)
}

/// "WANG Sumei" for 王素梅: surname in capitals, given name capitalised;
/// `None` for a name without Chinese characters.
pub fn pinyin_name(name: &str) -> Option<String> {
    let spellings = crate::search::pinyin_spellings(name);
    // The first spelling: surname reading first, then each character's
    // most common reading.
    let mut parts = spellings.first()?.iter();
    let surname = parts.next()?.to_uppercase();
    let given: String = parts.map(|p| p.to_lowercase()).collect();
    let mut g = given.chars();
    let given = match g.next() {
        Some(f) => f.to_uppercase().chain(g).collect::<String>(),
        None => String::new(),
    };
    Some(if given.is_empty() { surname } else { format!("{surname} {given}") })
}

/// Issues a certificate to every eligible trainee who has none yet, and
/// returns the certificates of all eligible trainees (older ones with the
/// same id and code as before) and the ineligible with their reasons.
pub(crate) fn issue(store: &mut Store, event_id: &str, min: Option<f64>) -> Result<IssueOutcome> {
    let report = eligibility(store, event_id, min)?;
    let key = signing_key(store)?;
    let public = to_hex(key.verifying_key().as_bytes());
    let eref = event_ref(event_id)?;
    let existing: HashMap<String, sql::CertificateRow> = sql::for_event(store, event_id)?.into_iter().map(|c| (c.trainee_id.clone(), c)).collect();
    let mut fresh = Vec::new();
    let mut order = Vec::new();
    let mut ineligible = Vec::new();
    for e in report.trainees {
        if !e.eligible {
            ineligible.push(e);
            continue;
        }
        order.push(e.trainee_id.clone());
        if existing.contains_key(&e.trainee_id) {
            continue;
        }
        let t = store::trainees::get(store, &e.trainee_id)?.ok_or_else(|| Error::NotFound { kind: "trainee", id: e.trainee_id.clone() })?;
        let mut name = t.fields.name.clone();
        while name.len() > MAX_NAME_BYTES {
            name.pop();
        }
        let id = uuid::Uuid::now_v7();
        let hours_tenths = (e.hours * 10.0).round().clamp(0.0, u16::MAX as f64) as u16;
        let code = sign(&key, &Payload { id, hours_tenths, event_ref: eref, name: name.clone() });
        fresh.push(sql::CertificateRow {
            id: id.to_string(),
            event_id: event_id.to_string(),
            trainee_id: t.id.clone(),
            name,
            name_latin: latin_name(&t),
            hours_tenths,
            attendance: e.attendance,
            override_id: e.override_.as_ref().map(|o| o.id.clone()),
            code,
            public_key: public.clone(),
            created_at: String::new(),
        });
    }
    store.write(|w| {
        for c in &fresh {
            sql::insert(w, c)?;
        }
        Ok(())
    })?;
    let new_ids: std::collections::HashSet<String> = fresh.iter().map(|c| c.id.clone()).collect();
    let mut all: HashMap<String, sql::CertificateRow> = sql::for_event(store, event_id)?.into_iter().map(|c| (c.trainee_id.clone(), c)).collect();
    let certificates = order
        .iter()
        .filter_map(|t| all.remove(t))
        .map(|c| {
            let new = new_ids.contains(&c.id);
            IssuedCertificate::from_row(c, new)
        })
        .collect();
    Ok(IssueOutcome { event_id: event_id.to_string(), certificates, ineligible })
}

/// A certificate by its id, or the certificate of a trainee (by trainee id).
pub(crate) fn find(store: &Store, id: &str) -> Result<(IssuedCertificate, String)> {
    if let Some(c) = sql::get(store, id)? {
        let event = c.event_id.clone();
        return Ok((IssuedCertificate::from_row(c, false), event));
    }
    if let Some(t) = store::trainees::get(store, id)? {
        if let Some(c) = sql::for_event(store, &t.event_id)?.into_iter().find(|c| c.trainee_id == t.id) {
            let event = c.event_id.clone();
            return Ok((IssuedCertificate::from_row(c, false), event));
        }
        return Err(Error::NotFound { kind: "certificate of trainee", id: id.to_string() });
    }
    Err(Error::NotFound { kind: "certificate", id: id.to_string() })
}

/// A certificate's first print, or any later one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum PrintKind {
    Issue,
    Reprint,
}

impl PrintKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PrintKind::Issue => "issue",
            PrintKind::Reprint => "reprint",
        }
    }

    /// The stored name; anything but `reprint` was a first print.
    pub fn parse(s: &str) -> PrintKind {
        if s == "reprint" {
            PrintKind::Reprint
        } else {
            PrintKind::Issue
        }
    }
}

impl std::fmt::Display for PrintKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One printing, as logged.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PrintRecord {
    pub id: String,
    pub certificate_id: String,
    pub kind: PrintKind,
    pub reason: String,
    pub printed_by: String,
    pub file: String,
    pub device_id: String,
    pub at: String,
}

/// Logs that `certs` were printed into `file`: a first print is `issue`,
/// any later one a `reprint`. The reason a reprint needs was checked before
/// anything was printed (`documents::check_reprint_reason`).
pub(crate) fn record_prints(store: &mut Store, event_id: &str, cert_ids: &[String], reason: &str, by: &str, file: &str) -> Result<Vec<PrintRecord>> {
    let printed: std::collections::HashSet<String> = sql::prints(store, event_id, None)?.into_iter().map(|p| p.certificate_id).collect();
    let reason = crate::normalize::text(reason);
    let by = if by.trim().is_empty() { "unknown".to_string() } else { by.trim().to_string() };
    store.write(|w| {
        let mut out = Vec::with_capacity(cert_ids.len());
        for c in cert_ids {
            let kind = if printed.contains(c) { PrintKind::Reprint } else { PrintKind::Issue };
            let why = if reason.is_empty() { "first print".to_string() } else { reason.clone() };
            let id = sql::insert_print(w, c, event_id, kind.as_str(), &why, &by, file)?;
            out.push(PrintRecord { id, certificate_id: c.clone(), kind, reason: why, printed_by: by.clone(), file: file.into(), device_id: w.device_id().to_string(), at: w.now() });
        }
        Ok(out)
    })
}

/// The print log of an event or one certificate.
pub(crate) fn prints(store: &Store, event_id: &str, certificate_id: Option<&str>) -> Result<Vec<PrintRecord>> {
    Ok(sql::prints(store, event_id, certificate_id)?
        .into_iter()
        .map(|p| PrintRecord { id: p.id, certificate_id: p.certificate_id, kind: PrintKind::parse(&p.kind), reason: p.reason, printed_by: p.printed_by, file: p.file, device_id: p.device_id, at: p.created_at })
        .collect())
}

#[cfg(test)]
mod number_tests {
    use super::*;

    #[test]
    fn a_number_is_short_and_read_back_leniently() {
        let id = "0195a0c4-7d2e-7b31-9c1d-3f5e8a0b2c7d";
        let n = number(id);
        assert_eq!(n.len(), 11);
        assert_eq!(parse_number(&n).as_deref(), Some(n.as_str()));
        assert_eq!(parse_number(&n.to_lowercase().replace('-', " ")).as_deref(), Some(n.as_str()));
        assert_eq!(parse_number(&format!("No. {n}")).as_deref(), Some(n.as_str()));
        assert_ne!(number("0195a0c4-7d2e-7b31-9c1d-3f5e8a0b2c7e"), n, "ids differing in the last bit differ");
        assert_eq!(parse_number("ABCDEFGH"), None, "eight symbols is not a number");
        assert_eq!(parse_number("ABCDE-FGHIJU"), None, "U is not Crockford");
        assert_eq!(parse_number(id), None, "a UUID is not a number");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    fn payload(name: &str) -> Payload {
        Payload { id: uuid::Uuid::now_v7(), hours_tenths: 245, event_ref: [1, 2, 3, 4], name: name.into() }
    }

    #[test]
    fn base32_round_trips_and_is_strict() {
        for n in 0..40 {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            let text = base32(&bytes);
            assert_eq!(unbase32(&text).unwrap(), bytes);
            assert_eq!(unbase32(&text.to_lowercase()).unwrap(), bytes);
        }
        // 1 byte = 2 characters with 2 padding bits: they must be zero.
        assert_eq!(base32(&[0xFF]), "ZW");
        assert!(unbase32("ZX").is_err());
        assert!(unbase32("Z").is_err());
    }

    #[test]
    fn a_code_round_trips_with_the_public_key_alone() {
        let k = key();
        for name in ["王素梅", "Aynur Məmmədova", "Ýazgül Öwezowa", "សុខ ស្រីមុំ", "ສົມສັກ"] {
            let p = payload(name);
            let code = sign(&k, &p);
            assert!(code.chars().all(|c| B32.contains(&(c as u8))));
            assert_eq!(check(&code, k.verifying_key().as_bytes()), Ok(p));
        }
    }

    #[test]
    fn every_changed_character_fails() {
        let k = key();
        let code = sign(&k, &payload("王素梅"));
        let pk = *k.verifying_key().as_bytes();
        for i in 0..code.len() {
            for &a in B32.iter().step_by(3) {
                let mut b = code.clone().into_bytes();
                if b[i] == a {
                    continue;
                }
                b[i] = a;
                assert!(check(std::str::from_utf8(&b).unwrap(), &pk).is_err(), "change at {i} to {} passed", a as char);
            }
        }
        assert!(check(&code[..code.len() - 1], &pk).is_err());
        let other = SigningKey::from_bytes(&[8u8; 32]);
        assert_eq!(check(&code, other.verifying_key().as_bytes()), Err(Invalid::Signature));
    }

    #[test]
    fn a_three_character_chinese_name_makes_154_characters() {
        // 23 header + 9 name + 64 signature bytes = 96 bytes = 154 symbols:
        // a version 6 QR code (41 modules) at level M.
        let code = sign(&key(), &payload("王素梅"));
        assert_eq!(code.len(), 154);
    }
}
