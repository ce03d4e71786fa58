//! Errors returned by the keyring.

/// Everything that can go wrong while deriving, storing or loading keys.
#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    /// No key with this name exists in the keyring.
    #[error("key {0:?} not found")]
    NotFound(String),
    /// A key with this name already exists (and overwriting was not asked for).
    #[error("key {0:?} already exists")]
    AlreadyExists(String),
    /// Key names are 1..=64 characters of `[A-Za-z0-9_.-]`.
    #[error("invalid key name {0:?}: must be 1-64 characters of [A-Za-z0-9_.-]")]
    InvalidName(String),
    /// The mnemonic is not a valid English BIP39 mnemonic.
    #[error("invalid mnemonic: {0}")]
    InvalidMnemonic(String),
    /// The HD derivation index is out of range (must be below 2^31).
    #[error("invalid HD path: {0}")]
    InvalidHdPath(String),
    /// Reading or writing the keyring directory failed.
    #[error("keyring I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// A stored key file (or raw key material) is malformed or inconsistent.
    #[error("corrupt key data: {0}")]
    Corrupt(String),
}

/// Result alias for keyring operations.
pub type Result<T> = std::result::Result<T, KeyringError>;
