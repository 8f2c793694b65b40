//! The organisation a server speaks for: its Ed25519 root keys (made once
//! by `muster server init`, rotated, exported sealed), the device
//! certificates it signs for laptops that join, and the verification of any
//! certificate code against all of that (the public `/v/<CODE>` page).
//!
//! Everything lives in the backend's `trust` table as JSON records (`org`:
//! name, public URL and the keys with their secrets; `device:<id>`: a
//! device certificate; `device_revoked:<id>`: when a device was revoked),
//! so SQLite and PostgreSQL behave the same with no SQL of their own.
//! Certificate revocations are laptops' synced facts
//! (`certificate_revocation`), read from the change log.

use crate::storage::{Backend, DeviceInfo, Result, StorageError};
use ed25519_dalek::SigningKey;
use muster_protocol::trust::{self, Checked, Code, DeviceCertificate, EventName, JoinRequest, JoinResponse, OrgKey, Revocation, Trust};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The organisation as the server keeps it (secrets included: this is
/// what `server key export` seals).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrgRecord {
    pub name: String,
    #[serde(default)]
    pub public_url: Option<String>,
    pub created_at: String,
    pub keys: Vec<SecretKey>,
}

/// An org key with its secret half (hex).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SecretKey {
    #[serde(flatten)]
    pub key: OrgKey,
    pub secret_key: String,
}

impl SecretKey {
    fn signing(&self) -> Result<SigningKey> {
        let b: [u8; 32] = trust::from_hex(&self.secret_key)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| StorageError::Invalid(format!("the stored secret of org key {} is damaged", self.key.key_id)))?;
        Ok(SigningKey::from_bytes(&b))
    }
}

impl OrgRecord {
    /// The key that signs now.
    fn current(&self) -> Result<&SecretKey> {
        self.keys
            .iter()
            .filter(|k| k.key.retired_at.is_none())
            .max_by(|a, b| a.key.created_at.cmp(&b.key.created_at))
            .ok_or_else(|| StorageError::Invalid("the organisation has no key in force; rotate to make one".into()))
    }
}

fn fresh_key() -> SigningKey {
    let mut k = [0u8; 32];
    getrandom::fill(&mut k).expect("the OS has randomness for keys");
    SigningKey::from_bytes(&k)
}

fn now_ms() -> String {
    let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
    trust::format_ms(ms)
}

/// An address the public sees, checked: `http(s)://host[:port][/path]`.
pub fn check_public_url(url: &str) -> Result<String> {
    let t = url.trim().trim_end_matches('/');
    let lower = t.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
    if rest.is_none_or(|r| r.is_empty() || r.starts_with('/')) || t.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#')) {
        return Err(StorageError::Invalid(format!(
            "the public URL {} must be http(s)://host[:port][/path], e.g. https://verify.example.org (field public_url)",
            muster_protocol::rules::quote(url)
        )));
    }
    Ok(t.to_string())
}

/// What the server says about a code (the `/v/<CODE>` page and its JSON).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked: Option<trust::RevokedAt>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hours: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<String>,
    /// Whether a laptop synced this certificate to the organisation.
    pub recorded: bool,
}

impl Verdict {
    /// A "not genuine" verdict with its reason.
    pub fn invalid_public(reason: &str) -> Verdict {
        Verdict::invalid(reason)
    }

    fn invalid(reason: impl Into<String>) -> Verdict {
        Verdict {
            valid: false,
            reason: Some(reason.into()),
            revoked: None,
            id: None,
            number: None,
            name: None,
            event: None,
            event_ref: None,
            hours: None,
            org: None,
            issued_by: None,
            issued_at: None,
            recorded: false,
        }
    }
}

impl Backend {
    pub(crate) async fn kv_get(&self, key: &str) -> Result<Option<String>> {
        match self {
            Backend::Sqlite(s) => s.kv_get(key).await,
            Backend::Postgres(p) => p.kv_get(key).await,
        }
    }

    pub(crate) async fn kv_put(&self, key: &str, value: &str, only_new: bool) -> Result<bool> {
        match self {
            Backend::Sqlite(s) => s.kv_put(key, value, only_new).await,
            Backend::Postgres(p) => p.kv_put(key, value, only_new).await,
        }
    }

    pub(crate) async fn kv_prefix(&self, prefix: &str) -> Result<Vec<(String, String)>> {
        match self {
            Backend::Sqlite(s) => s.kv_prefix(prefix).await,
            Backend::Postgres(p) => p.kv_prefix(prefix).await,
        }
    }

    /// (entity id, fields) of every insert of `entity` the server holds.
    pub async fn inserts_of(&self, entity: &str) -> Result<Vec<(String, Value)>> {
        let rows = match self {
            Backend::Sqlite(s) => s.inserts_of(entity).await?,
            Backend::Postgres(p) => p.inserts_of(entity).await?,
        };
        Ok(rows.into_iter().filter_map(|(id, f)| Some((id, serde_json::from_str(&f).ok()?))).collect())
    }

