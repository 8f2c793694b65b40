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
    /// Each key of `arena`, sorted by text then trainee rowid.
    base: Vec<Key>,
    overlay: HashMap<i64, Vec<String>>,
}

/// One trainee as read for its keys: its event, whether it is searchable
/// (not merged), and the fields and code the keys come from.
struct Keyed {
    event_id: String,
    searchable: bool,
    fields: TraineeFields,
    code: Option<String>,
}

/// One key of an [`EventIndex`]: its first 8 bytes ([`head`]), where its
/// text starts in the arena and how long it is, and its trainee's rowid.
type Key = (u64, u32, u32, i64);

impl EventIndex {
    fn text(&self, e: &Key) -> &str {
        &self.arena[e.1 as usize..(e.1 + e.2) as usize]
    }

    /// The index of the event's trainees (not merged), read now.
    fn read(conn: &rusqlite::Connection, event_id: &str) -> Result<EventIndex> {
        let rows: Vec<(i64, TraineeFields, Option<String>)> = conn
            .prepare_cached("SELECT rowid, name, phone, id_number, organization, code FROM trainees WHERE event_id = ?1 AND merged_into IS NULL")?
            .query_map([event_id], |r| {
                let fields = TraineeFields { name: r.get(1)?, phone: r.get(2)?, id_number: r.get(3)?, organization: r.get(4)?, ..Default::default() };
                Ok((r.get(0)?, fields, r.get(5)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(EventIndex::build(crate::halves::in_halves(rows, |(rowid, fields, code)| (rowid, doc(&fields, code.as_deref())), &mut |_| {})))
    }

    fn build(docs: Vec<(i64, String)>) -> EventIndex {
        let mut arena = String::with_capacity(docs.iter().map(|(_, d)| d.len()).sum());
        let mut base: Vec<Key> = Vec::with_capacity(docs.iter().map(|(_, d)| d.bytes().filter(|b| *b == b'\n').count() + 1).sum());
        for (rowid, doc) in &docs {
            for key in doc.split('\n').filter(|k| !k.is_empty()) {
                base.push((head(key), arena.len() as u32, key.len() as u32, *rowid));
                arena.push_str(key);
            }
        }
        drop(docs);
        sort_keys(&arena, &mut base);
        EventIndex { arena, base, overlay: HashMap::new() }
    }

    /// The rowids whose keys start with `prefix` (kind digit included), in
    /// key order then rowid, as `(key, rowid)`.
    fn matches<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, i64)> + 'a {
        // `head` keeps the order (a <= b: head(a) <= head(b)): most steps
        // of the search end at the number.
        let at = head(prefix);
        let start = self.base.partition_point(|e| e.0 < at || (e.0 == at && self.text(e) < prefix));
        let from_base = self.base[start..]
            .iter()
            .map(|e| (self.text(e), e.3))
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

/// A key's first 8 bytes as a big-endian number, zero-padded: `head(a) <
/// head(b)` only if `a < b`, so most comparisons of a sort end there.
fn head(key: &str) -> u64 {
    let mut b = [0u8; 8];
    let n = key.len().min(8);
    b[..n].copy_from_slice(&key.as_bytes()[..n]);
    u64::from_be_bytes(b)
}

/// Sorts keys by text, then rowid: the two halves on two threads, then
/// merged (a 100,000-trainee event holds some 1.2 million keys).
fn sort_keys(arena: &str, keys: &mut Vec<Key>) {
    let text = |e: &Key| &arena.as_bytes()[e.1 as usize..(e.1 + e.2) as usize];
    let order = |a: &Key, b: &Key| a.0.cmp(&b.0).then_with(|| text(a).cmp(text(b))).then(a.3.cmp(&b.3));
    const ALONE: usize = 50_000;
    if keys.len() < ALONE || std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
        keys.sort_unstable_by(order);
        return;
    }
    let mid = keys.len() / 2;
    {
        let (left, right) = keys.split_at_mut(mid);
        std::thread::scope(|s| {
            s.spawn(|| left.sort_unstable_by(order));
            right.sort_unstable_by(order);
        });
    }
    let mut merged = Vec::with_capacity(keys.len());
    let (mut i, mut j) = (0, mid);
    while i < mid && j < keys.len() {
        if order(&keys[i], &keys[j]) != std::cmp::Ordering::Greater {
            merged.push(keys[i]);
            i += 1;
        } else {
            merged.push(keys[j]);
            j += 1;
        }
    }
    merged.extend_from_slice(&keys[i..mid]);
    merged.extend_from_slice(&keys[j..]);
    *keys = merged;
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
    /// marks replace what each copy held for them, or a copy they are too
    /// many for (or every copy, after a compaction) is dropped, to be made
    /// afresh.
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
            // A trainee gone (deleted) reads as a NULL event id.
            let mut stmt = conn.prepare_cached(
                "SELECT c.at, t.event_id, t.merged_into IS NULL, t.name, t.phone, t.id_number, t.organization, t.code
                 FROM (SELECT rowid AS at FROM trainees WHERE rowid > ?1 UNION SELECT trainee_rowid FROM search_touched WHERE seq > ?2) c
                 LEFT JOIN trainees t ON t.rowid = c.at",
            )?;
            let rows = stmt.query_map([was.0, was.1], |r| {
                let at: i64 = r.get(0)?;
                let Some(event_id) = r.get::<_, Option<String>>(1)? else {
                    return Ok((at, None));
                };
                let k = Keyed {
                    event_id,
                    searchable: r.get(2)?,
                    fields: TraineeFields { name: r.get(3)?, phone: r.get(4)?, id_number: r.get(5)?, organization: r.get(6)?, ..Default::default() },
                    code: r.get(7)?,
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

    /// The two-thread sort by each key's first bytes, then its text, then
    /// its rowid, orders as a plain sort by text and rowid does: keys of
    /// every length around 8 bytes, shared starts, multi-byte text, equal
    /// keys of several trainees.
    #[test]
    fn the_key_sort_orders_as_a_plain_sort() {
        let words = ["", "4", "41234567", "412345678", "4123456", "3wang", "3wangsumei", "3wangsu", "2王素梅", "2王", "0ABC123", "1sok", "1sokdara", "5នា", "3zz\u{0}", "3zz"];
        let mut arena = String::new();
        let mut keys = Vec::new();
        let mut seed = 7u64;
        for i in 0..120_000i64 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let w = words[(seed >> 33) as usize % words.len()];
            let text = format!("{w}{}", if seed % 3 == 0 { String::new() } else { ((seed >> 40) % 50).to_string() });
            keys.push((head(&text), arena.len() as u32, text.len() as u32, (i * 7919) % 100_003));
            arena.push_str(&text);
        }
        let mut plain = keys.clone();
        let text = |e: &Key| arena[e.1 as usize..(e.1 + e.2) as usize].to_string();
        plain.sort_by(|a, b| text(a).cmp(&text(b)).then(a.3.cmp(&b.3)));
        sort_keys(&arena, &mut keys);
        assert_eq!(keys.iter().map(|e| (text(e), e.3)).collect::<Vec<_>>(), plain.iter().map(|e| (text(e), e.3)).collect::<Vec<_>>());
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
