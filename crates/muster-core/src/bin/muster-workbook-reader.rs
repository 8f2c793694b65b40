//! The workbook reader on its own (`import::isolate`), for the core's tests
//! and for a library caller without a binary of its own to spawn. The app
//! and the CLI are their own readers (`muster __read-workbook`).

/// The allocator of the app's and the CLI's reader children: the system's
/// when started by a parent ([`muster_core::import::isolate::CHILD_ENV`]).
#[global_allocator]
static ALLOC: muster_core::import::isolate::Allocator = muster_core::import::isolate::Allocator;

fn main() {
    muster_core::import::isolate::serve_if_asked();
    eprintln!("usage: muster-workbook-reader {} < WORKBOOK", muster_core::import::isolate::WORKER_ARG);
    std::process::exit(2);
}
