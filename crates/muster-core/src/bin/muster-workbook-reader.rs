//! The workbook reader on its own (`import::isolate`), for the core's tests
//! and for a library caller without a binary of its own to spawn. The app
//! and the CLI are their own readers (`muster __read-workbook`).

fn main() {
    muster_core::import::isolate::serve_if_asked();
    eprintln!("usage: muster-workbook-reader {} < WORKBOOK", muster_core::import::isolate::WORKER_ARG);
    std::process::exit(2);
}
