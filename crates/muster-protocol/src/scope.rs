//! Which event a change belongs to: the one rule by which a server keeps a
//! laptop to its stops and a laptop keeps out what it did not ask for.
//!
//! A programme, and an event's own row (name, venue, dates: no personal
//! data), belong to the whole organisation ([`Scope::Global`]). Every other
//! row belongs to one event: the `event_id` it carries; for the rows of a
//! questionnaire (paper batches, responses, rejections, resolutions,
//! corrections), its form's event; for a revocation, its certificate's
//! event; for an update that carries no `event_id` (a trainee edited), the
//! event of the row it updates. Those last need what the asker already
//! holds, so [`of`] answers [`Scope::Row`] and the caller looks the row up
//! ([`resolve`]); a row it does not know is [`Resolved::Unknown`] — given to
//! nobody who is limited.
//!
//! **Invariant:** the server (`muster-server`'s push and pull) and the
//! laptops (`muster-core`'s pull) resolve with this one function.

use crate::Change;

/// What a change says of its event, before any lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The organisation's: a programme, an event's own row, an audit line
    /// of no event.
    Global,
    /// This event's.
    Event(String),
    /// The event of another row (a form's, a certificate's, or the row
    /// this change updates): its entity, when the change says it, and id.
    Row { entity: Option<String>, id: String },
}

/// A scope once looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    Global,
    Event(String),
    /// Of a row the resolver does not hold.
    Unknown,
}

impl Resolved {
    /// The event, if the change belongs to one.
    pub fn event(&self) -> Option<&str> {
        match self {
            Resolved::Event(e) => Some(e),
            _ => None,
        }
    }
}

fn text<'a>(c: &'a Change, field: &str) -> Option<&'a str> {
    c.fields.get(field).and_then(|v| v.as_str())
}

/// The scope a change states.
pub fn of(c: &Change) -> Scope {
    match c.entity.as_str() {
        "programme" | "event" => return Scope::Global,
        "certificate_revocation" => {
            if let Some(cert) = text(c, "certificate_id") {
                return row("certificate", cert);
            }
        }
        crate::rules::VOID => {
            return match text(c, "entity_id") {
                Some(id) => Scope::Row { entity: text(c, "entity").map(str::to_string), id: id.to_string() },
                None => Scope::Global,
            }
        }
        _ => {}
    }
    if let Some(e) = text(c, "event_id") {
        return Scope::Event(e.to_string());
    }
    if let Some(form) = text(c, "form_id") {
        return row("form", form);
    }
    if c.entity == "audit" && c.op == crate::ChangeOp::Insert {
        // An audit line of no event: a user added, a backup made.
        return Scope::Global;
    }
    row(&c.entity, &c.entity_id)
}

fn row(entity: &str, id: &str) -> Scope {
    Scope::Row { entity: Some(entity.to_string()), id: id.to_string() }
}

/// The scope of a change, looking rows up with `lookup` (row id → its
/// resolved scope, `None` when the row is not held).
pub fn resolve(c: &Change, lookup: impl Fn(&str) -> Option<Resolved>) -> Resolved {
    match of(c) {
        Scope::Global => Resolved::Global,
        Scope::Event(e) => Resolved::Event(e),
        Scope::Row { id, .. } => lookup(&id).unwrap_or(Resolved::Unknown),
    }
}

/// What a row's insert makes its id resolve to afterwards: an event's id
/// is its own event (its sessions and trainees name it), any other row's
/// is the scope of its insert.
pub fn of_row(c: &Change, resolved: &Resolved) -> Resolved {
    if c.entity == "event" {
        Resolved::Event(c.entity_id.clone())
    } else {
        resolved.clone()
    }
}

/// Which events an asker may receive, and of those which it asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Limit {
    /// `None`: every event.
    pub events: Option<std::collections::BTreeSet<String>>,
}

impl Limit {
    pub fn all() -> Limit {
        Limit { events: None }
    }

    pub fn only(events: impl IntoIterator<Item = String>) -> Limit {
        Limit { events: Some(events.into_iter().collect()) }
    }

    pub fn is_all(&self) -> bool {
        self.events.is_none()
    }

    /// Whether a change of this scope may be given.
    pub fn admits(&self, r: &Resolved) -> bool {
        match (r, &self.events) {
            (Resolved::Global, _) => true,
            (_, None) => true,
            (Resolved::Event(e), Some(set)) => set.contains(e),
            (Resolved::Unknown, Some(_)) => false,
        }
    }

    /// Both limits at once.
    pub fn and(&self, other: &Limit) -> Limit {
        match (&self.events, &other.events) {
            (None, None) => Limit::all(),
            (Some(a), None) | (None, Some(a)) => Limit { events: Some(a.clone()) },
            (Some(a), Some(b)) => Limit { events: Some(a.intersection(b).cloned().collect()) },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ChangeOp, Hlc};
    use serde_json::json;

    fn change(entity: &str, id: &str, op: ChangeOp, fields: serde_json::Value) -> Change {
        Change {
            device_id: "d".into(),
            seq: 1,
            hlc: Hlc::new(1, 0),
            entity: entity.into(),
            entity_id: id.into(),
            op,
            fields: serde_json::from_value(fields).unwrap(),
        }
    }

    #[test]
    fn every_kind_of_row_finds_its_event() {
        let lookup = |id: &str| match id {
            "form-1" | "cert-1" | "trainee-1" => Some(Resolved::Event("E1".into())),
            _ => None,
        };
        let cases = [
            (change("event", "E1", ChangeOp::Insert, json!({"name": "灵寿"})), Resolved::Global),
            (change("programme", "P", ChangeOp::Insert, json!({"name": "4IR"})), Resolved::Global),
            (change("trainee", "t", ChangeOp::Insert, json!({"event_id": "E1", "name": "王素梅"})), Resolved::Event("E1".into())),
            (change("trainee", "trainee-1", ChangeOp::Update, json!({"phone": "139"})), Resolved::Event("E1".into())),
            (change("trainee", "trainee-9", ChangeOp::Update, json!({"phone": "139"})), Resolved::Unknown),
            (change("response", "r", ChangeOp::Insert, json!({"form_id": "form-1"})), Resolved::Event("E1".into())),
            (change("certificate_revocation", "v", ChangeOp::Insert, json!({"certificate_id": "cert-1"})), Resolved::Event("E1".into())),
            (change("audit", "a", ChangeOp::Insert, json!({"action": "backup"})), Resolved::Global),
            (change("audit", "a", ChangeOp::Insert, json!({"event_id": "E2"})), Resolved::Event("E2".into())),
            (change("void", "x", ChangeOp::Insert, json!({"reason": "r", "entity_id": "trainee-1"})), Resolved::Event("E1".into())),
        ];
        for (c, want) in cases {
            assert_eq!(resolve(&c, lookup), want, "{} {:?}", c.entity, c.fields);
        }
    }

    #[test]
    fn a_limit_gives_only_its_events_and_never_the_unknown() {
        let only = Limit::only(["E1".to_string()]);
        assert!(only.admits(&Resolved::Global));
        assert!(only.admits(&Resolved::Event("E1".into())));
        assert!(!only.admits(&Resolved::Event("E2".into())));
        assert!(!only.admits(&Resolved::Unknown));
        assert!(Limit::all().admits(&Resolved::Unknown));
        let both = only.and(&Limit::only(["E1".to_string(), "E2".to_string()]));
        assert_eq!(both, Limit::only(["E1".to_string()]));
        assert_eq!(Limit::all().and(&only), only);
    }
}
