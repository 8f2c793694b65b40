//! Muster's central sync service: laptops push their change logs in
//! batches and pull everyone else's, over HTTP, whenever a network appears.
//!
//! The same server runs on an organiser's VM (PostgreSQL), on one laptop
//! for a small organiser (SQLite), or at the venue as a hub on the local
//! Wi-Fi. It stores change-log entries exactly once per `(device, seq)`,
//! hands them out by a global cursor, and never interprets them beyond
//! counting: merging is the stores' job (the read model in `report` is a
//! muster-core store that does it the laptops' way).
//!
//! Modules: `storage` (the two backends, the only SQL here), `http` (the
//! axum routes, authentication, limits), `page` (the organisers' page and
//! the public verification page), `org` (the organisation's keys, device
//! certificates, verification), `scoped` (devices limited to their
//! stops: what they may push and pull), `report` (the read model: the
//! changes held, merged by muster-core, counted as laptops count).
//! `organisers` (the organisers' web view at `/org`: accounts, sessions,
//! programmes, stops, the cross-stop portrait, the XLSX export).

pub mod http;
pub mod org;
pub mod organisers;
pub mod page;
pub mod report;
pub mod scoped;
pub mod storage;

pub use storage::{Backend, DeviceInfo, NewDevice, StorageError};

use std::net::SocketAddr;
use std::path::PathBuf;

/// Serves on an already bound listener until the process is stopped (for
/// embedding and tests: bind port 0, read the address, then serve).
pub async fn serve_on(listener: tokio::net::TcpListener, backend: Backend) -> std::io::Result<()> {
    serve_on_with(listener, backend, None).await
}

/// [`serve_on`] with the organisers' view (`/org`) reading the read model
/// at `read_model` (without one its pages say so).
pub async fn serve_on_with(listener: tokio::net::TcpListener, backend: Backend, read_model: Option<PathBuf>) -> std::io::Result<()> {
    // The peer's address: the organisers' login is rate-limited per client.
    axum::serve(listener, http::router_with(backend, read_model).into_make_service_with_connect_info::<SocketAddr>()).await
}

/// Starts serving on `listen` until the process is stopped. Prints the
/// bound address (useful with port 0) on stdout as `listening on ADDR`.
pub async fn serve(backend: Backend, listen: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    println!("listening on {addr}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    serve_on_with(listener, backend, None).await
}

/// [`serve`] with the organisers' view reading `read_model` (what
/// `muster serve` runs, with [`report::default_read_model`]).
pub async fn serve_with(backend: Backend, listen: SocketAddr, read_model: Option<PathBuf>) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    println!("listening on {addr}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    serve_on_with(listener, backend, read_model).await
}
