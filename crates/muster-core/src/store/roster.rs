//! The import's write path (bulk work that must not hold the door up):
//! search keys staged ahead under reserved trainee rowids, in short
//! transactions, so the one transaction that publishes the rows and their
//! change log holds nothing else.
//!
//! A trainee's search keys are one row of `search_keys` (`store::search`),
//! at the trainee's rowid. They are local and derived, and a query joins
//! them to `trainees` by rowid, so keys at a rowid no trainee has are never
//! found. An import therefore *reserves* rowids for its new trainees, `GAP`
//! (2^32) beyond every trainee, staged row and other reservation, and writes
//! their keys there in short transactions (stepping aside whenever the door
//! rings, `store::door`) before it publishes; the publishing transaction
//! inserts each trainee at its reserved rowid, and the keys become visible
//! with it, atomically. Rows added meanwhile get ordinary rowids (the
//! largest + 1), far below the reserved ones.
//!
//! A reservation is a `meta` row (`import.staged.<id>` = "base count
//! heartbeat-ms"), written with the first keys, refreshed by each staging
//! transaction and deleted by the publishing one. An import killed before it
//! publishes leaves invisible keys; the next import removes those of
//! reservations silent for `STALE_MS`, after claiming them (deleting the
//! row), so an owner that was only slow finds its reservation gone and
//! writes its keys itself, inside its publishing transaction.

use super::{search, Store, Writer};
use crate::Result;
use rusqlite::OptionalExtension;
use std::time::Duration;

/// How far beyond everything else a reservation starts.
const GAP: i64 = 1 << 32;
/// A reservation silent this long belongs to an import that died.
const STALE_MS: u64 = 10 * 60 * 1000;
const PREFIX: &str = "import.staged.";
/// Trainees whose keys are made (outside the lock) and written (one
/// transaction, unless the door rings first) at a time.
const STAGE_CHUNK: usize = 10_000;
/// Rows between two looks at the door's bell.
pub const LISTEN_EVERY: usize = 64;
/// Staged rows (one per trainee) one clean-up transaction removes, at most.
const DROP_CHUNK: i64 = 5_000;
/// The fewest new trainees for which the publishing transaction builds the
/// trainees' secondary indexes after the rows instead of with them.
const DEFER_INDEXES_MIN: usize = 5_000;

