//! Ordered schema migrations, applied at open.
//!
//! Each migration is a SQL file in `crates/muster-core/migrations/`, applied
//! once in order inside a transaction; `PRAGMA user_version` records how many
//! have run. Shipped migrations are never edited: a test pins a fingerprint
//! of each, so changing one fails the build's tests. Add a new file instead.

use rusqlite::Connection;

/// A migration: its file name and SQL.
pub struct Migration {
    pub name: &'static str,
    pub sql: &'static str,
}

/// All migrations, in order. Append only.
pub const MIGRATIONS: &[Migration] = &[
    Migration { name: "0001_init.sql", sql: include_str!("../../migrations/0001_init.sql") },
    Migration { name: "0002_checkin.sql", sql: include_str!("../../migrations/0002_checkin.sql") },
    Migration { name: "0003_certificates.sql", sql: include_str!("../../migrations/0003_certificates.sql") },
    Migration { name: "0004_forms.sql", sql: include_str!("../../migrations/0004_forms.sql") },
    Migration { name: "0005_users_audit.sql", sql: include_str!("../../migrations/0005_users_audit.sql") },
    Migration { name: "0006_quarantine.sql", sql: include_str!("../../migrations/0006_quarantine.sql") },
    Migration { name: "0007_search_docs.sql", sql: include_str!("../../migrations/0007_search_docs.sql") },
    Migration { name: "0008_removed.sql", sql: include_str!("../../migrations/0008_removed.sql") },
    Migration { name: "0009_revocations.sql", sql: include_str!("../../migrations/0009_revocations.sql") },
    Migration { name: "0010_excused.sql", sql: include_str!("../../migrations/0010_excused.sql") },
    Migration { name: "0011_certificate_rules.sql", sql: include_str!("../../migrations/0011_certificate_rules.sql") },
    Migration { name: "0012_response_corrections.sql", sql: include_str!("../../migrations/0012_response_corrections.sql") },
    Migration { name: "0013_programmes.sql", sql: include_str!("../../migrations/0013_programmes.sql") },
    Migration { name: "0014_insert_by_row.sql", sql: include_str!("../../migrations/0014_insert_by_row.sql") },
    Migration { name: "0015_trainee_lookups.sql", sql: include_str!("../../migrations/0015_trainee_lookups.sql") },
    Migration { name: "0016_search_from_rows.sql", sql: include_str!("../../migrations/0016_search_from_rows.sql") },
    Migration { name: "0017_code_first.sql", sql: include_str!("../../migrations/0017_code_first.sql") },
];

/// Brings the schema up to date. A store written by a newer Muster (more
/// migrations than this build knows) is refused rather than touched.
pub fn migrate(conn: &mut Connection) -> crate::Result<()> {
    let current: usize = conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))? as usize;
    if current > MIGRATIONS.len() {
        return Err(crate::Error::invalid(format!(
            "this store was written by a newer Muster (schema {current}, this build knows {}): please update Muster",
            MIGRATIONS.len()
        )));
    }
    for (i, m) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(m.sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

/// FNV-1a fingerprint of a migration's text, pinned by the tests.
pub fn fingerprint(sql: &str) -> u64 {
    sql.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}
