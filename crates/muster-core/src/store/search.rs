//! The search-key index: derived, local rows (not synced, not in the change
//! log) kept in step with `trainees` inside the same transaction, and the
//! in-memory index over them that answers a door's query.
//!
//! A trainee's keys are **one row** of `search_keys` (migration 0007), at
//! the trainee's own rowid: `keys` holds one `"<kind digit><text>"` per line
//! ([`doc`]). Writing a trainee's keys is therefore one append, not a dozen
//! index entries: a 100,000-row import used to write 1.44 million rows in
//! two indexes, most of its time.
//!
//! The prefix range scans run in memory ([`Cache`], per store connection and
//! event): every key of the event in one sorted array (kind digit first, so
//! a kind's keys are one range, as the old `"<event>\x1f<kind>\x1f<text>"`
//! index was), built from the event's rows on the first query. Each row
//! carries a `stamp`, the value of the `meta` counter `search.stamp` taken
//! by the transaction that wrote it; a query first reads that counter (one
//! primary-key look-up) and, when it moved, reads only the event's rows
//! stamped since (`search_keys_by_event`), which replace what the copy held
//! for those trainees. A trainee that leaves search (merged) gets an empty
//! row, never a deleted one, so every copy hears of it.
//!
//! A query joins each match to its trainee by rowid (and event), so keys
//! whose trainee does not exist (yet) are never found: an import stages its
//! rows ahead under reserved rowids and they appear with its trainees
//! (`store::roster`).

use super::{Store, Writer};
use crate::model::TraineeFields;
use crate::search::{code_key, keys, KeyKind};
use crate::Result;
use rusqlite::OptionalExtension;
use std::collections::HashMap;

/// The `keys` text of one trainee: one `"<kind digit><text>"` per line (a
/// key never holds a line break: names lose their whitespace, numbers and
/// codes have none).
pub(crate) fn doc(t: &TraineeFields, code: Option<&str>) -> String {
    let mut rest = String::new();
    for (kind, key) in keys(&t.name, None, t.phone.as_deref(), t.id_number.as_deref(), t.organization.as_deref()) {
        push_key(&mut rest, kind, &key);
    }
    match code {
        Some(code) => with_code(&rest, code),
        None => rest,
    }
}

/// [`doc`] of a trainee and `code`, from the trainee's [`doc`] without a
/// code (made earlier, before the code was known): the code's key is the
/// first line, and a key of another kind with the same text goes (the best
/// kind holds a text, as in [`keys`]).
pub(crate) fn with_code(rest: &str, code: &str) -> String {
    let (kind, key) = code_key(code);
    if key.is_empty() || key.contains('\n') {
        return rest.to_string();
    }
    let mut out = String::with_capacity(rest.len() + key.len() + 2);
    push_key(&mut out, kind, &key);
    for line in rest.split('\n').filter(|l| !l.is_empty()) {
        if line.get(1..) != Some(key.as_str()) {
            out.push('\n');
            out.push_str(line);
        }
    }
    out
}

