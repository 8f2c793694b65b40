//! The organisation's trust, as every party checks it: the server that
//! holds the organisation's root keys, each laptop, the server's public
//! verification page and the offline HTML verifier (which repeats these
//! checks in JavaScript, byte for byte).
//!
//! - **Org keys.** Ed25519 root keys; a key's id is the first 8 bytes of
//!   the SHA-256 of its 32-byte public key, in hex (16 digits). The join
//!   code pins one; a later key is trusted only when the key before it
//!   signed it (rotation: [`OrgKey::endorsement_message`]).
//! - **Device certificates.** When a laptop joins, an org key signs its
//!   device id, name, public key, start of validity and the signing key's
//!   id ([`DeviceCertificate::message`]). The server's list of revoked
//!   devices travels beside them, unsigned: a revocation can only take
//!   trust away.
//! - **Certificate codes.** Version 1 (a laptop's own key, before
//!   organisations) and version 2: `2 ‖ certificate id (16) ‖ hours × 10
//!   (u16 BE) ‖ event reference (4) ‖ device reference (4: the first bytes
//!   of the SHA-256 of the signing laptop's public key) ‖ name (UTF-8)`,
//!   then the Ed25519 signature (64) of `"MUSTER-CERT" ‖ all that`, in
//!   Crockford base 32. A certificate id is a UUIDv7, so a code says when
//!   it was signed: a laptop revoked at T keeps what it signed before T.
//! - **The join code.** `MJ1` + base 32 of `org key id (8) ‖ token (32) ‖
//!   server URL`: upper-case letters and digits only, so a QR code holds it
//!   in alphanumeric mode and a USB scanner types it on any keyboard layout.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The domain-separation prefix of a certificate code's signature.
pub const CERT_CONTEXT: &[u8] = b"MUSTER-CERT";
/// Code version signed with a laptop's own key (no organisation).
pub const CODE_V1: u8 = 1;
/// Code version signed with a device key the organisation certified.
pub const CODE_V2: u8 = 2;
const SIG: usize = 64;
const V1_HEADER: usize = 1 + 16 + 2 + 4;
const V2_HEADER: usize = V1_HEADER + 4;
/// The join code's prefix (version 1).
pub const JOIN_PREFIX: &str = "MJ1";

// ---------------------------------------------------------------- base 32, hex

/// The Crockford base 32 alphabet.
pub const B32: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Crockford base 32, upper case, no padding.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = ((acc << 8) | b as u32) & 0xFFFF;
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

