//! `gpuchain-keyring`: the on-disk key store behind `gpuchaind keys add/list/show/delete`.
//!
//! Keys are secp256k1, derived from an English BIP39 mnemonic (optional BIP39
//! passphrase) on the Cosmos HD path `m/44'/118'/0'/0/{index}`, and stored
//! unencrypted (like the Cosmos SDK's `test` backend) as one JSON file per key,
//! `<dir>/<name>.info`, mode 0600, in a directory of mode 0700
//! (conventionally `<home>/keyring-test/`).

mod error;
mod key;
mod store;

pub use error::{KeyringError, Result};
pub use key::{derive, generate_mnemonic, hd_path, SecretKey, COSMOS_COIN_TYPE};
pub use store::{validate_name, KeyInfo, Keyring, KEYRING_DIR_NAME, PUBKEY_TYPE_URL};
