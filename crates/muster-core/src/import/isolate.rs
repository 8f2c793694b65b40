//! Untrusted workbooks are read in a child process.
//!
//! A spreadsheet parser that meets a hostile or damaged file can allocate
//! without bound (calamine builds a sheet's whole declared range; a
//! looping sector chain is followed for ever) — and a failed allocation
//! aborts the process, mid-check-in, with the store's passphrase in memory.
//! So the app and the CLI read a workbook in a child of their own binary
//! (`current_exe()` with the hidden argument [`WORKER_ARG`]): bytes in on
//! stdin, the sheets' cells out on stdout as JSON ([`RawBook`]), under an
//! address-space limit ([`MEMORY_LIMIT`]) and a CPU and wall-clock limit
//! ([`TIME_LIMIT`]). Whatever the child does — abort, loop, crash — the
//! parent survives and says the file could not be read safely.
//!
//! The limits are set by [`limits`], the one place that knows the operating
//! system: `setrlimit` on Unix; a Windows build would put the child in a
//! Job Object there (not built here). Without a worker (a library caller,
//! the fuzz targets behind their own gate, unit tests of benign files) a
//! workbook is read in-process, with only [`super::span`]'s cheap check of
//! the declared range: nothing retraces calamine any more, so nothing has
//! to be re-checked when calamine is upgraded.
//!
//! The binaries' allocator is [`Allocator`]: mimalloc, except in a reader
//! child (which the parent marks with [`CHILD_ENV`]), where it is the
//! system's. mimalloc reserves address space ahead of use, so under the
//! child's limit a small file failed now and then ("memory allocation of
//! 15943 bytes failed": 2 runs in 200, a CI run lost to it); the limit is
//! measured against the system allocator.
//!
//! Architecture Invariant: no workbook bytes reach calamine in the app's or
//! the CLI's own process.

use super::table::{self, Line};
use calamine::{Reader, SheetType, SheetVisible, Sheets};
use serde::{Deserialize, Serialize};
use std::io::{Cursor, Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The hidden first argument that makes a Muster binary a workbook reader.
pub const WORKER_ARG: &str = "__read-workbook";

/// Set (to `1`) in a reader child's environment by its parent: the child
/// allocates with the system allocator ([`Allocator`]).
pub const CHILD_ENV: &str = match CHILD_ENV_C.to_str() {
    Ok(name) => name,
    Err(_) => panic!("the mark's name is ASCII"),
};

/// [`CHILD_ENV`] NUL-terminated, for `getenv` before `main`.
const CHILD_ENV_C: &std::ffi::CStr = c"MUSTER_WORKBOOK_CHILD";

/// The `#[global_allocator]` of the app and the CLI: mimalloc (an import's
/// millions of small strings are made and freed faster: bench/import.sh),
/// or the system allocator in a workbook reader child ([`CHILD_ENV`]),
/// whose address-space limit mimalloc's reservations would eat into.
/// Decided at the first allocation (before `main`, one thread) and never
/// changed, so every block is freed by the allocator that made it.
///
/// With mimalloc the process also gives up transparent huge pages
/// ([`no_huge_pages`]) before its first block.
pub struct Allocator;

static ALLOCATOR: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);
const SYSTEM: u8 = 1;
const MIMALLOC: u8 = 2;

impl Allocator {
    #[inline]
    fn system(&self) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        match ALLOCATOR.load(Relaxed) {
            SYSTEM => true,
            MIMALLOC => false,
            _ => {
                let which = if in_child() { SYSTEM } else { MIMALLOC };
                if which == MIMALLOC {
                    no_huge_pages();
                }
                ALLOCATOR.store(which, Relaxed);
                which == SYSTEM
            }
        }
    }
}

/// Turns transparent huge pages off for this process (and its children), as
/// mimalloc's own `allow_thp=0` does. mimalloc asks for them on its big
/// regions (`madvise(MADV_HUGEPAGE)`), and a fault in such a region then
/// zeroes, and may first compact memory for, a whole 2 MiB page: on the
/// test machine the first touch of 300 MB took 0.69 s in huge pages
/// against 0.12 s in 4 KiB ones, a sixth of an import's CPU went to it, and
/// a 100,000-row import ranged 1.06–1.45 s with them against 1.14–1.19 s
/// without (four runs each of `bench/import.sh`). A door that must not
/// stall wants the steady one. Allocates nothing.
#[cfg(target_os = "linux")]
fn no_huge_pages() {
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and touches no memory
    // of ours; a failure (an old kernel) leaves things as they were.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1 as libc::c_ulong, 0 as libc::c_ulong, 0 as libc::c_ulong, 0 as libc::c_ulong);
    }
}

#[cfg(not(target_os = "linux"))]
fn no_huge_pages() {}

