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
use muster_protocol::trust::{Code, JoinCode, JoinRequest, JoinResponse, Trust};
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

pub use muster_protocol::trust::{base32, from_hex, to_hex, unbase32, B32};
pub use muster_protocol::trust::{certificate_number as number, parse_certificate_number as parse_number};

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
    /// Set when the organisation revoked the certificate (or the laptop
    /// that signed it, before it signed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked: Option<Revoked>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The number printed under the QR.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The event: its name when this store or the organisation knows it, else its short reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// The signed short reference of the event (last 8 hex digits of its id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hours: Option<f64>,
    /// The organisation that certified the signing laptop.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// The laptop that signed it (its name in the organisation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_by: Option<String>,
    /// When it was signed (from the certificate id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<String>,
    /// Whether this store holds the certificate (it was issued or synced here).
    pub known_here: bool,
    /// The key that signed it (hex): the laptop's.
    pub public_key: String,
}

/// When and why a certificate stopped being valid.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Revoked {
    pub at: String,
    pub reason: String,
    /// True when the issuing laptop was revoked before it signed.
    pub device: bool,
}

impl From<muster_protocol::trust::RevokedAt> for Revoked {
    fn from(r: muster_protocol::trust::RevokedAt) -> Revoked {
        Revoked { at: r.at, reason: r.reason, device: r.device }
    }
}

fn invalid_verification(reason: String, public_key: &str) -> Verification {
    Verification {
        valid: false,
        reason: Some(reason),
        revoked: None,
        id: None,
        number: None,
        name: None,
        event: None,
        event_ref: None,
        hours: None,
        org: None,
        issued_by: None,
        issued_at: None,
        known_here: false,
        public_key: public_key.to_string(),
    }
}

/// The event a code names: this store's name for it, the organisation's,
/// or the reference itself.
fn event_name(store: &Store, trust: Option<&Trust>, r: &str) -> Result<String> {
    let events = sql::events_by_suffix(store, r)?;
    Ok(match events.as_slice() {
        [(_, name)] => name.clone(),
        _ => trust.and_then(|t| t.event_name(r)).map(String::from).unwrap_or_else(|| r.to_string()),
    })
}

/// Verifies a code (a scanned verification URL, or a certificate number
/// known here) offline: a version 2 code against the organisation's trust
/// this laptop holds, a version 1 code against `public_key_hex` (default
/// this laptop's own key).
pub(crate) fn verify(store: &Store, code: &str, public_key_hex: Option<&str>) -> Result<Verification> {
    let own = public_key(store)?;
    let key_hex = public_key_hex.map(|k| k.trim().to_ascii_lowercase()).unwrap_or_else(|| own.clone());
    let invalid = |reason: String| Ok(invalid_verification(reason, &key_hex));
    // A certificate number (as printed under the QR): the certificate is
    // looked up here, and its signed code checked as if scanned.
    let owned;
    let code = match parse_number(muster_protocol::trust::code_text(code)) {
        Some(n) => match sql::all_codes(store)?.into_iter().find(|(id, _)| number(id) == n) {
            Some((_, c)) => {
                owned = c;
                owned.as_str()
            }
            None => return invalid(format!("no certificate numbered {n} is known on this laptop (scan its QR code to check it anywhere)")),
        },
        None => code,
    };
    let parsed = match Code::parse(code) {
        Ok(c) => c,
        Err(e) => return invalid(e),
    };
    let id = parsed.id_string();
    let known_here = sql::get(store, &id)?.is_some_and(|c| code_canonical(&c.code) == parsed.text());
    // The organisation's trust with every revocation this laptop knows
    // (a revocation synced here counts before the server's list has it).
    let trust = known_trust(store)?;
    let joined = !trust.keys.is_empty();
    let r = to_hex(&parsed.event_ref);
    let mut v = Verification {
        valid: false,
        reason: None,
        revoked: None,
        id: Some(id.clone()),
        number: Some(number(&id)),
        name: Some(parsed.name.clone()),
        event: Some(event_name(store, joined.then_some(&trust), &r)?),
        event_ref: Some(r),
        hours: Some(parsed.hours_tenths as f64 / 10.0),
        org: None,
        issued_by: None,
        issued_at: Some(parsed.signed_at()),
        known_here,
        public_key: key_hex.clone(),
    };
    let checked = if parsed.version == muster_protocol::trust::CODE_V1 {
        let Some(key) = from_hex(&key_hex).and_then(|b| <[u8; 32]>::try_from(b).ok()) else {
            return invalid(Invalid::PublicKey.to_string());
        };
        if let Err(why) = check(code, &key) {
            return invalid(why.to_string());
        }
        let by = (key_hex == own).then(|| "this laptop".to_string());
        let device = muster_protocol::trust::DeviceCertificate {
            device_id: store.device_id().to_string(),
            name: by.clone().unwrap_or_default(),
            public_key: key_hex.clone(),
            valid_from: String::new(),
            org_key_id: String::new(),
            signature: String::new(),
            revoked_at: None,
        };
        let checked = trust.listed(&id, device);
        v.issued_by = by;
        checked
    } else {
        if !joined {
            return invalid("this code was signed by a laptop of an organisation, and this laptop has not joined one: join it (muster join) or check it on the organisation's page".into());
        }
        v.org = Some(trust.org.clone());
        trust.verify(&parsed)
    };
    let outcome = checked.outcome();
    let Some(device) = outcome.device else {
        return invalid(outcome.reason.unwrap_or_default());
    };
    v.valid = outcome.valid;
    v.reason = outcome.reason;
    v.revoked = outcome.revoked.map(Revoked::from);
    if parsed.version != muster_protocol::trust::CODE_V1 {
        v.public_key = device.public_key;
        v.issued_by = Some(device.name);
    }
    Ok(v)
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

// ---------------------------------------------------------------- the organisation

/// The organisation's trust this laptop holds (after joining), checked
/// when it was stored.
pub(crate) fn trust(store: &Store) -> Result<Option<Trust>> {
    Ok(sql::trust(store)?.and_then(|j| serde_json::from_str(&j).ok()))
}

/// What this laptop sends when it joins: its signing key and store id.
pub(crate) fn join_request(store: &Store) -> Result<JoinRequest> {
    Ok(JoinRequest { public_key: public_key(store)?, store_id: store.device_id().to_string() })
}

/// What joining an organisation gave this laptop.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Joined {
    pub server: String,
    pub org: String,
    pub device_id: String,
    /// The organisation key's id the join code pinned.
    pub key_id: String,
}

