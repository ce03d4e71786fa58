//! The node home and gpuchaind's own config file, `<home>/config/app.toml`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

pub fn default_home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
        .join(".gpuchain")
}

pub fn config_dir(home: &Path) -> PathBuf {
    home.join("config")
}
pub fn genesis_path(home: &Path) -> PathBuf {
    config_dir(home).join("genesis.json")
}
pub fn comet_config_path(home: &Path) -> PathBuf {
    config_dir(home).join("config.toml")
}
pub fn app_config_path(home: &Path) -> PathBuf {
    config_dir(home).join("app.toml")
}
pub fn app_db_path(home: &Path) -> PathBuf {
    home.join("data").join("application.db")
}

/// `app.toml`. Every listener defaults to loopback.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct AppToml {
    /// This node's mempool policy, e.g. "0.0025ugpc": CheckTx rejects txs
    /// whose fee is below gas limit x price (code 13). Empty accepts any fee.
    pub minimum_gas_prices: String,
    /// Where the ABCI server listens; CometBFT's `proxy_app` must match.
    pub abci_address: String,
    /// Largest tx accepted, in bytes.
    pub max_tx_bytes: usize,
    /// Check module invariants every N blocks (0 = never); a broken
    /// invariant stops the node.
    pub inv_check_period: u64,
    /// Memory (MiB) for committed state kept across blocks: recently read or
    /// written values and Merkle tree nodes (like the Cosmos SDK's
    /// inter-block and IAVL caches). 0 reads everything from RocksDB.
    pub state_cache_mb: u64,
    pub pruning: Pruning,
    /// The REST (LCD) API server, `[api]`.
    pub api: Api,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct Pruning {
    /// Heights kept for queries at past heights; 0 keeps every height.
    pub keep_recent: u64,
}

impl Default for Pruning {
    fn default() -> Self {
        Self { keep_recent: 100 }
    }
}

/// `[api]`: the REST (LCD) API in the Cosmos SDK's gRPC-gateway JSON
/// shape, served by `gpuchaind start` (see README.md, "Ports").
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct Api {
    /// Serve the REST API.
    pub enable: bool,
    /// Listen address, `tcp://host:port`.
    pub address: String,
    /// Browser origins sent CORS headers; `"*"` allows every origin, an
    /// empty list sends none.
    pub cors_allowed_origins: Vec<String>,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Every request is answered (504) within this time.
    pub request_timeout_ms: u64,
    /// Requests handled at once; further ones wait, then get 429.
    pub max_concurrency: usize,
}

impl Default for Api {
    fn default() -> Self {
        Self {
            enable: true,
            address: "tcp://127.0.0.1:1317".into(),
            cors_allowed_origins: Vec::new(),
            max_body_bytes: 2 * 1024 * 1024,
            request_timeout_ms: 10_000,
            max_concurrency: 256,
        }
    }
}

impl Default for AppToml {
    fn default() -> Self {
        Self {
            minimum_gas_prices: "0.0025ugpc".into(),
            abci_address: "tcp://127.0.0.1:26658".into(),
            max_tx_bytes: 1024 * 1024,
            inv_check_period: 0,
            state_cache_mb: 1024,
            pruning: Pruning::default(),
            api: Api::default(),
        }
    }
}

impl AppToml {
    pub fn load(home: &Path) -> Result<Self> {
        let path = app_config_path(home);
        if !path.exists() {
            return Ok(Self::default());
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }

    pub fn write(&self, home: &Path) -> Result<()> {
        let path = app_config_path(home);
        let body = toml::to_string_pretty(self)?;
        let text =
            format!("# gpuchaind application config. See README.md (\"Config files\").\n{body}");
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
    }
}