    /// The organisation, once `init` made it.
    pub async fn org(&self) -> Result<Option<OrgRecord>> {
        match self.kv_get("org").await? {
            Some(v) => serde_json::from_str(&v).map(Some).map_err(|e| StorageError::Invalid(format!("the stored organisation is damaged: {e}"))),
            None => Ok(None),
        }
    }

    async fn org_required(&self) -> Result<OrgRecord> {
        self.org().await?.ok_or_else(|| {
            StorageError::Invalid("this server has no organisation yet: run `muster server init --store S --org NAME` first".into())
        })
    }

    /// Creates the organisation and its first root key; a second init is
    /// refused (`Conflict`) and changes nothing.
    pub async fn init_org(&self, name: &str, public_url: Option<&str>) -> Result<OrgKey> {
        let name = name.trim();
        if name.is_empty() || name.chars().any(char::is_control) || name.chars().count() > 200 {
            return Err(StorageError::Invalid("the organisation needs a name of 1–200 characters on one line (field org)".into()));
        }
        let public_url = public_url.map(check_public_url).transpose()?;
        if let Some(o) = self.org().await? {
            return Err(already(&o));
        }
        let key = fresh_key();
        let at = now_ms();
        let record = OrgKey::new(&key, &at, None);
        let org = OrgRecord {
            name: name.to_string(),
            public_url,
            created_at: at,
            keys: vec![SecretKey { key: record.clone(), secret_key: trust::to_hex(&key.to_bytes()) }],
        };
        if !self.kv_put("org", &serde_json::to_string(&org).unwrap_or_default(), true).await? {
            return Err(already(&self.org_required().await?));
        }
        Ok(record)
    }

    /// Retires the key in force and makes a new one, endorsed by it. The
    /// old key keeps verifying what it signed.
    pub async fn rotate_key(&self) -> Result<(OrgKey, String)> {
        let mut org = self.org_required().await?;
        let old = org.current()?.clone();
        let key = fresh_key();
        let at = now_ms();
        let record = OrgKey::new(&key, &at, Some(&old.signing()?));
        for k in &mut org.keys {
            if k.key.key_id == old.key.key_id {
                k.key.retired_at = Some(at.clone());
                k.key.vouch_with(&key);
            }
        }
        org.keys.push(SecretKey { key: record.clone(), secret_key: trust::to_hex(&key.to_bytes()) });
        self.kv_put("org", &serde_json::to_string(&org).unwrap_or_default(), false).await?;
        Ok((record, old.key.key_id))
    }

    /// Signs the device certificate of a joining laptop (once per token;
    /// the same key again gets the same certificate).
    pub async fn join(&self, device: &DeviceInfo, req: &JoinRequest) -> Result<JoinResponse> {
        let org = self.org_required().await?;
        let public = req.public_key.trim().to_ascii_lowercase();
        let valid = trust::from_hex(&public)
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .is_some_and(|b| ed25519_dalek::VerifyingKey::from_bytes(&b).is_ok());
        if !valid {
            return Err(StorageError::Invalid("public_key: not 64 hex digits of an Ed25519 public key".into()));
        }
        let key = format!("device:{}", device.id);
        match self.kv_get(&key).await? {
            Some(v) => {
                let held: DeviceCertificate = serde_json::from_str(&v).map_err(|e| StorageError::Invalid(format!("stored device certificate: {e}")))?;
                if held.public_key != public {
                    return Err(StorageError::Conflict(format!(
                        "this token already joined with another laptop's key (device {:?}); pair a new device for this laptop",
                        device.name
                    )));
                }
            }
            None => {
                let signer = org.current()?.signing()?;
                let cert = DeviceCertificate::issue(&signer, &device.id, &device.name, &public, &now_ms());
                if !self.kv_put(&key, &serde_json::to_string(&cert).unwrap_or_default(), true).await? {
                    return Box::pin(self.join(device, req)).await;
                }
            }
        }
        let events = self.limit_of(&device.id).await?.filter(|l| l.programme.is_none()).map(|l| l.events);
        Ok(JoinResponse { device_id: device.id.clone(), trust: self.trust().await?, events })
    }

    /// Records when a device was revoked (the first time only).
    pub(crate) async fn mark_revoked(&self, id: &str) -> Result<()> {
        self.kv_put(&format!("device_revoked:{id}"), &now_ms(), true).await?;
        Ok(())
    }

