//! The agent's key file.
//!
//! # Format
//!
//! A file readable by its owner only (on Unix: a regular file whose mode
//! gives the group and others nothing, e.g. `0600` or `0400`; anything else is
//! refused, like ssh refuses a world-readable private key). Its content is
//! one of:
//!
//! 1. the secp256k1 secret key as 64 hex characters (an optional `0x` prefix
//!    is accepted), e.g. what `gpuchaind keys export --unsafe` would print;
//! 2. an English BIP39 mnemonic (12 to 24 words), derived on the Cosmos path
//!    `m/44'/118'/0'/0/0` without a BIP39 passphrase, as
//!    `gpuchaind keys add NAME --recover` derives it;
//! 3. a `gpuchaind` keyring record (`<home>/keyring-test/<name>.info`, the
//!    JSON with `privkey_hex` and `address`): the address must match the key.
//!
//! Blank lines and lines starting with `#` are ignored in forms 1 and 2, so
//! the file may carry a comment. Error messages never contain key material.

use std::path::Path;

use gpuchain_keyring::SecretKey;

/// Why a key file was refused.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("could not read key file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("key file {path} is not a regular file")]
    NotAFile { path: String },
    #[error(
        "key file {path} has mode {mode:04o}: it must not be accessible by group or others \
         (chmod 600 {path})"
    )]
    Permissions { path: String, mode: u32 },
    #[error("key file {path}: {reason}")]
    Invalid { path: String, reason: String },
}

/// Reads and parses the key file at `path`, refusing it when its mode lets
/// the group or others read it.
pub fn load_key_file(path: &Path) -> Result<SecretKey, KeyFileError> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|source| KeyFileError::Io {
        path: shown.clone(),
        source,
    })?;
    if !meta.is_file() {
        return Err(KeyFileError::NotAFile { path: shown });
    }
    check_mode(&meta, &shown)?;
    let text = std::fs::read_to_string(path).map_err(|source| KeyFileError::Io {
        path: shown.clone(),
        source,
    })?;
    parse_key(&text).map_err(|reason| KeyFileError::Invalid {
        path: shown,
        reason,
    })
}

#[cfg(unix)]
fn check_mode(meta: &std::fs::Metadata, path: &str) -> Result<(), KeyFileError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(KeyFileError::Permissions {
            path: path.to_string(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_mode(_meta: &std::fs::Metadata, _path: &str) -> Result<(), KeyFileError> {
    Ok(())
}

/// Parses a key file's content (see the module docs for the three forms).
pub fn parse_key(text: &str) -> Result<SecretKey, String> {
    let trimmed = text.trim();
    if trimmed.starts_with('{') {
        return parse_keyring_record(trimmed);
    }
    let body: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let joined = body.join(" ");
    if joined.is_empty() {
        return Err("is empty".into());
    }
    let hexpart = joined.strip_prefix("0x").unwrap_or(&joined);
    if hexpart.len() == 64 && hexpart.chars().all(|c| c.is_ascii_hexdigit()) {
        let bytes = hex::decode(hexpart).map_err(|_| "secret key is not hex".to_string())?;
        return SecretKey::from_bytes(&bytes).map_err(|_| "invalid secp256k1 secret key".into());
    }
    if joined.split_whitespace().count() >= 12 {
        return gpuchain_keyring::derive(&joined, "", 0).map_err(|e| e.to_string());
    }
    Err("neither 64 hex characters, a BIP39 mnemonic nor a keyring record".into())
}

fn parse_keyring_record(text: &str) -> Result<SecretKey, String> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|_| "not valid keyring JSON".to_string())?;
    let hexkey = v["privkey_hex"]
        .as_str()
        .ok_or_else(|| "keyring record has no privkey_hex".to_string())?;
    let bytes = hex::decode(hexkey).map_err(|_| "privkey_hex is not hex".to_string())?;
    let key = SecretKey::from_bytes(&bytes).map_err(|_| "invalid secp256k1 secret key")?;
    if let Some(addr) = v["address"].as_str() {
        if addr != key.address().to_string() {
            return Err("keyring record's address does not match its key".into());
        }
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const HEX: &str = "0707070707070707070707070707070707070707070707070707070707070707";
    // The BIP39 test mnemonic (all "abandon" + "about").
    const MNEMONIC: &str = "abandon abandon abandon abandon abandon abandon abandon abandon \
                            abandon abandon abandon about";

    fn write(dir: &Path, name: &str, content: &str, mode: u32) -> std::path::PathBuf {
        let p = dir.join(name);
        let mut f = std::fs::File::create(&p).unwrap();
        f.write_all(content.as_bytes()).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        p
    }

    #[test]
    fn should_load_hex_key_when_file_is_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "k", &format!("# agent key\n{HEX}\n"), 0o600);
        let key = load_key_file(&p).unwrap();
        assert_eq!(key.to_bytes(), [7u8; 32]);
        let p = write(dir.path(), "k2", &format!("0x{HEX}"), 0o400);
        assert_eq!(load_key_file(&p).unwrap().to_bytes(), [7u8; 32]);
    }

    #[test]
    fn should_derive_cosmos_key_when_file_holds_a_mnemonic() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "m", MNEMONIC, 0o600);
        let key = load_key_file(&p).unwrap();
        let expected = gpuchain_keyring::derive(MNEMONIC, "", 0).unwrap();
        assert_eq!(key.to_bytes(), expected.to_bytes());
    }

    #[test]
    fn should_read_keyring_record_when_address_matches() {
        let key = SecretKey::from_bytes(&[7u8; 32]).unwrap();
        let rec = serde_json::json!({"name": "agent", "address": key.address().to_string(),
            "privkey_hex": HEX});
        assert_eq!(parse_key(&rec.to_string()).unwrap().to_bytes(), [7u8; 32]);
        let other = SecretKey::from_bytes(&[8u8; 32]).unwrap();
        let bad = serde_json::json!({"address": other.address().to_string(), "privkey_hex": HEX});
        assert!(parse_key(&bad.to_string()).is_err());
        assert!(parse_key("{\"address\": \"x\"}").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn should_refuse_key_file_when_group_or_others_may_read_it() {
        let dir = tempfile::tempdir().unwrap();
        for mode in [0o644, 0o640, 0o604, 0o660, 0o666, 0o610] {
            let p = write(dir.path(), "k", HEX, mode);
            match load_key_file(&p) {
                Err(KeyFileError::Permissions { mode: m, .. }) => assert_eq!(m, mode),
                other => panic!("mode {mode:o}: {other:?}"),
            }
        }
    }

    #[test]
    fn should_refuse_key_file_when_missing_a_directory_or_malformed() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            load_key_file(&dir.path().join("none")),
            Err(KeyFileError::Io { .. })
        ));
        assert!(matches!(
            load_key_file(dir.path()),
            Err(KeyFileError::NotAFile { .. })
        ));
        for bad in [
            "",
            "# only a comment\n",
            &HEX[..62],
            "zz07070707070707070707070707070707070707070707070707070707070707",
            &"0".repeat(64),
            "abandon abandon abandon",
            "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon",
        ] {
            let p = write(dir.path(), "bad", bad, 0o600);
            match load_key_file(&p) {
                Err(KeyFileError::Invalid { reason, .. }) => {
                    assert!(!reason.contains(&HEX[..10]), "{reason}")
                }
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }
}
