//! The door's search index: made in memory from `trainees`, per store
//! connection and event, and kept up to date with every write of any
//! connection. Nothing of it is stored (migration 0016).
//!
//! A trainee's keys ([`doc`]: one `"<kind digit><text>"` per key: pinyin,
//! initials, the mobile's last digits, the code…) are made from its columns
//! by `crate::search::keys`. An event's copy ([`EventIndex`]) holds every key
//! of its trainees in one sorted array (kind digit first, so a kind's keys
//! are one range) over one text arena, made on the event's first query
//! (on both cores: 100,000 trainees' keys are some 0.2 s of work), then any
//! number of prefix scans.
//!
//! Kept up to date by two marks ([`Mark`]): the largest trainee rowid, and
//! the last `seq` of `search_touched`, where triggers leave the rowid of
//! every trainee whose key columns were updated, or which was deleted, by
//! whatever path. A query reads both (two look-ups at the end of an index);
//! when either moved it reads the trainees past them, whose keys replace
//! what the copy held for them (an overlay), or, when they are many (an
//! import), makes the event's copy afresh. A trainee merged away keeps no
//! keys. `Store::compact` (VACUUM, which may renumber rowids) moves a third
//! mark, `search.generation` in `meta`: every copy is made afresh.
//!
//! A query then reads each match by rowid, in this event and not merged,
//! so a key the copy still holds for a trainee deleted meanwhile finds
//! nothing.

use super::Store;
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

/// The rowid of an event; `None` if there is no such event.
pub(crate) fn event_rowid(conn: &rusqlite::Connection, event_id: &str) -> Result<Option<i64>> {
    Ok(conn.prepare_cached("SELECT rowid FROM events WHERE id = ?1")?.query_row([event_id], |r| r.get(0)).optional()?)
}

/// Copies of the index in memory, one per event, for one connection, and
/// the marks they are up to date with.
#[derive(Default)]
pub struct Cache {
    mark: Mark,
    events: HashMap<String, EventIndex>,
}

/// What a copy has read up to: the largest trainee rowid, the last
/// `search_touched` seq, and `search.generation`.
type Mark = (i64, i64, i64);

fn read_mark(conn: &rusqlite::Connection) -> Result<Mark> {
    Ok(conn
        .prepare_cached(
            "SELECT IFNULL((SELECT MAX(rowid) FROM trainees), 0), IFNULL((SELECT MAX(seq) FROM search_touched), 0),
                    IFNULL((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'search.generation'), 0)",
        )?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?)
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
    arena: String,
    /// (start, length, trainee rowid) of each key in `arena`, sorted by key
    /// text then rowid.
    base: Vec<(u32, u32, i64)>,
    overlay: HashMap<i64, Vec<String>>,
}

/// The columns the keys are made of, as `trainees_keyed` reads them.
const KEY_COLUMNS: &str = "rowid, event_id, merged_into IS NULL, name, phone, id_number, organization, code";

/// One trainee as read for its keys: rowid, event, whether it is searchable
/// (not merged), and the fields and code the keys come from.
struct Keyed {
    rowid: i64,
    event_id: String,
    searchable: bool,
    fields: TraineeFields,
    code: Option<String>,
}

fn keyed(r: &rusqlite::Row<'_>) -> rusqlite::Result<Keyed> {
    Ok(Keyed {
        rowid: r.get(0)?,
        event_id: r.get(1)?,
        searchable: r.get(2)?,
        fields: TraineeFields { name: r.get(3)?, phone: r.get(4)?, id_number: r.get(5)?, organization: r.get(6)?, ..Default::default() },
        code: r.get(7)?,
    })
}

impl EventIndex {
    fn text(&self, e: &(u32, u32, i64)) -> &str {
        &self.arena[e.0 as usize..(e.0 + e.1) as usize]
    }

