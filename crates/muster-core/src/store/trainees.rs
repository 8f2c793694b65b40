//! Trainees in the store: roster reads, duplicate keys, search, and the
//! change-logged insert and field update.

use super::{Entity, Prepared, Store, Writer};
use crate::model::{Gender, Trainee, TraineeFields};
use crate::Result;
use rusqlite::{OptionalExtension, Row};
use serde_json::{json, Value};
use std::collections::HashSet;

/// A trainee row's columns, as [`from_row`] reads them (a macro, so that
/// whole statements can be made of it at compile time).
macro_rules! select {
    () => {
        "SELECT id, event_id, name, gender, phone, id_number, age, birth_date,
        organization, occupation, extra, created_at, code, walk_in, merged_into FROM trainees"
    };
}
pub(crate) const SELECT: &str = select!();

pub(crate) fn from_row(r: &Row<'_>) -> rusqlite::Result<Trainee> {
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
        code: r.get(12)?,
        walk_in: r.get(13)?,
        merged_into: r.get(14)?,
    })
}

/// The roster of an event, in the order trainees were added; records merged
/// into another are left out.
pub fn list(store: &Store, event_id: &str) -> Result<Vec<Trainee>> {
    let mut stmt =
        store.conn().prepare_cached(&format!("{SELECT} WHERE event_id = ?1 AND merged_into IS NULL ORDER BY id"))?;
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

/// Keys that make a roster row a duplicate of a trainee already in the
/// event: the ID number, and name + mobile.
#[derive(Default)]
pub struct DuplicateKeys {
    id_numbers: HashSet<String>,
    /// Name and mobile as one text ([`name_phone`]): a row is looked up
    /// without copying either (an import looks up every row twice).
    name_phones: HashSet<String>,
    scratch: String,
}

/// `"<mobile's length>:<mobile><name>"`: one text per pair, and never the
/// same text for two different pairs.
fn name_phone(out: &mut String, name: &str, phone: &str) {
    use std::fmt::Write;
    out.clear();
    let _ = write!(out, "{}:", phone.len());
    out.push_str(phone);
    out.push_str(name);
}

impl DuplicateKeys {
    pub fn matches(&mut self, t: &TraineeFields) -> bool {
        if t.id_number.as_ref().is_some_and(|id| self.id_numbers.contains(id)) {
            return true;
        }
        match &t.phone {
            Some(p) => {
                name_phone(&mut self.scratch, &t.name, p);
                self.name_phones.contains(self.scratch.as_str())
            }
            None => false,
        }
    }

    /// Whether `t` is a row not seen before ([`DuplicateKeys::matches`]
    /// none), which then is one ([`DuplicateKeys::add`]): an import's
    /// verdict on each row, the file's own earlier rows included.
    pub fn first_sight(&mut self, t: &TraineeFields) -> bool {
        if self.matches(t) {
            return false;
        }
        self.add(t);
        true
    }

    pub fn add(&mut self, t: &TraineeFields) {
        if let Some(id) = &t.id_number {
            self.insert_id_number(id.clone());
        }
        if let Some(p) = &t.phone {
            self.insert_name_phone(&t.name, p);
        }
    }

    fn insert_id_number(&mut self, id: String) {
        self.id_numbers.insert(id);
    }

    fn insert_name_phone(&mut self, name: &str, phone: &str) {
        name_phone(&mut self.scratch, name, phone);
        if !self.name_phones.contains(self.scratch.as_str()) {
            self.name_phones.insert(self.scratch.clone());
        }
    }
}

/// What an import checks its rows against: the event's duplicate keys and
/// the codes it has given out.
#[derive(Default)]
pub struct RosterState {
    pub keys: DuplicateKeys,
    pub codes: HashSet<String>,
}

/// The event's [`RosterState`] as it is now (one statement: one snapshot),
/// for preparing an import outside the write lock.
pub fn roster_state(store: &Store, event_id: &str) -> Result<RosterState> {
    roster_state_of(store.conn(), event_id)
}

/// The event's [`RosterState`] inside a write transaction: what an import
/// re-checks before it commits.
pub fn roster_state_in(w: &Writer<'_>, event_id: &str) -> Result<RosterState> {
    roster_state_of(w.tx(), event_id)
}

fn roster_state_of(conn: &rusqlite::Connection, event_id: &str) -> Result<RosterState> {
    let mut state = RosterState::default();
    let mut stmt = conn.prepare_cached("SELECT name, phone, id_number, code FROM trainees WHERE event_id = ?1")?;
    let mut rows = stmt.query([event_id])?;
    while let Some(r) = rows.next()? {
        if let Some(id) = r.get::<_, Option<String>>(2)? {
            state.keys.insert_id_number(id);
        }
        if let Some(p) = r.get::<_, Option<String>>(1)? {
            state.keys.insert_name_phone(&r.get::<_, String>(0)?, &p);
        }
        if let Some(code) = r.get::<_, Option<String>>(3)? {
            state.codes.insert(code);
        }
    }
    Ok(state)
}

/// The trainee with this code in any event (to tell "another event's code"
/// from "no such code").
pub fn by_code(store: &Store, code: &str) -> Result<Option<Trainee>> {
    let mut stmt = store.conn().prepare_cached(BY_CODE_SQL)?;
    Ok(stmt.query_row([code], from_row).optional()?)
}

/// [`by_code`]'s statement (its plan is tested: one look-up in the code index).
#[doc(hidden)]
pub const BY_CODE_SQL: &str = concat!(select!(), " WHERE code = ?1 ORDER BY merged_into IS NOT NULL LIMIT 1");

pub fn by_code_in(w: &Writer<'_>, event_id: &str, code: &str) -> Result<Option<Trainee>> {
    let mut stmt = w.tx().prepare_cached(BY_CODE_IN_SQL)?;
    Ok(stmt.query_row([event_id, code], from_row).optional()?)
}

/// [`by_code_in`]'s statement.
#[doc(hidden)]
pub const BY_CODE_IN_SQL: &str = concat!(select!(), " WHERE event_id = ?1 AND code = ?2");

/// Trainees by id, in the order given (unknown ids skipped).
pub fn many(store: &Store, ids: &[String]) -> Result<Vec<Trainee>> {
    let mut stmt = store.conn().prepare_cached(&format!("{SELECT} WHERE id = ?1"))?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(t) = stmt.query_row([id], from_row).optional()? {
            out.push(t);
        }
    }
    Ok(out)
}

