//! The write path: a [`Writer`] changes rows and appends their change-log
//! entries in the same transaction.
//!
//! Architecture invariant: every row of a synced table is written through
//! `Writer::insert` / `Writer::update` (or, for bulk work, a [`Prepared`]
//! row made from one field list and `Writer::insert_prepared`), which build
//! the SQL from a closed [`Entity`] list and log the same field values;
//! there is no other write.
//!
//! Architecture invariant: everything that reads the change log reads the
//! `change_log` view, never the `changes` table: a trainee's insert written
//! by bulk work is logged by reference to its row ([`BY_ROW`], migration
//! 0014) until the row first changes, and only the view makes it whole.

use crate::access::Actor;
use crate::clock;
use crate::Result;
use muster_protocol::{rules, Change, ChangeOp, Clock, Hlc};
use rusqlite::types::Value as SqlValue;
use rusqlite::{OptionalExtension, Transaction};
use serde_json::Value;

/// The synced entities and their tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    /// A programme: the same training at stop after stop.
    Programme,
    Event,
    Session,
    Trainee,
    /// A check-in or sign-out (a fact: insert only).
    Attendance,
    /// A coordinator's correction of attendance (a fact: insert only).
    Correction,
    /// An event's certificate settings (title in English, organisers, rule).
    CertificateSettings,
    /// A coordinator's eligibility decision (a fact: insert only).
    EligibilityOverride,
    /// An issued certificate (a fact: insert only; reprints reuse it).
    Certificate,
    /// One printing of a certificate (a fact: insert only).
    CertificatePrint,
    /// The organisation's revocation of a certificate (a fact).
    CertificateRevocation,
    /// An imported XLSForm questionnaire (definition as JSON).
    Form,
    /// A registered stack of paper forms.
    PaperBatch,
    /// One keying (or CSV row) of one paper (a fact: insert only).
    Response,
    /// A CSV row of responses that was rejected, and why (a fact).
    ResponseRejection,
    /// A supervisor's resolution of a double-entry difference (a fact).
    Resolution,
    /// A saved paper corrected: its answers now, who and why (a fact).
    ResponseCorrection,
    /// One line of the audit log: who did what, before and after (a fact).
    Audit,
}

impl Entity {
    /// Every entity, in the order rows must be materialised so that a row
    /// comes after the rows it refers to. A new entity is added here too.
    pub const ALL: &'static [Entity] = &[Entity::Programme, Entity::Event, Entity::Session, Entity::Trainee, Entity::Attendance, Entity::Correction, Entity::CertificateSettings, Entity::EligibilityOverride, Entity::Certificate, Entity::CertificatePrint, Entity::CertificateRevocation, Entity::Form, Entity::PaperBatch, Entity::Response, Entity::ResponseRejection, Entity::Resolution, Entity::ResponseCorrection, Entity::Audit];

    /// The entity of a change-log name; `None` for one this build does not
    /// know (a newer Muster's), whose changes are kept and forwarded only.
    pub fn from_name(name: &str) -> Option<Entity> {
        Entity::ALL.iter().copied().find(|e| e.name() == name)
    }

