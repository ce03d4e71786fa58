//! What the agent reads from and sends to the chain, behind the [`Chain`]
//! trait so the daemon's logic is tested against an in-memory double.
//! [`RpcChain`] is the real one: ABCI queries and SIGN_MODE_DIRECT
//! transactions over CometBFT's JSON-RPC (`gpuchain-client`).

use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use cosmos_sdk_proto::cosmos::base::query::v1beta1::PageRequest;
use cosmos_sdk_proto::Any;
use gpuchain_client::tx::{Gas, TxOptions};
use gpuchain_client::{QueryError, Rpc};
use gpuchain_keyring::SecretKey;
use gpuchain_proto::attestation::{
    Challenge, Gpu, Params as AttestationParams, QueryAgentRequest, QueryAgentResponse,
    QueryChallengesRequest, QueryChallengesResponse, QueryGpusRequest, QueryGpusResponse,
    QueryParamsRequest, QueryParamsResponse, QueryProviderRequest, QueryProviderResponse,
};
use gpuchain_proto::market::{
    Lease, LeaseState, QueryLeaseRequest, QueryLeaseResponse, QueryLeasesRequest,
    QueryLeasesResponse,
};
use gpuchain_types::Address;
use prost::Message;
use serde_json::Value;

/// A block as the agent needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockInfo {
    pub height: u64,
    pub hash: Vec<u8>,
    /// Block time, unix seconds.
    pub time: i64,
}

/// What became of a broadcast transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxOutcome {
    pub txhash: String,
    /// 0: committed and succeeded.
    pub code: u32,
    pub codespace: String,
    pub log: String,
    /// 0 when CheckTx rejected it.
    pub height: u64,
}

impl TxOutcome {
    pub fn ok(&self) -> bool {
        self.code == 0
    }
}

/// The chain, as the agent sees it. Errors are RPC or decoding failures;
/// a rejected transaction is an `Ok` [`TxOutcome`] with a non-zero code.
pub trait Chain {
    /// The latest block.
    fn latest_block(&self) -> Result<BlockInfo>;
    /// The attestation module's params.
    fn attestation_params(&self) -> Result<AttestationParams>;
    /// Every GPU the chain knows for `provider` (all pages).
    fn provider_gpus(&self, provider: &str) -> Result<Vec<Gpu>>;
    /// The provider's registered endpoint (`None`: not registered).
    fn provider_endpoint(&self, provider: &str) -> Result<Option<String>>;
    /// One challenge by id (`None`: unknown).
    fn challenge(&self, id: u64) -> Result<Option<Challenge>>;
    /// Every lease of `provider` in `state` (all pages).
    fn leases(&self, provider: &str, state: LeaseState) -> Result<Vec<Lease>>;
    /// The provider's `limit` newest leases (highest ids) in `state`,
    /// newest first (one page).
    fn recent_leases(&self, provider: &str, state: LeaseState, limit: u64) -> Result<Vec<Lease>>;
    /// One lease by id, read now (`None`: unknown).
    fn lease(&self, id: u64) -> Result<Option<Lease>>;
    /// An account's compressed secp256k1 public key (`None`: the account
    /// does not exist or has never signed).
    fn account_pubkey(&self, address: &str) -> Result<Option<[u8; 33]>>;
    /// Signs `msgs` with the agent's key, broadcasts, waits for the block.
    fn broadcast(&self, msgs: Vec<Any>) -> Result<TxOutcome>;
}

/// Most pages a list query reads (100 entries each).
const MAX_PAGES: usize = 1_000;

/// The real chain over CometBFT RPC.
pub struct RpcChain {
    rpc: Rpc,
    key: SecretKey,
    tx: TxOptions,
}