/// Whether [`CHILD_ENV`] is set and not empty, read without allocating.
#[cfg(unix)]
fn in_child() -> bool {
    // SAFETY: the name is NUL-terminated; getenv allocates
    // nothing. The first allocation comes before `main`, when no thread
    // can be changing the environment.
    let v = unsafe { libc::getenv(CHILD_ENV_C.as_ptr()) };
    // SAFETY: a non-null getenv answer is a NUL-terminated string.
    !v.is_null() && unsafe { *v } != 0
}

#[cfg(not(unix))]
fn in_child() -> bool {
    false
}

// SAFETY: each call goes to the allocator chosen once for the process, so a
// block is always freed or resized by the one that made it; both uphold
// GlobalAlloc's contract.
unsafe impl std::alloc::GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        if self.system() { unsafe { std::alloc::System.alloc(layout) } } else { unsafe { mimalloc::MiMalloc.alloc(layout) } }
    }
    #[inline]
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        if self.system() { unsafe { std::alloc::System.alloc_zeroed(layout) } } else { unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) } }
    }
    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        if self.system() { unsafe { std::alloc::System.dealloc(ptr, layout) } } else { unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) } }
    }
    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        if self.system() {
            unsafe { std::alloc::System.realloc(ptr, layout, new_size) }
        } else {
            unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) }
        }
    }
}

/// Whether this process allocates with the system allocator (a reader
/// child), as [`Allocator`] decided; `None` before its first allocation
/// or when the binary does not use it.
pub fn allocator_is_system() -> Option<bool> {
    match ALLOCATOR.load(std::sync::atomic::Ordering::Relaxed) {
        SYSTEM => Some(true),
        MIMALLOC => Some(false),
        _ => None,
    }
}

/// The child's address space: enough for a 100,000-row roster, far from
/// what a cheap laptop has.
pub const MEMORY_LIMIT: u64 = 1 << 30;

/// The child's CPU time, and (doubled) its wall-clock time.
pub const TIME_LIMIT: Duration = Duration::from_secs(60);

/// The most bytes of cells the parent takes back (a 100,000-row roster is
/// about 20 MB as JSON).
const MAX_OUTPUT: u64 = 512 << 20;

/// One worksheet as read: its rows with the line numbers a user sees
/// (wholly blank rows dropped), or why it could not be read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawSheet {
    pub name: String,
    pub visible: bool,
    pub rows: Vec<Line>,
    pub error: Option<String>,
}

/// A workbook as read: its format (`xlsx`, `xls`, `xlsb`, `ods`) and its
/// worksheets in workbook order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawBook {
    pub format: String,
    pub sheets: Vec<RawSheet>,
}

/// Why a workbook was not read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Unread {
    /// Not a workbook calamine opens (the reason, for the user).
    NotWorkbook(String),
    /// Damaged: the parser gave up (or panicked) on it.
    Damaged,
    /// The reader died, or ran out of memory or time: the file could not be
    /// read safely.
    Unsafe(String),
}

/// What the child writes on stdout.
#[derive(Debug, Serialize, Deserialize)]
enum Answer {
    Book(RawBook),
    Unread(Unread),
}

static WORKER: OnceLock<Option<PathBuf>> = OnceLock::new();

/// Makes this binary read workbooks in a child of itself. Called by the
/// app's and the CLI's `main` (after [`serve_if_asked`]).
pub fn use_self() {
    let _ = WORKER.set(std::env::current_exe().ok());
}

/// The reader to spawn: `MUSTER_WORKBOOK_READER` (a test names the binary),
/// else this binary when [`use_self`] was called, else none (in-process).
fn worker() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MUSTER_WORKBOOK_READER").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    WORKER.get().cloned().flatten()
}

/// In a binary's `main`, first: when started as a workbook reader
/// ([`WORKER_ARG`]), reads stdin, answers on stdout and exits.
pub fn serve_if_asked() {
    if std::env::args_os().nth(1).is_some_and(|a| a == WORKER_ARG) {
        std::process::exit(serve());
    }
}

fn serve() -> i32 {
    limits();
    let mut bytes = Vec::new();
    if std::io::stdin().read_to_end(&mut bytes).is_err() {
        return 2;
    }
    let answer = match read_in_process(&bytes) {
        Ok(book) => Answer::Book(book),
        Err(u) => Answer::Unread(u),
    };
    let out = std::io::stdout();
    let mut out = out.lock();
    match serde_json::to_writer(&mut out, &answer) {
        Ok(()) if out.flush().is_ok() => 0,
        _ => 2,
    }
}

/// The child's limits (Unix: `setrlimit`; elsewhere none yet).
#[cfg(unix)]
fn limits() {
    let set = |what, n: u64| {
        let l = libc::rlimit { rlim_cur: n as libc::rlim_t, rlim_max: n as libc::rlim_t };
        // SAFETY: setrlimit reads the struct it is given; no memory is shared.
        unsafe { libc::setrlimit(what, &l) };
    };
    set(libc::RLIMIT_AS, MEMORY_LIMIT);
    set(libc::RLIMIT_CPU, TIME_LIMIT.as_secs());
    set(libc::RLIMIT_CORE, 0);
}

