//! Editing a trainee: a patch of fields, validated and normalised exactly as
//! the roster importer does, written as a field-level change.

use crate::model::{Trainee, TraineeFields};
use crate::normalize;
use crate::store::{self, Store};
use crate::error::Said;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// Fields to change. `None` leaves a field alone; `Some("")` clears an
/// optional field.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TraineePatch {
    pub name: Option<String>,
    pub gender: Option<String>,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub age: Option<String>,
    pub birth_date: Option<String>,
    pub organization: Option<String>,
    pub occupation: Option<String>,
    /// The note shown at the door (kept in the roster's note column, `备注`
    /// unless the roster named it otherwise); empty clears it.
    #[serde(default)]
    pub note: Option<String>,
    /// The Latin form of the name for certificates (kept in the roster's
    /// English-name column, or `name (latin)`); empty: there is none.
    #[serde(default)]
    pub name_latin: Option<String>,
}

fn field_error(field: &str, said: Said) -> Error {
    let Said { english, msg } = said;
    Error::invalid_at(format!("{field}: {english}"), None, None, Some(field)).with_msg(msg)
}

/// `None` → keep; `Some("")` → clear; else validate with `f`.
fn apply<T>(
    field: &str,
    value: &Option<String>,
    current: &mut Option<T>,
    f: impl FnOnce(&str) -> std::result::Result<T, Said>,
) -> Result<()> {
    if let Some(v) = value {
        let v = normalize::text(v);
        *current = if v.is_empty() { None } else { Some(f(&v).map_err(|m| field_error(field, m))?) };
    }
    Ok(())
}

impl TraineePatch {
    /// The trainee's fields with this patch applied, or the first invalid field.
    pub fn apply_to(&self, old: &TraineeFields) -> Result<TraineeFields> {
        let mut new = old.clone();
        if let Some(name) = &self.name {
            new.name = normalize::name(name).map_err(|m| field_error("name", m))?;
        }
        apply("gender", &self.gender, &mut new.gender, |v| {
            normalize::gender(v).ok_or_else(|| Said::new(format!("{} is not 男/女/male/female", crate::quote(v)), "roster.gender", &[("value", &crate::quote(v))]))
        })?;
        apply("phone", &self.phone, &mut new.phone, normalize::phone)?;
        apply("id_number", &self.id_number, &mut new.id_number, normalize::id_number)?;
        apply("age", &self.age, &mut new.age, normalize::age)?;
        apply("birth_date", &self.birth_date, &mut new.birth_date, normalize::birth_date)?;
        apply("organization", &self.organization, &mut new.organization, |v| Ok::<_, Said>(v.to_string()))?;
        apply("occupation", &self.occupation, &mut new.occupation, |v| Ok::<_, Said>(v.to_string()))?;
        if let Some(note) = &self.note {
            let note = normalize::text(note);
            let key = new
                .extra
                .keys()
                .find(|k| crate::model::NOTE_KEYS.contains(&k.trim().to_lowercase().as_str()))
                .cloned()
                .unwrap_or_else(|| "备注".to_string());
            if note.is_empty() {
                new.extra.remove(&key);
            } else if note.chars().count() > 500 {
                return Err(field_error("note", Said::new("a note at the door is at most 500 characters", "trainee.note_long", &[])));
            } else {
                new.extra.insert(key, note);
            }
        }
        if let Some(latin) = &self.name_latin {
            let latin = normalize::text(latin);
            if latin.chars().count() > 100 {
                return Err(field_error("name_latin", Said::new("the Latin form of a name is at most 100 characters", "trainee.latin_long", &[])));
            }
            if let Some(c) = latin.chars().find(|c| c.is_alphabetic() && !crate::certificates::is_latin_letter(*c)) {
                return Err(field_error(
                    "name_latin",
                    Said::new(format!("the Latin form of a name is written in Latin letters, not {}", crate::quote(&c.to_string())), "trainee.latin_letters", &[("char", &crate::quote(&c.to_string()))]),
                ));
            }
            let key = new
                .extra
                .keys()
                .find(|k| crate::certificates::LATIN_KEYS.contains(&k.trim().to_lowercase().as_str()))
                .cloned()
                .unwrap_or_else(|| crate::certificates::LATIN_KEY.to_string());
            // Empty is "there is none", said once: kept under our own key,
            // which a later reading finds even beside an empty column.
            if latin.is_empty() {
                new.extra.insert(crate::certificates::LATIN_KEY.to_string(), String::new());
            }
            new.extra.insert(key, latin);
        }
        Ok(new)
    }
}

