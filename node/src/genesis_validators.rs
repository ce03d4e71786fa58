//! `gpuchaind genesis add-validator` and `genesis show-validator`: the
//! CometBFT genesis `validators` array of a multi-validator network, built
//! from each node's `config/priv_validator_key.json`.
//!
//! An entry is CometBFT's own shape:
//! `{address, pub_key: {type: "tendermint/PubKeyEd25519", value}, power, name}`,
//! where `address` is the upper-case hex of the first 20 bytes of
//! sha256(ed25519 public key). The app returns no validators from InitChain,
//! so CometBFT takes the set from this array.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use base64::Engine;
use clap::Subcommand;
use serde_json::{json, Value};
use sha2::Digest;

use crate::{config, output, Cli};

/// CometBFT's key type name for ed25519 public keys.
pub const ED25519_PUBKEY_TYPE: &str = "tendermint/PubKeyEd25519";

#[derive(Subcommand, Debug)]
pub enum ValidatorCommand {
    /// Add a validator to genesis.json's `validators` (or replace the entry
    /// with the same address), from a priv_validator_key.json.
    AddValidator {
        /// The validator's priv_validator_key.json (default: this home's
        /// config/priv_validator_key.json).
        #[arg(long, conflicts_with = "from_home")]
        key_file: Option<PathBuf>,
        /// Take the key from another node's home (its
        /// config/priv_validator_key.json).
        #[arg(long)]
        from_home: Option<PathBuf>,
        /// Voting power.
        #[arg(long, default_value_t = 10)]
        power: u64,
        /// The validator's name in genesis (e.g. its moniker).
        #[arg(long, default_value = "")]
        name: String,
    },
    /// Print the genesis `validators` entry of this home's (or a key file's)
    /// validator key.
    ShowValidator {
        /// A priv_validator_key.json (default: this home's).
        #[arg(long)]
        key_file: Option<PathBuf>,
        /// Voting power.
        #[arg(long, default_value_t = 10)]
        power: u64,
        /// The validator's name.
        #[arg(long, default_value = "")]
        name: String,
    },
}

pub fn run(cli: &Cli, cmd: &ValidatorCommand) -> Result<()> {
    match cmd {
        ValidatorCommand::AddValidator {
            key_file,
            from_home,
            power,
            name,
        } => {
            let key_path = key_path(&cli.home, key_file.as_deref(), from_home.as_deref());
            let entry = validator_entry(&read_json(&key_path)?, *power, name)
                .with_context(|| format!("reading {}", key_path.display()))?;
            let path = config::genesis_path(&cli.home);
            let mut genesis = read_json(&path)
                .with_context(|| format!("run `gpuchaind init` first ({})", path.display()))?;
            let replaced = add_validator(&mut genesis, entry.clone())?;
            std::fs::write(&path, serde_json::to_string_pretty(&genesis)?)
                .with_context(|| format!("writing {}", path.display()))?;
            let mut out = entry;
            out["replaced"] = json!(replaced);
            output::print(cli.output, &out);
            Ok(())
        }
        ValidatorCommand::ShowValidator {
            key_file,
            power,
            name,
        } => {
            let key_path = key_path(&cli.home, key_file.as_deref(), None);
            let entry = validator_entry(&read_json(&key_path)?, *power, name)
                .with_context(|| format!("reading {}", key_path.display()))?;
            output::print(cli.output, &entry);
            Ok(())
        }
    }
}

fn key_path(home: &Path, key_file: Option<&Path>, from_home: Option<&Path>) -> PathBuf {
    match (key_file, from_home) {
        (Some(k), _) => k.to_path_buf(),
        (None, Some(h)) => config::config_dir(h).join("priv_validator_key.json"),
        (None, None) => config::config_dir(home).join("priv_validator_key.json"),
    }
}

