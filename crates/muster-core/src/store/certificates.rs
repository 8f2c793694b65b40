//! SQL of certificates: settings per event, eligibility overrides, issued
//! certificates and their print log, and the organisation's signing key in
//! `meta`. Writes of synced rows go through [`Writer`].

use super::{Entity, Store, Writer};
use crate::Result;
use rusqlite::{OptionalExtension, Row};
use serde_json::json;

/// A row of `certificate_settings`.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingsRow {
    pub id: String,
    pub event_id: String,
    pub title_en: String,
    pub venue_en: String,
    pub organisers: String,
    pub signatories: String,
    pub logos: String,
    pub min_attendance: f64,
    pub paper: String,
    /// Excused hours count toward the certificate (NULL in older rows: no).
    pub excused_counts: bool,
    /// `all` or `after_registration` (NULL in older rows: all).
    pub late_registration: String,
    /// `zh+en`, `km+en`, … (NULL in older rows: zh+en).
    pub languages: String,
    /// The seal image's path.
    pub seal: Option<String>,
}

/// The settings in force for an event: its newest row.
pub fn settings(store: &Store, event_id: &str) -> Result<Option<SettingsRow>> {
    Ok(store
        .conn()
        .prepare_cached(
            "SELECT id, event_id, title_en, venue_en, organisers, signatories, logos, min_attendance, paper, COALESCE(excused_counts, 0),
                    COALESCE(late_registration, 'all'), COALESCE(languages, 'zh+en'), seal
             FROM certificate_settings WHERE event_id = ?1 ORDER BY created_at DESC, id DESC LIMIT 1",
        )?
        .query_row([event_id], |r| {
            Ok(SettingsRow {
                id: r.get(0)?,
                event_id: r.get(1)?,
                title_en: r.get(2)?,
                venue_en: r.get(3)?,
                organisers: r.get(4)?,
                signatories: r.get(5)?,
                logos: r.get(6)?,
                min_attendance: r.get(7)?,
                paper: r.get(8)?,
                excused_counts: r.get::<_, i64>(9)? != 0,
                late_registration: r.get(10)?,
                languages: r.get(11)?,
                seal: r.get(12)?,
            })
        })
        .optional()?)
}

/// Creates the event's settings or updates the row in force.
pub fn save_settings(w: &mut Writer<'_>, existing: Option<&str>, s: &SettingsRow) -> Result<String> {
    let fields = [
        ("title_en", json!(s.title_en)),
        ("venue_en", json!(s.venue_en)),
        ("organisers", json!(s.organisers)),
        ("signatories", json!(s.signatories)),
        ("logos", json!(s.logos)),
        ("min_attendance", json!(s.min_attendance)),
        ("paper", json!(s.paper)),
        ("excused_counts", json!(s.excused_counts)),
        ("late_registration", json!(s.late_registration)),
        ("languages", json!(s.languages)),
        ("seal", json!(s.seal)),
    ];
    match existing {
        Some(id) => {
            w.update(Entity::CertificateSettings, id, &fields)?;
            Ok(id.to_string())
        }
        None => {
            let mut all = fields.to_vec();
            all.push(("event_id", json!(s.event_id)));
            all.push(("created_at", json!(w.now())));
            w.insert(Entity::CertificateSettings, &all)
        }
    }
}

/// A row of `eligibility_overrides`.
#[derive(Debug, Clone, PartialEq)]
pub struct OverrideRow {
    pub id: String,
    pub trainee_id: String,
    pub eligible: bool,
    pub reason: String,
    pub decided_by: String,
    pub created_at: String,
}