impl RpcChain {
    pub fn new(
        rpc_url: &str,
        chain_id: &str,
        key: SecretKey,
        gas_prices: &str,
        timeout: Duration,
    ) -> Result<Self> {
        let rpc = Rpc::with_timeout(rpc_url, timeout)?;
        let tx = TxOptions {
            chain_id: Some(chain_id.to_string()),
            gas: Gas::Auto {
                adjustment_per_mille: 1_500,
            },
            fees: None,
            gas_prices: gas_prices.to_string(),
            memo: String::new(),
            no_wait: false,
            commit_timeout: Duration::from_secs(30),
        };
        // Fail at start on a malformed gas price, not at the first tx.
        tx.fee_for(1)?;
        Ok(Self { rpc, key, tx })
    }

    /// The provider an agent key is authorized for (`None`: none).
    pub fn agent_provider(&self, agent: &str) -> Result<Option<String>> {
        let req = QueryAgentRequest {
            agent: agent.to_string(),
        };
        let r: Option<QueryAgentResponse> =
            self.query_opt("/gpuchain.attestation.v1.Query/Agent", &req)?;
        Ok(r.map(|r| r.provider).filter(|p| !p.is_empty()))
    }

    /// The node's chain id (from `status`).
    pub fn node_chain_id(&self) -> Result<String> {
        self.rpc.chain_id()
    }

    /// How many txs wait in the node's mempool (`num_unconfirmed_txs`).
    pub fn mempool_txs(&self) -> Result<u64> {
        let r = self
            .rpc
            .call("num_unconfirmed_txs", serde_json::json!({}))?;
        r["n_txs"]
            .as_str()
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| anyhow::anyhow!("num_unconfirmed_txs: no n_txs in {r}"))
    }

    fn query<Req: Message, Resp: Message + Default>(&self, path: &str, req: &Req) -> Result<Resp> {
        let raw = self.rpc.abci_query(path, &req.encode_to_vec())?;
        Resp::decode(raw.as_slice()).with_context(|| format!("decoding the answer of {path}"))
    }

    /// A query where "not found" (code 22 sdk, or gRPC NotFound 5) is `None`.
    fn query_opt<Req: Message, Resp: Message + Default>(
        &self,
        path: &str,
        req: &Req,
    ) -> Result<Option<Resp>> {
        match self.query(path, req) {
            Ok(r) => Ok(Some(r)),
            Err(e) => match e.downcast_ref::<QueryError>() {
                Some(q) if is_not_found(q) => Ok(None),
                _ => Err(e),
            },
        }
    }
}

fn is_not_found(q: &QueryError) -> bool {
    (q.codespace == "sdk" && q.code == 22) || q.code == 5 || q.log.contains("not found")
}

fn page(key: Vec<u8>) -> Option<PageRequest> {
    Some(PageRequest {
        key,
        offset: 0,
        limit: 100,
        count_total: false,
        reverse: false,
    })
}

impl Chain for RpcChain {
    fn latest_block(&self) -> Result<BlockInfo> {
        parse_block(&self.rpc.block(None)?)
    }

    fn attestation_params(&self) -> Result<AttestationParams> {
        let r: QueryParamsResponse = self.query(
            "/gpuchain.attestation.v1.Query/Params",
            &QueryParamsRequest {},
        )?;
        r.params
            .ok_or_else(|| anyhow!("attestation params are empty"))
    }

    fn provider_gpus(&self, provider: &str) -> Result<Vec<Gpu>> {
        let mut out = Vec::new();
        let mut key = Vec::new();
        for _ in 0..MAX_PAGES {
            let req = QueryGpusRequest {
                provider: provider.to_string(),
                pagination: page(key),
            };
            let r: QueryGpusResponse = self.query("/gpuchain.attestation.v1.Query/Gpus", &req)?;
            out.extend(r.gpus);
            key = r.pagination.map(|p| p.next_key).unwrap_or_default();
            if key.is_empty() {
                return Ok(out);
            }
        }
        bail!("too many pages of GPUs")
    }