/// Checks the server's answer to a join against the code the user was
/// given, and keeps the trust. Refused (nothing stored) when the server's
/// organisation key is not the one the code names, or when it did not
/// certify this laptop's key.
pub(crate) fn join_complete(store: &mut Store, code: &JoinCode, resp: JoinResponse) -> Result<Joined> {
    let t = resp.trust.checked(std::slice::from_ref(&code.key_id));
    if t.keys.is_empty() {
        return Err(Error::invalid_at(
            format!(
                "the server at {} does not hold the organisation key the join code names ({}): it is not the organisation that gave the code. Nothing was stored",
                code.server,
                muster_protocol::trust::fingerprint(&code.key_id)
            ),
            None,
            None,
            Some("join"),
        ));
    }
    let own = public_key(store)?;
    if !t.devices.iter().any(|d| d.device_id == resp.device_id && d.public_key == own) {
        return Err(Error::invalid_at(
            "the server did not certify this laptop's key with the organisation's key. Nothing was stored",
            None,
            None,
            Some("join"),
        ));
    }
    sql::set_trust(store, &serde_json::to_string(&t).map_err(|e| Error::invalid(e.to_string()))?)?;
    // The organisation's server is a new counterpart: everything goes up
    // (and comes down) again, idempotently.
    store.write(|w| store::sync::forget_position(w))?;
    // A device the server limits to its stops syncs those (and the events
    // this laptop made itself).
    if let Some(mut events) = resp.events.clone() {
        events.extend(store::events::created_here(store)?);
        events.sort();
        events.dedup();
        store.write(|w| store::sync::select_events(w, Some(&events)))?;
    }
    Ok(Joined { server: code.server.clone(), org: t.org.clone(), device_id: resp.device_id, key_id: code.key_id.clone() })
}

