//! The binaries' allocator (`import::isolate::Allocator`): mimalloc in the
//! app's and the CLI's own process, the system's in a workbook reader
//! child, which its parent marks in the child's environment. This test
//! binary uses the allocator itself and starts itself as the child.

use muster_core::import::isolate::{self, Allocator, CHILD_ENV};
use std::process::Command;

#[global_allocator]
static ALLOC: Allocator = Allocator;

/// Run only as the child of the test below: says which allocator it got.
#[test]
#[ignore = "the child process of a_reader_child_allocates_with_the_systems_allocator"]
fn allocator_child() {
    let v: Vec<String> = (0..1000).map(|i| i.to_string()).collect();
    assert_eq!(v.len(), 1000);
    println!("system allocator: {:?}", isolate::allocator_is_system());
}

#[test]
fn a_reader_child_allocates_with_the_systems_allocator() {
    assert_eq!(isolate::allocator_is_system(), Some(false), "this process, unmarked, uses mimalloc");
    let me = std::env::current_exe().unwrap();
    let run = |mark: Option<&str>| {
        let mut cmd = Command::new(&me);
        cmd.args(["--exact", "allocator_child", "--include-ignored", "--nocapture", "--test-threads=1"]);
        match mark {
            Some(v) => cmd.env(CHILD_ENV, v),
            None => cmd.env_remove(CHILD_ENV),
        };
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let marked = run(Some("1"));
    assert!(marked.contains("system allocator: Some(true)"), "{marked}");
    for mark in [None, Some("")] {
        let unmarked = run(mark);
        assert!(unmarked.contains("system allocator: Some(false)"), "{mark:?}: {unmarked}");
    }
}

/// The parent marks the child it starts: a stand-in reader (a shell script
/// named by `MUSTER_WORKBOOK_READER`) answers with a one-sheet book named
/// after the mark it found in its environment.
#[cfg(unix)]
#[test]
fn the_parent_marks_the_reader_child_it_starts() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("muster-allocator-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("reader.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ncat > /dev/null\nprintf '{{\"Book\":{{\"format\":\"xlsx\",\"sheets\":[{{\"name\":\"mark=%s\",\"visible\":true,\"rows\":[],\"error\":null}}]}}}}' \"${CHILD_ENV}\"\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(std::env::var_os(CHILD_ENV).is_none(), "the test runs unmarked");
    std::env::set_var("MUSTER_WORKBOOK_READER", &script);
    let book = isolate::read(b"PK\x03\x04 not really a workbook").expect("a reader is named").expect("the stand-in answers");
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(book.sheets.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["mark=1"]);
}

/// A process on mimalloc has given up transparent huge pages before its
/// first block (`isolate::Allocator`): the kernel says so.
#[cfg(target_os = "linux")]
#[test]
fn a_mimalloc_process_runs_without_huge_pages() {
    assert_eq!(isolate::allocator_is_system(), Some(false));
    // SAFETY: PR_GET_THP_DISABLE reads a flag of this process.
    let disabled = unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) };
    assert_eq!(disabled, 1, "PR_GET_THP_DISABLE");
}