    fn provider_endpoint(&self, provider: &str) -> Result<Option<String>> {
        let req = QueryProviderRequest {
            owner: provider.to_string(),
        };
        let r: Option<QueryProviderResponse> =
            self.query_opt("/gpuchain.attestation.v1.Query/Provider", &req)?;
        Ok(r.and_then(|r| r.provider).map(|p| p.endpoint))
    }

    fn challenge(&self, id: u64) -> Result<Option<Challenge>> {
        let req = QueryChallengesRequest {
            id,
            ..Default::default()
        };
        let r: Option<QueryChallengesResponse> =
            self.query_opt("/gpuchain.attestation.v1.Query/Challenges", &req)?;
        Ok(r.and_then(|r| r.challenges.into_iter().find(|c| c.id == id)))
    }

    fn recent_leases(&self, provider: &str, state: LeaseState, limit: u64) -> Result<Vec<Lease>> {
        let req = QueryLeasesRequest {
            tenant: String::new(),
            provider: provider.to_string(),
            state: state as i32,
            pagination: Some(PageRequest {
                limit,
                reverse: true,
                ..PageRequest::default()
            }),
        };
        let r: QueryLeasesResponse = self.query("/gpuchain.market.v1.Query/Leases", &req)?;
        Ok(r.leases)
    }

    fn leases(&self, provider: &str, state: LeaseState) -> Result<Vec<Lease>> {
        let mut out = Vec::new();
        let mut key = Vec::new();
        for _ in 0..MAX_PAGES {
            let req = QueryLeasesRequest {
                tenant: String::new(),
                provider: provider.to_string(),
                state: state as i32,
                pagination: page(key),
            };
            let r: QueryLeasesResponse = self.query("/gpuchain.market.v1.Query/Leases", &req)?;
            out.extend(r.leases);
            key = r.pagination.map(|p| p.next_key).unwrap_or_default();
            if key.is_empty() {
                return Ok(out);
            }
        }
        bail!("too many pages of leases")
    }

    fn lease(&self, id: u64) -> Result<Option<Lease>> {
        let r: Option<QueryLeaseResponse> =
            self.query_opt("/gpuchain.market.v1.Query/Lease", &QueryLeaseRequest { id })?;
        Ok(r.and_then(|r| r.lease))
    }

    fn account_pubkey(&self, address: &str) -> Result<Option<[u8; 33]>> {
        let addr = Address::from_bech32(address).map_err(|e| anyhow!("{address}: {e}"))?;
        match gpuchain_client::account(&self.rpc, &addr) {
            Ok(acc) => gpuchain_client::query::account_pubkey(&acc),
            Err(e) => match e.downcast_ref::<QueryError>() {
                Some(q) if is_not_found(q) => Ok(None),
                _ => Err(e),
            },
        }
    }

    fn broadcast(&self, msgs: Vec<Any>) -> Result<TxOutcome> {
        match gpuchain_client::sign_and_broadcast(&self.rpc, &self.key, msgs, &self.tx) {
            Ok(v) => Ok(outcome(&v)),
            // The simulation (or the account lookup) was answered with an
            // error code: the chain refuses the tx, the node is fine.
            Err(e) => match e.downcast_ref::<QueryError>() {
                Some(q) => Ok(TxOutcome {
                    txhash: String::new(),
                    code: q.code,
                    codespace: q.codespace.clone(),
                    log: format!("{e:#}"),
                    height: 0,
                }),
                None => Err(e),
            },
        }
    }
}

/// A [`TxOutcome`] from [`gpuchain_client::sign_and_broadcast`]'s JSON.
pub fn outcome(v: &Value) -> TxOutcome {
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    TxOutcome {
        txhash: s("txhash"),
        code: u32::try_from(v["code"].as_u64().unwrap_or(0)).unwrap_or(u32::MAX),
        codespace: s("codespace"),
        log: s("raw_log"),
        height: match &v["height"] {
            Value::String(h) => h.parse().unwrap_or(0),
            Value::Number(n) => n.as_u64().unwrap_or(0),
            _ => 0,
        },
    }
}

