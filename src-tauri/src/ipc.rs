//! The app's commands are declared once, with [`commands!`]: each becomes
//! a `#[tauri::command]`, a name in its module's `COMMANDS`, a handler, and
//! a typed TypeScript wrapper in `ui/src/bindings/commands.ts` (generated
//! from the Rust signature by [`typescript`], never written by hand; the
//! bindings test fails when the committed file is stale). The UI calls
//! `commands.listEvents()`, not `invoke("list_events")`.
//!
//! Syntax, inside `commands! { … }`:
//!
//! ```text
//! /// Doc comment (copied into the TypeScript).
//! pub async fn name<R>(app: AppHandle<R>, state: State<'_, AppState>; event_id: String, limit: Option<usize>) -> Ret { body }
//! ```
//!
//! Before the `;`: what Tauri injects (state, the app handle), never seen
//! by the UI; after it: the arguments the UI passes (camelCase on the wire,
//! as Tauri names them). `<R>` makes the command generic over the runtime
//! (only needed for an `AppHandle<R>`). The body evaluates to
//! `Result<Ret, ErrorPayload>`; errors cross as `ErrorPayload`.
//!
//! Events the shell emits are declared the same way with [`events!`]
//! (`onImportProgress(f)` in the bindings).

use std::collections::BTreeSet;
use std::path::PathBuf;

use ts_rs::{Config, Dependency, TypeVisitor, TS};

/// One declared command, as the TypeScript generator sees it.
pub struct CommandSpec {
    pub name: &'static str,
    pub doc: &'static [&'static str],
    /// The UI's arguments: Rust name and TypeScript type.
    pub args: fn(&Config) -> Vec<(&'static str, String)>,
    pub ret: fn(&Config) -> String,
    /// The exported binding files the signature names (for imports).
    pub imports: fn(&Config) -> Vec<(String, PathBuf)>,
    /// Writes every binding the signature needs (with its dependencies).
    pub export: fn(&Config) -> Result<(), ts_rs::ExportError>,
}

/// One event the shell emits, with its payload.
pub struct EventSpec {
    pub name: &'static str,
    pub doc: &'static [&'static str],
    pub payload: fn(&Config) -> String,
    pub imports: fn(&Config) -> Vec<(String, PathBuf)>,
    pub export: fn(&Config) -> Result<(), ts_rs::ExportError>,
}

/// The exported types a type names at its top level: itself, or what it
/// wraps (`Vec<Event>`, `Option<Trainee>`).
pub fn imports_of<T: TS + 'static + ?Sized>(cfg: &Config) -> Vec<(String, PathBuf)> {
    struct V<'a>(&'a Config, Vec<(String, PathBuf)>);
    impl TypeVisitor for V<'_> {
        fn visit<T: TS + 'static + ?Sized>(&mut self) {
            if let Some(d) = Dependency::from_ty::<T>(self.0) {
                self.1.push((d.ts_name, d.output_path));
            } else {
                T::visit_generics(self);
            }
        }
    }
    let mut v = V(cfg, Vec::new());
    v.visit::<T>();
    v.1
}

/// Writes the bindings of every exported type `T` names, with theirs.
pub fn export_of<T: TS + 'static + ?Sized>(cfg: &Config) -> Result<(), ts_rs::ExportError> {
    struct V<'a>(&'a Config, Result<(), ts_rs::ExportError>);
    impl TypeVisitor for V<'_> {
        fn visit<T: TS + 'static + ?Sized>(&mut self) {
            if self.1.is_err() {
                return;
            }
            if T::output_path().is_some() {
                self.1 = T::export_all(self.0);
            } else {
                T::visit_generics(self);
            }
        }
    }
    let mut v = V(cfg, Ok(()));
    v.visit::<T>();
    v.1
}

/// `list_events` → `listEvents`.
pub fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut up = false;
    for c in snake.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `import-progress` → `onImportProgress`.
fn listener_name(event: &str) -> String {
    format!("on{}", event.split(['-', '_']).map(|w| w[..1].to_uppercase() + &w[1..]).collect::<String>())
}

fn doc_block(doc: &[&str], indent: &str) -> String {
    let lines: Vec<&str> = doc.iter().map(|l| l.trim()).collect();
    if lines.iter().all(|l| l.is_empty()) {
        return String::new();
    }
    let mut s = format!("{indent}/**\n");
    for l in lines {
        // A doc line may not end the comment early.
        let l = l.replace("*/", "*\\/");
        if l.is_empty() {
            s.push_str(&format!("{indent} *\n"));
        } else {
            s.push_str(&format!("{indent} * {l}\n"));
        }
    }
    s.push_str(&format!("{indent} */\n"));
    s
}

