//! The people who share a laptop: adding them, their PINs (argon2id), quick
//! switching by PIN, and refusing sign-in for a minute after five wrong
//! PINs in a row. Every change here is a line in the audit log; the PIN
//! itself never is.

use crate::access::{Actor, Role};
use crate::clock;
use crate::store::users::{self as rows};
pub use crate::store::users::User;
use crate::store::{AuditRecord, Store};
use crate::{Error, ErrorKind, Result};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use serde_json::json;

/// Wrong PINs in a row before sign-in is refused for [`LOCKOUT_SECS`].
pub const MAX_WRONG_PINS: u32 = 5;

/// A tile of the PIN screen: an active user, and whether they may try now.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PinChoice {
    pub id: String,
    pub name: String,
    pub role: Role,
    /// Wrong PINs left before a minute's lock-out.
    pub tries_left: u32,
    /// Sign-in is refused until then (RFC 3339, UTC).
    pub locked_until: Option<String>,
}

/// The active users, with their tries left and any lock-out still running.
pub(crate) fn choices(store: &Store) -> Result<Vec<PinChoice>> {
    let now = clock::rfc3339_ms(clock::now_ms());
    let mut out = Vec::new();
    for u in rows::list(store)?.into_iter().filter(|u| u.disabled_at.is_none()) {
        let c = rows::find(store, &u.id)?;
        let (failed, until) = c.map(|c| (c.failed_pins, c.locked_until)).unwrap_or((0, None));
        out.push(PinChoice {
            id: u.id,
            name: u.name,
            role: u.role,
            tries_left: MAX_WRONG_PINS.saturating_sub(failed),
            locked_until: until.filter(|t| *t > now),
        });
    }
    Ok(out)
}
pub const LOCKOUT_SECS: u64 = 60;

/// A PIN is 4 to 8 digits (full-width digits from a Chinese IME count).
pub fn normalize_pin(pin: &str) -> Result<String> {
    let digits: String = pin
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
        .collect();
    if !(4..=8).contains(&digits.chars().count()) || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(Error::invalid_at("a PIN is 4 to 8 digits", None, None, Some("pin")));
    }
    Ok(digits)
}

fn hash_pin(pin: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| Error::invalid(format!("no randomness for the PIN's salt: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| Error::invalid(format!("PIN salt: {e}")))?;
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::invalid(format!("hashing the PIN failed: {e}")))
}

fn pin_matches(hash: &str, pin: &str) -> bool {
    PasswordHash::new(hash).map(|h| Argon2::default().verify_password(pin.as_bytes(), &h).is_ok()).unwrap_or(false)
}

fn audit_user(store: &mut Store, action: &'static str, user: &User, before: Option<serde_json::Value>) -> Result<()> {
    let after = json!({"name": user.name, "role": user.role.as_str(), "disabled_at": user.disabled_at});
    store.write(|w| {
        w.audit(AuditRecord {
            action,
            entity: Some("user"),
            entity_id: Some(user.id.clone()),
            before,
            after: Some(after),
            ..AuditRecord::default()
        })
    })
}

fn lookup(store: &Store, who: &str) -> Result<rows::Credentials> {
    rows::find(store, who)?.ok_or_else(|| Error::NotFound { kind: "user", id: who.to_string() })
}

/// Adds a user with a PIN. Names are unique among active users.
pub(crate) fn add(store: &mut Store, name: &str, role: Role, pin: &str) -> Result<User> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid_at("a user needs a name", None, None, Some("name")));
    }
    let pin = normalize_pin(pin)?;
    // Once a laptop has users it asks for a PIN: someone must be able to
    // manage them.
    if role != Role::Admin && !rows::any_active(store)? {
        return Err(Error::invalid_at("the first user of a laptop must be an admin", None, None, Some("role")));
    }
    if rows::find(store, name)?.is_some_and(|c| c.user.disabled_at.is_none()) {
        return Err(Error::Conflict(format!("there is already a user called {name}")));
    }
    let user = User {
        id: uuid::Uuid::now_v7().to_string(),
        name: name.to_string(),
        role,
        created_at: clock::rfc3339_ms(clock::now_ms()),
        disabled_at: None,
    };
    rows::insert(store, &user, &hash_pin(&pin)?)?;
    audit_user(store, "user_add", &user, None)?;
    Ok(user)
}