    /// The index of the event's trainees (not merged), read now.
    fn read(conn: &rusqlite::Connection, event_id: &str) -> Result<EventIndex> {
        let rows: Vec<Keyed> = conn
            .prepare_cached(&format!("SELECT {KEY_COLUMNS} FROM trainees WHERE event_id = ?1 AND merged_into IS NULL"))?
            .query_map([event_id], keyed)?
            .collect::<rusqlite::Result<_>>()?;
        let docs = super::roster::beside(&rows, |k| doc(&k.fields, k.code.as_deref()), &mut || {});
        Ok(EventIndex::build(rows.iter().map(|k| k.rowid).zip(docs).collect()))
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
        let mut ix = EventIndex { arena, base, overlay: HashMap::new() };
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

impl Cache {
    /// Brings the copies up to date with the store: the trainees past the
    /// marks replace what each copy held for them (`None`: every copy is
    /// dropped, to be made afresh).
    fn refresh(&mut self, conn: &rusqlite::Connection) -> Result<()> {
        // Read before the rows: a write committed meanwhile is read again
        // next time, never missed.
        let mark = read_mark(conn)?;
        let was = std::mem::replace(&mut self.mark, mark);
        if mark == was || self.events.is_empty() {
            return Ok(());
        }
        if mark.2 != was.2 || mark.0 < was.0 {
            // Compacted (rowids may have moved), or the largest rowids gone
            // without a trace: made afresh.
            self.events.clear();
            return Ok(());
        }
        let many = |n: i64, ix: &EventIndex| n as usize + ix.overlay.len() > OVERLAY_MAX.max(ix.base.len() / 8);
        let count: i64 = conn
            .prepare_cached("SELECT (SELECT COUNT(*) FROM trainees WHERE rowid > ?1) + (SELECT COUNT(*) FROM search_touched WHERE seq > ?2)")?
            .query_row([was.0, was.1], |r| r.get(0))?;
        self.events.retain(|_, ix| !many(count, ix));
        if self.events.is_empty() {
            return Ok(());
        }
        let changed: Vec<(i64, Option<Keyed>)> = {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT c.at, t.rowid IS NOT NULL, {} FROM (SELECT rowid AS at FROM trainees WHERE rowid > ?1
                   UNION SELECT trainee_rowid FROM search_touched WHERE seq > ?2) c
                 LEFT JOIN trainees t ON t.rowid = c.at",
                KEY_COLUMNS.split(", ").map(|c| format!("t.{c}")).collect::<Vec<_>>().join(", ")
            ))?;
            let rows = stmt.query_map([was.0, was.1], |r| {
                let at: i64 = r.get(0)?;
                if !r.get::<_, bool>(1)? {
                    return Ok((at, None));
                }
                let k = Keyed {
                    rowid: at,
                    event_id: r.get(3)?,
                    searchable: r.get(4)?,
                    fields: TraineeFields { name: r.get(5)?, phone: r.get(6)?, id_number: r.get(7)?, organization: r.get(8)?, ..Default::default() },
                    code: r.get(9)?,
                };
                Ok((at, Some(k)))
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for (rowid, row) in changed {
            let keys: Vec<String> = match &row {
                Some(k) if k.searchable => doc(&k.fields, k.code.as_deref()).split('\n').filter(|k| !k.is_empty()).map(str::to_string).collect(),
                _ => Vec::new(),
            };
            for (event_id, ix) in self.events.iter_mut() {
                let here = row.as_ref().is_some_and(|k| &k.event_id == event_id);
                ix.overlay.insert(rowid, if here { keys.clone() } else { Vec::new() });
            }
        }
        Ok(())
    }

    /// Brings the event's index up to date with the store (made on its
    /// first query).
    fn event(&mut self, conn: &rusqlite::Connection, event_id: &str) -> Result<()> {
        self.refresh(conn)?;
        if !self.events.contains_key(event_id) {
            // Read after the marks: it holds at least what they say.
            let ix = EventIndex::read(conn, event_id)?;
            self.events.insert(event_id.to_string(), ix);
        }
        Ok(())
    }
}

/// One query's view of an event's index: the copy brought up to date once,
/// then any number of prefix scans ([`Finder::prefix`]).
pub struct Finder<'s> {
    store: &'s Store,
    event_id: &'s str,
    cache: std::cell::RefMut<'s, Cache>,
}

/// The index of `event_id`, up to date; `None` if there is no such event.
pub fn finder<'s>(store: &'s Store, event_id: &'s str) -> Result<Option<Finder<'s>>> {
    let conn = store.conn();
    if event_rowid(conn, event_id)?.is_none() {
        return Ok(None);
    }
    let mut cache = store.search_cache();
    cache.event(conn, event_id)?;
    Ok(Some(Finder { store, event_id, cache }))
}

impl Finder<'_> {
    /// Trainees whose key of `kind` starts with `prefix`, shortest match
    /// (exact first) then alphabetical; at most `limit`. Each is read by
    /// rowid once, and counts if it is still there, in this event, and not
    /// merged.
    pub fn trainees(&self, kind: KeyKind, prefix: &str, limit: usize) -> Result<Vec<crate::model::Trainee>> {
        let ix = &self.cache.events[self.event_id];
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