/// Decodes Crockford base 32 strictly (unused trailing bits must be zero,
/// so exactly one text decodes to given bytes), reading leniently what
/// people and scanners do: lower case, spaces and dashes, `O` for `0`,
/// `I`/`L` for `1`.
pub fn unbase32(text: &str) -> Result<Vec<u8>, String> {
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

pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn from_hex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if s.len() % 2 != 0 || !s.is_ascii() {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect()
}

fn key32(hex: &str) -> Option<[u8; 32]> {
    from_hex(hex).and_then(|b| b.try_into().ok())
}

fn sig64(hex: &str) -> Option<Signature> {
    let b: [u8; 64] = from_hex(hex)?.try_into().ok()?;
    Some(Signature::from_bytes(&b))
}

/// The id of a public key: the first 8 bytes of its SHA-256, hex.
pub fn key_id(public_key: &[u8; 32]) -> String {
    to_hex(&Sha256::digest(public_key)[..8])
}

/// The 4-byte reference a version 2 code carries for its signing laptop.
pub fn device_ref(public_key: &[u8; 32]) -> [u8; 4] {
    let d = Sha256::digest(public_key);
    [d[0], d[1], d[2], d[3]]
}

/// `"a1b2 c3d4 e5f6 0718"`: a key id as people compare it, in groups of 4.
pub fn fingerprint(key_id: &str) -> String {
    key_id.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

/// The certificate number printed under the QR: ten symbols of Crockford
/// base 32 (50 bits) from the random end of the certificate's UUIDv7,
/// written `XXXXX-XXXXX`. Short enough to read aloud or type into a Verify
/// box; it finds the certificate wherever it is known (a laptop, the
/// central service), while the QR's long code proves it anywhere.
pub fn certificate_number(id: &str) -> String {
    let hex: String = id.chars().filter(char::is_ascii_hexdigit).collect();
    let tail = &hex[hex.len().saturating_sub(13)..];
    let v = u64::from_str_radix(tail, 16).unwrap_or(0) & ((1u64 << 50) - 1);
    let s: String = (0..10).rev().map(|i| B32[((v >> (i * 5)) & 31) as usize] as char).collect();
    format!("{}-{}", &s[..5], &s[5..])
}

/// A typed or scanned certificate number, canonical (`XXXXX-XXXXX`): ten
/// symbols of Crockford base 32, read leniently (case, O for 0, I/L for 1,
/// spaces and dashes ignored); `None` for anything else.
pub fn parse_certificate_number(input: &str) -> Option<String> {
    let mut s = String::with_capacity(10);
    for ch in input.trim().trim_start_matches("No.").trim_start_matches("No").chars() {
        let c = match ch.to_ascii_uppercase() {
            ' ' | '-' | '.' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !B32.contains(&(c as u8)) {
            return None;
        }
        s.push(c);
    }
    (s.len() == 10).then(|| format!("{}-{}", &s[..5], &s[5..]))
}

// ---------------------------------------------------------------- time

/// Milliseconds since 1970 of `YYYY-MM-DDTHH:MM:SS[.fff…]Z`; `None` for
/// anything else.
pub fn timestamp_ms(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' || !s.ends_with('Z') {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, m, d, hh, mm, ss) = (n(0..4)?, n(5..7)?, n(8..10)?, n(11..13)?, n(14..16)?, n(17..19)?);
    let frac = &s[19..s.len() - 1];
    let ms = match frac.strip_prefix('.') {
        Some(f) if !f.is_empty() && f.bytes().all(|c| c.is_ascii_digit()) => format!("{f:0<3}")[..3].parse::<i64>().ok()?,
        None if frac.is_empty() => 0,
        _ => return None,
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let days = days_from_civil(y, m as u32, d as u32);
    let t = ((days * 86_400 + hh * 3600 + mm * 60 + ss) * 1000) + ms;
    u64::try_from(t).ok()
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` of milliseconds since 1970.
pub fn format_ms(ms: u64) -> String {
    let secs = (ms / 1000) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z", rem / 3600, rem % 3600 / 60, rem % 60, ms % 1000)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian
/// (Howard Hinnant's algorithm; the one copy of it in Muster).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// When a certificate with this id (a UUIDv7) was signed, in ms.
pub fn uuid7_ms(id: &[u8; 16]) -> u64 {
    id[..6].iter().fold(0u64, |acc, &b| (acc << 8) | b as u64)
}

// ---------------------------------------------------------------- keys and devices

/// One of the organisation's root keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgKey {
    pub key_id: String,
    /// 64 hex digits.
    pub public_key: String,
    pub created_at: String,
    /// Set when a newer key took over signing; it still verifies.
    #[serde(default)]
    pub retired_at: Option<String>,
    /// The older key that signed this one when it took over (rotation),
    /// and its signature (hex) of [`OrgKey::endorsement_message`].
    #[serde(default)]
    pub endorsed_by: Option<String>,
    #[serde(default)]
    pub endorsement: Option<String>,
    /// The newer key that signed this one when taking over from it, and its
    /// signature of the same message: a laptop that joins after a rotation
    /// (pinning the new key) still trusts what the old key certified.
    #[serde(default)]
    pub vouched_by: Option<String>,
    #[serde(default)]
    pub vouch: Option<String>,
}

impl OrgKey {
    /// What the previous key signs to hand over to this one.
    pub fn endorsement_message(public_key_hex: &str, created_at: &str) -> Vec<u8> {
        format!("MUSTER-ORGKEY-1\n{public_key_hex}\n{created_at}").into_bytes()
    }

    /// A new key record for `key`, endorsed by `previous` when rotating.
    pub fn new(key: &SigningKey, created_at: &str, previous: Option<&SigningKey>) -> OrgKey {
        let public = key.verifying_key().to_bytes();
        let public_key = to_hex(&public);
        let (endorsed_by, endorsement) = match previous {
            Some(p) => (
                Some(key_id(&p.verifying_key().to_bytes())),
                Some(to_hex(&p.sign(&OrgKey::endorsement_message(&public_key, created_at)).to_bytes())),
            ),
            None => (None, None),
        };
        OrgKey { key_id: key_id(&public), public_key, created_at: created_at.to_string(), retired_at: None, endorsed_by, endorsement, vouched_by: None, vouch: None }
    }

    /// The newer key `by` vouches for this (older) one.
    pub fn vouch_with(&mut self, by: &SigningKey) {
        self.vouched_by = Some(key_id(&by.verifying_key().to_bytes()));
        self.vouch = Some(to_hex(&by.sign(&OrgKey::endorsement_message(&self.public_key, &self.created_at)).to_bytes()));
    }

    /// Whether the trusted key `t` signed this key's record (either way).
    fn signed_by(&self, t: &OrgKey) -> bool {
        let Some(signer) = t.verifying() else { return false };
        let msg = OrgKey::endorsement_message(&self.public_key, &self.created_at);
        [(&self.endorsed_by, &self.endorsement), (&self.vouched_by, &self.vouch)].into_iter().any(|(by, sig)| {
            by.as_deref() == Some(t.key_id.as_str()) && sig.as_deref().and_then(sig64).is_some_and(|sig| signer.verify(&msg, &sig).is_ok())
        })
    }

    fn verifying(&self) -> Option<VerifyingKey> {
        VerifyingKey::from_bytes(&key32(&self.public_key)?).ok()
    }
}

/// A laptop the organisation certified: signed by an org key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceCertificate {
    pub device_id: String,
    pub name: String,
    /// The laptop's certificate-signing public key, 64 hex digits.
    pub public_key: String,
    pub valid_from: String,
    pub org_key_id: String,
    /// The org key's signature of [`DeviceCertificate::message`], hex.
    pub signature: String,
    /// Not signed: when the organisation revoked this laptop (what it
    /// signed before stays valid, what it signs after is refused).
    #[serde(default)]
    pub revoked_at: Option<String>,
}

impl DeviceCertificate {
    /// The bytes an org key signs. Fields never hold a line break (the
    /// server refuses such a name).
    pub fn message(device_id: &str, name: &str, public_key_hex: &str, valid_from: &str, org_key_id: &str) -> Vec<u8> {
        format!("MUSTER-DEVICE-1\n{device_id}\n{name}\n{public_key_hex}\n{valid_from}\n{org_key_id}").into_bytes()
    }

    /// Signs a certificate for a laptop with `org`.
    pub fn issue(org: &SigningKey, device_id: &str, name: &str, public_key_hex: &str, valid_from: &str) -> DeviceCertificate {
        let org_key_id = key_id(&org.verifying_key().to_bytes());
        let name = name.replace(['\n', '\r'], " ");
        let public_key_hex = public_key_hex.trim().to_ascii_lowercase();
        let sig = org.sign(&DeviceCertificate::message(device_id, &name, &public_key_hex, valid_from, &org_key_id));
        DeviceCertificate {
            device_id: device_id.to_string(),
            name,
            public_key: public_key_hex,
            valid_from: valid_from.to_string(),
            org_key_id,
            signature: to_hex(&sig.to_bytes()),
            revoked_at: None,
        }
    }

    fn public(&self) -> Option<[u8; 32]> {
        key32(&self.public_key)
    }
}

/// A certificate revoked by the organisation (a synced fact on laptops).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    pub certificate_id: String,
    pub reason: String,
    pub revoked_at: String,
}

/// The reference a code carries for an event: the last 8 hex digits of its id.
pub fn event_ref_hex(event_id: &str) -> String {
    let hex: String = event_id.chars().filter(char::is_ascii_hexdigit).collect();
    hex[hex.len().saturating_sub(8)..].to_ascii_lowercase()
}

/// An event the organisation knows, by the reference codes carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventName {
    /// The last 8 hex digits of the event id.
    pub event_ref: String,
    pub name: String,
}

/// Everything needed to check any certificate of the organisation: what
/// the server hands a laptop that joins or syncs, and what the offline
/// verifier carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Trust {
    pub org: String,
    #[serde(default)]
    pub public_url: Option<String>,
    pub keys: Vec<OrgKey>,
    pub devices: Vec<DeviceCertificate>,
    #[serde(default)]
    pub revoked: Vec<Revocation>,
    #[serde(default)]
    pub events: Vec<EventName>,
}

/// `POST /v1/join`: the laptop's signing key and its store's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinRequest {
    pub public_key: String,
    pub store_id: String,
}

/// The answer to a join: this laptop's device id and the organisation's trust.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinResponse {
    pub device_id: String,
    pub trust: Trust,
    /// The events this device is limited to, when the server limits it to
    /// events: the laptop syncs those. Absent = not limited so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
}

impl Trust {
    /// The keys that chain from `pinned` (a key id the user's join code
    /// carried or this laptop already trusts): the pinned key, and each key
    /// endorsed by one already trusted. Keys that do not chain are dropped.
    pub fn trusted_keys(&self, pinned: &[String]) -> Vec<&OrgKey> {
        let mut trusted: Vec<&OrgKey> =
            self.keys.iter().filter(|k| pinned.contains(&k.key_id) && k.verifying().is_some_and(|v| key_id(&v.to_bytes()) == k.key_id)).collect();
        loop {
            let before = trusted.len();
            for k in &self.keys {
                if trusted.iter().any(|t| t.key_id == k.key_id) {
                    continue;
                }
                let Some(v) = k.verifying() else { continue };
                if key_id(&v.to_bytes()) != k.key_id {
                    continue;
                }
                if trusted.iter().any(|t| k.signed_by(t)) {
                    trusted.push(k);
                }
            }
            if trusted.len() == before {
                return trusted;
            }
        }
    }

    /// Whether `d` is signed by one of `keys`.
    pub fn device_is_certified(d: &DeviceCertificate, keys: &[&OrgKey]) -> bool {
        let Some(k) = keys.iter().find(|k| k.key_id == d.org_key_id).and_then(|k| k.verifying()) else { return false };
        let Some(sig) = sig64(&d.signature) else { return false };
        d.public().is_some() && k.verify(&DeviceCertificate::message(&d.device_id, &d.name, &d.public_key, &d.valid_from, &d.org_key_id), &sig).is_ok()
    }

    /// This trust with only what chains from `pinned`: untrusted keys and
    /// devices whose certificates do not verify are left out.
    pub fn checked(mut self, pinned: &[String]) -> Trust {
        let keys: Vec<OrgKey> = self.trusted_keys(pinned).into_iter().cloned().collect();
        let refs: Vec<&OrgKey> = keys.iter().collect();
        self.devices.retain(|d| Trust::device_is_certified(d, &refs));
        self.keys = keys;
        self
    }

    /// The key ids this trust holds (after [`Trust::checked`], all trusted).
    pub fn key_ids(&self) -> Vec<String> {
        self.keys.iter().map(|k| k.key_id.clone()).collect()
    }

    /// The organisation's current signing key (the newest not retired).
    pub fn current_key(&self) -> Option<&OrgKey> {
        self.keys.iter().filter(|k| k.retired_at.is_none()).max_by(|a, b| a.created_at.cmp(&b.created_at))
    }

    /// The event named by a code's reference, when the organisation knows it.
    pub fn event_name(&self, event_ref: &str) -> Option<&str> {
        self.events.iter().find(|e| e.event_ref == event_ref).map(|e| e.name.as_str())
    }

    /// Checks a version 2 code against this (already checked) trust.
    pub fn verify(&self, code: &Code) -> Checked {
        if code.version != CODE_V2 {
            return Checked::NotGenuine("the code was not signed by a laptop of an organisation".into());
        }
        let keys: Vec<&OrgKey> = self.keys.iter().collect();
        let signer = self.devices.iter().filter(|d| d.public().is_some_and(|p| Some(device_ref(&p)) == code.device_ref)).find(|d| {
            Trust::device_is_certified(d, &keys) && d.public().is_some_and(|p| code.signed_by(&p))
        });
        let Some(device) = signer else {
            return Checked::NotGenuine(
                "the signature does not match a laptop of this organisation: the code was altered, or not issued by this organisation".into(),
            );
        };
        let signed_at = uuid7_ms(&code.id);
        if let Some(revoked) = device.revoked_at.as_deref() {
            if timestamp_ms(revoked).is_none_or(|r| signed_at >= r) {
                return Checked::DeviceRevoked { device: device.clone(), revoked_at: revoked.to_string() };
            }
        }
        self.listed(&code.id_string(), device.clone())
    }

    /// A certificate whose signature `device` made: revoked when this trust
    /// lists it, else genuine (for a code checked otherwise, e.g. version 1).
    pub fn listed(&self, certificate_id: &str, device: DeviceCertificate) -> Checked {
        match self.revoked.iter().find(|r| r.certificate_id == certificate_id) {
            Some(r) => Checked::Revoked { device, revocation: r.clone() },
            None => Checked::Genuine { device },
        }
    }
}

/// When and why a certificate stopped being valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevokedAt {
    pub at: String,
    pub reason: String,
    /// True when the issuing laptop was revoked before it signed.
    pub device: bool,
}

/// A check as every verifier words it (a laptop's `verify`, the server's
/// page): valid or not, which laptop signed, why not, and the revocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub valid: bool,
    pub device: Option<DeviceCertificate>,
    pub reason: Option<String>,
    pub revoked: Option<RevokedAt>,
}

impl Checked {
    /// The outcome, worded once.
    pub fn outcome(self) -> Outcome {
        match self {
            Checked::Genuine { device } => Outcome { valid: true, device: Some(device), reason: None, revoked: None },
            Checked::Revoked { device, revocation } => Outcome {
                valid: false,
                device: Some(device),
                reason: Some(format!("revoked on {}: {}", revocation.revoked_at, revocation.reason)),
                revoked: Some(RevokedAt { at: revocation.revoked_at, reason: revocation.reason, device: false }),
            },
            Checked::DeviceRevoked { device, revoked_at } => Outcome {
                valid: false,
                reason: Some(format!("signed by the laptop {:?} after the organisation revoked it on {revoked_at}", device.name)),
                device: Some(device),
                revoked: Some(RevokedAt { at: revoked_at, reason: "the issuing laptop was revoked".into(), device: true }),
            },
            Checked::NotGenuine(why) => Outcome { valid: false, device: None, reason: Some(why), revoked: None },
        }
    }
}

/// What [`Trust::verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    Genuine { device: DeviceCertificate },
    Revoked { device: DeviceCertificate, revocation: Revocation },
    /// Signed by a laptop after the organisation revoked it.
    DeviceRevoked { device: DeviceCertificate, revoked_at: String },
    NotGenuine(String),
}

// ---------------------------------------------------------------- certificate codes

/// A decoded certificate code (signature not yet checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    pub version: u8,
    pub id: [u8; 16],
    pub hours_tenths: u16,
    pub event_ref: [u8; 4],
    /// Version 2: which laptop signed it.
    pub device_ref: Option<[u8; 4]>,
    pub name: String,
    signed: Vec<u8>,
    signature: [u8; 64],
}

/// The text of a code as scanned or typed: a verification URL
/// (`…/v/CODE`, any case) gives its last path segment.
pub fn code_text(input: &str) -> &str {
    let t = input.trim();
    if t.contains("://") {
        let path = t.split(['?', '#']).next().unwrap_or(t);
        return path.trim_end_matches('/').rsplit('/').next().unwrap_or(t);
    }
    t
}

impl Code {
    /// Decodes a code (or a verification URL holding one).
    pub fn parse(input: &str) -> Result<Code, String> {
        let all = unbase32(code_text(input)).map_err(|e| format!("not a certificate code: {e}"))?;
        let header = match all.first() {
            Some(&CODE_V1) => V1_HEADER,
            Some(&CODE_V2) => V2_HEADER,
            Some(v) => return Err(format!("unknown certificate code version {v}")),
            None => return Err("not a certificate code: it is empty".into()),
        };
        if all.len() < header + SIG {
            return Err(format!("not a certificate code: {} bytes is too short", all.len()));
        }
        let (payload, sig) = all.split_at(all.len() - SIG);
        let name = String::from_utf8(payload[header..].to_vec()).map_err(|_| "not a certificate code: the name is not UTF-8".to_string())?;
        let mut id = [0u8; 16];
        id.copy_from_slice(&payload[1..17]);
        Ok(Code {
            version: payload[0],
            id,
            hours_tenths: u16::from_be_bytes([payload[17], payload[18]]),
            event_ref: [payload[19], payload[20], payload[21], payload[22]],
            device_ref: (payload[0] == CODE_V2).then(|| [payload[23], payload[24], payload[25], payload[26]]),
            name,
            signed: payload.to_vec(),
            signature: sig.try_into().unwrap_or([0; 64]),
        })
    }

    /// Whether `public_key` signed this code.
    pub fn signed_by(&self, public_key: &[u8; 32]) -> bool {
        let Ok(vk) = VerifyingKey::from_bytes(public_key) else { return false };
        vk.verify_strict(&[CERT_CONTEXT, &self.signed].concat(), &Signature::from_bytes(&self.signature)).is_ok()
    }

    /// The certificate id as a UUID string.
    pub fn id_string(&self) -> String {
        let h = to_hex(&self.id);
        format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
    }

    /// When it was signed (from its UUIDv7 id).
    pub fn signed_at(&self) -> String {
        format_ms(uuid7_ms(&self.id))
    }

    /// The canonical text of the code.
    pub fn text(&self) -> String {
        let mut all = self.signed.clone();
        all.extend_from_slice(&self.signature);
        base32(&all)
    }
}

/// Signs a version 2 code with a laptop's device key.
pub fn sign_v2(key: &SigningKey, id: &[u8; 16], hours_tenths: u16, event_ref: [u8; 4], name: &str) -> String {
    let mut b = Vec::with_capacity(V2_HEADER + name.len() + SIG);
    b.push(CODE_V2);
    b.extend_from_slice(id);
    b.extend_from_slice(&hours_tenths.to_be_bytes());
    b.extend_from_slice(&event_ref);
    b.extend_from_slice(&device_ref(&key.verifying_key().to_bytes()));
    b.extend_from_slice(name.as_bytes());
    let sig = key.sign(&[CERT_CONTEXT, &b].concat());
    b.extend_from_slice(&sig.to_bytes());
    base32(&b)
}

/// The URL a certificate's QR holds: `<public-url>/V/<CODE>`, in capitals
/// when the public URL is only a scheme and host (they are case-blind, so
/// the QR stays in alphanumeric mode); as given otherwise.
pub fn verify_url(public_url: &str, code: &str) -> String {
    let base = public_url.trim().trim_end_matches('/');
    let after_scheme = base.split_once("://").map(|(_, r)| r).unwrap_or(base);
    if after_scheme.contains('/') {
        format!("{base}/v/{code}")
    } else {
        format!("{}/V/{code}", base.to_ascii_uppercase())
    }
}

// ---------------------------------------------------------------- join code

/// What a join code carries: where to sync, with which token, and which
/// organisation key to expect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinCode {
    pub server: String,
    /// The device token, 64 hex digits.
    pub token: String,
    pub key_id: String,
}

impl JoinCode {
    pub fn encode(&self) -> Option<String> {
        let mut b = from_hex(&self.key_id).filter(|k| k.len() == 8)?;
        b.extend(from_hex(&self.token).filter(|t| t.len() == 32)?);
        b.extend_from_slice(self.server.as_bytes());
        Some(format!("{JOIN_PREFIX}{}", base32(&b)))
    }

    /// Reads a join code as pasted, typed or scanned (case, spaces and
    /// dashes forgiven); says what is wrong otherwise.
    pub fn parse(input: &str) -> Result<JoinCode, String> {
        let t: String = input.trim().chars().filter(|c| !c.is_whitespace()).collect();
        let up = t.to_ascii_uppercase();
        let Some(rest) = up.strip_prefix(JOIN_PREFIX) else {
            return Err(format!("a join code starts with {JOIN_PREFIX} (it is printed by `muster server device add`)"));
        };
        let b = unbase32(rest).map_err(|e| format!("the join code is damaged: {e}"))?;
        if b.len() < 8 + 32 + "http://a".len() {
            return Err("the join code is cut short".into());
        }
        let server = String::from_utf8(b[40..].to_vec()).map_err(|_| "the join code is damaged: its server address is not text".to_string())?;
        let lower = server.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) || server.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err("the join code is damaged: it holds no server address".into());
        }
        Ok(JoinCode { server, token: to_hex(&b[8..40]), key_id: to_hex(&b[..8]) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> SigningKey {
        SigningKey::from_bytes(&[n; 32])
    }

    fn trust_with(org: &SigningKey, laptop: &SigningKey) -> Trust {
        let k = OrgKey::new(org, "2026-12-01T00:00:00Z", None);
        let d = DeviceCertificate::issue(org, "dev1", "Laptop A", &to_hex(&laptop.verifying_key().to_bytes()), "2026-12-01T00:00:00Z");
        Trust { org: "Org".into(), keys: vec![k], devices: vec![d], ..Trust::default() }
    }

    #[test]
    fn a_code_signed_by_a_certified_laptop_is_genuine_and_any_change_is_not() {
        let (org, laptop) = (key(1), key(2));
        let t = trust_with(&org, &laptop).checked(&[key_id(&org.verifying_key().to_bytes())]);
        assert_eq!(t.devices.len(), 1);
        let id = *uuid_bytes();
        let code = sign_v2(&laptop, &id, 108, [1, 2, 3, 4], "王素梅");
        let c = Code::parse(&code).unwrap();
        assert!(matches!(t.verify(&c), Checked::Genuine { .. }));
        assert_eq!(c.name, "王素梅");
        // Every single-character change is refused.
        for i in 0..code.len() {
            let mut chars: Vec<char> = code.chars().collect();
            chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
            let altered: String = chars.into_iter().collect();
            if let Ok(c) = Code::parse(&altered) {
                assert!(!matches!(t.verify(&c), Checked::Genuine { .. }), "altered at {i}");
            }
        }
        // A laptop the organisation never certified.
        let stranger = sign_v2(&key(3), &id, 108, [1, 2, 3, 4], "王素梅");
        assert!(matches!(t.verify(&Code::parse(&stranger).unwrap()), Checked::NotGenuine(_)));
        // As a URL, in any case.
        let url = verify_url("https://verify.example.org", &code);
        assert!(url.starts_with("HTTPS://VERIFY.EXAMPLE.ORG/V/"));
        assert!(matches!(t.verify(&Code::parse(&url.to_lowercase()).unwrap()), Checked::Genuine { .. }));
    }

    fn uuid_bytes() -> &'static [u8; 16] {
        // 2026-12-01T10:00:00Z as a UUIDv7.
        static ID: [u8; 16] = [0x01, 0xa2, 0x31, 0x0c, 0x01, 0x00, 0x70, 0, 0x80, 0, 0, 0, 0, 0, 0, 1];
        &ID
    }

    #[test]
    fn a_revoked_laptop_keeps_what_it_signed_before() {
        let (org, laptop) = (key(1), key(2));
        let mut t = trust_with(&org, &laptop);
        let id = *uuid_bytes();
        let at = uuid7_ms(&id);
        t.devices[0].revoked_at = Some(format_ms(at + 1000));
        let code = Code::parse(&sign_v2(&laptop, &id, 10, [0; 4], "A")).unwrap();
        assert!(matches!(t.verify(&code), Checked::Genuine { .. }));
        t.devices[0].revoked_at = Some(format_ms(at - 1000));
        assert!(matches!(t.verify(&code), Checked::DeviceRevoked { .. }));
    }

    #[test]
    fn a_rotated_key_is_trusted_only_through_the_old_ones_endorsement() {
        let (old, new, laptop) = (key(1), key(4), key(2));
        let mut t = trust_with(&old, &laptop);
        t.keys[0].retired_at = Some("2026-12-02T00:00:00Z".into());
        t.keys.push(OrgKey::new(&new, "2026-12-02T00:00:00Z", Some(&old)));
        t.devices.push(DeviceCertificate::issue(&new, "dev2", "Laptop B", &to_hex(&key(5).verifying_key().to_bytes()), "2026-12-02T00:00:00Z"));
        let pinned = [key_id(&old.verifying_key().to_bytes())];
        let c = t.clone().checked(&pinned);
        assert_eq!(c.keys.len(), 2);
        assert_eq!(c.devices.len(), 2);
        assert_eq!(c.current_key().unwrap().key_id, key_id(&new.verifying_key().to_bytes()));
        // A key slipped in without endorsement is dropped, with its devices.
        let mut forged = t.clone();
        forged.keys[1].endorsement = Some(to_hex(&[0u8; 64]));
        let c = forged.checked(&pinned);
        assert_eq!((c.keys.len(), c.devices.len()), (1, 1));
        // Joining after the rotation pins the new key: the old one is
        // trusted through the new key's vouch, not otherwise.
        let new_pin = [key_id(&new.verifying_key().to_bytes())];
        assert_eq!(t.clone().checked(&new_pin).keys.len(), 1);
        let mut vouched = t.clone();
        vouched.keys[0].vouch_with(&new);
        let c = vouched.clone().checked(&new_pin);
        assert_eq!((c.keys.len(), c.devices.len()), (2, 2));
        // A vouch claimed by a key nobody trusts counts for nothing.
        let mut stray = vouched;
        stray.keys[0].vouch_with(&key(7));
        assert_eq!(stray.checked(&new_pin).keys.len(), 1);
    }

    #[test]
    fn join_codes_round_trip_and_refuse_junk() {
        let j = JoinCode { server: "http://192.168.1.10:8080".into(), token: "ab".repeat(32), key_id: "0123456789abcdef".into() };
        let s = j.encode().unwrap();
        assert!(s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
        assert_eq!(JoinCode::parse(&s.to_lowercase()).unwrap(), j);
        assert!(JoinCode::parse("hello").is_err());
        assert!(JoinCode::parse(&s[..40]).is_err());
        assert!(JoinCode::parse(&format!("{s}U")).is_err());
    }

    #[test]
    fn timestamps_read_both_precisions() {
        assert_eq!(timestamp_ms("1970-01-01T00:00:01Z"), Some(1000));
        assert_eq!(timestamp_ms("2026-12-01T10:00:00.5Z"), timestamp_ms("2026-12-01T10:00:00Z").map(|t| t + 500));
        assert_eq!(format_ms(timestamp_ms("2026-12-01T10:00:00.123Z").unwrap()), "2026-12-01T10:00:00.123Z");
        assert_eq!(timestamp_ms("junk"), None);
        assert_eq!(uuid7_ms(uuid_bytes()), timestamp_ms("2026-12-01T10:00:00Z").unwrap());
    }
}