pub(crate) fn edit(store: &mut Store, id: &str, patch: &TraineePatch) -> Result<Trainee> {
    store.write(|w| {
        let old = store::trainees::get_in(w, id)?.ok_or_else(|| Error::NotFound { kind: "trainee", id: id.to_string() })?;
        let new = patch.apply_to(&old.fields)?;
        store::trainees::update(w, id, &old.fields, &new)?;
        Ok(())
    })?;
    store::trainees::get(store, id)?.ok_or_else(|| Error::NotFound { kind: "trainee", id: id.to_string() })
}

/// A walk-in: someone not on the roster, registered at the door with the
/// minimum. Returns the new trainee and the trainees it may duplicate (same
/// mobile or ID number) — reported, never merged silently.
pub(crate) fn walk_in(
    store: &mut Store,
    event_id: &str,
    name: &str,
    phone: Option<&str>,
    id_number: Option<&str>,
) -> Result<(Trainee, Vec<Trainee>)> {
    let patch = TraineePatch {
        name: Some(name.to_string()),
        phone: phone.map(String::from),
        id_number: id_number.map(String::from),
        ..TraineePatch::default()
    };
    let fields = patch.apply_to(&TraineeFields::default())?;
    let id = store.write(|w| {
        if !store::events::exists_in(w, event_id)? {
            return Err(Error::NotFound { kind: "event", id: event_id.to_string() });
        }
        store::trainees::insert_full(w, event_id, &fields, true)
    })?;
    let t = store::trainees::get(store, &id)?.ok_or_else(|| Error::NotFound { kind: "trainee", id: id.clone() })?;
    let others = store::trainees::sharing_phone_or_id(store, event_id, &t)?;
    Ok((t, others))
}

/// Trainees that may be one person.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DuplicateGroup {
    /// `phone` or `id_number`.
    pub by: String,
    pub value: String,
    pub trainees: Vec<Trainee>,
}

pub(crate) fn possible_duplicates(store: &Store, event_id: &str) -> Result<Vec<DuplicateGroup>> {
    let mut out = Vec::new();
    for (by, value, ids) in store::trainees::duplicate_groups(store, event_id)? {
        out.push(DuplicateGroup { by, value, trainees: store::trainees::many(store, &ids)? });
    }
    Ok(out)
}

/// Merges `other` into `keep` (same event): `other` leaves the roster and
/// search, its check-ins count for `keep`. Recorded as a change, reversible
/// by inspection, never done without a coordinator asking.
pub(crate) fn merge(store: &mut Store, keep: &str, other: &str) -> Result<Trainee> {
    if keep == other {
        return Err(Error::invalid_at("cannot merge a trainee into itself", None, None, Some("other")));
    }
    store.write(|w| {
        w.audit_as("merge");
        let k = store::trainees::get_in(w, keep)?.ok_or_else(|| Error::NotFound { kind: "trainee", id: keep.to_string() })?;
        let o = store::trainees::get_in(w, other)?.ok_or_else(|| Error::NotFound { kind: "trainee", id: other.to_string() })?;
        if k.event_id != o.event_id {
            return Err(Error::invalid("the two trainees belong to different events"));
        }
        if k.merged_into.is_some() || o.merged_into.is_some() {
            return Err(Error::Conflict("one of the two has already been merged".into()));
        }
        // Fill the kept record's empty fields from the other one.
        let mut filled = k.fields.clone();
        macro_rules! fill {
            ($($f:ident),*) => { $( if filled.$f.is_none() { filled.$f = o.fields.$f.clone(); } )* };
        }
        fill!(gender, phone, id_number, age, birth_date, organization, occupation);
        for (key, v) in &o.fields.extra {
            filled.extra.entry(key.clone()).or_insert_with(|| v.clone());
        }
        store::trainees::update(w, keep, &k.fields, &filled)?;
        store::trainees::mark_merged(w, other, keep)
    })?;
    store::trainees::get(store, keep)?.ok_or_else(|| Error::NotFound { kind: "trainee", id: keep.to_string() })
}
