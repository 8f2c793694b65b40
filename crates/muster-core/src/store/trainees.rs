//! Trainees in the store: roster reads, duplicate keys, search, and the
//! change-logged insert and field update.

use super::{Entity, Store, Writer};
use crate::model::{Gender, Trainee, TraineeFields};
use crate::Result;
use rusqlite::{OptionalExtension, Row};
use serde_json::{json, Value};
use std::collections::HashSet;

const SELECT: &str = "SELECT id, event_id, name, gender, phone, id_number, age, birth_date,
        organization, occupation, extra, created_at FROM trainees";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Trainee> {
    let gender: Option<String> = r.get(3)?;
    let extra: String = r.get(10)?;
    Ok(Trainee {
        id: r.get(0)?,
        event_id: r.get(1)?,
        fields: TraineeFields {
            name: r.get(2)?,
            gender: gender.as_deref().and_then(Gender::parse_stored),
            phone: r.get(4)?,
            id_number: r.get(5)?,
            age: r.get(6)?,
            birth_date: r.get(7)?,
            organization: r.get(8)?,
            occupation: r.get(9)?,
            extra: serde_json::from_str(&extra).unwrap_or_default(),
        },
        created_at: r.get(11)?,
    })
}

/// The roster of an event, in the order trainees were added.
pub fn list(store: &Store, event_id: &str) -> Result<Vec<Trainee>> {
    let mut stmt = store.conn().prepare_cached(&format!("{SELECT} WHERE event_id = ?1 ORDER BY id"))?;
    let rows = stmt.query_map([event_id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn get(store: &Store, id: &str) -> Result<Option<Trainee>> {
    let mut stmt = store.conn().prepare_cached(&format!("{SELECT} WHERE id = ?1"))?;
    Ok(stmt.query_row([id], from_row).optional()?)
}

pub fn get_in(w: &Writer<'_>, id: &str) -> Result<Option<Trainee>> {
    let mut stmt = w.tx().prepare_cached(&format!("{SELECT} WHERE id = ?1"))?;
    Ok(stmt.query_row([id], from_row).optional()?)
}

/// Substring search over name, mobile, ID number and organisation; a query
/// of digits also matches the end of the mobile.
pub fn search(store: &Store, event_id: &str, query: &str, limit: usize) -> Result<Vec<Trainee>> {
    let escaped = query.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    let mut stmt = store.conn().prepare_cached(&format!(
        "{SELECT} WHERE event_id = ?1 AND (
            name LIKE ?2 ESCAPE '\\' OR phone LIKE ?2 ESCAPE '\\' OR id_number LIKE ?2 ESCAPE '\\'
            OR organization LIKE ?2 ESCAPE '\\' OR occupation LIKE ?2 ESCAPE '\\')
         ORDER BY (name = ?3) DESC, (name LIKE ?4 ESCAPE '\\') DESC, (phone LIKE ?5 ESCAPE '\\') DESC, name, id
         LIMIT ?6"
    ))?;
    let rows = stmt.query_map(
        rusqlite::params![event_id, format!("%{escaped}%"), query, format!("{escaped}%"), format!("%{escaped}"), limit as i64],
        from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Keys that make a roster row a duplicate of a trainee already in the
/// event: the ID number, and name + mobile.
#[derive(Default)]
pub struct DuplicateKeys {
    pub id_numbers: HashSet<String>,
    pub name_phones: HashSet<(String, String)>,
}

impl DuplicateKeys {
    pub fn matches(&self, t: &TraineeFields) -> bool {
        t.id_number.as_ref().is_some_and(|id| self.id_numbers.contains(id))
            || t.phone.as_ref().is_some_and(|p| self.name_phones.contains(&(t.name.clone(), p.clone())))
    }

    pub fn add(&mut self, t: &TraineeFields) {
        if let Some(id) = &t.id_number {
            self.id_numbers.insert(id.clone());
        }
        if let Some(p) = &t.phone {
            self.name_phones.insert((t.name.clone(), p.clone()));
        }
    }
}

/// The duplicate keys of an event, read inside a write transaction so the
/// answer cannot change before the import commits.
pub fn duplicate_keys(w: &Writer<'_>, event_id: &str) -> Result<DuplicateKeys> {
    let mut keys = DuplicateKeys::default();
    let mut stmt = w.tx().prepare_cached("SELECT name, phone, id_number FROM trainees WHERE event_id = ?1")?;
    let mut rows = stmt.query([event_id])?;
    while let Some(r) = rows.next()? {
        let name: String = r.get(0)?;
        if let Some(id) = r.get::<_, Option<String>>(2)? {
            keys.id_numbers.insert(id);
        }
        if let Some(p) = r.get::<_, Option<String>>(1)? {
            keys.name_phones.insert((name, p));
        }
    }
    Ok(keys)
}

pub fn insert(w: &mut Writer<'_>, event_id: &str, t: &TraineeFields) -> Result<String> {
    let now = w.now();
    w.insert(
        Entity::Trainee,
        &[
            ("event_id", json!(event_id)),
            ("name", json!(t.name)),
            ("gender", json!(t.gender.map(Gender::as_str))),
            ("phone", json!(t.phone)),
            ("id_number", json!(t.id_number)),
            ("age", json!(t.age)),
            ("birth_date", json!(t.birth_date)),
            ("organization", json!(t.organization)),
            ("occupation", json!(t.occupation)),
            ("extra", json!(t.extra)),
            ("created_at", json!(now)),
        ],
    )
}

/// Writes the fields that differ between `old` and `new`; returns their names.
pub fn update(w: &mut Writer<'_>, id: &str, old: &TraineeFields, new: &TraineeFields) -> Result<Vec<&'static str>> {
    let mut set: Vec<(&'static str, Value)> = Vec::new();
    macro_rules! diff {
        ($field:ident, $value:expr) => {
            if old.$field != new.$field {
                set.push((stringify!($field), $value));
            }
        };
    }
    diff!(name, json!(new.name));
    diff!(gender, json!(new.gender.map(Gender::as_str)));
    diff!(phone, json!(new.phone));
    diff!(id_number, json!(new.id_number));
    diff!(age, json!(new.age));
    diff!(birth_date, json!(new.birth_date));
    diff!(organization, json!(new.organization));
    diff!(occupation, json!(new.occupation));
    diff!(extra, json!(new.extra));
    let names = set.iter().map(|(n, _)| *n).collect();
    w.update(Entity::Trainee, id, &set)?;
    Ok(names)
}