/// A code not yet used in the event.
fn fresh_code(w: &Writer<'_>, event_id: &str) -> Result<String> {
    let mut stmt = w.tx().prepare_cached("SELECT 1 FROM trainees WHERE event_id = ?1 AND code = ?2")?;
    loop {
        let code = crate::code::generate();
        if !stmt.exists([event_id, &code])? {
            return Ok(code);
        }
    }
}

/// Adds a trainee with a fresh code; returns its id.
pub fn insert(w: &mut Writer<'_>, event_id: &str, t: &TraineeFields) -> Result<String> {
    insert_full(w, event_id, t, false)
}

/// Adds a trainee, marked as a walk-in or not.
pub fn insert_full(w: &mut Writer<'_>, event_id: &str, t: &TraineeFields, walk_in: bool) -> Result<String> {
    let now = w.now();
    let code = fresh_code(w, event_id)?;
    w.insert(Entity::Trainee, &row_fields(event_id, t, &code, walk_in, &now))
}

/// Every column of a new trainee row (the one place they are listed), in
/// the order of their names, as a change's map holds them.
fn row_fields(event_id: &str, t: &TraineeFields, code: &str, walk_in: bool, now: &str) -> Vec<(&'static str, Value)> {
    vec![
        ("age", json!(t.age)),
        ("birth_date", json!(t.birth_date)),
        ("code", json!(code)),
        ("created_at", json!(now)),
        ("event_id", json!(event_id)),
        ("extra", json!(t.extra)),
        ("gender", json!(t.gender.map(Gender::as_str))),
        ("id_number", json!(t.id_number)),
        ("merged_into", Value::Null),
        ("name", json!(t.name)),
        ("occupation", json!(t.occupation)),
        ("organization", json!(t.organization)),
        ("phone", json!(t.phone)),
        ("walk_in", json!(walk_in)),
    ]
}

/// A new imported trainee made ready for [`insert_prepared_many`], with an
/// id the caller drew (a fresh UUIDv7: an import draws its ids in file
/// order), the given code, created `now`; on another thread than the
/// transaction's (bulk work).
pub fn prepare_as(id: String, event_id: &str, t: &TraineeFields, code: &str, now: &str) -> Result<Prepared> {
    Prepared::new(Entity::Trainee, id, row_fields(event_id, t, code, false, now))
}