/// Height, hash and time of a `block` RPC result.
pub fn parse_block(block: &Value) -> Result<BlockInfo> {
    let (height, hash) = gpuchain_client::rpc::block_id(block)?;
    let time = block["block"]["header"]["time"]
        .as_str()
        .ok_or_else(|| anyhow!("block has no header time"))?;
    Ok(BlockInfo {
        height,
        hash,
        time: parse_rfc3339_secs(time)?,
    })
}

/// Unix seconds of an RFC 3339 UTC time as CometBFT writes it
/// (`2026-11-25T16:12:27.123456789Z`); fractions are dropped.
pub fn parse_rfc3339_secs(s: &str) -> Result<i64> {
    let bad = || anyhow!("invalid time {s:?}");
    let (date, time) = s.split_once('T').ok_or_else(bad)?;
    let time = time.strip_suffix('Z').ok_or_else(bad)?;
    let mut d = date.split('-');
    let (y, m, day) = (d.next(), d.next(), d.next());
    let num =
        |x: Option<&str>| -> Result<i64> { x.ok_or_else(bad)?.parse::<i64>().map_err(|_| bad()) };
    let (y, m, day) = (num(y)?, num(m)?, num(day)?);
    let hms = time.split('.').next().ok_or_else(bad)?;
    let mut t = hms.split(':');
    let (hh, mm, ss) = (num(t.next())?, num(t.next())?, num(t.next())?);
    if !(0..=9999).contains(&y)
        || !(1..=12).contains(&m)
        || !(1..=31).contains(&day)
        || !(0..=23).contains(&hh)
        || !(0..=59).contains(&mm)
        || !(0..=60).contains(&ss)
    {
        return Err(bad());
    }
    Ok(civil_to_unix(y, m, day, hh, mm, ss))
}

// Every input is range-checked by the caller: no intermediate can overflow.
#[allow(clippy::arithmetic_side_effects)]
fn civil_to_unix(y: i64, m: i64, day: i64, hh: i64, mm: i64, ss: i64) -> i64 {
    // Days from civil (Howard Hinnant's algorithm), all values small.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + hh * 3_600 + mm * 60 + ss
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn should_parse_cometbft_times_when_well_formed() {
        assert_eq!(parse_rfc3339_secs("1970-01-01T00:00:00Z").unwrap(), 0);
        assert_eq!(
            parse_rfc3339_secs("2026-11-25T16:12:27.123456789Z").unwrap(),
            1_795_623_147
        );
        assert_eq!(
            parse_rfc3339_secs("2000-02-29T23:59:59Z").unwrap(),
            951_868_799
        );
        for bad in [
            "",
            "2026-11-25",
            "2026-11-25T16:12:27",
            "2026-13-01T00:00:00Z",
            "x-1-1T0:0:0Z",
        ] {
            assert!(parse_rfc3339_secs(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn should_read_block_info_when_block_rpc_answers() {
        let v = json!({"block_id": {"hash": "AB"}, "block": {"header": {"height": "7",
            "time": "1970-01-01T00:01:00.5Z"}}});
        assert_eq!(
            parse_block(&v).unwrap(),
            BlockInfo {
                height: 7,
                hash: vec![0xab],
                time: 60
            }
        );
    }

    #[test]
    fn should_read_outcome_when_tx_committed_or_rejected() {
        let ok = outcome(&json!({"txhash": "H", "code": 0, "height": "12", "raw_log": ""}));
        assert!(ok.ok());
        assert_eq!(ok.height, 12);
        let bad = outcome(&json!({"txhash": "H", "code": 32, "codespace": "sdk",
            "raw_log": "account sequence mismatch", "height": "0"}));
        assert!(!bad.ok());
        assert_eq!(
            (bad.code, bad.codespace.as_str(), bad.height),
            (32, "sdk", 0)
        );
    }
}
