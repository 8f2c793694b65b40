//! The `muster-app` binary: starts the desktop shell ([`muster_app::run`]).

// No console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// Rust's allocations (not the web view's): mimalloc, but the system's in a
/// workbook reader child (import::isolate).
#[global_allocator]
static ALLOC: muster_core::import::isolate::Allocator = muster_core::import::isolate::Allocator;

fn main() {
    // A workbook reader child of this binary (import::isolate) does only that.
    muster_core::import::isolate::serve_if_asked();
    muster_core::import::isolate::use_self();
    muster_app::run();
}