/// `f` of every item, in order, made on a second thread while this one runs
/// `main`, then by both until done (pure, CPU-bound bulk work beside
/// sequential work: an import's search keys beside its classification).
/// The items go in chunks.
pub(crate) fn beside<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync, main: &mut dyn FnMut()) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    const CHUNK: usize = 1_000;
    let next = AtomicUsize::new(0);
    let work = || {
        let mut made: Vec<(usize, Vec<R>)> = Vec::new();
        loop {
            let at = next.fetch_add(CHUNK, Ordering::Relaxed);
            if at >= items.len() {
                return made;
            }
            made.push((at, items[at..(at + CHUNK).min(items.len())].iter().map(&f).collect()));
        }
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut parts = if threads < 2 || items.len() < 2 * CHUNK {
        main();
        work()
    } else {
        std::thread::scope(|scope| {
            let helper = scope.spawn(&work);
            main();
            let mut mine = work();
            mine.extend(helper.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
            mine
        })
    };
    parts.sort_unstable_by_key(|(at, _)| *at);
    parts.into_iter().flat_map(|(_, part)| part).collect()
}

/// Rowids `base..base + count` held for one import's new trainees.
#[derive(Debug, Clone)]
pub struct Reservation {
    key: String,
    pub base: i64,
    count: i64,
}

impl Reservation {
    /// The first rowid past it.
    pub fn end(&self) -> i64 {
        self.base + self.count
    }
}

fn parse(key: String, value: &str) -> Option<(Reservation, u64)> {
    let mut it = value.split(' ').map(str::parse::<i64>);
    let (Some(Ok(base)), Some(Ok(count)), Some(Ok(beat))) = (it.next(), it.next(), it.next()) else { return None };
    Some((Reservation { key, base, count }, beat.max(0) as u64))
}

fn reservations(conn: &rusqlite::Connection) -> Result<Vec<(Reservation, u64)>> {
    let mut stmt = conn.prepare_cached("SELECT key, value FROM meta WHERE key >= ?1 AND key < ?2")?;
    let upper = format!("{}\u{10FFFF}", PREFIX);
    let rows = stmt.query_map([PREFIX, upper.as_str()], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (key, value) = row?;
        out.extend(parse(key, &value));
    }
    Ok(out)
}

fn beat(w: &Writer<'_>, r: &Reservation) -> Result<bool> {
    let value = format!("{} {} {}", r.base, r.count, crate::clock::now_ms());
    Ok(w.tx().prepare_cached("UPDATE meta SET value = ?2 WHERE key = ?1")?.execute([r.key.as_str(), value.as_str()])? == 1)
}

/// Reserves `count` rowids beyond every trainee, staged key and other
/// reservation, inside a write transaction (so two imports never overlap).
fn reserve(w: &Writer<'_>, count: i64) -> Result<Option<Reservation>> {
    let tx = w.tx();
    let top: i64 = tx.query_row(
        "SELECT MAX(IFNULL((SELECT MAX(rowid) FROM trainees), 0), IFNULL((SELECT MAX(trainee_rowid) FROM search_keys), 0))",
        [],
        |r| r.get(0),
    )?;
    let top = reservations(tx)?.iter().map(|(r, _)| r.base.saturating_add(r.count)).fold(top, i64::max);
    let base = top.saturating_add(GAP);
    // Rowids run out after some 2^30 imports; then keys go in with the rows.
    if base > i64::MAX / 2 {
        return Ok(None);
    }
    let r = Reservation { key: format!("{PREFIX}{}", uuid::Uuid::now_v7()), base, count };
    let value = format!("{} {} {}", r.base, r.count, crate::clock::now_ms());
    tx.prepare_cached("INSERT INTO meta (key, value) VALUES (?1, ?2)")?.execute([r.key.as_str(), value.as_str()])?;
    Ok(Some(r))
}

/// Stages the search keys of an import's new trainees (`rows`: each one's
/// keys but the code's, made beforehand, and its code; in the order they
/// will be inserted: row `i` at rowid `base + i`) in short transactions,
/// each giving way as soon as the door rings. `None`: nothing reserved (no rows,
/// or the reservation was lost), so the publishing transaction writes the
/// keys with the rows.
pub fn stage(store: &mut Store, event_id: &str, rows: &[(&str, &str)], progress: &mut dyn FnMut(usize)) -> Result<Option<Reservation>> {
    let Some(event_rowid) = search::event_rowid(store.conn(), event_id)? else { return Ok(None) };
    if rows.is_empty() {
        return Ok(None);
    }
    let mut reservation: Option<Reservation> = None;
    let mut next = 0;
    while next < rows.len() {
        let end = (next + STAGE_CHUNK).min(rows.len());
        let docs: Vec<String> = rows[next..end].iter().map(|(rest, code)| search::with_code(rest, code)).collect();
        let mut done = 0;
        while done < docs.len() {
            let from = next + done;
            let held = reservation.clone();
            // (rows written, the door is waiting, the reservation still holds)
            // Never rolled back (it commits what it wrote when the door rings),
            // so it may always listen.
            let ((written, door, holds), _) = store.write_yielding(Duration::MAX, |w, ear| {
                let r = match &held {
                    Some(r) => {
                        if !beat(w, r)? {
                            return Ok(Some((0, false, None)));
                        }
                        r.clone()
                    }
                    None => match reserve(w, rows.len() as i64)? {
                        Some(r) => r,
                        None => return Ok(Some((0, false, None))),
                    },
                };
                let stamp = search::next_stamp(w)?;
                let mut n = 0;
                // A statement per `LISTEN_EVERY` rows, then a look at the bell.
                for part in docs[done..].chunks(LISTEN_EVERY) {
                    search::put_new_many(w, r.base + (from + n) as i64, event_rowid, stamp, part)?;
                    n += part.len();
                    if ear.door_waiting() {
                        return Ok(Some((n, true, Some(r))));
                    }
                }
                Ok(Some((n, false, Some(r))))
            })?;
            let Some(r) = holds else {
                // Lost (or none to be had): the publishing transaction writes
                // the keys; whatever was staged is the claimer's to remove.
                return Ok(None);
            };
            reservation = Some(r);
            done += written;
            progress(next + done);
            if door {
                store.let_door_in();
            }
        }
        next = end;
    }
    Ok(reservation)
}

/// The trainees' secondary indexes (by event and name, ID number, mobile,
/// code), taken off for one big load inside its transaction and made again
/// by [`rebuild_indexes`] before it commits.
///
/// Their keys come in random order: adding 100,000 rows to them one at a
/// time costs about three times what sorting the whole table into fresh
/// ones does (and more once they no longer fit in the page cache beside the
/// change log). Readers never see a store without them (they read the last
/// commit), and a transaction rolled back (the door rang, an error) puts
/// them back as they were.
pub struct DeferredIndexes {
    /// Each index's `CREATE INDEX` statement, as `sqlite_master` holds it:
    /// the same index, made again.
    sql: Vec<String>,
}

/// Takes the trainees' secondary indexes off for the rest of this
/// transaction when `new_rows` is a big load for the table: at least
/// [`DEFER_INDEXES_MIN`] and at least as many rows as the table holds now
/// (building them again reads every trainee, of every event). `None`: they
/// stay.
pub fn defer_indexes(w: &Writer<'_>, new_rows: usize) -> Result<Option<DeferredIndexes>> {
    if new_rows < DEFER_INDEXES_MIN {
        return Ok(None);
    }
    let tx = w.tx();
    let held: i64 = tx.prepare_cached("SELECT COUNT(*) FROM trainees")?.query_row([], |r| r.get(0))?;
    if held > new_rows as i64 {
        return Ok(None);
    }
    let indexes: Vec<(String, String)> = tx
        .prepare_cached("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'trainees' AND sql IS NOT NULL ORDER BY name")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (name, _) in &indexes {
        tx.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))?;
    }
    Ok(Some(DeferredIndexes { sql: indexes.into_iter().map(|(_, sql)| sql).collect() }))
}