/// Takes a newer trust from the server (after a sync): kept only as far as
/// it chains from the keys this laptop already trusts; revoked devices and
/// certificates only ever add up. Returns whether anything was stored.
pub(crate) fn update_trust(store: &Store, fresh: Trust) -> Result<bool> {
    let Some(held) = trust(store)? else { return Ok(false) };
    let mut t = fresh.checked(&held.key_ids());
    if t.keys.is_empty() {
        return Ok(false);
    }
    // What the laptop knew is not forgotten: keys, devices and revocations
    // that the answer leaves out stay.
    for k in held.keys {
        if !t.keys.iter().any(|x| x.key_id == k.key_id) {
            t.keys.push(k);
        }
    }
    for d in held.devices {
        match t.devices.iter_mut().find(|x| x.device_id == d.device_id && x.public_key == d.public_key) {
            Some(x) => {
                if x.revoked_at.is_none() {
                    x.revoked_at = d.revoked_at;
                }
            }
            None => t.devices.push(d),
        }
    }
    for r in held.revoked {
        if !t.revoked.iter().any(|x| x.certificate_id == r.certificate_id) {
            t.revoked.push(r);
        }
    }
    for e in held.events {
        if !t.events.iter().any(|x| x.event_ref == e.event_ref) {
            t.events.push(e);
        }
    }
    sql::set_trust(store, &serde_json::to_string(&t).map_err(|e| Error::invalid(e.to_string()))?)?;
    Ok(true)
}

/// This laptop's organisation certificate, when it joined one: its codes
/// are then signed as version 2.
fn certified(store: &Store, key: &SigningKey) -> Result<Option<Trust>> {
    let own = to_hex(key.verifying_key().as_bytes());
    Ok(trust(store)?.filter(|t| t.devices.iter().any(|d| d.public_key == own)))
}

/// A certificate's signed code: version 2 when this laptop belongs to an
/// organisation, version 1 (its own key) otherwise.
pub(crate) fn sign_for(key: &SigningKey, org: bool, p: &Payload) -> String {
    if org {
        muster_protocol::trust::sign_v2(key, p.id.as_bytes(), p.hours_tenths, p.event_ref, &p.name)
    } else {
        sign(key, p)
    }
}

/// A revocation recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Revocation {
    pub id: String,
    pub revoked_at: String,
}

/// Revokes a certificate (by id or printed number) this laptop holds; the
/// revocation syncs. A second revocation of the same certificate is refused.
pub(crate) fn revoke(store: &mut Store, certificate: &str, reason: &str, by: &str) -> Result<Revocation> {
    let reason = crate::normalize::text(reason);
    if reason.is_empty() {
        return Err(Error::invalid_at("a revocation needs a reason (it is shown to whoever checks the certificate)", None, None, Some("reason"))
            .worded("cert.revoke_reason", &[])
            .kind(ErrorKind::ReasonRequired));
    }
    let wanted = certificate.trim();
    let id = match parse_number(wanted) {
        Some(n) => sql::all_codes(store)?.into_iter().map(|(id, _)| id).find(|id| number(id) == n),
        None => sql::get(store, &wanted.to_ascii_lowercase())?.map(|c| c.id),
    }
    .ok_or_else(|| Error::NotFound { kind: "certificate", id: wanted.to_string() })?;
    if let Some(r) = sql::revocations(store)?.into_iter().find(|r| r.certificate_id == id) {
        return Err(Error::invalid_at(format!("certificate {id} was already revoked on {}: {}", r.created_at, r.reason), None, None, Some("certificate")));
    }
    let (_, at) = store.write(|w| sql::insert_revocation(w, &id, &reason, by))?;
    Ok(Revocation { id, revoked_at: at })
}

/// The verifier written.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VerifierFile {
    pub file: String,
    /// Organisation keys inside.
    pub keys: usize,
    pub devices: usize,
    /// Revoked certificates inside.
    pub revoked: usize,
}

/// The organisation's trust as this laptop knows it (empty before it
/// joined one), with every revocation synced here and its events' names.
fn known_trust(store: &Store) -> Result<Trust> {
    let mut t = trust(store)?.unwrap_or_default();
    for r in sql::revocations(store)? {
        if !t.revoked.iter().any(|x| x.certificate_id == r.certificate_id) {
            t.revoked.push(muster_protocol::trust::Revocation { certificate_id: r.certificate_id, reason: r.reason, revoked_at: r.created_at });
        }
    }
    for (id, name) in sql::event_names(store)? {
        let r = muster_protocol::trust::event_ref_hex(&id);
        if !t.events.iter().any(|e| e.event_ref == r) {
            t.events.push(muster_protocol::trust::EventName { event_ref: r, name });
        }
    }
    Ok(t)
}

