//! The XLSForm expression language on arbitrary text: `Expr::parse`, then
//! `references`, `bare_names`, `unsupported_functions`, `eval` and `truth`
//! against a small fixed context. Must never panic, overflow the stack
//! (deep nesting) or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use muster_core::forms::expr::{Context, Expr};

struct Ctx;

impl Context for Ctx {
    fn field(&self, name: &str) -> Option<String> {
        match name {
            "age" => Some("20".into()),
            "q" => Some("a b c".into()),
            "born" => Some("2001-02-28".into()),
            "empty" => Some(String::new()),
            _ => None,
        }
    }
    fn current(&self) -> Option<String> {
        Some("7".into())
    }
    fn name(&self, name: &str) -> Option<String> {
        (name == "county").then(|| "Xinhua".into())
    }
    fn today(&self) -> String {
        "2026-03-15".into()
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let Ok(expr) = Expr::parse(src) else { return };
    let _ = expr.references();
    let _ = expr.bare_names();
    let _ = expr.unsupported_functions();
    if let Ok(v) = expr.eval(&Ctx) {
        let _ = (v.as_bool(), v.as_num(), v.as_string());
    }
    let _ = expr.truth(&Ctx);
});