/// Makes the indexes [`defer_indexes`] took off again, one at a time;
/// `false` when the door rang between two (the caller gives way: its
/// transaction is rolled back, which puts them back too).
pub fn rebuild_indexes(w: &Writer<'_>, d: &DeferredIndexes, ear: &super::Listener) -> Result<bool> {
    for sql in &d.sql {
        if ear.door_waiting() {
            return Ok(false);
        }
        w.tx().execute_batch(sql)?;
    }
    Ok(true)
}

/// Whether the reservation still holds, inside the publishing transaction.
pub fn holds(w: &Writer<'_>, r: &Reservation) -> Result<bool> {
    Ok(w.tx().prepare_cached("SELECT 1 FROM meta WHERE key = ?1")?.exists([&r.key])?)
}

/// Ends a reservation in the transaction that publishes its trainees.
pub fn finish(w: &Writer<'_>, r: &Reservation) -> Result<()> {
    w.tx().prepare_cached("DELETE FROM meta WHERE key = ?1")?.execute([&r.key])?;
    Ok(())
}

/// Gives a reservation up after its import failed: claims it, then removes
/// its staged keys in short transactions.
pub fn release(store: &mut Store, r: &Reservation) -> Result<()> {
    let key = r.key.clone();
    store.write_yielding(Duration::ZERO, |w, _| {
        w.tx().prepare_cached("DELETE FROM meta WHERE key = ?1")?.execute([&key])?;
        Ok(Some(()))
    })?;
    drop_keys(store, r.base, r.base.saturating_add(r.count))
}