/// The trust a verifier carries: [`known_trust`], once this laptop joined.
pub(crate) fn verifier_trust(store: &Store) -> Result<Trust> {
    let t = known_trust(store)?;
    if t.keys.is_empty() {
        return Err(Error::invalid("this laptop has not joined an organisation: a verifier checks the organisation's certificates (muster join JOIN first)"));
    }
    Ok(t)
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
    /// Whether excused absences count toward the hours (default: no).
    #[serde(default)]
    pub excused_counts: bool,
    /// Whose hours a trainee registered after the event began is measured
    /// against: `all` (every session's, the default) or
    /// `after_registration` (only the sessions after they registered).
    #[serde(default = "default_late")]
    pub late_registration: String,
    /// The certificate's two languages: `zh+en` (default), `km+en`,
    /// `lo+en`, `az+en` or `tk+en`.
    #[serde(default = "default_languages")]
    pub languages: String,
    /// The organisers' seal (a PNG/JPEG path), printed over the date of issue.
    #[serde(default)]
    pub seal: Option<String>,
}

fn default_late() -> String {
    "all".into()
}

fn default_languages() -> String {
    "zh+en".into()
}

/// The certificate's language pairs: the local language, then English.
pub const LANGUAGES: &[&str] = &["zh+en", "km+en", "lo+en", "az+en", "tk+en"];

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
    pub excused_counts: Option<bool>,
    pub late_registration: Option<String>,
    pub languages: Option<String>,
    /// `Some(None)` removes the seal.
    pub seal: Option<Option<String>>,
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
            excused_counts: r.excused_counts,
            late_registration: r.late_registration,
            languages: r.languages,
            seal: r.seal,
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
            excused_counts: false,
            late_registration: default_late(),
            languages: default_languages(),
            seal: None,
        },
    })
}

