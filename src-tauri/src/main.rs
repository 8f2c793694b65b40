//! The `muster-app` binary: starts the desktop shell ([`muster_app::run`]).

// No console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // A workbook reader child of this binary (import::isolate) does only that.
    muster_core::import::isolate::serve_if_asked();
    muster_core::import::isolate::use_self();
    muster_app::run();
}
