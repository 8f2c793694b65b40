//! The unlock screen's commands: an encrypted store is opened only once the
//! user gives its passphrase. The passphrase is used to open the store (and
//! the sync worker's connection) and then dropped: never logged, never
//! written anywhere.

use crate::sync::SyncWorker;
use crate::AppState;
use muster_core::Muster;
use tauri::State;

crate::commands! {
    /// Whether the store is encrypted and waits for its passphrase.
    pub async fn store_locked(state: State<'_, AppState>; ) -> bool {
        Ok(state.is_locked())
    }

    /// Whether the open store is encrypted, so exports are sealed unless the
    /// user asks for a plain file (the export dialogs show that choice then).
    pub async fn store_encrypted(state: State<'_, AppState>; ) -> bool {
        if state.is_locked() {
            return Ok(true);
        }
        state.with(|m| Ok(m.encrypted()))
    }

    /// Opens the encrypted store with `passphrase`. A wrong one is an
    /// `invalid_input` error with field `passphrase`, and nothing changes.
    pub async fn unlock(state: State<'_, AppState>, worker: State<'_, SyncWorker>; passphrase: String) -> () {
        if !state.is_locked() {
            return Ok(());
        }
        let path = state.db_path.clone();
        let (m, for_sync) = tauri::async_runtime::spawn_blocking(move || {
            let m = Muster::open_with(&path, Some(&passphrase))?;
            // The sync thread's own connection, keyed now: it never sees the passphrase.
            let for_sync = Muster::open_with(&path, Some(&passphrase)).ok();
            Ok::<_, muster_core::Error>((m, for_sync))
        })
        .await
        .map_err(|e| crate::shell_error(muster_core::ErrorCode::Storage, format!("unlocking failed: {e}")))?
        .map_err(|e| e.to_payload())?;
        if let Some(s) = for_sync {
            worker.provide_store(s);
        }
        state.set_unlocked(m);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::invoke;
    use crate::{setup, AppState};
    use muster_core::Muster;
    use tauri::test::{mock_builder, mock_context, noop_assets};
    use std::path::Path;

    #[test]
    fn an_encrypted_store_opens_only_after_unlock() {
        let dir = tempfile_dir("unlock");
        let db = dir.join("muster.db");
        let mut m = Muster::open_with(&db, Some("open sesame")).unwrap();
        m.create_demo_event().unwrap();
        drop(m);
        let before = std::fs::read(&db).unwrap();

        let state = AppState::open(&db).unwrap();
        assert!(state.is_locked());
        let app = setup(mock_builder(), state).build(mock_context(noop_assets())).unwrap();
        assert_eq!(invoke(&app, "store_locked", serde_json::json!({})).unwrap(), serde_json::json!(true));
        let err = invoke(&app, "list_events", serde_json::json!({})).unwrap_err();
        assert_eq!(err["code"], "invalid_input");
        assert_eq!(err["field"], "passphrase");

        let err = invoke(&app, "unlock", serde_json::json!({"passphrase": "wrong"})).unwrap_err();
        assert_eq!(err["code"], "invalid_input");
        assert_eq!(err["message"], "the passphrase does not open this store");
        assert_eq!(std::fs::read(&db).unwrap(), before, "a wrong passphrase changes nothing");

        invoke(&app, "unlock", serde_json::json!({"passphrase": "open sesame"})).unwrap();
        assert_eq!(invoke(&app, "store_locked", serde_json::json!({})).unwrap(), serde_json::json!(false));
        let events = invoke(&app, "list_events", serde_json::json!({})).unwrap();
        assert_eq!(events.as_array().unwrap().len(), 1);
        drop(app);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_encrypted_stores_exports_are_sealed_unless_plain() {
        let dir = tempfile_dir("exports");
        let db = dir.join("muster.db");
        let mut m = Muster::open_with(&db, Some("open sesame")).unwrap();
        let event = m.create_demo_event().unwrap().id;
        drop(m);
        let app = setup(mock_builder(), AppState::open(&db).unwrap()).build(mock_context(noop_assets())).unwrap();
        invoke(&app, "unlock", serde_json::json!({"passphrase": "open sesame"})).unwrap();
        assert_eq!(invoke(&app, "store_encrypted", serde_json::json!({})).unwrap(), serde_json::json!(true));

        let csv = dir.join("考勤.csv");
        let args = |plain: bool| serde_json::json!({"eventId": event, "path": csv.display().to_string(), "format": "csv", "plain": plain});
        let written = invoke(&app, "export_attendance", args(false)).unwrap();
        let sealed = dir.join("考勤.csv.zip");
        assert_eq!(written, sealed.display().to_string());
        assert!(!csv.exists());
        let (_, bytes) = muster_core::seal::open(&sealed, "open sesame").unwrap();
        let written = invoke(&app, "export_attendance", args(true)).unwrap();
        assert_eq!(written, csv.display().to_string(), "plain on request, at the path");
        assert_eq!(std::fs::read(&csv).unwrap(), bytes);

        let sync = dir.join("venue.sync");
        let out = invoke(&app, "export_sync_file", serde_json::json!({"path": sync.display().to_string()})).unwrap();
        assert_eq!((out["encrypted"].as_bool(), out["file"].as_str()), (Some(true), Some(format!("{}.zip", sync.display()).as_str())), "{out}");
        // The app reads its own sealed sync file back (nothing new).
        assert_eq!(invoke(&app, "import_sync_file", serde_json::json!({"path": out["file"]})).unwrap(), 0);

        // A stick for another laptop, whose store has its own passphrase:
        // sealed with one both know; the other laptop is asked for it.
        let stick = dir.join("stick.sync");
        let args = serde_json::json!({"path": stick.display().to_string(), "passphrase": "county hall"});
        let out = invoke(&app, "export_sync_file", args).unwrap();
        let file = out["file"].as_str().unwrap().to_string();
        assert!(muster_core::seal::open(Path::new(&file), "county hall").is_ok());
        let other_db = dir.join("other.db");
        drop(Muster::open_with(&other_db, Some("another laptop")).unwrap());
        let other = setup(mock_builder(), AppState::open(&other_db).unwrap()).build(mock_context(noop_assets())).unwrap();
        invoke(&other, "unlock", serde_json::json!({"passphrase": "another laptop"})).unwrap();
        let asked = invoke(&other, "import_sync_file", serde_json::json!({"path": file})).unwrap_err();
        assert_eq!((asked["code"].as_str(), asked["field"].as_str()), (Some("invalid_input"), Some("passphrase")), "{asked}");
        let wrong = invoke(&other, "import_sync_file", serde_json::json!({"path": file, "passphrase": "county hal"})).unwrap_err();
        assert_eq!(wrong["field"], "passphrase");
        let n = invoke(&other, "import_sync_file", serde_json::json!({"path": file, "passphrase": "county hall"})).unwrap();
        assert!(n.as_u64().is_some_and(|n| n > 26), "the demo event arrived: {n}");
        // The passphrase was for that file only: this laptop's exports are
        // sealed with its own again.
        let own = invoke(&other, "export_sync_file", serde_json::json!({"path": dir.join("own.sync").display().to_string()})).unwrap();
        assert!(muster_core::seal::open(Path::new(own["file"].as_str().unwrap()), "another laptop").is_ok());
        drop(other);
        drop(app);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_plain_store_is_never_locked() {
        let dir = tempfile_dir("plain");
        let state = AppState::open(&dir.join("muster.db")).unwrap();
        assert!(!state.is_locked());
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn tempfile_dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("muster-app-unlock-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
