//! The `muster-app` binary: starts the desktop shell ([`muster_app::run`]).

// No console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    muster_app::run();
}
