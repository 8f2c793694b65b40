//! `muster user` (the people sharing a laptop, their roles and PINs) and
//! `muster audit` (who did what). The CLI itself acts as an admin once the
//! store is open; a PIN comes from `MUSTER_PIN`, never from a flag (flags
//! show in `ps`). The grammar is a contract: extend, never rename.

use crate::output::Outcome;
use clap::{Args, Subcommand};
use muster_core::access::Role;
use muster_core::audit::{AuditEntry, AuditFilter};
use muster_core::users::User;
use muster_core::{Error, Muster};
use serde_json::{json, Value};
use std::path::PathBuf;

/// The environment variable holding a user's new PIN.
pub const PIN_ENV: &str = "MUSTER_PIN";

#[derive(Subcommand, Debug)]
pub enum UserCmd {
    /// Add a user with the PIN in MUSTER_PIN → {"id", "name", "role"}.
    Add {
        #[arg(long)]
        name: String,
        /// admin, coordinator or keyer.
        #[arg(long)]
        role: String,
    },
    /// List users → {"users": [{"id", "name", "role", "created_at", "disabled_at"?}]}.
    List,
    /// Set a user's PIN from MUSTER_PIN (and clear a lock-out).
    Pin { user: String },
    /// Change a user's role.
    Role {
        user: String,
        #[arg(long)]
        role: String,
    },
    /// Disable a user (kept in the audit log).
    Disable { user: String },
    /// Minutes without input before the app locks (0 = never) → {"idle_lock_minutes"}.
    IdleLock { minutes: Option<u32> },
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    /// Only this event's lines.
    #[arg(long)]
    pub event: Option<String>,
    /// Only this action (create, edit, merge, resolve, print, export, import, check_in, sign_in, backup, …).
    #[arg(long)]
    pub action: Option<String>,
    /// Only this user's lines (by name).
    #[arg(long)]
    pub user: Option<String>,
    /// Only lines at or after this time (RFC 3339, UTC, or a date).
    #[arg(long)]
    pub since: Option<String>,
    /// At most this many of the newest lines.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Also write the lines to a CSV (encrypted as `FILE.zip` for an encrypted store unless --plain).
    #[arg(long, value_name = "FILE.csv")]
    pub csv: Option<PathBuf>,
    /// Write the CSV as a plain, unencrypted file.
    #[arg(long)]
    pub plain: bool,
    /// Replace an existing file at the output path that is not what this command writes (never the store, its -wal/-shm, or an input file).
    #[arg(long)]
    pub force: bool,
}

fn role(s: &str) -> Result<Role, Error> {
    Role::parse(s).ok_or_else(|| Error::invalid_at(format!("unknown role {s:?}: admin, coordinator or keyer"), None, None, Some("role")))
}

fn pin() -> Result<String, Error> {
    std::env::var(PIN_ENV)
        .ok()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| Error::invalid_at(format!("set the PIN in {PIN_ENV}"), None, None, Some("pin")))
}

fn user_json(u: &User) -> Value {
    serde_json::to_value(u).unwrap_or(Value::Null)
}

pub fn user(m: &mut Muster, cmd: UserCmd) -> anyhow::Result<Outcome> {
    Ok(match cmd {
        UserCmd::Add { name, role: r } => {
            let u = m.add_user(&name, role(&r)?, &pin()?)?;
            Outcome::new(user_json(&u), format!("added {} ({})", u.name, u.role.as_str()))
        }
        UserCmd::List => {
            let users = m.users()?;
            let text = users
                .iter()
                .map(|u| format!("{:<20} {:<12} {}", u.name, u.role.as_str(), if u.disabled_at.is_some() { "disabled" } else { "" }))
                .collect::<Vec<_>>()
                .join("\n");
            Outcome::new(json!({ "users": users }), text)
        }
        UserCmd::Pin { user } => {
            let u = m.set_user_pin(&user, &pin()?)?;
            Outcome::new(user_json(&u), format!("new PIN for {}", u.name))
        }
        UserCmd::Role { user, role: r } => {
            let u = m.set_user_role(&user, role(&r)?)?;
            Outcome::new(user_json(&u), format!("{} is now {}", u.name, u.role.as_str()))
        }
        UserCmd::Disable { user } => {
            let u = m.disable_user(&user)?;
            Outcome::new(user_json(&u), format!("disabled {}", u.name))
        }
        UserCmd::IdleLock { minutes } => {
            let n = match minutes {
                Some(n) => m.set_idle_lock_minutes(n)?,
                None => m.idle_lock_minutes()?,
            };
            Outcome::new(json!({ "idle_lock_minutes": n }), format!("the app locks after {n} idle minutes"))
        }
    })
}

/// `before → after` of the fields an entry changed, for the text output.
fn change_text(e: &AuditEntry) -> String {
    let show = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => "∅".into(),
        other => other.to_string(),
    };
    match (&e.before, &e.after) {
        (Value::Object(b), Value::Object(a)) => {
            a.iter().map(|(k, v)| format!("{k}: {} → {}", b.get(k).map(show).unwrap_or_default(), show(v))).collect::<Vec<_>>().join("; ")
        }
        (_, Value::Object(a)) => a.iter().map(|(k, v)| format!("{k}={}", show(v))).collect::<Vec<_>>().join(" "),
        _ => String::new(),
    }
}

pub fn audit(m: &mut Muster, a: AuditArgs) -> anyhow::Result<Outcome> {
    let filter = AuditFilter { event_id: a.event.clone(), action: a.action, user: a.user, since: a.since, limit: a.limit.unwrap_or(0) };
    let entries = m.audit(&filter)?;
    let mut value = json!({ "count": entries.len(), "entries": entries });
    let mut text: Vec<String> = entries
        .iter()
        .map(|e| {
            format!(
                "{}  {} ({})  {} {}  {}{}",
                &e.at[..19.min(e.at.len())],
                e.user,
                e.role,
                e.action,
                e.entity.as_deref().unwrap_or(""),
                change_text(e),
                e.detail.as_deref().map(|d| format!("  {d}")).unwrap_or_default()
            )
        })
        .collect();
    if let Some(path) = &a.csv {
        m.set_overwrite(a.force);
        let out = m.export_audit(&filter, path, a.plain)?;
        text.push(format!("wrote {}{}", out.file, if out.encrypted { " (encrypted)" } else { "" }));
        value["csv"] = json!(out.file);
        value["encrypted"] = json!(out.encrypted);
    }
    Ok(Outcome::new(value, text.join("\n")))
}