fn read_json(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// CometBFT's validator address: upper-case hex of sha256(pubkey)[..20].
pub fn validator_address(pubkey: &[u8]) -> String {
    hex::encode_upper(&sha2::Sha256::digest(pubkey)[..20])
}

/// The genesis `validators` entry for a priv_validator_key.json document.
/// Checks the key type and length and, when the file states an address,
/// that it is the one the public key gives.
pub fn validator_entry(key_file: &Value, power: u64, name: &str) -> Result<Value> {
    if power == 0 {
        bail!("a genesis validator needs power > 0");
    }
    let pub_key = &key_file["pub_key"];
    let ty = pub_key["type"]
        .as_str()
        .ok_or_else(|| anyhow!("no pub_key.type"))?;
    if ty != ED25519_PUBKEY_TYPE {
        bail!("unsupported validator key type {ty:?} (want {ED25519_PUBKEY_TYPE})");
    }
    let b64 = pub_key["value"]
        .as_str()
        .ok_or_else(|| anyhow!("no pub_key.value"))?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .context("pub_key.value is not base64")?;
    if raw.len() != 32 {
        bail!("ed25519 public key has {} bytes, want 32", raw.len());
    }
    let address = validator_address(&raw);
    if let Some(stated) = key_file["address"].as_str() {
        if !stated.eq_ignore_ascii_case(&address) {
            bail!("key file address {stated} does not match its public key ({address})");
        }
    }
    Ok(json!({
        "address": address,
        "pub_key": {"type": ED25519_PUBKEY_TYPE, "value": b64},
        "power": power.to_string(),
        "name": name,
    }))
}

/// Adds `entry` to the genesis `validators` array, replacing an entry with
/// the same address (`cometbft init` already lists the node's own key, with
/// an empty name). Returns whether an entry was replaced.
pub fn add_validator(genesis: &mut Value, entry: Value) -> Result<bool> {
    let obj = genesis
        .as_object_mut()
        .ok_or_else(|| anyhow!("genesis is not a JSON object"))?;
    let validators = obj.entry("validators").or_insert_with(|| json!([]));
    if validators.is_null() {
        *validators = json!([]);
    }
    let list = validators
        .as_array_mut()
        .ok_or_else(|| anyhow!("genesis validators is not an array"))?;
    let address = entry["address"].as_str().unwrap_or_default().to_string();
    let pubkey = entry["pub_key"]["value"].clone();
    for v in list.iter_mut() {
        let same_address = v["address"]
            .as_str()
            .is_some_and(|a| a.eq_ignore_ascii_case(&address));
        if same_address || v["pub_key"]["value"] == pubkey {
            *v = entry;
            return Ok(true);
        }
    }
    list.push(entry);
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key file written by `cometbft init` (v0.38.17), and the address
    /// CometBFT derived for it.
    fn cometbft_key() -> Value {
        json!({
            "address": "324A23652855FD17203C8BC23EC05FF9186DA418",
            "pub_key": {"type": "tendermint/PubKeyEd25519",
                        "value": "BQiAVP+xJkQRTh+qBTCkrEPS/qEViY0I/RH6AcYIKw0="},
            "priv_key": {"type": "tendermint/PrivKeyEd25519", "value": "unused"}
        })
    }

    #[test]
    fn should_derive_cometbft_address_from_pubkey() {
        let e = validator_entry(&cometbft_key(), 10, "validator0").unwrap();
        assert_eq!(e["address"], "324A23652855FD17203C8BC23EC05FF9186DA418");
        assert_eq!(e["power"], "10");
        assert_eq!(e["name"], "validator0");
        assert_eq!(e["pub_key"]["type"], ED25519_PUBKEY_TYPE);
    }

    #[test]
    fn should_reject_mismatched_address_wrong_type_and_zero_power() {
        let mut k = cometbft_key();
        k["address"] = json!("00".repeat(20));
        assert!(validator_entry(&k, 10, "").is_err());
        let mut k = cometbft_key();
        k["pub_key"]["type"] = json!("tendermint/PubKeySecp256k1");
        assert!(validator_entry(&k, 10, "").is_err());
        assert!(validator_entry(&cometbft_key(), 0, "").is_err());
        let mut k = cometbft_key();
        k["pub_key"]["value"] = json!("AAAA");
        assert!(validator_entry(&k, 10, "").is_err());
    }

    #[test]
    fn should_replace_same_key_and_append_others() {
        let e = validator_entry(&cometbft_key(), 10, "").unwrap();
        let mut genesis = json!({"chain_id": "x", "validators": [e]});
        let named = validator_entry(&cometbft_key(), 10, "validator0").unwrap();
        assert!(add_validator(&mut genesis, named).unwrap());
        assert_eq!(genesis["validators"].as_array().unwrap().len(), 1);
        assert_eq!(genesis["validators"][0]["name"], "validator0");

        let other = json!({"pub_key": {"type": ED25519_PUBKEY_TYPE,
            "value": base64::engine::general_purpose::STANDARD.encode([7u8; 32])}});
        let e2 = validator_entry(&other, 10, "validator1").unwrap();
        assert!(!add_validator(&mut genesis, e2).unwrap());
        assert_eq!(genesis["validators"].as_array().unwrap().len(), 2);

        let mut empty = json!({"chain_id": "x", "validators": null});
        let e3 = validator_entry(&cometbft_key(), 5, "v").unwrap();
        assert!(!add_validator(&mut empty, e3).unwrap());
        assert_eq!(empty["validators"][0]["power"], "5");
    }
}