/// Sets a user's new PIN (and clears the wrong-PIN count).
pub(crate) fn set_pin(store: &mut Store, who: &str, pin: &str) -> Result<User> {
    let pin = normalize_pin(pin)?;
    let c = lookup(store, who)?;
    rows::set_pin(store, &c.user.id, &hash_pin(&pin)?)?;
    audit_user(store, "user_pin", &c.user, None)?;
    Ok(c.user)
}

/// Changes a user's role; the last active admin stays an admin.
pub(crate) fn set_role(store: &mut Store, who: &str, role: Role) -> Result<User> {
    let c = lookup(store, who)?;
    if c.user.role == Role::Admin && role != Role::Admin && !rows::other_admin(store, &c.user.id)? {
        return Err(Error::Conflict(format!("{} is the last admin: make someone else an admin first", c.user.name)));
    }
    rows::set_role(store, &c.user.id, role)?;
    let before = json!({"role": c.user.role.as_str()});
    let user = User { role, ..c.user };
    audit_user(store, "user_role", &user, Some(before))?;
    Ok(user)
}

/// Disables a user (kept for the audit log); the last active admin stays.
pub(crate) fn disable(store: &mut Store, who: &str) -> Result<User> {
    let c = lookup(store, who)?;
    if c.user.disabled_at.is_some() {
        return Ok(c.user);
    }
    if c.user.role == Role::Admin && !rows::other_admin(store, &c.user.id)? {
        return Err(Error::Conflict(format!("{} is the last admin and cannot be disabled", c.user.name)));
    }
    let at = clock::rfc3339_ms(clock::now_ms());
    rows::disable(store, &c.user.id, &at)?;
    let user = User { disabled_at: Some(at), ..c.user };
    audit_user(store, "user_disable", &user, None)?;
    Ok(user)
}

/// Checks `pin` for the user `who` (id or name) and returns them as the
/// actor. A wrong PIN is `invalid_input` (field `pin`) saying how many tries
/// are left; after [`MAX_WRONG_PINS`] the user is `locked` for a minute.
pub(crate) fn sign_in(store: &mut Store, who: &str, pin: &str) -> Result<Actor> {
    let c = lookup(store, who)?;
    if c.user.disabled_at.is_some() {
        return Err(Error::Locked(format!("{} is disabled", c.user.name)));
    }
    let now = clock::now_ms();
    if let Some(until) = c.locked_until.as_deref().filter(|u| *u > clock::rfc3339_ms(now).as_str()) {
        return Err(Error::Locked(format!("too many wrong PINs for {}: try again after {until}", c.user.name)));
    }
    let ok = normalize_pin(pin).map(|p| pin_matches(&c.pin_hash, &p)).unwrap_or(false);
    let actor = Actor { user_id: Some(c.user.id.clone()), name: c.user.name.clone(), role: c.user.role };
    if ok {
        rows::signed_in(store, &c.user.id)?;
        store.set_actor(Some(actor.clone()));
        store.write(|w| {
            w.audit(AuditRecord { action: "sign_in", entity: Some("user"), entity_id: Some(c.user.id.clone()), ..AuditRecord::default() })
        })?;
        return Ok(actor);
    }
    let failed = c.failed_pins + 1;
    let locked = failed >= MAX_WRONG_PINS;
    let until = locked.then(|| clock::rfc3339_ms(now + LOCKOUT_SECS * 1000));
    rows::failed_pin(store, &c.user.id, if locked { 0 } else { failed }, until.as_deref())?;
    // The failure is written as the user who tried, then nobody is signed in.
    let previous = store.actor().cloned();
    store.set_actor(Some(actor));
    let logged = store.write(|w| {
        w.audit(AuditRecord {
            action: "sign_in_failed",
            entity: Some("user"),
            entity_id: Some(c.user.id.clone()),
            after: Some(serde_json::json!({"failed": failed, "of": MAX_WRONG_PINS})),
            detail: Some(format!("wrong PIN {failed} of {MAX_WRONG_PINS}")),
            ..AuditRecord::default()
        })
    });
    store.set_actor(previous);
    logged?;
    if locked {
        Err(Error::Locked(format!("too many wrong PINs for {}: try again in {LOCKOUT_SECS} seconds", c.user.name)))
    } else {
        Err(Error::invalid_at(
            format!("wrong PIN for {} ({} tries left)", c.user.name, MAX_WRONG_PINS - failed),
            None,
            None,
            Some("pin"),
        )
        .kind(ErrorKind::WrongPin))
    }
}
