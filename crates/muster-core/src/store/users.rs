//! The users of this laptop: names, roles, argon2id PIN hashes and the
//! wrong-PIN counter. Local rows (never synced): a PIN belongs to a machine.

use super::Store;
use crate::access::Role;
use crate::Result;
use rusqlite::{OptionalExtension, Row};
use serde::Serialize;

/// A user as the app lists them (never the PIN hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct User {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub created_at: String,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_at: Option<String>,
}

/// What sign-in needs of a user.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub pin_hash: String,
    pub failed_pins: u32,
    pub locked_until: Option<String>,
}

const COLUMNS: &str = "id, name, role, created_at, disabled_at, pin_hash, failed_pins, locked_until";

fn credentials(r: &Row<'_>) -> rusqlite::Result<Credentials> {
    let role: String = r.get(2)?;
    Ok(Credentials {
        user: User {
            id: r.get(0)?,
            name: r.get(1)?,
            role: Role::parse(&role).unwrap_or(Role::Keyer),
            created_at: r.get(3)?,
            disabled_at: r.get(4)?,
        },
        pin_hash: r.get(5)?,
        failed_pins: r.get::<_, i64>(6)? as u32,
        locked_until: r.get(7)?,
    })
}

/// Every user, active first, then by name.
pub fn list(store: &Store) -> Result<Vec<User>> {
    let mut stmt = store
        .conn()
        .prepare(&format!("SELECT {COLUMNS} FROM users ORDER BY disabled_at IS NOT NULL, name COLLATE NOCASE"))?;
    let rows = stmt.query_map([], credentials)?;
    Ok(rows.map(|r| r.map(|c| c.user)).collect::<rusqlite::Result<_>>()?)
}

/// Whether any active user exists (then the app asks for a PIN).
pub fn any_active(store: &Store) -> Result<bool> {
    Ok(store.conn().prepare("SELECT 1 FROM users WHERE disabled_at IS NULL LIMIT 1")?.exists([])?)
}

/// Whether an active admin other than `except` exists.
pub fn other_admin(store: &Store, except: &str) -> Result<bool> {
    Ok(store
        .conn()
        .prepare("SELECT 1 FROM users WHERE disabled_at IS NULL AND role = 'admin' AND id <> ?1 LIMIT 1")?
        .exists([except])?)
}

/// A user by id or (case-insensitive) name of an active user.
pub fn find(store: &Store, id_or_name: &str) -> Result<Option<Credentials>> {
    Ok(store
        .conn()
        .query_row(
            &format!(
                "SELECT {COLUMNS} FROM users WHERE id = ?1
                 OR (lower(name) = lower(?1) AND disabled_at IS NULL) LIMIT 1"
            ),
            [id_or_name],
            credentials,
        )
        .optional()?)
}

pub fn insert(store: &Store, user: &User, pin_hash: &str) -> Result<()> {
    store.conn().execute(
        "INSERT INTO users (id, name, role, pin_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        rusqlite::params![user.id, user.name, user.role.as_str(), pin_hash, user.created_at],
    )?;
    Ok(())
}

pub fn set_pin(store: &Store, id: &str, pin_hash: &str) -> Result<()> {
    store.conn().execute(
        "UPDATE users SET pin_hash = ?2, failed_pins = 0, locked_until = NULL WHERE id = ?1",
        rusqlite::params![id, pin_hash],
    )?;
    Ok(())
}

pub fn set_role(store: &Store, id: &str, role: Role) -> Result<()> {
    store.conn().execute("UPDATE users SET role = ?2 WHERE id = ?1", rusqlite::params![id, role.as_str()])?;
    Ok(())
}

pub fn disable(store: &Store, id: &str, at: &str) -> Result<()> {
    store.conn().execute("UPDATE users SET disabled_at = ?2 WHERE id = ?1", rusqlite::params![id, at])?;
    Ok(())
}

/// Records a wrong PIN: the new count, and a lock until `locked_until` when given.
pub fn failed_pin(store: &Store, id: &str, count: u32, locked_until: Option<&str>) -> Result<()> {
    store.conn().execute(
        "UPDATE users SET failed_pins = ?2, locked_until = ?3 WHERE id = ?1",
        rusqlite::params![id, count as i64, locked_until],
    )?;
    Ok(())
}

pub fn signed_in(store: &Store, id: &str) -> Result<()> {
    store.conn().execute("UPDATE users SET failed_pins = 0, locked_until = NULL WHERE id = ?1", [id])?;
    Ok(())
}