#[cfg(not(unix))]
fn limits() {}

/// Reads a workbook: in a child when a worker is set ([`use_self`]), else
/// `None` (the caller reads it in-process, behind its guard).
pub fn read(bytes: &[u8]) -> Option<Result<RawBook, Unread>> {
    let exe = worker()?;
    Some(read_in_child(&exe, bytes))
}

/// Reads a workbook in a child `exe` ([`WORKER_ARG`]) under the limits.
pub fn read_with(exe: &std::path::Path, bytes: &[u8]) -> Result<RawBook, Unread> {
    read_in_child(exe, bytes)
}

fn read_in_child(exe: &std::path::Path, bytes: &[u8]) -> Result<RawBook, Unread> {
    let unsafe_ = |why: String| Unread::Unsafe(why);
    let mut child = Command::new(exe)
        .arg(WORKER_ARG)
        .env(CHILD_ENV, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| unsafe_(format!("the workbook reader could not start: {e}")))?;
    let mut stdin = child.stdin.take().ok_or_else(|| unsafe_("no pipe to the workbook reader".into()))?;
    let input = bytes.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let stdout = child.stdout.take().ok_or_else(|| unsafe_("no pipe from the workbook reader".into()))?;
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = stdout.take(MAX_OUTPUT).read_to_end(&mut out);
        out
    });
    let deadline = Instant::now() + TIME_LIMIT * 2;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let _ = writer.join();
    let out = reader.join().unwrap_or_default();
    match status {
        Some(s) if s.success() => match serde_json::from_slice::<Answer>(&out) {
            Ok(Answer::Book(b)) => Ok(b),
            Ok(Answer::Unread(u)) => Err(u),
            Err(_) => Err(unsafe_("the workbook reader's answer is cut short".into())),
        },
        Some(s) => Err(unsafe_(format!("the workbook reader stopped ({s})"))),
        None => Err(unsafe_("the workbook reader took too long".into())),
    }
}

/// The user's message for a workbook that could not be read safely.
pub fn unsafe_message(file: &str) -> String {
    format!(
        "{file} could not be read safely (it would need more than 1 GB of memory, or it is damaged); open it in Excel or WPS and save it again as .xlsx"
    )
}

/// Reads every worksheet of a workbook in this process (the child's work;
/// also the in-process path of a library caller). Panics inside
/// calamine become [`Unread::Damaged`].
pub fn read_in_process(bytes: &[u8]) -> Result<RawBook, Unread> {
    std::panic::catch_unwind(|| read_unguarded(bytes)).unwrap_or(Err(Unread::Damaged))
}

fn read_unguarded(bytes: &[u8]) -> Result<RawBook, Unread> {
    if bytes.starts_with(table::ZIP_MAGIC) {
        let cursor = Cursor::new(bytes);
        let book = calamine::open_workbook_from_rs(cursor.clone())
            .map(Sheets::Xlsx)
            .or_else(|_| calamine::open_workbook_from_rs(cursor.clone()).map(Sheets::Xlsb))
            .or_else(|_| calamine::open_workbook_from_rs(cursor).map(Sheets::Ods))
            .map_err(|_| Unread::NotWorkbook(table::zip_trouble(bytes).to_string()))?;
        return Ok(sheets_of(book));
    }
    if bytes.starts_with(table::OLE_MAGIC) {
        let book = calamine::open_workbook_from_rs(Cursor::new(bytes)).map(Sheets::Xls).map_err(|e: calamine::XlsError| {
            Unread::NotWorkbook(format!("an Office file that cannot be read as an Excel 97-2003 workbook, perhaps password-protected: {e}"))
        })?;
        return Ok(sheets_of(book));
    }
    Err(Unread::NotWorkbook("neither an XLSX, XLSB, ODS nor XLS workbook".into()))
}

pub(crate) fn sheets_of<RS: std::io::Read + std::io::Seek>(mut book: Sheets<RS>) -> RawBook {
    let format = match book {
        Sheets::Xls(_) => "xls",
        Sheets::Xlsx(_) => "xlsx",
        Sheets::Xlsb(_) => "xlsb",
        Sheets::Ods(_) => "ods",
    };
    let names: Vec<(String, bool)> = book
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| (s.name.clone(), s.visible == SheetVisible::Visible))
        .collect();
    let sheets = names
        .into_iter()
        .map(|(name, visible)| match book.worksheet_range(&name) {
            Ok(range) => RawSheet { rows: table::range_rows(&range), name, visible, error: None },
            Err(e) => RawSheet { rows: Vec::new(), name, visible, error: Some(e.to_string()) },
        })
        .collect();
    RawBook { format: format.to_string(), sheets }
}
