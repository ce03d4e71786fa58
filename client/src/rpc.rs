//! A small blocking client of CometBFT's JSON-RPC (the endpoints wallets use:
//! status, block, abci_query, broadcast_tx_sync, tx).
//!
//! Blocking (reqwest's blocking client): do not call it from inside an async
//! runtime.

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde_json::{json, Value};

/// A CometBFT JSON-RPC endpoint.
#[derive(Clone, Debug)]
pub struct Rpc {
    url: String,
    http: reqwest::blocking::Client,
}

/// A failed ABCI query, with the Cosmos code a client branches on.
#[derive(Debug)]
pub struct QueryError {
    pub code: u32,
    pub codespace: String,
    pub log: String,
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (codespace {}, code {})",
            self.log, self.codespace, self.code
        )
    }
}

impl std::error::Error for QueryError {}

impl Rpc {
    /// `node` as CometBFT's `--node` flag takes it: tcp://host:port or http://...
    pub fn new(node: &str) -> Result<Self> {
        Self::with_timeout(node, Duration::from_secs(30))
    }

    /// Like [`Rpc::new`], with a per-request timeout.
    pub fn with_timeout(node: &str, timeout: Duration) -> Result<Self> {
        let url = node.replacen("tcp://", "http://", 1);
        let http = reqwest::blocking::Client::builder()
            .timeout(timeout)
            .build()?;
        Ok(Self { url, http })
    }

    /// The http(s) url requests go to.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn call(&self, method: &str, params: Value) -> Result<Value> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let resp: Value = self
            .http
            .post(&self.url)
            .json(&body)
            .send()
            .with_context(|| format!("connecting to {}", self.url))?
            .json()
            .context("decoding the RPC response")?;
        if let Some(err) = resp.get("error") {
            bail!("RPC {method} failed: {err}");
        }
        resp.get("result")
            .cloned()
            .ok_or_else(|| anyhow!("RPC {method}: no result"))
    }

    pub fn status(&self) -> Result<Value> {
        self.call("status", json!({}))
    }

    pub fn chain_id(&self) -> Result<String> {
        let s = self.status()?;
        s["node_info"]["network"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| anyhow!("status has no network"))
    }

    /// The block at `height` (None: the latest), as CometBFT's `block`
    /// endpoint returns it (`{"block_id": {"hash": ..}, "block": {"header": ..}}`).
    pub fn block(&self, height: Option<u64>) -> Result<Value> {
        let params = match height {
            Some(h) => json!({"height": h.to_string()}),
            None => json!({}),
        };
        self.call("block", params)
    }

    /// The latest block's height and hash (raw bytes), from `block`.
    pub fn latest_block_id(&self) -> Result<(u64, Vec<u8>)> {
        block_id(&self.block(None)?)
    }

    /// An ABCI query; a non-zero code is returned as a [`QueryError`].
    pub fn abci_query(&self, path: &str, data: &[u8]) -> Result<Vec<u8>> {
        self.abci_query_at(path, data, 0)
    }

    /// An ABCI query at `height` (0: the latest).
    pub fn abci_query_at(&self, path: &str, data: &[u8], height: u64) -> Result<Vec<u8>> {
        let r = self.call(
            "abci_query",
            json!({"path": path, "data": hex::encode(data), "height": height.to_string(), "prove": false}),
        )?;
        let resp = &r["response"];
        let code = resp["code"].as_u64().unwrap_or(0);
        if code != 0 {
            return Err(QueryError {
                code: u32::try_from(code).unwrap_or(u32::MAX),
                codespace: resp["codespace"].as_str().unwrap_or_default().to_string(),
                log: resp["log"].as_str().unwrap_or_default().to_string(),
            }
            .into());
        }
        let value = resp["value"].as_str().unwrap_or_default();
        Ok(B64.decode(value)?)
    }

    pub fn broadcast_tx_sync(&self, tx: &[u8]) -> Result<Value> {
        self.call("broadcast_tx_sync", json!({"tx": B64.encode(tx)}))
    }

    /// Looks a tx up by hash, None while it is not yet in a block.
    pub fn tx(&self, hash_hex: &str) -> Result<Option<Value>> {
        let hash = hex::decode(hash_hex).context("tx hash must be hex")?;
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tx",
            "params": {"hash": B64.encode(hash), "prove": false}});
        let resp: Value = self
            .http
            .post(&self.url)
            .json(&body)
            .send()
            .with_context(|| format!("connecting to {}", self.url))?
            .json()?;
        if resp.get("error").is_some() {
            return Ok(None);
        }
        Ok(resp.get("result").cloned())
    }

    /// Waits until a tx is in a committed block.
    pub fn wait_tx(&self, hash_hex: &str, timeout: Duration) -> Result<Value> {
        let start = Instant::now();
        loop {
            if let Some(v) = self.tx(hash_hex)? {
                return Ok(v);
            }
            if start.elapsed() > timeout {
                bail!("tx {hash_hex} was not committed within {timeout:?}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// The height and hash of a `block` RPC result.
pub fn block_id(block: &Value) -> Result<(u64, Vec<u8>)> {
    let height = block["block"]["header"]["height"]
        .as_str()
        .ok_or_else(|| anyhow!("block has no header height"))?
        .parse::<u64>()
        .context("block height is not a number")?;
    let hash = block["block_id"]["hash"]
        .as_str()
        .ok_or_else(|| anyhow!("block has no block_id hash"))?;
    let hash = hex::decode(hash).context("block hash is not hex")?;
    Ok((height, hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_read_height_and_hash_when_block_result_is_well_formed() {
        let v = json!({"block_id": {"hash": "0A0B"}, "block": {"header": {"height": "42"}}});
        assert_eq!(block_id(&v).unwrap(), (42, vec![10, 11]));
    }

    #[test]
    fn should_fail_when_block_result_lacks_fields() {
        assert!(block_id(&json!({})).is_err());
        assert!(block_id(
            &json!({"block_id": {"hash": "zz"}, "block": {"header": {"height": "1"}}})
        )
        .is_err());
        assert!(block_id(
            &json!({"block_id": {"hash": "00"}, "block": {"header": {"height": "x"}}})
        )
        .is_err());
    }

    #[test]
    fn should_map_tcp_scheme_to_http_when_created() {
        assert_eq!(
            Rpc::new("tcp://127.0.0.1:26657").unwrap().url(),
            "http://127.0.0.1:26657"
        );
        assert_eq!(Rpc::new("http://h:1").unwrap().url(), "http://h:1");
    }
}
