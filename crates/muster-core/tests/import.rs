//! Roster file reading tests (table-driven over tests/data/roster).