/// The TypeScript of `ui/src/bindings/commands.ts`: one typed function per
/// command and one listener per event.
pub fn typescript(commands: &[&CommandSpec], events: &[&EventSpec], cfg: &Config) -> String {
    let mut imports = BTreeSet::new();
    for c in commands {
        imports.extend((c.imports)(cfg));
    }
    for e in events {
        imports.extend((e.imports)(cfg));
    }
    let mut s = String::from(
        "// Generated from the Rust signatures of src-tauri's commands (src-tauri/src/ipc.rs):\n\
         // never edit by hand. `UPDATE_BINDINGS=1 cargo test -p muster-app --test bindings` rewrites it.\n\n\
         import { call, listen, type UnlistenFn } from \"../ipc\";\n",
    );
    for (name, path) in &imports {
        let stem = path.with_extension("");
        s.push_str(&format!("import type {{ {name} }} from \"./{}\";\n", stem.display()));
    }
    s.push_str("\n/** Every command of the desktop shell, typed as its Rust signature. */\nexport const commands = {\n");
    for c in commands {
        let args = (c.args)(cfg);
        let params = args.iter().map(|(n, t)| format!("{}: {t}", camel(n))).collect::<Vec<_>>().join(", ");
        let body = if args.is_empty() {
            "{}".to_string()
        } else {
            format!("{{ {} }}", args.iter().map(|(n, _)| camel(n)).collect::<Vec<_>>().join(", "))
        };
        // `()` answers null: the caller awaits nothing.
        let ret = match (c.ret)(cfg) {
            r if r == "null" => "void".to_string(),
            r => r,
        };
        s.push_str(&doc_block(c.doc, "  "));
        s.push_str(&format!("  {}: ({params}): Promise<{ret}> => call<{ret}>(\"{}\", {body}),\n", camel(c.name), c.name));
    }
    s.push_str("} as const;\n\n/** The command names, as the shell registers them. */\nexport type CommandName =\n");
    for c in commands {
        s.push_str(&format!("  | \"{}\"\n", c.name));
    }
    s.push_str("  ;\n\n/** Listeners for the events the shell emits; each returns its unlisten function. */\nexport const events = {\n");
    for e in events {
        s.push_str(&doc_block(e.doc, "  "));
        let p = (e.payload)(cfg);
        s.push_str(&format!(
            "  {}: (f: (payload: {p}) => void): Promise<UnlistenFn> => listen<{p}>(\"{}\", f),\n",
            listener_name(e.name),
            e.name
        ));
    }
    s.push_str("} as const;\n");
    s
}

/// Declares commands once (see the module docs): the Tauri commands, and
/// in the invoking module `COMMANDS`, `SPECS` and `handler()`.
#[macro_export]
macro_rules! commands {
    ($(
        $(#[doc = $doc:literal])*
        pub async fn $name:ident $(<$R:ident>)? ( $($ctx:ident : $cty:ty),* ; $($arg:ident : $aty:ty),* $(,)? ) -> $ret:ty $body:block
    )*) => {
        $(
            $(#[doc = $doc])*
            #[tauri::command]
            #[allow(clippy::too_many_arguments)]
            pub async fn $name $(<$R: tauri::Runtime>)? ( $($ctx : $cty,)* $($arg : $aty),* ) -> ::std::result::Result<$ret, muster_core::ErrorPayload> $body
        )*

        /// The names of this module's commands, as the UI calls them.
        pub const COMMANDS: &[&str] = &[$(stringify!($name)),*];

        /// This module's commands for the TypeScript generator.
        pub const SPECS: &[$crate::ipc::CommandSpec] = &[$(
            $crate::ipc::CommandSpec {
                name: stringify!($name),
                doc: &[$($doc),*],
                args: |_cfg| vec![$((stringify!($arg), <$aty as ts_rs::TS>::name(_cfg))),*],
                ret: |cfg| <$ret as ts_rs::TS>::name(cfg),
                imports: |cfg| {
                    #[allow(unused_mut)]
                    let mut v = $crate::ipc::imports_of::<$ret>(cfg);
                    $(v.extend($crate::ipc::imports_of::<$aty>(cfg));)*
                    v
                },
                export: |cfg| {
                    $crate::ipc::export_of::<$ret>(cfg)?;
                    $($crate::ipc::export_of::<$aty>(cfg)?;)*
                    Ok(())
                },
            }
        ),*];

        /// Tauri's handler for this module's commands.
        pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name),*]
        }
    };
}

/// Declares the events a module emits: `pub const NAME: &str` for the
/// emitter, and `EVENTS` for the TypeScript generator.
#[macro_export]
macro_rules! events {
    ($(
        $(#[doc = $doc:literal])*
        pub const $konst:ident: $payload:ty = $name:literal;
    )*) => {
        $(
            $(#[doc = $doc])*
            pub const $konst: &str = $name;
        )*

        /// The events of this module for the TypeScript generator.
        pub const EVENTS: &[$crate::ipc::EventSpec] = &[$(
            $crate::ipc::EventSpec {
                name: $name,
                doc: &[$($doc),*],
                payload: |cfg| <$payload as ts_rs::TS>::name(cfg),
                imports: |cfg| $crate::ipc::imports_of::<$payload>(cfg),
                export: |cfg| $crate::ipc::export_of::<$payload>(cfg),
            }
        ),*];
    };
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_become_camel_case_and_listeners() {
        assert_eq!(super::camel("list_events"), "listEvents");
        assert_eq!(super::camel("app_info"), "appInfo");
        assert_eq!(super::listener_name("import-progress"), "onImportProgress");
        assert_eq!(super::listener_name("sync-status"), "onSyncStatus");
    }
}