    /// Everything a laptop or a verifier needs: public keys, device
    /// certificates with their revocations, revoked certificates, events.
    pub async fn trust(&self) -> Result<Trust> {
        let org = self.org_required().await?;
        let revoked_at: std::collections::HashMap<String, String> = self
            .kv_prefix("device_revoked:")
            .await?
            .into_iter()
            .map(|(k, v)| (k.trim_start_matches("device_revoked:").to_string(), v))
            .collect();
        let mut devices = Vec::new();
        for (_, v) in self.kv_prefix("device:").await? {
            if let Ok(mut d) = serde_json::from_str::<DeviceCertificate>(&v) {
                d.revoked_at = revoked_at.get(&d.device_id).cloned();
                devices.push(d);
            }
        }
        let revoked = self
            .inserts_of("certificate_revocation")
            .await?
            .into_iter()
            .filter_map(|(_, f)| {
                Some(Revocation {
                    certificate_id: f.get("certificate_id")?.as_str()?.to_string(),
                    reason: f.get("reason").and_then(Value::as_str).unwrap_or_default().to_string(),
                    revoked_at: f.get("created_at").and_then(Value::as_str).unwrap_or_default().to_string(),
                })
            })
            .collect();
        let events = self
            .summary()
            .await?
            .events
            .into_iter()
            .map(|(id, name)| EventName { event_ref: trust::event_ref_hex(&id), name })
            .collect();
        Ok(Trust { org: org.name, public_url: org.public_url, keys: org.keys.into_iter().map(|k| k.key).collect(), devices, revoked, events })
    }

    /// Verifies a code, a verification URL or a certificate number.
    pub async fn verify(&self, input: &str) -> Result<Verdict> {
        let Some(org) = self.org().await? else {
            return Ok(Verdict::invalid("this server has no organisation, so it vouches for no certificate"));
        };
        let certificates = self.inserts_of("certificate").await?;
        let owned;
        let text = match trust::parse_certificate_number(trust::code_text(input)) {
            Some(n) => match certificates.iter().find(|(id, _)| trust::certificate_number(id) == n) {
                Some((_, f)) => {
                    owned = f.get("code").and_then(Value::as_str).unwrap_or_default().to_string();
                    owned.as_str()
                }
                None => return Ok(Verdict::invalid(format!("no certificate numbered {n} is recorded by {}", org.name))),
            },
            None => input,
        };
        let code = match Code::parse(text) {
            Ok(c) => c,
            Err(e) => return Ok(Verdict::invalid(e)),
        };
        let id = code.id_string();
        let held = certificates.iter().find(|(i, _)| *i == id).map(|(_, f)| f.clone());
        let recorded = held.as_ref().and_then(|f| f.get("code")?.as_str().map(|c| trust::unbase32(c).ok() == trust::unbase32(&code.text()).ok())).unwrap_or(false);
        let t = self.trust().await?;
        let pinned = t.key_ids();
        let t = t.checked(&pinned);
        let checked = if code.version == trust::CODE_V1 {
            // Before organisations: a laptop's own key, known here only
            // through the certificate that laptop synced.
            let key = held.as_ref().and_then(|f| f.get("public_key")?.as_str().and_then(trust::from_hex)).and_then(|b| <[u8; 32]>::try_from(b).ok());
            match key {
                Some(k) if recorded && code.signed_by(&k) => {
                    let by = held.as_ref().and_then(|f| f.get("device_id")?.as_str().map(String::from)).unwrap_or_default();
                    t.listed(
                        &id,
                        DeviceCertificate {
                            device_id: by.clone(),
                            name: by,
                            public_key: trust::to_hex(&k),
                            valid_from: String::new(),
                            org_key_id: String::new(),
                            signature: String::new(),
                            revoked_at: None,
                        },
                    )
                }
                _ => Checked::NotGenuine("this code was signed by one laptop's own key and the organisation holds no record of it".into()),
            }
        } else {
            t.verify(&code)
        };
        let mut v = Verdict {
            valid: false,
            reason: None,
            revoked: None,
            id: Some(id.clone()),
            number: Some(trust::certificate_number(&id)),
            name: Some(code.name.clone()),
            event: None,
            event_ref: Some(trust::to_hex(&code.event_ref)),
            hours: Some(code.hours_tenths as f64 / 10.0),
            org: Some(org.name.clone()),
            issued_by: None,
            issued_at: Some(code.signed_at()),
            recorded,
        };
        v.event = t.event_name(&trust::to_hex(&code.event_ref)).map(String::from).or(v.event_ref.clone());
        let outcome = checked.outcome();
        if outcome.device.is_none() {
            return Ok(Verdict { org: Some(org.name), ..Verdict::invalid(outcome.reason.unwrap_or_default()) });
        }
        v.valid = outcome.valid;
        v.issued_by = outcome.device.map(|d| d.name);
        v.reason = outcome.reason;
        v.revoked = outcome.revoked;
        Ok(v)
    }
}

fn already(o: &OrgRecord) -> StorageError {
    let id = o.keys.first().map(|k| k.key.key_id.as_str()).unwrap_or("?");
    StorageError::Conflict(format!(
        "this server already belongs to the organisation {:?} (key {id}); init runs once. Use `muster server key rotate` for a new key",
        o.name
    ))
}
