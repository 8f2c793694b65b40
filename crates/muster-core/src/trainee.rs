//! Editing a trainee: a patch of fields, validated and normalised exactly as
//! the roster importer does, written as a field-level change.

use crate::model::{Trainee, TraineeFields};
use crate::normalize;
use crate::store::{self, Store};
use crate::{Error, Result};
use serde::Deserialize;

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
}

fn field_error(field: &str, message: String) -> Error {
    Error::invalid_at(format!("{field}: {message}"), None, None, Some(field))
}

/// `None` → keep; `Some("")` → clear; else validate with `f`.
fn apply<T>(
    field: &str,
    value: &Option<String>,
    current: &mut Option<T>,
    f: impl FnOnce(&str) -> std::result::Result<T, String>,
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
            let name = normalize::text(name);
            if name.is_empty() {
                return Err(field_error("name", "a trainee needs a name".into()));
            }
            new.name = name;
        }
        apply("gender", &self.gender, &mut new.gender, |v| {
            normalize::gender(v).ok_or_else(|| format!("'{v}' is not 男/女/male/female"))
        })?;
        apply("phone", &self.phone, &mut new.phone, normalize::phone)?;
        apply("id_number", &self.id_number, &mut new.id_number, normalize::id_number)?;
        apply("age", &self.age, &mut new.age, normalize::age)?;
        apply("birth_date", &self.birth_date, &mut new.birth_date, normalize::birth_date)?;
        apply("organization", &self.organization, &mut new.organization, |v| Ok(v.to_string()))?;
        apply("occupation", &self.occupation, &mut new.occupation, |v| Ok(v.to_string()))?;
        Ok(new)
    }
}

pub fn edit(store: &mut Store, id: &str, patch: &TraineePatch) -> Result<Trainee> {
    store.write(|w| {
        let old = store::trainees::get_in(w, id)?.ok_or_else(|| Error::NotFound { kind: "trainee", id: id.to_string() })?;
        let new = patch.apply_to(&old.fields)?;
        store::trainees::update(w, id, &old.fields, &new)?;
        Ok(())
    })?;
    store::trainees::get(store, id)?.ok_or_else(|| Error::NotFound { kind: "trainee", id: id.to_string() })
}