    /// Name in the change log.
    pub fn name(self) -> &'static str {
        match self {
            Entity::Programme => "programme",
            Entity::Event => "event",
            Entity::Session => "session",
            Entity::Trainee => "trainee",
            Entity::Attendance => "attendance",
            Entity::Correction => "attendance_correction",
            Entity::CertificateSettings => "certificate_settings",
            Entity::EligibilityOverride => "eligibility_override",
            Entity::Certificate => "certificate",
            Entity::CertificatePrint => "certificate_print",
            Entity::CertificateRevocation => "certificate_revocation",
            Entity::Form => "form",
            Entity::PaperBatch => "paper_batch",
            Entity::Response => "response",
            Entity::ResponseRejection => "response_rejection",
            Entity::Resolution => "entry_resolution",
            Entity::ResponseCorrection => "response_correction",
            Entity::Audit => "audit",
        }
    }

    fn table(self) -> &'static str {
        match self {
            Entity::Programme => "programmes",
            Entity::Event => "events",
            Entity::Session => "sessions",
            Entity::Trainee => "trainees",
            Entity::Attendance => "attendance",
            Entity::Correction => "attendance_corrections",
            Entity::CertificateSettings => "certificate_settings",
            Entity::EligibilityOverride => "eligibility_overrides",
            Entity::Certificate => "certificates",
            Entity::CertificatePrint => "certificate_prints",
            Entity::CertificateRevocation => "certificate_revocations",
            Entity::Form => "forms",
            Entity::PaperBatch => "paper_batches",
            Entity::Response => "responses",
            Entity::ResponseRejection => "response_rejections",
            Entity::Resolution => "entry_resolutions",
            Entity::ResponseCorrection => "response_corrections",
            Entity::Audit => "audit_log",
        }
    }

    /// `INSERT INTO <table> (id, <columns>) VALUES (?1, …), …` of `rows`
    /// rows, numbered on (row `k`'s first parameter is
    /// `k * (columns + 1) + 1`). Never at a chosen rowid: SQLite gives each
    /// the largest + 1, which the search index's copies rely on (migration
    /// 0016).
    /// `shared[i]`: column `i` is one parameter for all the rows
    /// ([`super::placeholders_shared`]; the id is never shared).
    fn insert_many(self, rows: usize, shared: &[bool]) -> String {
        let cols = self.columns();
        let mut marks = vec![false];
        marks.extend_from_slice(shared);
        format!("INSERT INTO {} (id, {}) VALUES {}", self.table(), cols.join(", "), super::placeholders_shared(rows, &marks))
    }

    /// Facts are appended, never updated: the sync rules say which are.
    fn editable(self) -> bool {
        rules::entity(self.name()).is_some_and(|r| !r.fact)
    }

    /// The entity's columns besides `id`, in the order of its sync rules
    /// (`muster_protocol::rules`): one list for the table, the change log
    /// and the server's check. `PRAGMA table_info` of each table is checked
    /// against it in the store's tests.
    pub(crate) fn columns(self) -> &'static [&'static str] {
        static COLUMNS: std::sync::OnceLock<Vec<Vec<&'static str>>> = std::sync::OnceLock::new();
        let all = COLUMNS.get_or_init(|| {
            Entity::ALL
                .iter()
                .map(|e| rules::entity(e.name()).map(|r| r.fields.iter().map(|f| f.name).collect()).unwrap_or_default())
                .collect()
        });
        let pos = Entity::ALL.iter().position(|e| *e == self).unwrap_or(0);
        &all[pos]
    }

    /// Refuses a field list that names a column the entity does not have
    /// (a misspelt name would otherwise write NULL) or, for an insert,
    /// leaves one out — except one the rules make optional and nullable
    /// (`deleted_at`: an insert without it travels to older laptops too).
    /// In every build: a write never guesses.
    fn check_fields(self, fields: &[(&'static str, Value)], insert: bool) -> Result<()> {
        let cols = self.columns();
        if let Some((name, _)) = fields.iter().find(|(name, _)| !cols.contains(name)) {
            return Err(crate::Error::invalid(format!("{} has no field {name}", self.name())));
        }
        if insert {
            let optional = |c: &str| {
                rules::entity(self.name()).and_then(|r| r.field(c)).is_some_and(|f| f.nullable && !f.required && OMITTABLE.contains(&c))
            };
            if let Some(missing) = cols.iter().find(|c| !fields.iter().any(|(name, _)| name == *c) && !optional(c)) {
                return Err(crate::Error::invalid(format!("an insert into {} must give {missing}", self.name())));
            }
        }
        Ok(())
    }
}

/// Columns a bulk load tends to set alike for every row (an import's
/// trainees: one event, one creation time, not walk-ins, not merged):
/// [`Writer::insert_prepared_many`] binds such a column once per statement
/// when it is alike in all its rows.
const ALIKE: &[&str] = &["event_id", "created_at", "walk_in", "merged_into"];

/// Fields an insert may leave out (they are null), so that the change
/// travels to laptops of a build that does not know them yet.
const OMITTABLE: &[&str] = &["deleted_at", "programme_id", "closed_at"];

/// What may still be written for a closed event: a reprint (and its audit
/// line), a revocation, and the event's own row (to reopen it).
fn allowed_when_closed(entity: Entity) -> bool {
    matches!(entity, Entity::CertificatePrint | Entity::CertificateRevocation | Entity::Audit | Entity::Event | Entity::Programme)
}

/// Writes rows and their change-log entries inside one transaction.
pub struct Writer<'t> {
    tx: &'t Transaction<'t>,
    device_id: &'t str,
    clock: Clock,
    next_seq: u64,
    now_ms: u64,
    /// Who is writing, for the audit log (`None`: the system itself).
    actor: Option<&'t Actor>,
    /// Whether each insert and update gets its own audit line (bulk work
    /// such as an import turns this off and writes one summary line).
    row_audit: bool,
    /// The action that audit lines of this transaction name instead of
    /// "create"/"edit" (a merge is made of edits).
    action: Option<&'static str>,
    /// Statements held for the length of the transaction (bulk work inserts
    /// a hundred thousand rows: no cache look-up per row): the multi-row
    /// insert of the last [`Writer::insert_prepared_many`] (its entity, row
    /// count and shared columns) and the last change-log insert (its entry
    /// count, and whether the fields were shared).
    row_stmt: Option<(Entity, usize, Vec<bool>, rusqlite::CachedStatement<'t>)>,
    log_many: Option<(usize, bool, rusqlite::CachedStatement<'t>)>,
    /// The closed events, read once per transaction.
    closed: Option<std::collections::HashSet<String>>,
}

/// One line for the audit log, beyond the per-row lines the writer makes
/// itself.
#[derive(Debug, Clone, Default)]
pub struct AuditRecord {
    pub event_id: Option<String>,
    pub action: &'static str,
    pub entity: Option<&'static str>,
    pub entity_id: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub detail: Option<String>,
}

/// The `fields` of a trainee insert logged by reference to its row (JSON
/// null: every change's fields are an object, so nothing else is ever
/// stored so). Readers read the `change_log` view, which makes them from the
/// row; migration 0014's triggers copy the row in before it changes.
pub(crate) const BY_ROW: &str = "null";

/// A row made ready before its write transaction, for bulk work (an
/// import): its id, its column values and the change-log JSON of the same
/// fields, built here from one field list as [`Writer::insert`] builds
/// them, so the transaction only inserts ([`Writer::insert_prepared`]).
pub struct Prepared {
    entity: Entity,
    id: String,
    values: Vec<SqlValue>,
    /// The change-log JSON; `None` for a trainee, whose insert is logged by
    /// reference to its row ([`BY_ROW`]) once the rules took the JSON.
    json: Option<String>,
}

impl Prepared {
    /// `fields` must name every column of the entity (in any order).
    /// Refused, like any write, when the sync rules would refuse the change.
    pub fn new(entity: Entity, id: String, fields: Vec<(&'static str, Value)>) -> Result<Prepared> {
        entity.check_fields(&fields, true)?;
        // Judged as they are listed, no change made of them (an import
        // judges a hundred thousand), then each value moves to its column.
        let mut listed: Vec<(&str, &Value)> = fields.iter().map(|(k, v)| (*k, v)).collect();
        let (json, bytes) = if entity == Entity::Trainee {
            // Logged by reference to its row: the JSON is only measured.
            (None, json_len(&Listed(&listed)))
        } else {
            // In the order of the names, as a change's map is written out.
            listed.sort_unstable_by_key(|(k, _)| *k);
            let json = serde_json::to_string(&Listed(&listed)).unwrap_or_else(|_| "{}".into());
            let n = json.len();
            (Some(json), n)
        };
        rules::check_insert_fields(entity.name(), &id, &listed, bytes).map_err(|e| judged_error(entity, e))?;
        drop(listed);
        let values = listed_into_columns(entity, fields)?;
        Ok(Prepared { entity, id, values, json })
    }

    pub fn id(&self) -> &str {
        &self.id
    }
}

impl<'t> Writer<'t> {
    pub(super) fn new(
        tx: &'t Transaction<'t>,
        device_id: &'t str,
        actor: Option<&'t Actor>,
        clock: Clock,
        next_seq: u64,
        skew_ms: i64,
    ) -> Self {
        // Each transaction's stamp is after the last one's (two writes in one
        // millisecond would otherwise tie, and "the newest correction holds
        // until a later check-in" needs an order); a change from a laptop
        // whose clock runs ahead does not drag this one's time along.
        let physical = clock::now_ms().saturating_add_signed(skew_ms);
        let last = clock.last().wall_ms;
        let now_ms = if last >= physical && last - physical < 1000 { last + 1 } else { physical };
        Writer {
            tx,
            device_id,
            clock,
            next_seq,
            now_ms,
            actor,
            row_audit: true,
            action: None,
            row_stmt: None,
            log_many: None,
            closed: None,
        }
    }

    /// Refuses a write to a closed event's rows (see [`allowed_when_closed`]).
    fn guard_open(&mut self, entity: Entity, id: &str, fields: &[(&'static str, Value)]) -> Result<()> {
        if allowed_when_closed(entity) || self.closed_events()?.is_empty() {
            return Ok(());
        }
        match self.event_of(entity, id, fields)? {
            Some(event) => self.ensure_open(&event),
            None => Ok(()),
        }
    }

    fn closed_events(&mut self) -> Result<&std::collections::HashSet<String>> {
        if self.closed.is_none() {
            let mut stmt = self.tx.prepare_cached("SELECT id FROM events WHERE closed_at IS NOT NULL")?;
            let ids = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<_>>()?;
            self.closed = Some(ids);
        }
        Ok(self.closed.as_ref().expect("just read"))
    }

    /// Refuses when `event` is closed: it is read-only.
    pub fn ensure_open(&mut self, event: &str) -> Result<()> {
        if self.closed_events()?.contains(event) {
            return Err(crate::Error::Conflict(
                "this event is closed: it is read-only (certificates can still be reprinted). Reopen it (`muster event reopen`) to change it"
                    .into(),
            )
            .worded("event_closed", &[]));
        }
        Ok(())
    }

    /// Stops writing one audit line per row for the rest of this
    /// transaction: for bulk work that writes one [`Writer::audit`] summary.
    pub fn bulk(&mut self) {
        self.row_audit = false;
    }

    /// Names the action of this transaction's per-row audit lines (e.g.
    /// "merge") instead of "create"/"edit".
    pub fn audit_as(&mut self, action: &'static str) {
        self.action = Some(action);
    }

    /// Appends one line to the audit log, by the current user.
    pub fn audit(&mut self, r: AuditRecord) -> Result<()> {
        let (user_id, user_name, role) = match self.actor {
            Some(a) => (a.user_id.clone(), a.name.clone(), a.role.as_str()),
            None => (None, "system".to_string(), "admin"),
        };
        let json = |v: Option<Value>| v.map(|v| Value::String(v.to_string())).unwrap_or(Value::Null);
        let now = self.now();
        let device = self.device_id.to_string();
        self.insert(
            Entity::Audit,
            &[
                ("event_id", r.event_id.map(Value::String).unwrap_or(Value::Null)),
                ("user_id", user_id.map(Value::String).unwrap_or(Value::Null)),
                ("user_name", Value::String(user_name)),
                ("role", Value::String(role.to_string())),
                ("device_id", Value::String(device)),
                ("action", Value::String(r.action.to_string())),
                ("entity", r.entity.map(|e| Value::String(e.to_string())).unwrap_or(Value::Null)),
                ("entity_id", r.entity_id.map(Value::String).unwrap_or(Value::Null)),
                ("before", json(r.before)),
                ("after", json(r.after)),
                ("detail", r.detail.map(Value::String).unwrap_or(Value::Null)),
                ("created_at", Value::String(now)),
            ],
        )?;
        Ok(())
    }

    /// The event a row belongs to: itself for an event, its `event_id`, or
    /// its form's event.
    pub(crate) fn event_of(&self, entity: Entity, id: &str, fields: &[(&'static str, Value)]) -> Result<Option<String>> {
        let field = |name: &str| fields.iter().find(|(n, _)| *n == name).and_then(|(_, v)| v.as_str().map(str::to_string));
        if entity == Entity::Event {
            return Ok(Some(id.to_string()));
        }
        let cols = entity.columns();
        let lookup = |col: &str| -> Result<Option<String>> {
            let sql = format!("SELECT {col} FROM {} WHERE id = ?1", entity.table());
            Ok(self.tx.prepare_cached(&sql)?.query_row([id], |r| r.get::<_, Option<String>>(0)).optional()?.flatten())
        };
        if cols.contains(&"event_id") {
            return match field("event_id") {
                Some(e) => Ok(Some(e)),
                None => lookup("event_id"),
            };
        }
        if cols.contains(&"form_id") {
            let form = match field("form_id") {
                Some(f) => Some(f),
                None => lookup("form_id")?,
            };
            if let Some(form) = form {
                return Ok(self
                    .tx
                    .prepare_cached("SELECT event_id FROM forms WHERE id = ?1")?
                    .query_row([&form], |r| r.get(0))
                    .optional()?);
            }
        }
        Ok(None)
    }

    /// The audit line of an inserted row.
    fn audit_insert(&mut self, entity: Entity, id: &str, fields: &[(&'static str, Value)]) -> Result<()> {
        if !self.row_audit || entity == Entity::Audit {
            return Ok(());
        }
        let field = |name: &str| fields.iter().find(|(n, _)| *n == name).and_then(|(_, v)| v.as_str());
        let action = self.action.unwrap_or(match entity {
            Entity::Attendance if field("kind") == Some("out") => "check_out",
            Entity::Attendance => "check_in",
            Entity::Correction => "correct",
            Entity::EligibilityOverride => "override",
            Entity::Certificate => "issue",
            Entity::CertificatePrint => "print",
            Entity::CertificateRevocation => "revoke",
            Entity::Resolution => "resolve",
            Entity::ResponseCorrection => "correct",
            _ => "create",
        });
        // A form's definition is the file itself: the audit names the form.
        let after: serde_json::Map<String, Value> = fields
            .iter()
            .filter(|(k, _)| !(entity == Entity::Form && *k == "definition"))
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let event_id = self.event_of(entity, id, fields)?;
        self.audit(AuditRecord {
            event_id,
            action,
            entity: Some(entity.name()),
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(Value::Object(after)),
            detail: None,
        })
    }

    /// The values of `cols` of a row as they are now.
    fn current(&self, entity: Entity, id: &str, cols: &[&'static str]) -> Result<Option<Vec<SqlValue>>> {
        let sql = format!("SELECT {} FROM {} WHERE id = ?1", cols.join(", "), entity.table());
        Ok(self
            .tx
            .prepare_cached(&sql)?
            .query_row([id], |r| (0..cols.len()).map(|i| r.get::<_, SqlValue>(i)).collect::<rusqlite::Result<Vec<_>>>())
            .optional()?)
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

    /// The wall-clock time of this transaction, in Unix milliseconds.
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// The wall-clock time of this transaction, RFC 3339 UTC.
    pub fn now(&self) -> String {
        clock::rfc3339_ms(self.now_ms)
    }

    /// Inserts a new row with a fresh UUIDv7 and logs it. `fields` must name
    /// every column of the entity (in any order).
    pub fn insert(&mut self, entity: Entity, fields: &[(&'static str, Value)]) -> Result<String> {
        entity.check_fields(fields, true)?;
        let id = uuid::Uuid::now_v7().to_string();
        self.guard_open(entity, &id, fields)?;
        let cols = entity.columns();
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
        self.audit_insert(entity, &id, fields)?;
        Ok(id)
    }

    /// Like [`Writer::insert`] with an id the caller made (a fresh UUIDv7):
    /// for rows whose content depends on their own id, such as a
    /// certificate's signed code.
    pub fn insert_as(&mut self, entity: Entity, id: &str, fields: &[(&'static str, Value)]) -> Result<()> {
        entity.check_fields(fields, true)?;
        self.guard_open(entity, id, fields)?;
        let cols = entity.columns();
        let mut values: Vec<SqlValue> = vec![SqlValue::Text(id.to_string())];
        for col in cols {
            values.push(to_sql(fields.iter().find(|(name, _)| name == col).map(|(_, v)| v).unwrap_or(&Value::Null)));
        }
        let sql = format!(
            "INSERT INTO {} (id, {}) VALUES ({})",
            entity.table(),
            cols.join(", "),
            (1..=cols.len() + 1).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ")
        );
        self.tx.prepare_cached(&sql)?.execute(rusqlite::params_from_iter(values))?;
        self.log(entity, id, ChangeOp::Insert, fields)?;
        self.audit_insert(entity, id, fields)
    }

    /// Inserts a [`Prepared`] row and logs it. Bulk work only: no per-row
    /// audit line.
    pub fn insert_prepared(&mut self, p: &Prepared) -> Result<()> {
        self.insert_prepared_many(&[p])
    }

    /// [`Writer::insert_prepared`] of several rows of one entity, in order:
    /// one statement for the rows and one for their change-log entries (a
    /// statement per row cost an import more than the rows themselves).
    /// Bulk work only.
    pub fn insert_prepared_many(&mut self, rows: &[&Prepared]) -> Result<()> {
        debug_assert!(!self.row_audit, "insert_prepared is for bulk work, which writes one summary audit line");
        let Some(first) = rows.first() else { return Ok(()) };
        let entity = first.entity;
        if rows.iter().any(|p| p.entity != entity) {
            return Err(crate::Error::invalid("insert_prepared_many takes rows of one entity"));
        }
        let at_event = entity.columns().iter().position(|c| *c == "event_id");
        let mut events: Vec<&str> = rows.iter().filter_map(|p| match at_event.and_then(|i| p.values.get(i)) {
            Some(SqlValue::Text(event)) => Some(event.as_str()),
            _ => None,
        }).collect();
        events.dedup();
        for event in events {
            self.ensure_open(event)?;
        }
        let tx: &'t Transaction<'t> = self.tx;
        // The columns a bulk load sets alike (the event, the creation time,
        // the flags), each bound once when every row has the same value.
        let cols = entity.columns();
        let shared: Vec<bool> = cols
            .iter()
            .enumerate()
            .map(|(i, c)| ALIKE.contains(c) && rows.len() > 1 && rows.iter().all(|p| p.values.get(i) == first.values.get(i)))
            .collect();
        let stmt = match &mut self.row_stmt {
            Some((e, n, s, stmt)) if *e == entity && *n == rows.len() && *s == shared => stmt,
            slot => {
                let stmt = tx.prepare_cached(&entity.insert_many(rows.len(), &shared))?;
                &mut slot.insert((entity, rows.len(), shared.clone(), stmt)).3
            }
        };
        let own = 1 + shared.iter().filter(|s| !**s).count();
        for (k, p) in rows.iter().enumerate() {
            let base = k * own;
            stmt.raw_bind_parameter(base + 1, &p.id)?;
            let mut o = 1;
            for (v, s) in p.values.iter().zip(&shared) {
                if !*s {
                    o += 1;
                    stmt.raw_bind_parameter(base + o, v)?;
                }
            }
        }
        let mut j = rows.len() * own;
        for (v, s) in first.values.iter().zip(&shared) {
            if *s {
                j += 1;
                stmt.raw_bind_parameter(j, v)?;
            }
        }
        stmt.raw_execute()?;
        // A trainee's insert is logged by reference to the row just written
        // from the same values (migration 0014: the row is copied into the
        // entry before it first changes; `change_log` shows it whole).
        let entries: Vec<(&str, &str)> = rows.iter().map(|p| (p.id.as_str(), p.json.as_deref().unwrap_or(BY_ROW))).collect();
        self.log_entries(entity, ChangeOp::Insert, &entries)
    }

    /// The change-log entries (row id, fields JSON) of rows of one entity
    /// changed by one kind of write, in order, in one statement, each with
    /// the next sequence number and timestamp.
    fn log_entries(&mut self, entity: Entity, op: ChangeOp, entries: &[(&str, &str)]) -> Result<()> {
        let Some((_, first_fields)) = entries.first() else { return Ok(()) };
        let tx: &'t Transaction<'t> = self.tx;
        // The device, entity and operation are one parameter each for all
        // the entries, and so are the fields when they are alike (an
        // import's trainees, each logged by reference to its row).
        let fields_alike = entries.len() > 1 && entries.iter().all(|(_, f)| f == first_fields);
        // device_id, seq, hlc, entity, entity_id, op, fields
        let shared = [true, false, false, true, false, true, fields_alike];
        let stmt = match &mut self.log_many {
            Some((n, alike, stmt)) if *n == entries.len() && *alike == fields_alike => stmt,
            slot => {
                let sql = format!(
                    "INSERT INTO changes (device_id, seq, hlc, entity, entity_id, op, fields) VALUES {}",
                    super::placeholders_shared(entries.len(), &shared)
                );
                &mut slot.insert((entries.len(), fields_alike, tx.prepare_cached(&sql)?)).2
            }
        };
        let own = if fields_alike { 3 } else { 4 };
        for (k, (id, fields)) in entries.iter().enumerate() {
            let hlc: Hlc = self.clock.tick(self.now_ms);
            let seq = self.next_seq;
            self.next_seq += 1;
            let base = k * own;
            stmt.raw_bind_parameter(base + 1, seq as i64)?;
            stmt.raw_bind_parameter(base + 2, hlc.to_string())?;
            stmt.raw_bind_parameter(base + 3, *id)?;
            if !fields_alike {
                stmt.raw_bind_parameter(base + 4, *fields)?;
            }
        }
        let at = entries.len() * own;
        stmt.raw_bind_parameter(at + 1, self.device_id)?;
        stmt.raw_bind_parameter(at + 2, entity.name())?;
        stmt.raw_bind_parameter(at + 3, op.as_str())?;
        if fields_alike {
            stmt.raw_bind_parameter(at + 4, *first_fields)?;
        }
        stmt.raw_execute()?;
        Ok(())
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
            if !(entity.editable() && cols.contains(name) && *name != "created_at" && *name != "event_id") {
                return Err(crate::Error::invalid(format!("{name} is not an editable field of {}", entity.name())));
            }
            sets.push(format!("{name} = ?{}", i + 2));
            values.push(to_sql(v));
        }
        self.guard_open(entity, id, fields)?;
        let names: Vec<&'static str> = fields.iter().map(|(n, _)| *n).collect();
        let before = if self.row_audit { self.current(entity, id, &names)? } else { None };
        let sql = format!("UPDATE {} SET {} WHERE id = ?1", entity.table(), sets.join(", "));
        let mut params = vec![SqlValue::Text(id.to_string())];
        params.extend(values.iter().cloned());
        let n = self.tx.prepare_cached(&sql)?.execute(rusqlite::params_from_iter(params))?;
        if n == 0 {
            return Ok(false);
        }
        self.log(entity, id, ChangeOp::Update, fields)?;
        if let Some(before) = before {
            // Only the fields whose value changed.
            let mut was = serde_json::Map::new();
            let mut now = serde_json::Map::new();
            for ((name, new), (old, new_sql)) in fields.iter().zip(before.into_iter().zip(values)) {
                if old != new_sql {
                    was.insert(name.to_string(), from_sql(old));
                    now.insert(name.to_string(), new.clone());
                }
            }
            if !now.is_empty() {
                let event_id = self.event_of(entity, id, fields)?;
                self.audit(AuditRecord {
                    event_id,
                    action: self.action.unwrap_or("edit"),
                    entity: Some(entity.name()),
                    entity_id: Some(id.to_string()),
                    before: Some(Value::Object(was)),
                    after: Some(Value::Object(now)),
                    detail: None,
                })?;
            }
        }
        Ok(true)
    }

    /// Keeps a change made on another device, exactly once: returns false
    /// when this store already holds `(device_id, seq)`. The local clock
    /// moves past the remote timestamp. `fields` is `c.fields` as JSON (the
    /// caller has it already: it checked the change's size with it).
    pub fn apply_remote(&mut self, c: &Change, fields: &str) -> Result<bool> {
        let n = self
            .tx
            .prepare_cached(
                "INSERT OR IGNORE INTO changes (device_id, seq, hlc, entity, entity_id, op, fields)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(rusqlite::params![
                c.device_id,
                c.seq as i64,
                c.hlc.to_string(),
                c.entity,
                c.entity_id,
                c.op.as_str(),
                fields
            ])?;
        if n == 1 && c.device_id != self.device_id {
            self.clock.observe(c.hlc, self.now_ms);
        }
        if n == 0 {
            // Held already: the same change again is fine, another change
            // under its number means two laptops write as one store.
            let held: String = self
                .tx
                .prepare_cached("SELECT hlc FROM changes WHERE device_id = ?1 AND seq = ?2")?
                .query_row(rusqlite::params![c.device_id, c.seq as i64], |r| r.get(0))?;
            if held != c.hlc.to_string() {
                return Err(crate::Error::Conflict(format!(
                    "{}. Nothing of it was applied",
                    muster_protocol::sync::number_clash(&c.device_id, c.seq)
                )));
            }
        }
        Ok(n == 1)
    }

    /// Rebuilds one row from its whole change history: per field, the value
    /// of the change with the greatest (HLC, device id) wins; every earlier
    /// value stays in the change log. Returns false while the row's insert
    /// has not arrived yet.
    pub fn materialize(&mut self, entity: Entity, id: &str) -> Result<bool> {
        let mut merged: serde_json::Map<String, Value> = serde_json::Map::new();
        let mut created = false;
        {
            let mut stmt = self.tx.prepare_cached(
                "SELECT op, fields FROM change_log WHERE entity = ?1 AND entity_id = ?2 ORDER BY hlc, device_id",
            )?;
            let mut rows = stmt.query(rusqlite::params![entity.name(), id])?;
            while let Some(r) = rows.next()? {
                let op: String = r.get(0)?;
                let fields: String = r.get(1)?;
                created |= op == "insert";
                if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(&fields) {
                    merged.extend(map);
                }
            }
        }
        if !created {
            return Ok(false);
        }
        let cols: Vec<&str> = entity.columns().iter().copied().filter(|c| merged.contains_key(*c)).collect();
        let upsert = |cols: &[&str], merged: &serde_json::Map<String, Value>| -> rusqlite::Result<usize> {
            let placeholders = (1..=cols.len() + 1).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
            let sets = cols.iter().map(|c| format!("{c} = excluded.{c}")).collect::<Vec<_>>().join(", ");
            let sql = format!(
                "INSERT INTO {} (id{}{}) VALUES ({placeholders}) ON CONFLICT (id) DO {}",
                entity.table(),
                if cols.is_empty() { "" } else { ", " },
                cols.join(", "),
                if sets.is_empty() { "NOTHING".to_string() } else { format!("UPDATE SET {sets}") }
            );
            let mut values = vec![SqlValue::Text(id.to_string())];
            values.extend(cols.iter().map(|c| to_sql(&merged[*c])));
            self.tx.prepare_cached(&sql)?.execute(rusqlite::params_from_iter(values))
        };
        match upsert(&cols, &merged) {
            Ok(_) => Ok(true),
            // Two laptops drew the same trainee code (1 in 33 million): the
            // later row arrives without one and gets a fresh code locally.
            Err(rusqlite::Error::SqliteFailure(f, _))
                if entity == Entity::Trainee && f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
            {
                merged.insert("code".into(), Value::Null);
                upsert(&cols, &merged)?;
                Ok(true)
            }
            Err(e) => Err(e.into()),
        }
    }

    fn log(&mut self, entity: Entity, id: &str, op: ChangeOp, fields: &[(&'static str, Value)]) -> Result<()> {
        let json = own_json(entity, id, op, fields)?;
        self.log_json(entity, id, op, &json)
    }

    fn log_json(&mut self, entity: Entity, id: &str, op: ChangeOp, fields: &str) -> Result<()> {
        self.log_entries(entity, op, &[(id, fields)])
    }
}

/// The change-log JSON of a row's fields, once the sync rules take the
/// change: what this device writes, every server and store must take, so a
/// change the rules would refuse is refused before it exists, instead of
/// standing in the queue for ever. (Its own clock is not judged here: a
/// laptop keeps working whatever its clock says; the server tells it when
/// the date is wrong.)
fn own_json(entity: Entity, id: &str, op: ChangeOp, fields: &[(&'static str, Value)]) -> Result<String> {
    let change = Change {
        device_id: String::new(),
        seq: 1,
        hlc: Hlc::default(),
        entity: entity.name().to_string(),
        entity_id: id.to_string(),
        op,
        fields: fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
    };
    judged_json(entity, &change)
}

/// The JSON of a change's fields, once the sync rules take it ([`own_json`]).
fn judged_json(entity: Entity, change: &Change) -> Result<String> {
    let json = serde_json::to_string(&change.fields).unwrap_or_else(|_| "{}".into());
    judged(entity, change, json.len())?;
    Ok(json)
}

/// Listed fields (distinct names) written out as a JSON object, in the
/// order listed: what a change's map of them is, once in the order of the
/// names, and of the same length in any order.
struct Listed<'a>(&'a [(&'a str, &'a Value)]);

impl serde::Serialize for Listed<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (*k, *v)))
    }
}

/// The length of `serde_json::to_string(value)`, counted as it is written
/// out, without the string.
fn json_len(value: &impl serde::Serialize) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    if serde_json::to_writer(&mut count, value).is_err() {
        // As `judged_json` writes it then: "{}".
        return 2;
    }
    count.0
}

fn judged(entity: Entity, change: &Change, fields_bytes: usize) -> Result<()> {
    rules::check_fields(change, fields_bytes).map_err(|e| judged_error(entity, e))
}

fn judged_error(entity: Entity, e: rules::Invalid) -> crate::Error {
    crate::Error::invalid_at(format!("{}: {} cannot be stored: {}", e.field, entity.name(), e.message), None, None, Some(&e.field))
}

/// Listed fields (each a column, named once: [`Entity::check_fields`]) as
/// the entity's column values, in [`Entity::columns`] order; a column not
/// listed is NULL, a name listed twice is refused.
fn listed_into_columns(entity: Entity, fields: Vec<(&'static str, Value)>) -> Result<Vec<SqlValue>> {
    let cols = entity.columns();
    let mut values: Vec<Option<SqlValue>> = vec![None; cols.len()];
    for (name, value) in fields {
        let Some(at) = cols.iter().position(|c| *c == name) else {
            return Err(crate::Error::invalid(format!("{} has no field {name}", entity.name())));
        };
        if values[at].replace(into_sql(value)).is_some() {
            return Err(crate::Error::invalid(format!("{} is given {name} twice", entity.name())));
        }
    }
    Ok(values.into_iter().map(|v| v.unwrap_or(SqlValue::Null)).collect())
}

fn from_sql(v: SqlValue) -> Value {
    match v {
        SqlValue::Null => Value::Null,
        SqlValue::Integer(i) => Value::from(i),
        SqlValue::Real(f) => Value::from(f),
        SqlValue::Text(s) => Value::String(s),
        SqlValue::Blob(b) => Value::String(format!("<{} bytes>", b.len())),
    }
}

/// [`to_sql`] of a value the caller gives up (its text moves, not copied).
fn into_sql(v: Value) -> SqlValue {
    match v {
        Value::String(s) => SqlValue::Text(s),
        other => to_sql(&other),
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

#[cfg(test)]
mod tests {
    use super::Entity;
    use muster_protocol::rules;

    /// Each entity's columns, as the write path builds its SQL from the
    /// sync rules, are exactly its table's columns besides `id`, as SQLite
    /// reports them for a store made by every migration.
    #[test]
    fn every_table_has_exactly_the_columns_the_rules_name() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&dir.path().join("m.db")).unwrap();
        for e in Entity::ALL {
            let mut table: Vec<String> = store
                .conn()
                .prepare(&format!("SELECT name FROM pragma_table_info('{}')", e.table()))
                .unwrap()
                .query_map([], |r| r.get::<_, String>(0))
                .unwrap()
                .map(|c| c.unwrap())
                .filter(|c| c != "id")
                .collect();
            let mut columns: Vec<String> = e.columns().iter().map(|c| c.to_string()).collect();
            table.sort();
            columns.sort();
            assert_eq!(table, columns, "{}: table {} and the rules differ", e.name(), e.table());
        }
    }

    /// A field the entity does not have is refused, not written as NULL;
    /// an insert leaving a column out is refused too.
    #[test]
    fn a_misspelt_or_missing_field_is_refused() {
        use serde_json::json;
        assert!(Entity::PaperBatch.check_fields(&[("nmae", json!("x"))], false).unwrap_err().to_string().contains("no field nmae"));
        let all: Vec<(&'static str, serde_json::Value)> = Entity::PaperBatch.columns().iter().map(|c| (*c, json!(null))).collect();
        assert!(Entity::PaperBatch.check_fields(&all, true).is_ok());
        assert!(Entity::PaperBatch.check_fields(&all[1..], true).unwrap_err().to_string().contains("must give"));
    }

    /// Every entity's listed fields land in their own columns, a field not
    /// listed is NULL, a name it does not have or a name listed twice is
    /// refused; the JSON measured is the JSON a change's map writes, and
    /// written in the order of the names it is that JSON.
    #[test]
    fn fields_go_to_their_columns_and_are_measured_as_written() {
        use serde_json::{json, Value};
        for e in Entity::ALL {
            let cols = e.columns();
            let given: Vec<(&'static str, Value)> =
                cols.iter().enumerate().filter(|(i, _)| i % 3 != 1).rev().map(|(i, c)| (*c, json!(format!("v{i}")))).collect();
            let values = super::listed_into_columns(*e, given.clone()).unwrap();
            assert_eq!(values.len(), cols.len());
            for (i, v) in values.iter().enumerate() {
                let want = if i % 3 != 1 { super::SqlValue::Text(format!("v{i}")) } else { super::SqlValue::Null };
                assert_eq!(v, &want, "{}.{}", e.name(), cols[i]);
            }
            let mut unknown = given.clone();
            unknown.push(("zz_not_a_column", json!("x")));
            assert!(super::listed_into_columns(*e, unknown).unwrap_err().to_string().contains("no field zz_not_a_column"), "{}", e.name());
            if let Some(first) = given.first().cloned() {
                let mut twice = given.clone();
                twice.push(first);
                assert!(super::listed_into_columns(*e, twice).unwrap_err().to_string().contains("twice"), "{}", e.name());
            }
            let mut fields: std::collections::BTreeMap<String, Value> = given.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
            fields.insert("名字".into(), json!({"备注\"": "第1组\n", "n": 1.5, "t": true, "x": null}));
            let written = serde_json::to_string(&fields).unwrap();
            assert_eq!(super::json_len(&fields), written.len(), "{}", e.name());
            // Listed in another order: the same length; in the order of the
            // names: the same JSON.
            let mut listed: Vec<(&str, &Value)> = fields.iter().rev().map(|(k, v)| (k.as_str(), v)).collect();
            assert_eq!(super::json_len(&super::Listed(&listed)), written.len(), "{}", e.name());
            listed.sort_unstable_by_key(|(k, _)| *k);
            assert_eq!(serde_json::to_string(&super::Listed(&listed)).unwrap(), written, "{}", e.name());
        }
    }

    /// A column shared by the rows is one parameter after every row's own.
    #[test]
    fn shared_columns_are_one_parameter_after_the_rows_own() {
        assert_eq!(crate::store::placeholders_shared(2, &[false, true, false, true]), "(?1, ?5, ?2, ?6), (?3, ?5, ?4, ?6)");
        assert_eq!(crate::store::placeholders_shared(2, &[false, false]), "(?1, ?2), (?3, ?4)");
        assert_eq!(crate::store::placeholders_shared(1, &[true]), "(?1)");
    }

    /// The rules list the store's entities, in order, and the void stand-in.
    #[test]
    fn the_store_and_the_sync_rules_name_the_same_entities() {
        let known: Vec<&str> = Entity::ALL.iter().map(|e| e.name()).chain([rules::VOID]).collect();
        let ruled: Vec<&str> = rules::ENTITIES.iter().map(|r| r.name).collect();
        assert_eq!(known, ruled, "the rules list the store's entities, in order, and the void stand-in");
    }
}