fn check_share(v: f64, field: &str) -> Result<f64> {
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(Error::invalid_at(format!("{field} is a share between 0 and 1 (0.8 = 80%), not {v}"), None, None, Some(field))
            .worded("cert.share_range", &[("value", &format!("{}%", (v * 1000.0).round() / 10.0))]))
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
    if let Some(v) = patch.excused_counts {
        s.excused_counts = v;
    }
    if let Some(v) = patch.late_registration {
        let k = v.trim().to_ascii_lowercase().replace('-', "_");
        if k != "all" && k != "after_registration" {
            return Err(Error::invalid_at(format!("late_registration is all or after_registration, not {v}"), None, None, Some("late_registration")));
        }
        s.late_registration = k;
    }
    if let Some(v) = patch.languages {
        let k = v.trim().to_ascii_lowercase();
        if !LANGUAGES.contains(&k.as_str()) {
            return Err(Error::invalid_at(format!("languages is one of {}, not {v}", LANGUAGES.join(", ")), None, None, Some("languages")));
        }
        s.languages = k;
    }
    if let Some(v) = patch.seal {
        s.seal = v.filter(|p| !p.trim().is_empty());
    }
    if let Some(v) = patch.paper {
        let p = v.trim().to_ascii_lowercase();
        if p != "a4" && p != "a5" {
            return Err(Error::invalid_at(format!("paper is a4 or a5, not {v}"), None, None, Some("paper")));
        }
        s.paper = p;
    }
    for path in s.logos.iter().chain(s.signatories.iter().filter_map(|g| g.image.as_ref())).chain(s.seal.iter()) {
        if !std::path::Path::new(path).is_file() {
            return Err(Error::invalid_at(format!("image file {path} does not exist"), Some(path), None, None).worded("cert.image_missing", &[("path", &path)]));
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
        excused_counts: s.excused_counts,
        late_registration: s.late_registration.clone(),
        languages: s.languages.clone(),
        seal: s.seal.clone(),
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
    /// Whether the attendance rule alone makes them eligible (an override
    /// may say otherwise: then the certificate's wording says it was the
    /// organisers' decision).
    pub by_rule: bool,
    pub reason: String,
    #[serde(rename = "override")]
    pub override_: Option<Override>,
    /// The trainee's certificate, once issued.
    pub certificate_id: Option<String>,
    /// What a trainee not (yet) eligible still needs, from the sessions
    /// that have not started.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub needs: Option<Needs>,
}

/// What a trainee still needs to reach the event's rule: `hours` more, the
/// fewest of the sessions not yet started that give them (`sessions` of
/// `remaining`), or — when even all of them would not — `reachable` false.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Needs {
    pub hours: f64,
    pub sessions: u32,
    pub remaining: u32,
    pub reachable: bool,
}

/// [`Needs`] of a trainee with `counted` hours, `goal` needed, and the
/// hours of the sessions not yet started.
pub fn needs(counted: f64, goal: f64, mut future: Vec<f64>) -> Option<Needs> {
    let missing = goal - counted;
    if missing <= 1e-9 {
        return None;
    }
    future.sort_by(|a, b| b.total_cmp(a));
    let (mut sum, mut n) = (0.0, 0u32);
    for h in &future {
        if sum + 1e-9 >= missing {
            break;
        }
        sum += h;
        n += 1;
    }
    Some(Needs { hours: (missing * 10.0).ceil() / 10.0, sessions: n, remaining: future.len() as u32, reachable: sum + 1e-9 >= missing })
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
    let now = attendance::now_local();
    let future: Vec<f64> = report.sessions.iter().filter(|s| s.starts_at.as_str() > now.as_str()).map(|s| s.hours).collect();
    let after_registration = s.late_registration == "after_registration";
    let mut out = Vec::with_capacity(report.trainees.len());
    for mut t in report.trainees {
        // Excused hours count only where the event's rule says so.
        let excused = if s.excused_counts { t.excused_hours } else { 0.0 };
        t.hours = ((t.hours + excused) * 100.0).round() / 100.0;
        // Someone registered late is measured against the sessions after
        // they registered, where the event's rule says so.
        let before: f64 = report
            .sessions
            .iter()
            .filter(|x| t.sessions.get(&x.id).is_some_and(|a| a.status == attendance::Status::NotRegistered))
            .map(|x| x.hours)
            .sum();
        let late_note = if after_registration && before > 0.0 {
            format!(", registered late: {} h of sessions before", hours_text(before))
        } else {
            String::new()
        };
        let scheduled = if after_registration { scheduled - before } else { scheduled };
        let ratio = if scheduled > 0.0 { (t.hours / scheduled).min(1.0) } else { 0.0 };
        // A hair of tolerance: 7.99 h of 10 h at 80% is 7.99, not eligible,
        // but 8.0 computed as 7.999999 is.
        let by_rule = scheduled > 0.0 && ratio + 1e-9 >= min;
        let rule_reason = if scheduled <= 0.0 {
            "no sessions are scheduled".to_string()
        } else {
            format!(
                "attended {}{} of {} h ({}) {} {}{late_note}",
                hours_text(t.hours),
                if excused > 0.0 { format!(" (with {} h excused)", hours_text(excused)) } else { String::new() },
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
            by_rule,
            reason,
            override_: o.map(|o| Override { id: o.id.clone(), eligible: o.eligible, reason: o.reason.clone(), decided_by: o.decided_by.clone(), at: o.created_at.clone() }),
            needs: if eligible { None } else { needs(t.hours, min * scheduled, future.clone()) },
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
        return Err(Error::invalid_at(format!("{} is not on this event's roster", t.fields.name), None, None, Some("trainee"))
            .worded("cert.not_on_roster", &[("name", &t.fields.name)]));
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
    latin_of(t).0
}

/// The roster columns that hold a name's Latin form, lower case.
pub const LATIN_KEYS: &[&str] = &["english name", "english_name", "name_en", "latin name", "latin_name", "name (latin)", "name_latin", "name (english)", "拉丁名", "英文名", "英文姓名", "拼音", "pinyin", "passport name"];

/// Where the coordinator's confirmed Latin form is kept when the roster
/// had no such column. Present but empty: "no Latin form", confirmed.
pub const LATIN_KEY: &str = "name (latin)";

/// Where a certificate's Latin form of a name comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum LatinSource {
    /// A roster column, a coordinator who confirmed or typed it, or a
    /// name already in Latin letters (nothing to add).
    Roster,
    /// Made by Muster (pinyin for a Chinese name): to be confirmed, as a
    /// reading can be wrong (长 in 萧长青 is chang, not zhang).
    Transliterated,
    /// None: a name in a script Muster does not romanise (Khmer, Lao), or
    /// a coordinator who said there is none.
    None,
}

/// The roster's field that holds `t`'s Latin form, if any (its key).
fn latin_field(t: &crate::model::TraineeFields) -> Option<&String> {
    t.extra.keys().find(|k| LATIN_KEYS.contains(&k.trim().to_lowercase().as_str()) && !t.extra[*k].trim().is_empty())
        .or_else(|| t.extra.keys().find(|k| k.as_str() == LATIN_KEY))
}

/// The Latin form of `t`'s name and where it comes from.
pub fn latin_of(t: &Trainee) -> (Option<String>, LatinSource) {
    if let Some(k) = latin_field(&t.fields) {
        let v = t.fields.extra[k].trim();
        if !v.is_empty() {
            return (Some(v.to_string()), LatinSource::Roster);
        }
        // Our own key, kept empty: the coordinator said there is none.
        return (None, LatinSource::Roster);
    }
    match pinyin_name(&t.fields.name) {
        Some(p) => (Some(p), LatinSource::Transliterated),
        None if t.fields.name.chars().all(|c| c.is_ascii() || !c.is_alphabetic() || is_latin_letter(c)) => (None, LatinSource::Roster),
        None => (None, LatinSource::None),
    }
}

/// A letter of the Latin script (with the Azerbaijani, Turkmen and
/// Vietnamese ones; Azerbaijani ə is in the IPA block): the name needs no
/// Latin form beside it.
pub fn is_latin_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || matches!(c as u32, 0x00C0..=0x024F | 0x0250..=0x02AF | 0x1E00..=0x1EFF) && c != '×' && c != '÷'
}

/// The Latin form of one trainee's name as the next certificate would
/// print it, for the coordinator to confirm before printing.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LatinName {
    pub trainee_id: String,
    pub name: String,
    pub latin: Option<String>,
    pub source: LatinSource,
}

/// One Latin form the coordinator confirmed or typed (empty: none).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LatinConfirm {
    pub trainee_id: String,
    pub latin: String,
}

