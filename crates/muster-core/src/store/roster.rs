//! The import's write path (bulk work that must not hold the door up): the
//! trainees' secondary indexes taken off for a big load and made again by
//! sorting, inside the publishing transaction.

use super::Writer;
use crate::Result;

/// Rows between two looks at the door's bell.
pub const LISTEN_EVERY: usize = 64;
/// The fewest new trainees for which the publishing transaction builds the
/// trainees' secondary indexes after the rows instead of with them.
const DEFER_INDEXES_MIN: usize = 5_000;

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
