//! The write path: a [`Writer`] changes rows and appends their change-log
//! entries in the same transaction.
//!
//! Architecture invariant: every row of a synced table is written through
//! `Writer::insert` / `Writer::update`, which build the SQL from a closed
//! [`Entity`] list and log the same field values; there is no other write.

use crate::clock;
use crate::Result;
use muster_protocol::{ChangeOp, Clock, Hlc};
use rusqlite::types::Value as SqlValue;
use rusqlite::Transaction;
use serde_json::Value;

/// The synced entities and their tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Event,
    Session,
    Trainee,
    /// A check-in or sign-out (a fact: insert only).
    Attendance,
    /// A coordinator's correction of attendance (a fact: insert only).
    Correction,
}

impl Entity {
    /// Name in the change log.
    pub fn name(self) -> &'static str {
        match self {
            Entity::Event => "event",
            Entity::Session => "session",
            Entity::Trainee => "trainee",
            Entity::Attendance => "attendance",
            Entity::Correction => "attendance_correction",
        }
    }

    fn table(self) -> &'static str {
        match self {
            Entity::Event => "events",
            Entity::Session => "sessions",
            Entity::Trainee => "trainees",
            Entity::Attendance => "attendance",
            Entity::Correction => "attendance_corrections",
        }
    }

    /// Facts are appended, never updated.
    fn editable(self) -> bool {
        !matches!(self, Entity::Attendance | Entity::Correction)
    }

    fn columns(self) -> &'static [&'static str] {
        match self {
            Entity::Event => &["name", "venue", "starts_on", "days", "created_at", "grace_minutes"],
            Entity::Session => &["event_id", "title", "starts_at", "ends_at", "created_at"],
            Entity::Trainee => &[
                "event_id", "name", "gender", "phone", "id_number", "age", "birth_date",
                "organization", "occupation", "extra", "created_at", "code", "walk_in", "merged_into",
            ],
            Entity::Attendance => &["event_id", "session_id", "trainee_id", "kind", "at", "device_id", "source", "created_at"],
            Entity::Correction => {
                &["event_id", "session_id", "trainee_id", "status", "hours", "reason", "device_id", "created_at"]
            }
        }
    }
}

/// Writes rows and their change-log entries inside one transaction.
pub struct Writer<'t> {
    tx: &'t Transaction<'t>,
    device_id: &'t str,
    clock: Clock,
    next_seq: u64,
    now_ms: u64,
}

impl<'t> Writer<'t> {
    pub(super) fn new(tx: &'t Transaction<'t>, device_id: &'t str, clock: Clock, next_seq: u64) -> Self {
        Writer { tx, device_id, clock, next_seq, now_ms: clock::now_ms() }
    }

    pub(super) fn finish(self) -> (Clock, u64) {
        (self.clock, self.next_seq)
    }

    /// The transaction, for reads that must see this transaction's writes.
    pub(crate) fn tx(&self) -> &Transaction<'t> {
        self.tx
    }

    /// This device's id.
    pub fn device_id(&self) -> &str {
        self.device_id
    }

    /// The wall-clock time of this transaction, RFC 3339 UTC.
    pub fn now(&self) -> String {
        clock::rfc3339_ms(self.now_ms)
    }

    /// Inserts a new row with a fresh UUIDv7 and logs it. `fields` must name
    /// every column of the entity (in any order).
    pub fn insert(&mut self, entity: Entity, fields: &[(&'static str, Value)]) -> Result<String> {
        let id = uuid::Uuid::now_v7().to_string();
        let cols = entity.columns();
        debug_assert_eq!(cols.len(), fields.len(), "insert into {} names every column", entity.table());
        let mut values: Vec<SqlValue> = Vec::with_capacity(cols.len() + 1);
        values.push(SqlValue::Text(id.clone()));
        for col in cols {
            let v = fields.iter().find(|(name, _)| name == col).map(|(_, v)| v).unwrap_or(&Value::Null);
            values.push(to_sql(v));
        }
        let sql = format!(
            "INSERT INTO {} (id, {}) VALUES ({})",
            entity.table(),
            cols.join(", "),
            (1..=cols.len() + 1).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ")
        );
        self.tx.prepare_cached(&sql)?.execute(rusqlite::params_from_iter(values))?;
        self.log(entity, &id, ChangeOp::Insert, fields)?;
        Ok(id)
    }

    /// Sets some fields of an existing row and logs exactly those fields.
    /// Returns false when no such row exists.
    pub fn update(&mut self, entity: Entity, id: &str, fields: &[(&'static str, Value)]) -> Result<bool> {
        if fields.is_empty() {
            return Ok(true);
        }
        let cols = entity.columns();
        let mut values: Vec<SqlValue> = Vec::with_capacity(fields.len() + 1);
        let mut sets = Vec::with_capacity(fields.len());
        for (i, (name, v)) in fields.iter().enumerate() {
            assert!(
                entity.editable() && cols.contains(name) && *name != "created_at" && *name != "event_id",
                "{name} is not an editable column of {}",
                entity.table()
            );
            sets.push(format!("{name} = ?{}", i + 2));
            values.push(to_sql(v));
        }
        let sql = format!("UPDATE {} SET {} WHERE id = ?1", entity.table(), sets.join(", "));
        let mut params = vec![SqlValue::Text(id.to_string())];
        params.extend(values);
        let n = self.tx.prepare_cached(&sql)?.execute(rusqlite::params_from_iter(params))?;
        if n == 0 {
            return Ok(false);
        }
        self.log(entity, id, ChangeOp::Update, fields)?;
        Ok(true)
    }

    fn log(&mut self, entity: Entity, id: &str, op: ChangeOp, fields: &[(&'static str, Value)]) -> Result<()> {
        let hlc: Hlc = self.clock.tick(self.now_ms);
        let seq = self.next_seq;
        self.next_seq += 1;
        let map: serde_json::Map<String, Value> = fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        self.tx
            .prepare_cached(
                "INSERT INTO changes (device_id, seq, hlc, entity, entity_id, op, fields)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(rusqlite::params![
                self.device_id,
                seq as i64,
                hlc.to_string(),
                entity.name(),
                id,
                op.as_str(),
                Value::Object(map).to_string()
            ])?;
        Ok(())
    }
}

fn to_sql(v: &Value) -> SqlValue {
    match v {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(*b as i64),
        Value::Number(n) => match n.as_i64() {
            Some(i) => SqlValue::Integer(i),
            None => SqlValue::Real(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => SqlValue::Text(s.clone()),
        // Objects and arrays (a trainee's extra fields) are stored as JSON text.
        other => SqlValue::Text(other.to_string()),
    }
}