/// Appends one key as a line of a `keys` text (none that holds a break).
fn push_key(out: &mut String, kind: KeyKind, key: &str) {
    if key.contains('\n') {
        return;
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push((b'0' + kind as u8) as char);
    out.push_str(key);
}

/// How many keys a `keys` text holds.
pub(crate) fn key_count(doc: &str) -> u64 {
    if doc.is_empty() {
        0
    } else {
        doc.bytes().filter(|b| *b == b'\n').count() as u64 + 1
    }
}

/// The next value of the `search.stamp` counter, for this transaction's rows.
pub(crate) fn next_stamp(w: &Writer<'_>) -> Result<i64> {
    Ok(w.tx()
        .prepare_cached(
            "INSERT INTO meta (key, value) VALUES ('search.stamp', '1')
             ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1
             RETURNING CAST(value AS INTEGER)",
        )?
        .query_row([], |r| r.get(0))?)
}

/// Writes (or replaces) the row of keys at `trainee_rowid`.
pub(crate) fn put(w: &Writer<'_>, trainee_rowid: i64, event_rowid: i64, stamp: i64, keys: &str) -> Result<()> {
    w.tx()
        .prepare_cached("INSERT OR REPLACE INTO search_keys (trainee_rowid, event_rowid, stamp, keys) VALUES (?1, ?2, ?3, ?4)")?
        .execute(rusqlite::params![trainee_rowid, event_rowid, stamp, keys])?;
    Ok(())
}

/// Writes the rows of keys of several trainees at consecutive rowids from
/// `first` that no row holds (an import's reserved rowids), in one
/// statement: a plain insert, which needs no statement journal (`INSERT OR
/// REPLACE` keeps one per row, in case it deletes), about half the cost of
/// [`put`], and one statement for many rows instead of one per row.
pub(crate) fn put_new_many<S: AsRef<str>>(w: &Writer<'_>, first: i64, event_rowid: i64, stamp: i64, keys: &[S]) -> Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    let sql = format!("INSERT INTO search_keys (trainee_rowid, event_rowid, stamp, keys) VALUES {}", super::placeholders(keys.len(), 4));
    let mut stmt = w.tx().prepare_cached(&sql)?;
    for (k, doc) in keys.iter().enumerate() {
        let base = k * 4;
        stmt.raw_bind_parameter(base + 1, first + k as i64)?;
        stmt.raw_bind_parameter(base + 2, event_rowid)?;
        stmt.raw_bind_parameter(base + 3, stamp)?;
        stmt.raw_bind_parameter(base + 4, doc.as_ref())?;
    }
    stmt.raw_execute()?;
    Ok(())
}

/// Replaces the search keys of one trainee.
pub fn index(w: &Writer<'_>, event_id: &str, trainee_id: &str, t: &TraineeFields, code: Option<&str>) -> Result<()> {
    add(w, event_id, trainee_id, t, code)
}

/// Writes the keys of a trainee (a new row, or one whose fields changed).
pub fn add(w: &Writer<'_>, event_id: &str, trainee_id: &str, t: &TraineeFields, code: Option<&str>) -> Result<()> {
    let tx = w.tx();
    let event_rowid: i64 = tx.prepare_cached("SELECT rowid FROM events WHERE id = ?1")?.query_row([event_id], |r| r.get(0))?;
    let trainee_rowid: i64 = tx.prepare_cached("SELECT rowid FROM trainees WHERE id = ?1")?.query_row([trainee_id], |r| r.get(0))?;
    let stamp = next_stamp(w)?;
    put(w, trainee_rowid, event_rowid, stamp, &doc(t, code))
}

/// The rowid of an event (its keys' prefix); `None` if there is no such event.
pub(crate) fn event_rowid(conn: &rusqlite::Connection, event_id: &str) -> Result<Option<i64>> {
    Ok(conn.prepare_cached("SELECT rowid FROM events WHERE id = ?1")?.query_row([event_id], |r| r.get(0)).optional()?)
}

/// Removes the keys at `trainee_rowid` (staged ones whose row will not come).
pub(crate) fn unindex_rowid(w: &Writer<'_>, trainee_rowid: i64) -> Result<()> {
    w.tx().prepare_cached("DELETE FROM search_keys WHERE trainee_rowid = ?1")?.execute([trainee_rowid])?;
    Ok(())
}

/// Takes a trainee out of search (merged): its row is emptied, with a new
/// stamp, so copies of the index in memory drop its keys too.
pub fn unindex(w: &Writer<'_>, trainee_id: &str) -> Result<()> {
    let tx = w.tx();
    let Some((trainee_rowid, event_rowid)) = tx
        .prepare_cached("SELECT t.rowid, e.rowid FROM trainees t JOIN events e ON e.id = t.event_id WHERE t.id = ?1")?
        .query_row([trainee_id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
        .optional()?
    else {
        return Ok(());
    };
    let stamp = next_stamp(w)?;
    put(w, trainee_rowid, event_rowid, stamp, "")
}

/// Writes the keys of every trainee (not merged), after migration 0007
/// marked the index for rebuilding (`search.rebuild`), in one transaction.
pub(crate) fn rebuild_all(w: &Writer<'_>) -> Result<u64> {
    // Another connection may have rebuilt it while this one waited.
    if !needs_rebuild(w.tx())? {
        return Ok(0);
    }
    let rows: Vec<(i64, i64, TraineeFields, Option<String>)> = {
        let mut stmt = w.tx().prepare(
            "SELECT t.rowid, e.rowid, t.name, t.phone, t.id_number, t.code, t.organization FROM trainees t JOIN events e ON e.id = t.event_id
             WHERE t.merged_into IS NULL",
        )?;
        let rows = stmt.query_map([], |r| {
            let fields = TraineeFields { name: r.get(2)?, phone: r.get(3)?, id_number: r.get(4)?, organization: r.get(6)?, ..Default::default() };
            Ok((r.get(0)?, r.get(1)?, fields, r.get(5)?))
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let stamp = next_stamp(w)?;
    w.tx().execute("DELETE FROM search_keys", [])?;
    for (trainee_rowid, event_rowid, fields, code) in &rows {
        put(w, *trainee_rowid, *event_rowid, stamp, &doc(fields, code.as_deref()))?;
    }
    w.tx().execute("DELETE FROM meta WHERE key = 'search.rebuild'", [])?;
    w.tx().execute(
        "INSERT INTO meta (key, value) VALUES ('search.keys', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [crate::search::KEYS_VERSION.to_string()],
    )?;
    Ok(rows.len() as u64)
}

/// Whether the index must be rebuilt: migration 0007 said so, or its keys
/// were made by another version of [`keys`] (`search.keys`).
pub(crate) fn needs_rebuild(conn: &rusqlite::Connection) -> Result<bool> {
    let marked = conn.prepare_cached("SELECT 1 FROM meta WHERE key = 'search.rebuild'")?.exists([])?;
    let version: Option<String> = conn.prepare_cached("SELECT value FROM meta WHERE key = 'search.keys'")?.query_row([], |r| r.get(0)).optional()?;
    Ok(marked || version.as_deref() != Some(crate::search::KEYS_VERSION.to_string().as_str()))
}

/// Copies of the index in memory, one per event, for one connection.
#[derive(Default)]
pub struct Cache {
    events: HashMap<i64, EventIndex>,
}

/// Above this many trainees changed since the sorted array was built (and
/// above an eighth of it), the array is built again instead of growing the
/// overlay.
const OVERLAY_MAX: usize = 1024;

/// One event's keys: a sorted array over one text arena (`base`), and the
/// trainees written since it was built (`overlay`, which hides their older
/// keys in `base`).
#[derive(Default)]
struct EventIndex {
    /// The `search.stamp` value this copy has read everything up to.
    stamp: i64,
    arena: String,
    /// (start, length, trainee rowid) of each key in `arena`, sorted by key
    /// text then rowid.
    base: Vec<(u32, u32, i64)>,
    overlay: HashMap<i64, Vec<String>>,
}

impl EventIndex {
    fn text(&self, e: &(u32, u32, i64)) -> &str {
        &self.arena[e.0 as usize..(e.0 + e.1) as usize]
    }

    fn build(docs: Vec<(i64, String)>) -> EventIndex {
        let mut arena = String::with_capacity(docs.iter().map(|(_, d)| d.len() + 1).sum());
        let mut base = Vec::new();
        for (rowid, doc) in &docs {
            for key in doc.split('\n').filter(|k| !k.is_empty()) {
                base.push((arena.len() as u32, key.len() as u32, *rowid));
                arena.push_str(key);
            }
        }
        let mut ix = EventIndex { stamp: 0, arena, base, overlay: HashMap::new() };
        let arena = &ix.arena;
        ix.base.sort_unstable_by(|a, b| {
            arena[a.0 as usize..(a.0 + a.1) as usize].cmp(&arena[b.0 as usize..(b.0 + b.1) as usize]).then(a.2.cmp(&b.2))
        });
        ix
    }

    /// The rowids whose keys start with `prefix` (kind digit included), in
    /// key order then rowid, as `(key, rowid)`.
    fn matches<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, i64)> + 'a {
        let start = self.base.partition_point(|e| self.text(e) < prefix);
        let from_base = self.base[start..]
            .iter()
            .map(|e| (self.text(e), e.2))
            .take_while(move |(k, _)| k.starts_with(prefix))
            .filter(|(_, rowid)| !self.overlay.contains_key(rowid));
        let mut extra: Vec<(&str, i64)> = self
            .overlay
            .iter()
            .flat_map(|(rowid, keys)| keys.iter().filter(|k| k.starts_with(prefix)).map(move |k| (k.as_str(), *rowid)))
            .collect();
        extra.sort_unstable();
        merge(from_base, extra.into_iter())
    }
}

/// Two iterators sorted by `(key, rowid)`, merged.
fn merge<'a>(a: impl Iterator<Item = (&'a str, i64)>, b: impl Iterator<Item = (&'a str, i64)>) -> impl Iterator<Item = (&'a str, i64)> {
    let mut a = a.peekable();
    let mut b = b.peekable();
    std::iter::from_fn(move || match (a.peek(), b.peek()) {
        (Some(x), Some(y)) => {
            if x <= y {
                a.next()
            } else {
                b.next()
            }
        }
        (Some(_), None) => a.next(),
        (None, _) => b.next(),
    })
}

fn read_stamp(conn: &rusqlite::Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'search.stamp'")?
        .query_row([], |r| r.get::<_, i64>(0))
        .optional()?
        .unwrap_or(0))
}

fn docs_since(conn: &rusqlite::Connection, event_rowid: i64, stamp: i64) -> Result<Vec<(i64, String)>> {
    let mut stmt = conn.prepare_cached("SELECT trainee_rowid, keys FROM search_keys WHERE event_rowid = ?1 AND stamp > ?2")?;
    let rows = stmt.query_map([event_rowid, stamp], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

impl Cache {
    /// Brings the event's index up to date with the store.
    fn event(&mut self, conn: &rusqlite::Connection, event_rowid: i64) -> Result<()> {
        let stamp = read_stamp(conn)?;
        let known = self.events.get(&event_rowid).map(|ix| ix.stamp);
        match known {
            Some(s) if s == stamp => {}
            Some(s) => {
                let changed = docs_since(conn, event_rowid, s)?;
                let ix = self.events.get_mut(&event_rowid).expect("known");
                if ix.overlay.len() + changed.len() > OVERLAY_MAX.max(ix.base.len() / 8) {
                    let mut fresh = EventIndex::build(docs_since(conn, event_rowid, i64::MIN)?);
                    fresh.stamp = stamp;
                    *ix = fresh;
                } else {
                    for (rowid, doc) in changed {
                        ix.overlay.insert(rowid, doc.split('\n').filter(|k| !k.is_empty()).map(str::to_string).collect());
                    }
                    ix.stamp = stamp;
                }
            }
            None => {
                let mut fresh = EventIndex::build(docs_since(conn, event_rowid, i64::MIN)?);
                fresh.stamp = stamp;
                self.events.insert(event_rowid, fresh);
            }
        }
        Ok(())
    }
}

/// One query's view of an event's index: the copy brought up to date once,
/// then any number of prefix scans ([`Finder::prefix`]).
pub struct Finder<'s> {
    store: &'s Store,
    event_id: &'s str,
    event_rowid: i64,
    cache: std::cell::RefMut<'s, Cache>,
}

/// The index of `event_id`, up to date; `None` if there is no such event.
pub fn finder<'s>(store: &'s Store, event_id: &'s str) -> Result<Option<Finder<'s>>> {
    let conn = store.conn();
    let Some(event_rowid) = event_rowid(conn, event_id)? else {
        return Ok(None);
    };
    let mut cache = store.search_cache();
    cache.event(conn, event_rowid)?;
    Ok(Some(Finder { store, event_id, event_rowid, cache }))
}

impl Finder<'_> {
    /// Trainees whose key of `kind` starts with `prefix`, shortest match
    /// (exact first) then alphabetical; at most `limit`. Each is read by
    /// rowid once, and counts once it is there (not a staged row of an
    /// import still under way), in this event, and not merged.
    pub fn trainees(&self, kind: KeyKind, prefix: &str, limit: usize) -> Result<Vec<crate::model::Trainee>> {
        let ix = &self.cache.events[&self.event_rowid];
        let wanted = format!("{}{prefix}", (b'0' + kind as u8) as char);
        let mut stmt = self
            .store
            .conn()
            .prepare_cached(&format!("{} WHERE rowid = ?1 AND event_id = ?2 AND merged_into IS NULL", super::trainees::SELECT))?;
        let mut out = Vec::new();
        for (_, rowid) in ix.matches(&wanted) {
            if out.len() >= limit {
                break;
            }
            if let Some(t) = stmt.query_row(rusqlite::params![rowid, self.event_id], super::trainees::from_row).optional()? {
                out.push(t);
            }
        }
        Ok(out)
    }

    /// The ids of [`Finder::trainees`].
    pub fn prefix(&self, kind: KeyKind, prefix: &str, limit: usize) -> Result<Vec<String>> {
        Ok(self.trainees(kind, prefix, limit)?.into_iter().map(|t| t.id).collect())
    }
}

/// Trainee ids whose key of `kind` starts with `prefix`, shortest match
/// (exact first) then alphabetical; at most `limit`.
pub fn prefix(store: &Store, event_id: &str, kind: KeyKind, prefix: &str, limit: usize) -> Result<Vec<String>> {
    match finder(store, event_id)? {
        Some(f) => f.prefix(kind, prefix, limit),
        None => Ok(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `doc` makes: `keys` of the trainee and its code, one line each.
    fn from_keys(t: &TraineeFields, code: &str) -> String {
        let lines: Vec<String> = keys(&t.name, Some(code), t.phone.as_deref(), t.id_number.as_deref(), t.organization.as_deref())
            .into_iter()
            .map(|(kind, key)| format!("{}{key}", (b'0' + kind as u8) as char))
            .collect();
        lines.join("\n")
    }

    #[test]
    fn a_doc_with_its_code_added_later_is_the_doc_made_with_it() {
        let t = |name: &str, phone: Option<&str>| TraineeFields { name: name.into(), phone: phone.map(Into::into), ..Default::default() };
        for (trainee, code) in [
            (t("王素梅", Some("13812345678")), "7KQ2MX"),
            (t("Sok Dara", None), "AB3CD4"),
            // A name whose key is the code's text: the code's kind keeps it.
            (t("7kq2mx", Some("13812345678")), "7KQ2MX"),
            (t("Kq Mx", None), "KQMX"),
        ] {
            assert_eq!(doc(&trainee, Some(code)), from_keys(&trainee, code), "{trainee:?}");
            assert_eq!(with_code(&doc(&trainee, None), code), from_keys(&trainee, code), "{trainee:?}");
        }
    }
}
