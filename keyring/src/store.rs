//! The on-disk keyring: one `<name>.info` JSON file per key.

use std::fmt;
use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use gpuchain_types::Address;
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::error::{KeyringError, Result};
use crate::key::{derive, generate_mnemonic, SecretKey};

/// Name of the keyring directory under the node home (`<home>/keyring-test`).
pub const KEYRING_DIR_NAME: &str = "keyring-test";
/// The Cosmos type URL of a secp256k1 public key.
pub const PUBKEY_TYPE_URL: &str = "/cosmos.crypto.secp256k1.PubKey";

const KEY_TYPE_LOCAL: &str = "local";
const EXT: &str = ".info";

/// Checks a key name: 1..=64 characters of `[A-Za-z0-9_.-]`.
pub fn validate_name(name: &str) -> Result<()> {
    let ok = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(KeyringError::InvalidName(name.to_string()))
    }
}

/// Public information about a stored key, serialized like the SDK's
/// `keys show/list` output: `name`, `type`, `address`, `pubkey`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    pub name: String,
    /// Always `"local"`.
    #[serde(rename = "type")]
    pub key_type: String,
    /// Bech32 `gpu1...` address.
    pub address: String,
    /// `{"@type":"/cosmos.crypto.secp256k1.PubKey","key":"<base64>"}` as a string.
    pub pubkey: String,
    /// The 33-byte compressed public key.
    #[serde(skip)]
    pub public_key: [u8; 33],
    /// The parsed account address.
    #[serde(skip)]
    pub account: Address,
}

impl KeyInfo {
    fn from_secret(name: &str, key: &SecretKey) -> Self {
        let public_key = key.public_key_compressed();
        let account = key.address();
        Self {
            name: name.to_string(),
            key_type: KEY_TYPE_LOCAL.to_string(),
            address: account.to_string(),
            pubkey: format!(
                r#"{{"@type":"{PUBKEY_TYPE_URL}","key":"{}"}}"#,
                B64.encode(public_key)
            ),
            public_key,
            account,
        }
    }
}

#[derive(Serialize, Deserialize, PartialEq, Eq)]
struct PubKeyJson {
    #[serde(rename = "@type")]
    type_url: String,
    key: String,
}

/// The JSON record in `<name>.info`.
#[derive(Serialize, Deserialize)]
struct StoredKey {
    name: String,
    #[serde(rename = "type")]
    key_type: String,
    address: String,
    pubkey: PubKeyJson,
    pubkey_base64: String,
    privkey_hex: String,
}

impl fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredKey")
            .field("name", &self.name)
            .field("address", &self.address)
            .field("privkey_hex", &"<redacted>")
            .finish()
    }
}

impl StoredKey {
    fn new(name: &str, key: &SecretKey) -> Self {
        let pk = B64.encode(key.public_key_compressed());
        Self {
            name: name.to_string(),
            key_type: KEY_TYPE_LOCAL.to_string(),
            address: key.address().to_string(),
            pubkey: PubKeyJson {
                type_url: PUBKEY_TYPE_URL.to_string(),
                key: pk.clone(),
            },
            pubkey_base64: pk,
            privkey_hex: hex::encode(key.to_bytes()),
        }
    }

    /// Parses the key and checks every public field against it.
    fn secret(&self, expected_name: &str) -> Result<SecretKey> {
        let corrupt = |what: &str| KeyringError::Corrupt(format!("key {expected_name:?}: {what}"));
        if self.name != expected_name {
            return Err(corrupt("name does not match file name"));
        }
        if self.key_type != KEY_TYPE_LOCAL {
            return Err(corrupt("unsupported key type"));
        }
        let bytes = hex::decode(&self.privkey_hex).map_err(|_| corrupt("private key not hex"))?;
        let key = SecretKey::from_bytes(&bytes).map_err(|_| corrupt("invalid private key"))?;
        let expected = Self::new(expected_name, &key);
        if self.pubkey != expected.pubkey || self.pubkey_base64 != expected.pubkey_base64 {
            return Err(corrupt("public key does not match private key"));
        }
        if self.address != expected.address {
            return Err(corrupt("address does not match private key"));
        }
        Ok(key)
    }
}

/// A directory of unencrypted key files (the SDK's `test` backend).
#[derive(Debug, Clone)]
pub struct Keyring {
    dir: PathBuf,
}

impl Keyring {
    /// Opens (creating with mode 0700 if missing) the keyring directory `dir`.
    pub fn open(dir: &Path) -> Result<Self> {
        DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        if !fs::metadata(dir)?.is_dir() {
            return Err(KeyringError::Io(std::io::Error::other(format!(
                "{} is not a directory",
                dir.display()
            ))));
        }
        Ok(Self {
            dir: dir.to_path_buf(),
        })
    }

    /// Opens `<home>/keyring-test`.
    pub fn open_in_home(home: &Path) -> Result<Self> {
        Self::open(&home.join(KEYRING_DIR_NAME))
    }