/// The override in force per trainee of an event (the newest).
pub fn overrides(store: &Store, event_id: &str) -> Result<Vec<OverrideRow>> {
    let mut stmt = store.conn().prepare_cached(
        "SELECT id, trainee_id, eligible, reason, decided_by, created_at FROM eligibility_overrides o
         WHERE event_id = ?1 AND NOT EXISTS (
             SELECT 1 FROM eligibility_overrides n WHERE n.event_id = o.event_id AND n.trainee_id = o.trainee_id
             AND (n.created_at > o.created_at OR (n.created_at = o.created_at AND n.id > o.id)))",
    )?;
    let rows = stmt.query_map([event_id], |r| {
        Ok(OverrideRow {
            id: r.get(0)?,
            trainee_id: r.get(1)?,
            eligible: r.get::<_, i64>(2)? == 1,
            reason: r.get(3)?,
            decided_by: r.get(4)?,
            created_at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn insert_override(w: &mut Writer<'_>, event_id: &str, trainee_id: &str, eligible: bool, reason: &str, by: &str) -> Result<String> {
    let device = w.device_id().to_string();
    let now = w.now();
    w.insert(
        Entity::EligibilityOverride,
        &[
            ("event_id", json!(event_id)),
            ("trainee_id", json!(trainee_id)),
            ("eligible", json!(eligible)),
            ("reason", json!(reason)),
            ("decided_by", json!(by)),
            ("device_id", json!(device)),
            ("created_at", json!(now)),
        ],
    )
}

/// A row of `certificates`.
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateRow {
    pub id: String,
    pub event_id: String,
    pub trainee_id: String,
    pub name: String,
    pub name_latin: Option<String>,
    pub hours_tenths: u16,
    pub attendance: f64,
    pub override_id: Option<String>,
    pub code: String,
    pub public_key: String,
    pub created_at: String,
}

const CERT_COLS: &str =
    "id, event_id, trainee_id, name, name_latin, hours_tenths, attendance, override_id, code, public_key, created_at";

fn cert(r: &Row<'_>) -> rusqlite::Result<CertificateRow> {
    Ok(CertificateRow {
        id: r.get(0)?,
        event_id: r.get(1)?,
        trainee_id: r.get(2)?,
        name: r.get(3)?,
        name_latin: r.get(4)?,
        hours_tenths: r.get::<_, i64>(5)?.clamp(0, u16::MAX as i64) as u16,
        attendance: r.get(6)?,
        override_id: r.get(7)?,
        code: r.get(8)?,
        public_key: r.get(9)?,
        created_at: r.get(10)?,
    })
}

/// The certificates of an event, one per trainee (the oldest if two laptops
/// both issued one).
pub fn for_event(store: &Store, event_id: &str) -> Result<Vec<CertificateRow>> {
    let sql = format!(
        "SELECT {CERT_COLS} FROM certificates c WHERE event_id = ?1 AND NOT EXISTS (
             SELECT 1 FROM certificates o WHERE o.event_id = c.event_id AND o.trainee_id = c.trainee_id
             AND (o.created_at < c.created_at OR (o.created_at = c.created_at AND o.id < c.id)))
         ORDER BY created_at, id"
    );
    let mut stmt = store.conn().prepare_cached(&sql)?;
    let rows = stmt.query_map([event_id], cert)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn get(store: &Store, id: &str) -> Result<Option<CertificateRow>> {
    let sql = format!("SELECT {CERT_COLS} FROM certificates WHERE id = ?1");
    Ok(store.conn().prepare_cached(&sql)?.query_row([id], cert).optional()?)
}

/// Inserts a certificate under the id the caller signed.
pub fn insert(w: &mut Writer<'_>, c: &CertificateRow) -> Result<()> {
    let device = w.device_id().to_string();
    let now = w.now();
    w.insert_as(
        Entity::Certificate,
        &c.id,
        &[
            ("event_id", json!(c.event_id)),
            ("trainee_id", json!(c.trainee_id)),
            ("name", json!(c.name)),
            ("name_latin", json!(c.name_latin)),
            ("hours_tenths", json!(c.hours_tenths)),
            ("attendance", json!(c.attendance)),
            ("override_id", json!(c.override_id)),
            ("code", json!(c.code)),
            ("public_key", json!(c.public_key)),
            ("device_id", json!(device)),
            ("created_at", json!(now)),
        ],
    )
}

/// A row of `certificate_prints`.
#[derive(Debug, Clone, PartialEq)]
pub struct PrintRow {
    pub id: String,
    pub certificate_id: String,
    pub kind: String,
    pub reason: String,
    pub printed_by: String,
    pub file: String,
    pub device_id: String,
    pub created_at: String,
}

#[allow(clippy::too_many_arguments)]
pub fn insert_print(w: &mut Writer<'_>, certificate_id: &str, event_id: &str, kind: &str, reason: &str, by: &str, file: &str) -> Result<String> {
    let device = w.device_id().to_string();
    let now = w.now();
    w.insert(
        Entity::CertificatePrint,
        &[
            ("certificate_id", json!(certificate_id)),
            ("event_id", json!(event_id)),
            ("kind", json!(kind)),
            ("reason", json!(reason)),
            ("printed_by", json!(by)),
            ("file", json!(file)),
            ("device_id", json!(device)),
            ("created_at", json!(now)),
        ],
    )
}

/// The print log of an event (or of one certificate), oldest first.
pub fn prints(store: &Store, event_id: &str, certificate_id: Option<&str>) -> Result<Vec<PrintRow>> {
    let mut stmt = store.conn().prepare_cached(
        "SELECT id, certificate_id, kind, reason, printed_by, file, device_id, created_at FROM certificate_prints
         WHERE event_id = ?1 AND (?2 IS NULL OR certificate_id = ?2) ORDER BY created_at, id",
    )?;
    let rows = stmt.query_map(rusqlite::params![event_id, certificate_id], |r| {
        Ok(PrintRow {
            id: r.get(0)?,
            certificate_id: r.get(1)?,
            kind: r.get(2)?,
            reason: r.get(3)?,
            printed_by: r.get(4)?,
            file: r.get(5)?,
            device_id: r.get(6)?,
            created_at: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Events whose id ends with `suffix` (the 8 hex digits a certificate code
/// carries), for showing the event's name when verifying.
/// Every certificate's id and signed code (to find one by its number).
pub fn all_codes(store: &Store) -> Result<Vec<(String, String)>> {
    let mut stmt = store.conn().prepare_cached("SELECT id, code FROM certificates")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn events_by_suffix(store: &Store, suffix: &str) -> Result<Vec<(String, String)>> {
    let mut stmt = store.conn().prepare_cached("SELECT id, name FROM events WHERE id LIKE '%' || ?1")?;
    let rows = stmt.query_map([suffix], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The organisation's Ed25519 signing key (32 bytes, hex in `meta`),
/// generated on first use with the OS's randomness. Two processes doing this
/// at once agree on one key (INSERT OR IGNORE, then read back).
pub fn signing_key(store: &Store, fresh: impl FnOnce() -> Result<[u8; 32]>) -> Result<[u8; 32]> {
    let read = |store: &Store| -> Result<Option<String>> {
        Ok(store.conn().query_row("SELECT value FROM meta WHERE key = 'org_signing_key'", [], |r| r.get(0)).optional()?)
    };
    let hex = match read(store)? {
        Some(h) => h,
        None => {
            let key = fresh()?;
            store.conn().execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('org_signing_key', ?1)",
                [crate::certificates::to_hex(&key)],
            )?;
            read(store)?.unwrap_or_default()
        }
    };
    let bytes = crate::certificates::from_hex(&hex)
        .filter(|b| b.len() == 32)
        .ok_or_else(|| crate::Error::invalid("the stored organisation signing key is corrupt"))?;
    let mut key = [0u8; 32];
    key.copy_from_slice(&bytes);
    Ok(key)
}

/// The organisation's trust as this laptop last checked it (JSON of
/// `muster_protocol::trust::Trust`), once it joined.
pub fn trust(store: &Store) -> Result<Option<String>> {
    Ok(store.conn().query_row("SELECT value FROM meta WHERE key = 'org.trust'", [], |r| r.get(0)).optional()?)
}

/// Replaces the stored trust (local to this laptop: never synced).
pub fn set_trust(store: &Store, json: &str) -> Result<()> {
    store
        .conn()
        .execute("INSERT INTO meta (key, value) VALUES ('org.trust', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [json])?;
    Ok(())
}

/// A row of `certificate_revocations`.
#[derive(Debug, Clone, PartialEq)]
pub struct RevocationRow {
    pub id: String,
    pub certificate_id: String,
    pub reason: String,
    pub revoked_by: String,
    pub created_at: String,
}

/// Every revocation this store holds, oldest first.
pub fn revocations(store: &Store) -> Result<Vec<RevocationRow>> {
    let mut stmt = store
        .conn()
        .prepare_cached("SELECT id, certificate_id, reason, revoked_by, created_at FROM certificate_revocations ORDER BY created_at, id")?;
    let rows = stmt.query_map([], |r| {
        Ok(RevocationRow { id: r.get(0)?, certificate_id: r.get(1)?, reason: r.get(2)?, revoked_by: r.get(3)?, created_at: r.get(4)? })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Records a revocation (a synced fact).
pub fn insert_revocation(w: &mut Writer<'_>, certificate_id: &str, reason: &str, by: &str) -> Result<(String, String)> {
    let device = w.device_id().to_string();
    let now = w.now();
    let id = w.insert(
        Entity::CertificateRevocation,
        &[
            ("certificate_id", json!(certificate_id)),
            ("reason", json!(reason)),
            ("revoked_by", json!(by)),
            ("device_id", json!(device)),
            ("created_at", json!(now)),
        ],
    )?;
    Ok((id, now))
}

/// (id, name) of every event, removed ones too (a verifier names them).
pub fn event_names(store: &Store) -> Result<Vec<(String, String)>> {
    let mut stmt = store.conn().prepare_cached("SELECT id, name FROM events ORDER BY starts_on, id")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
