//! Cross-component tests: the real `muster` binary, a real store file in a
//! temporary directory, real roster files. One test binary; modules by topic.

mod architecture;
mod events;
mod roster;
mod checkin;
mod print;
mod forms;
mod sync;
mod org;
mod browser;
mod day;
mod safety;
mod exports;
mod users;
mod hostile_server;
mod hostile_store;
mod hostile_files;
mod door_import;
mod programme;
mod organisers;