    /// The keyring directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_of(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}{EXT}"))
    }

    /// Whether a key named `name` exists.
    pub fn exists(&self, name: &str) -> Result<bool> {
        validate_name(name)?;
        Ok(self.path_of(name).try_exists()?)
    }

    /// Adds key `name`, derived from `mnemonic` (or a freshly generated 24-word
    /// one, which is returned) with BIP39 `passphrase` at
    /// `m/44'/118'/0'/0/{index}`. Fails with `AlreadyExists` if the name is taken
    /// and `overwrite` is false. Several names may hold the same key.
    pub fn add(
        &self,
        name: &str,
        mnemonic: Option<&str>,
        passphrase: &str,
        index: u32,
        overwrite: bool,
    ) -> Result<(KeyInfo, Option<String>)> {
        validate_name(name)?;
        if !overwrite && self.path_of(name).try_exists()? {
            return Err(KeyringError::AlreadyExists(name.to_string()));
        }
        let (phrase, generated) = match mnemonic {
            Some(m) => (m.to_string(), false),
            None => (generate_mnemonic(), true),
        };
        let key = derive(&phrase, passphrase, index)?;
        self.write_key(name, &key, overwrite)?;
        Ok((
            KeyInfo::from_secret(name, &key),
            generated.then_some(phrase),
        ))
    }

    /// Stores an existing private key under `name`.
    pub fn import_secret(&self, name: &str, key: &SecretKey, overwrite: bool) -> Result<KeyInfo> {
        validate_name(name)?;
        self.write_key(name, key, overwrite)?;
        Ok(KeyInfo::from_secret(name, key))
    }

    fn load(&self, name: &str) -> Result<SecretKey> {
        validate_name(name)?;
        let data = match fs::read(self.path_of(name)) {
            Ok(d) => d,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Err(KeyringError::NotFound(name.to_string()))
            }
            Err(e) => return Err(e.into()),
        };
        let stored: StoredKey = serde_json::from_slice(&data).map_err(|e| {
            KeyringError::Corrupt(format!("key {name:?}: malformed JSON at line {}", e.line()))
        })?;
        stored.secret(name)
    }

    /// Public information about key `name`.
    pub fn get(&self, name: &str) -> Result<KeyInfo> {
        let key = self.load(name)?;
        Ok(KeyInfo::from_secret(name, &key))
    }

    /// The private key of `name`, for signing.
    pub fn signing_key(&self, name: &str) -> Result<SecretKey> {
        self.load(name)
    }

    /// All keys, sorted by name. Files that are not `<valid name>.info` are ignored.
    pub fn list(&self) -> Result<Vec<KeyInfo>> {
        let mut names = Vec::new();
        for entry in fs::read_dir(&self.dir)? {
            let entry = entry?;
            let file_name = entry.file_name();
            let Some(name) = file_name.to_str().and_then(|f| f.strip_suffix(EXT)) else {
                continue;
            };
            if validate_name(name).is_ok() && entry.file_type()?.is_file() {
                names.push(name.to_string());
            }
        }
        names.sort();
        names.iter().map(|n| self.get(n)).collect()
    }

    /// Removes key `name`; `NotFound` if there is none.
    pub fn delete(&self, name: &str) -> Result<()> {
        validate_name(name)?;
        match fs::remove_file(self.path_of(name)) {
            Ok(()) => {
                self.sync_dir();
                Ok(())
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {
                Err(KeyringError::NotFound(name.to_string()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The first key (by name) whose address is `address`.
    pub fn find_by_address(&self, address: &Address) -> Result<Option<KeyInfo>> {
        Ok(self.list()?.into_iter().find(|k| k.account == *address))
    }

    /// Writes `<name>.info` atomically: a 0600 temp file in the same
    /// directory, fsynced, then renamed (or hard-linked when `overwrite` is
    /// false, so that an existing key is never replaced).
    fn write_key(&self, name: &str, key: &SecretKey, overwrite: bool) -> Result<()> {
        let stored = StoredKey::new(name, key);
        let json = serde_json::to_vec_pretty(&stored)
            .map_err(|e| KeyringError::Corrupt(format!("cannot encode key {name:?}: {e}")))?;
        let tmp = self.dir.join(format!(
            ".{name}{EXT}.tmp-{}-{:016x}",
            std::process::id(),
            rand::rngs::OsRng.next_u64()
        ));
        let result = Self::write_new_file(&tmp, &json).and_then(|()| {
            let target = self.path_of(name);
            if overwrite {
                fs::rename(&tmp, &target).map_err(KeyringError::from)
            } else {
                fs::hard_link(&tmp, &target).map_err(|e| {
                    if e.kind() == ErrorKind::AlreadyExists {
                        KeyringError::AlreadyExists(name.to_string())
                    } else {
                        e.into()
                    }
                })
            }
        });
        // After a rename the temp name is gone; otherwise remove it.
        let _ = fs::remove_file(&tmp);
        result?;
        self.sync_dir();
        Ok(())
    }

    fn write_new_file(path: &Path, data: &[u8]) -> Result<()> {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)?;
        f.write_all(data)?;
        f.sync_all()?;
        Ok(())
    }

    /// Best effort: persist directory entries (new/renamed/removed files).
    fn sync_dir(&self) {
        if let Ok(d) = File::open(&self.dir) {
            let _ = d.sync_all();
        }
    }
}
