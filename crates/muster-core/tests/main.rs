//! muster-core's integration tests: one test binary, one module per topic.

mod import;
mod store;
mod roster;
mod checkin;
mod merge;
mod forms;
mod safety;
mod fuzz_regressions;
mod exports;
mod access;
mod hostile;
mod door;
mod search_index;
mod programme;
mod latin;