/// Prepared trainees written in order, in one statement.
pub fn insert_prepared_many(w: &mut Writer<'_>, rows: &[&Prepared]) -> Result<()> {
    w.insert_prepared_many(rows)
}

/// Gives every trainee without a code (written before codes existed) one.
pub fn backfill_codes(w: &mut Writer<'_>) -> Result<u64> {
    w.bulk();
    let missing: Vec<Trainee> = {
        let mut stmt = w.tx().prepare(&format!("{SELECT} WHERE code IS NULL"))?;
        let rows = stmt.query_map([], from_row)?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for t in &missing {
        let code = fresh_code(w, &t.event_id)?;
        w.update(Entity::Trainee, &t.id, &[("code", json!(code))])?;
    }
    Ok(missing.len() as u64)
}

/// Marks `id` as merged into `keep`: it leaves the roster and search.
pub fn mark_merged(w: &mut Writer<'_>, id: &str, keep: &str) -> Result<()> {
    w.update(Entity::Trainee, id, &[("merged_into", json!(keep))])?;
    Ok(())
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

/// Ids of the records merged into `keep`.
pub fn merged_into(store: &Store, keep: &str) -> Result<Vec<String>> {
    let mut stmt = store.conn().prepare_cached("SELECT id FROM trainees WHERE merged_into = ?1")?;
    let rows = stmt.query_map([keep], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Merged record id → the id kept, for an event.
pub fn merge_map(store: &Store, event_id: &str) -> Result<std::collections::HashMap<String, String>> {
    let mut stmt =
        store.conn().prepare_cached("SELECT id, merged_into FROM trainees WHERE event_id = ?1 AND merged_into IS NOT NULL")?;
    let rows = stmt.query_map([event_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Groups of trainees of an event (not merged) that share a mobile or an
/// ID number: possible duplicates, e.g. one walk-in registered on two
/// laptops.
pub fn duplicate_groups(store: &Store, event_id: &str) -> Result<Vec<(String, String, Vec<String>)>> {
    let mut out = Vec::new();
    for (by, col) in [("id_number", "id_number"), ("phone", "phone")] {
        let mut stmt = store.conn().prepare(&format!(
            "SELECT {col}, group_concat(id, ',') FROM (SELECT {col}, id FROM trainees
               WHERE event_id = ?1 AND merged_into IS NULL AND {col} IS NOT NULL ORDER BY id)
             GROUP BY {col} HAVING COUNT(*) > 1 ORDER BY {col}"
        ))?;
        let rows = stmt.query_map([event_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (value, ids) = row?;
            out.push((by.to_string(), value, ids.split(',').map(String::from).collect()));
        }
    }
    Ok(out)
}

/// The query of [`sharing_phone_or_id`] (event, trainee, mobile, ID number),
/// for a test of its plan.
pub fn sharing_phone_or_id_sql() -> String {
    format!(
        "{SELECT} WHERE +event_id = ?1 AND id != ?2 AND merged_into IS NULL
           AND (phone = ?3 OR (id_number IS NOT NULL AND upper(id_number) = upper(?4))) ORDER BY id"
    )
}

/// Other trainees of the event (not merged) with the same mobile or ID
/// number as `t` (the ID number's letters in either case): two indexed
/// look-ups (migration 0015), never a scan of the event (`+event_id` keeps
/// SQLite from choosing the event's index instead).
pub fn sharing_phone_or_id(store: &Store, event_id: &str, t: &Trainee) -> Result<Vec<Trainee>> {
    let mut stmt = store.conn().prepare_cached(&sharing_phone_or_id_sql())?;
    let rows = stmt.query_map(rusqlite::params![event_id, t.id, t.fields.phone, t.fields.id_number], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    /// `row_fields` names every trainee column once, in the order of the
    /// names.
    #[test]
    fn row_fields_are_every_column_sorted_by_name() {
        let t = crate::model::TraineeFields { name: "王素梅".into(), ..Default::default() };
        let names: Vec<&str> = super::row_fields("e", &t, "ABC123", false, "2026-12-01T00:00:00.000Z").iter().map(|(n, _)| *n).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted, "sorted, each once");
        let mut cols: Vec<&str> = super::Entity::Trainee.columns().to_vec();
        cols.sort_unstable();
        assert_eq!(names, cols);
    }
}
