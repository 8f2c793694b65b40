//! What fuzzing (fuzz/, `scripts/fuzz`) found, kept as regression tests:
//! each input once crashed the importer, the XLSForm reader or the
//! expression evaluator. Binary inputs, minimised with `cargo fuzz tmin`,
//! are in tests/data/fuzz.

use muster_core::forms::expr::{Context, Expr, Value, MAX_DEPTH};
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

/// Expressions nested deeper than the limit: they overflowed the stack
/// while being parsed (parentheses, calls, minus) or evaluated and dropped
/// (operator chains nest to the left).
#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let n = 100_000;
    let cases = [
        ("parentheses", format!("{}1{}", "(".repeat(n), ")".repeat(n))),
        ("unclosed parentheses", "(".repeat(n)),
        ("minus", format!("{}1", "-".repeat(n))),
        ("calls", format!("{}1{}", "not(".repeat(n), ")".repeat(n))),
        ("a chain", format!("1{}", " + 1".repeat(n))),
        ("an or chain", format!("${{q}}{}", " or ${q}".repeat(n))),
    ];
    for (what, src) in cases {
        let e = Expr::parse(&src).expect_err(what);
        assert!(e.message.contains(&format!("nests more than {MAX_DEPTH} levels deep")), "{what}: {e}");
        assert!(e.offset.is_some(), "{what}: says where");
    }
}

/// At the limit everything still works, with stack to spare: parse,
/// evaluate, walk, clone, compare and drop on a thread with a quarter of a
/// test thread's stack.
#[test]
fn nesting_up_to_the_limit_works() {
    std::thread::Builder::new()
        .stack_size(768 * 1024)
        .spawn(|| {
            let d = MAX_DEPTH;
            let chain = format!("${{q}}{}", " + 1".repeat(d - 1));
            let e = Expr::parse(&chain).unwrap();
            assert_eq!(e.eval(&Ctx).unwrap(), Value::Num(d as f64));
            assert_eq!(e.references(), vec!["q".to_string()]);
            assert_eq!(e.clone(), e);
            assert!(Expr::parse(&format!("{chain} + 1")).is_err());

            let parens = format!("{}-.{}", "(".repeat(d - 1), ")".repeat(d - 1));
            assert_eq!(Expr::parse(&parens).unwrap().eval(&Ctx).unwrap(), Value::Num(-7.0));
            assert!(Expr::parse(&format!("({parens})")).is_err());

            let calls = format!("{}.{}", "not(".repeat(d - 1), ")".repeat(d - 1));
            assert_eq!(Expr::parse(&calls).unwrap().truth(&Ctx).unwrap(), (d - 1) % 2 == 0);
            assert!(Expr::parse(&format!("not({calls})")).is_err());

            let minus = Expr::parse(&format!("{}1", "-".repeat(d - 1))).unwrap();
            assert_eq!(minus.eval(&Ctx).unwrap(), Value::Num(if (d - 1) % 2 == 0 { 1.0 } else { -1.0 }));
            assert!(Expr::parse(&format!("{}1", "-".repeat(d))).is_err());
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

#[test]
fn zz_probe() {
    let Ok(kb) = std::env::var("PROBE_KB") else { return };
    let kb: usize = kb.parse().unwrap();
    let case: String = std::env::var("PROBE_CASE").unwrap();
    std::thread::Builder::new().stack_size(kb * 1024).spawn(move || {
        let d = MAX_DEPTH;
        let src = match case.as_str() {
            "chain" => format!("${{q}}{}", " + 1".repeat(d - 1)),
            "parens" => format!("{}-.{}", "(".repeat(d - 1), ")".repeat(d - 1)),
            "calls" => format!("{}.{}", "not(".repeat(d - 1), ")".repeat(d - 1)),
            "minus" => format!("{}1", "-".repeat(d - 1)),
            _ => unreachable!(),
        };
        let stage = std::env::var("PROBE_STAGE").unwrap_or_default();
        let e = Expr::parse(&src).unwrap();
        if stage == "eval" { let _ = e.eval(&Ctx); }
        if stage == "walk" { let _ = e.references(); }
        std::mem::forget(e);
    }).unwrap().join().unwrap();
}
