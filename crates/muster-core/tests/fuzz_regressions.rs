//! What fuzzing (fuzz/, `scripts/fuzz`) found, kept as regression tests:
//! each input once crashed the importer, the XLSForm reader or the
//! expression evaluator. Binary inputs, minimised with `cargo fuzz tmin`,
//! are in tests/data/fuzz.

use muster_core::forms::expr::{Context, Expr, Value, MAX_DEPTH, MAX_NESTING};
use muster_core::forms::xlsform;
use muster_core::{import, ErrorCode};
use std::path::Path;

fn input(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz").join(name)).unwrap()
}

struct Ctx;
impl Context for Ctx {
    fn field(&self, _: &str) -> Option<String> {
        Some("1".into())
    }
    fn current(&self) -> Option<String> {
        Some("7".into())
    }
    fn today(&self) -> String {
        "2026-03-15".into()
    }
}

/// Expressions nested past the limits: they overflowed the stack while
/// being parsed (parentheses, calls, minus signs) or evaluated and dropped
/// (operator chains nest to the left).
#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let n = 100_000;
    let open = format!("more than {MAX_NESTING} parentheses, function calls or minus signs are open");
    let deep = format!("nests more than {MAX_DEPTH} operations deep");
    let cases = [
        ("parentheses", format!("{}1{}", "(".repeat(n), ")".repeat(n)), &open),
        ("unclosed parentheses", "(".repeat(n), &open),
        ("minus signs", format!("{}1", "-".repeat(n)), &open),
        ("calls", format!("{}1{}", "not(".repeat(n), ")".repeat(n)), &open),
        ("a chain", format!("1{}", " + 1".repeat(n)), &deep),
        ("an or chain", format!("${{q}}{}", " or ${q}".repeat(n)), &deep),
    ];
    for (what, src, want) in cases {
        let e = Expr::parse(&src).expect_err(what);
        assert!(e.message.contains(want.as_str()), "{what}: {e}");
        assert!(e.offset.is_some(), "{what}: says where");
    }
}

/// At the limits everything still works, with stack to spare: parse,
/// evaluate, walk, clone, compare and drop on a thread with half a test
/// thread's stack, in a debug build.
#[test]
fn nesting_up_to_the_limits_works() {
    std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(|| {
            let (n, d) = (MAX_NESTING, MAX_DEPTH);
            let chain = format!("${{q}}{}", " + 1".repeat(d - 1));
            let e = Expr::parse(&chain).unwrap();
            assert_eq!(e.eval(&Ctx).unwrap(), Value::Num(d as f64));
            assert_eq!(e.references(), vec!["q".to_string()]);
            assert_eq!(e.clone(), e);
            assert!(Expr::parse(&format!("{chain} + 1")).is_err());

            let parens = format!("{}-.{}", "(".repeat(n - 1), ")".repeat(n - 1));
            assert_eq!(Expr::parse(&parens).unwrap().eval(&Ctx).unwrap(), Value::Num(-7.0));
            assert!(Expr::parse(&format!("({parens})")).is_err());

            let minus = Expr::parse(&format!("{}1", "-".repeat(n))).unwrap();
            assert_eq!(minus.eval(&Ctx).unwrap(), Value::Num(if n % 2 == 0 { 1.0 } else { -1.0 }));
            assert!(Expr::parse(&format!("{}1", "-".repeat(n + 1))).is_err());

            // The worst case: every call open at once around the deepest
            // chain that still fits.
            let inner = format!("${{q}}{}", " or ${q}".repeat(d - n - 1));
            let calls = format!("{}{inner}{}", "not(".repeat(n), ")".repeat(n));
            let e = Expr::parse(&calls).unwrap();
            assert_eq!(e.truth(&Ctx).unwrap(), n % 2 == 0);
            assert!(Expr::parse(&format!("not({calls})")).is_err());
            assert!(Expr::parse(&format!("{}{inner} or ${{q}}{}", "not(".repeat(n), ")".repeat(n))).is_err());
        })
        .unwrap()
        .join()
        .unwrap();
}

/// `date()` of a number of days past year 9999 overflowed the day arithmetic.
#[test]
fn date_of_a_huge_number_is_not_a_date() {
    for (src, want) in [
        ("date(99999999999999999999)", ""),
        ("date(-99999999999999999999)", ""),
        ("date(2932896)", "9999-12-31"),
        ("date(2932897)", ""),
        ("date(-719528)", "0000-01-01"),
        ("date(-719529)", ""),
        ("date(0)", "1970-01-01"),
    ] {
        assert_eq!(Expr::parse(src).unwrap().eval(&Ctx).unwrap(), Value::Str(want.into()), "{src}");
    }
}

/// Truncated Excel 97-2003 files on which calamine 0.38 panics while
/// opening them (its CFB reader slices past a short sector, or asserts on
/// one): both readers refuse them as damaged, naming the file.
#[test]
fn damaged_xls_files_are_refused_not_panics() {
    for name in ["calamine_cfb_short_sector.xls", "calamine_read_assert.xls"] {
        let bytes = input(name);
        let e = import::read_roster_bytes(name, &bytes, &mut |_, _| {}).expect_err(name);
        let p = e.to_payload();
        assert_eq!(p.code, ErrorCode::InvalidInput, "{name}: {p:?}");
        assert!(p.message.contains("damaged"), "{name}: {}", p.message);
        assert_eq!(p.file.as_deref(), Some(name));

        let e = xlsform::read_bytes(name, &bytes).expect_err(name);
        let p = e.to_payload();
        assert_eq!(p.code, ErrorCode::InvalidInput, "{name}: {p:?}");
        assert!(p.message.contains("damaged"), "{name}: {}", p.message);
    }
}

// The Excel 97-2003 and OpenDocument files on which calamine 0.38
// allocates without bound (calamine_cfb_chain_oom.xls,
// calamine_xls_range_oom.xls, calamine_ods_range_oom.ods) are read only
// through the reader child: tests/isolate.rs. In process they would abort
// this test binary, as they would abort the app without the child.

/// The range bug in an XLSX any user can make by typing in a far corner:
/// calamine 0.38 would build A1:XFD1048576, about 550 GB, and abort. In
/// process (no reader child) the sheet's declared range refuses it first
/// (`import::span`), naming the sheet and the range.
#[test]
fn an_xlsx_with_a_far_cell_is_refused() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "姓名").unwrap();
    ws.write_string(1, 0, "李雷").unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let want = "far.xlsx: sheet 'Sheet1': its cells span A1:XFD1048576, 1,048,576 rows × 16,384 columns";
    let e = import::read_roster_bytes("far.xlsx", &bytes, &mut |_, _| {}).expect_err("roster");
    assert!(e.to_payload().message.starts_with(want), "{}", e.to_payload().message);
    let e = xlsform::read_bytes("far.xlsx", &bytes).expect_err("form");
    assert!(e.to_payload().message.starts_with(want), "{}", e.to_payload().message);
    assert_eq!(e.to_payload().file.as_deref(), Some("far.xlsx"));
}

