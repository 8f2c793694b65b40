//! Where a laptop keeps its server and device token: a small JSON file
//! beside the store (`<store>.sync.json`, readable by the owner only), the
//! same for the app and the `muster` command line. The token never goes
//! into the store (a backup or a sync file never carries it) nor any log.
//! A store beside an older app's `sync.json` still finds it.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Server URL and device token.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    pub url: String,
    pub token: String,
}

// Never print the token.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config").field("url", &self.url).field("token", &"***").finish()
    }
}

/// The settings file of the store at `db`.
pub fn path_for(db: &Path) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".sync.json");
    db.with_file_name(name)
}

/// The settings of the store at `db`, if any were saved (also an older
/// app's `sync.json` in the same folder).
pub fn load(db: &Path) -> Option<Config> {
    [path_for(db), db.with_file_name("sync.json")]
        .iter()
        .find_map(|p| std::fs::read(p).ok().and_then(|b| serde_json::from_slice::<Config>(&b).ok()))
        .filter(|c| !c.url.is_empty() || !c.token.is_empty())
}

/// Saves the settings of the store at `db` (atomically, mode 0600).
pub fn save(db: &Path, c: &Config) -> std::io::Result<PathBuf> {
    let path = path_for(db);
    write_private(&path, &serde_json::to_vec_pretty(c).map_err(std::io::Error::other)?)?;
    Ok(path)
}

/// Writes `bytes` to `path`, readable by the owner only (it holds a token).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.part");
    {
        use std::io::Write;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}