/// The names of the eligible trainees who have no certificate yet, with
/// their Latin forms: those the next issue prints.
pub(crate) fn latin_names(store: &Store, event_id: &str) -> Result<Vec<LatinName>> {
    let report = eligibility(store, event_id, None)?;
    let mut out = Vec::new();
    for e in report.trainees.into_iter().filter(|e| e.eligible && e.certificate_id.is_none()) {
        let Some(t) = store::trainees::get(store, &e.trainee_id)? else { continue };
        let (latin, source) = latin_of(&t);
        out.push(LatinName { trainee_id: t.id.clone(), name: t.fields.name.clone(), latin, source });
    }
    Ok(out)
}

/// Records the coordinator's Latin forms (`trainee id → Latin form`, empty
/// for "none") on the trainees of `event_id`, all or nothing: each a
/// trainee edit, logged and synced like any other.
pub(crate) fn confirm_latin_names(store: &mut Store, event_id: &str, names: &[(String, String)]) -> Result<usize> {
    let mut patches = Vec::new();
    for (id, latin) in names {
        let t = store::trainees::get(store, id)?.ok_or_else(|| Error::NotFound { kind: "trainee", id: id.clone() })?;
        if t.event_id != event_id {
            return Err(Error::NotFound { kind: "trainee", id: id.clone() });
        }
        let patch = crate::trainee::TraineePatch { name_latin: Some(latin.clone()), ..Default::default() };
        patch.apply_to(&t.fields)?;
        patches.push((t, patch));
    }
    let mut changed = 0;
    store.write(|w| {
        for (t, patch) in &patches {
            let new = patch.apply_to(&t.fields)?;
            if new != t.fields {
                store::trainees::update(w, &t.id, &t.fields, &new)?;
                changed += 1;
            }
        }
        Ok(())
    })?;
    Ok(changed)
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
    let org = certified(store, &key)?.is_some();
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
        let code = sign_for(&key, org, &Payload { id, hours_tenths, event_ref: eref, name: name.clone() });
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

    #[test]
    fn needs_says_the_fewest_sessions_left_or_that_the_rule_is_out_of_reach() {
        // 10 h scheduled, 80%: 8 h; 4.5 h attended; 3 h + 2.5 h + 2 h left.
        let n = needs(4.5, 8.0, vec![2.5, 3.0, 2.0]).unwrap();
        assert_eq!((n.hours, n.sessions, n.remaining, n.reachable), (3.5, 2, 3, true));
        let n = needs(0.0, 8.0, vec![3.0, 3.0]).unwrap();
        assert_eq!((n.sessions, n.reachable), (2, false));
        assert_eq!(needs(8.0, 8.0, vec![3.0]), None);
        let n = needs(7.99, 8.0, vec![]).unwrap();
        assert_eq!((n.hours, n.sessions, n.remaining, n.reachable), (0.1, 0, 0, false));
    }

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
