//! An async client of CometBFT's JSON-RPC (`[rpc] laddr` in config.toml),
//! for what only CometBFT knows: blocks, indexed txs, the validator set and
//! the mempool. Every call is bounded by a timeout; an unreachable CometBFT
//! is a 503, never a hang.

use std::time::Duration;

use serde_json::{json, Value};

use super::RestError;

pub struct Comet {
    url: String,
    http: reqwest::Client,
}

/// A failed call: CometBFT not reachable, or a JSON-RPC error it returned.
#[derive(Debug)]
pub enum CometError {
    Unreachable(String),
    Rpc { message: String, data: String },
}

impl CometError {
    /// The text a client sees: CometBFT's `data` (the specific reason) or
    /// its `message`.
    pub fn text(&self) -> String {
        match self {
            CometError::Unreachable(e) => e.clone(),
            CometError::Rpc { message, data } if data.is_empty() => message.clone(),
            CometError::Rpc { data, .. } => data.clone(),
        }
    }

    /// A JSON-RPC error caused by the request (a bad height, a bad query)
    /// is the client's: 400; CometBFT unreachable is 503.
    pub fn bad_request(self) -> RestError {
        match self {
            CometError::Unreachable(_) => self.into(),
            e => RestError::bad_request(e.text()),
        }
    }
}

impl From<CometError> for RestError {
    fn from(e: CometError) -> Self {
        match e {
            CometError::Unreachable(msg) => {
                RestError::unavailable(format!("cometbft RPC unavailable: {msg}"))
            }
            e => RestError::internal(format!("cometbft RPC: {}", e.text())),
        }
    }
}

/// `tcp://host:port` (CometBFT's laddr syntax) as an http URL; a wildcard
/// listen host is reached over loopback.
pub fn rpc_url(laddr: &str) -> String {
    let rest = laddr
        .strip_prefix("tcp://")
        .or_else(|| laddr.strip_prefix("http://"))
        .unwrap_or(laddr);
    let rest = rest
        .replacen("0.0.0.0:", "127.0.0.1:", 1)
        .replacen("[::]:", "[::1]:", 1);
    format!("http://{rest}")
}

impl Comet {
    pub fn new(laddr: &str, timeout: Duration) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(2).min(timeout))
            .pool_max_idle_per_host(16)
            .build()?;
        Ok(Self {
            url: rpc_url(laddr),
            http,
        })
    }

    pub async fn call(&self, method: &str, params: Value) -> Result<Value, CometError> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let resp = self
            .http
            .post(&self.url)
            .json(&body)
            .send()
            .await
            .map_err(|e| CometError::Unreachable(format!("{}: {e}", self.url)))?;
        // JSON-RPC errors may come with a non-200 status: read the body anyway.
        let v: Value = resp
            .json()
            .await
            .map_err(|e| CometError::Unreachable(format!("bad response from {}: {e}", self.url)))?;
        if let Some(err) = v.get("error") {
            return Err(CometError::Rpc {
                message: err["message"].as_str().unwrap_or_default().to_string(),
                data: err["data"].as_str().unwrap_or_default().to_string(),
            });
        }
        v.get("result")
            .cloned()
            .ok_or_else(|| CometError::Unreachable(format!("{method}: response has no result")))
    }

    /// A block (`block` RPC); `None` is the latest.
    pub async fn block(&self, height: Option<u64>) -> Result<Value, RestError> {
        let params = match height {
            Some(h) => json!({"height": h.to_string()}),
            None => json!({}),
        };
        self.call("block", params)
            .await
            .map_err(CometError::bad_request)
    }

    /// The time of the block at `height`, as the gateway prints timestamps.
    pub async fn block_time(&self, height: u64) -> Result<String, RestError> {
        let r = self
            .call("header", json!({"height": height.to_string()}))
            .await?;
        Ok(super::json::timestamp(
            r["header"]["time"].as_str().unwrap_or_default(),
        ))
    }

    /// The whole validator set at a height (`None`: latest), every page.
    pub async fn validators(&self, height: Option<u64>) -> Result<(u64, Vec<Value>), RestError> {
        let mut all = Vec::new();
        let mut block_height = 0;
        for page in 1..=100u32 {
            let mut params = json!({"page": page.to_string(), "per_page": "100"});
            if let Some(h) = height {
                params["height"] = json!(h.to_string());
            }
            let r = self
                .call("validators", params)
                .await
                .map_err(CometError::bad_request)?;
            block_height = r["block_height"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let vals = r["validators"].as_array().cloned().unwrap_or_default();
            let total: usize = r["total"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let empty = vals.is_empty();
            all.extend(vals);
            if empty || all.len() >= total {
                break;
            }
        }
        Ok((block_height, all))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_turn_laddr_into_a_loopback_url() {
        assert_eq!(rpc_url("tcp://127.0.0.1:26657"), "http://127.0.0.1:26657");
        assert_eq!(rpc_url("tcp://0.0.0.0:26657"), "http://127.0.0.1:26657");
        assert_eq!(rpc_url("http://10.0.0.1:1"), "http://10.0.0.1:1");
    }
}