/// Removes the staged keys of imports that died before publishing
/// (reservations silent for ten minutes): claims each, then deletes its keys
/// in short transactions. Returns how many reservations it removed.
pub fn clean_stale(store: &mut Store) -> Result<u64> {
    let now = crate::clock::now_ms();
    let stale: Vec<Reservation> =
        reservations(store.conn())?.into_iter().filter(|(_, beat)| beat.saturating_add(STALE_MS) < now).map(|(r, _)| r).collect();
    let mut removed = 0;
    for r in stale {
        let key = r.key.clone();
        let (claimed, _) = store.write_yielding(Duration::ZERO, |w, _| {
            // Claim it only if it is still silent (its owner may have beaten since).
            let value: Option<String> = w.tx().prepare_cached("SELECT value FROM meta WHERE key = ?1")?.query_row([&key], |r| r.get(0)).optional()?;
            let still_stale = value.as_deref().and_then(|v| parse(key.clone(), v)).is_some_and(|(_, beat)| beat.saturating_add(STALE_MS) < now);
            if still_stale {
                w.tx().prepare_cached("DELETE FROM meta WHERE key = ?1")?.execute([&key])?;
            }
            Ok(Some(still_stale))
        })?;
        if claimed {
            drop_keys(store, r.base, r.base.saturating_add(r.count))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Deletes the staged rows at rowids `lo..hi` that no trainee has, a chunk
/// per transaction.
fn drop_keys(store: &mut Store, lo: i64, hi: i64) -> Result<()> {
    loop {
        let (n, _) = store.write_yielding(Duration::ZERO, |w, _| {
            let n = w
                .tx()
                .prepare_cached(
                    "DELETE FROM search_keys WHERE trainee_rowid IN (SELECT k.trainee_rowid FROM search_keys k
                       WHERE k.trainee_rowid >= ?1 AND k.trainee_rowid < ?2
                         AND NOT EXISTS (SELECT 1 FROM trainees t WHERE t.rowid = k.trainee_rowid) LIMIT ?3)",
                )?
                .execute(rusqlite::params![lo, hi, DROP_CHUNK])?;
            Ok(Some(n))
        })?;
        if n == 0 {
            return Ok(());
        }
        store.let_door_in();
    }
}

/// The staged keys waiting for trainees that do not exist (yet): for tests
/// and `muster check`-like diagnostics.
pub fn staged_key_count(store: &Store) -> Result<u64> {
    let mut stmt = store
        .conn()
        .prepare("SELECT keys FROM search_keys k WHERE NOT EXISTS (SELECT 1 FROM trainees t WHERE t.rowid = k.trainee_rowid)")?;
    let mut rows = stmt.query([])?;
    let mut n = 0;
    while let Some(r) = rows.next()? {
        n += search::key_count(&r.get::<_, String>(0)?);
    }
    Ok(n)
}

/// Makes every reservation look silent for longer than `STALE_MS` (tests of
/// the clean-up).
#[doc(hidden)]
pub fn age_reservations(store: &mut Store) -> Result<()> {
    store.write(|w| {
        for (r, _) in reservations(w.tx())? {
            let value = format!("{} {} 0", r.base, r.count);
            w.tx().prepare_cached("UPDATE meta SET value = ?2 WHERE key = ?1")?.execute([r.key.as_str(), value.as_str()])?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::beside;

    #[test]
    fn beside_keeps_the_order_and_runs_main_once() {
        for n in [0, 1, 999, 1_000, 1_999, 2_000, 10_001] {
            let items: Vec<usize> = (0..n).collect();
            let mut calls = 0;
            let out = beside(&items, |i| i * 2, &mut || calls += 1);
            assert_eq!(calls, 1, "{n}");
            assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>(), "{n}");
        }
    }
}
