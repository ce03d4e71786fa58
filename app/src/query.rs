//! ABCI queries: gRPC method paths routed to modules, Simulate, node info,
//! and raw store paths with ICS-23 proofs. Reads committed snapshots only, so
//! it never waits for a block being executed.

use std::sync::Arc;

use cosmos_sdk_proto::cosmos::base::abci::v1beta1::{GasInfo, Result as AbciResult};
use cosmos_sdk_proto::cosmos::tx::v1beta1::{SimulateRequest, SimulateResponse};
use gpuchain_store::{CommittedView, Delta, StateRead, StorageReader};
use gpuchain_types::error::code;
use gpuchain_types::{AppError, AppResult, BlockContext};
use prost::Message;

use crate::block::BlockTime;
use crate::historical::AtHeight;
use crate::node_info::NodeInfo;
use crate::router::Router;
use crate::state_key;
use crate::tx::fee::MinGasPrices;
use crate::tx::{execute_tx, ExecMode, TxEnv, TxOutcome};

pub const SIMULATE_PATH: &str = "/cosmos.tx.v1beta1.Service/Simulate";
pub const NODE_INFO_PATH: &str = "/cosmos.base.tendermint.v1beta1.Service/GetNodeInfo";

/// A query's answer in domain terms.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueryOutcome {
    pub value: Vec<u8>,
    pub key: Vec<u8>,
    pub height: u64,
    /// ICS-23 proof ops (type, key, data) when `prove` was asked on a store path.
    pub proof_ops: Vec<(String, Vec<u8>, Vec<u8>)>,
}

pub struct QueryService {
    router: Arc<Router>,
    reader: StorageReader,
    node_info: NodeInfo,
    max_tx_bytes: usize,
}

impl QueryService {
    pub fn new(
        router: Arc<Router>,
        reader: StorageReader,
        node_info: NodeInfo,
        max_tx_bytes: usize,
    ) -> Self {
        Self {
            router,
            reader,
            node_info,
            max_tx_bytes,
        }
    }

    pub fn query(
        &self,
        path: &str,
        data: &[u8],
        height: u64,
        prove: bool,
    ) -> AppResult<QueryOutcome> {
        let view = self.reader.view();
        let latest = view.height()?;
        if latest == 0 {
            return Err(AppError::invalid_request("no block has been committed yet"));
        }
        let height = match height {
            0 => latest,
            h if h > latest => {
                return Err(AppError::invalid_request(format!(
                    "cannot query with height in the future; please provide a valid height (latest {latest})"
                )))
            }
            h => h,
        };
        let ok = |value: Vec<u8>| QueryOutcome {
            value,
            height,
            ..Default::default()
        };
        if let Some(rest) = path.strip_prefix("/store/") {
            return self.store_query(&view, rest, data, height, prove);
        }
        match path {
            SIMULATE_PATH => self.simulate(&view, data).map(ok),
            NODE_INFO_PATH => {
                let chain_id = chain_id(&view)?;
                Ok(ok(self.node_info.response(&chain_id).encode_to_vec()))
            }
            _ => {
                let at;
                let state: &dyn StateRead = if height == latest {
                    &view
                } else {
                    at = AtHeight {
                        view: &view,
                        height,
                    };
                    &at
                };
                for c in self.router.components() {
                    if let Some(r) = c.query(state, path, data) {
                        return r.map(ok);
                    }
                }
                Err(AppError::sdk(
                    code::UNKNOWN_REQUEST,
                    format!("unknown query path {path}"),
                ))
            }
        }
    }

    /// `/store/<module>/key`: the raw value of key `<module>/<data>`, with an
    /// ICS-23 proof against the app hash in the header of height + 1.
    fn store_query(
        &self,
        view: &CommittedView<'_>,
        rest: &str,
        data: &[u8],
        height: u64,
        prove: bool,
    ) -> AppResult<QueryOutcome> {
        let (module, kind) = rest.split_once('/').ok_or_else(|| {
            AppError::sdk(
                code::UNKNOWN_REQUEST,
                format!("invalid store path /store/{rest}"),
            )
        })?;
        if kind != "key" {
            return Err(AppError::sdk(
                code::UNKNOWN_REQUEST,
                format!("unsupported store query {kind:?}; use /store/<module>/key"),
            ));
        }
        if !self.router.components().iter().any(|c| c.name() == module) && module != "app" {
            return Err(AppError::sdk(
                code::UNKNOWN_REQUEST,
                format!("no store for module {module:?}"),
            ));
        }
        let mut key = format!("{module}/").into_bytes();
        key.extend_from_slice(data);
        if prove {
            let (value, proof) = view.get_with_proof(&key, height)?;
            return Ok(QueryOutcome {
                value: value.unwrap_or_default(),
                key: data.to_vec(),
                height,
                proof_ops: vec![("ics23:jmt".into(), key, proof.encode_to_vec())],
            });
        }
        let value = view.get_at(&key, height)?;
        Ok(QueryOutcome {
            value: value.unwrap_or_default(),
            key: data.to_vec(),
            height,
            proof_ops: vec![],
        })
    }

    fn simulate(&self, view: &CommittedView<'_>, data: &[u8]) -> AppResult<Vec<u8>> {
        let req = SimulateRequest::decode(data)
            .map_err(|e| AppError::tx_decode(format!("invalid simulate request: {e}")))?;
        if req.tx_bytes.is_empty() {
            return Err(AppError::invalid_request("empty tx_bytes"));
        }
        let time = view
            .nv_get(state_key::LAST_BLOCK_TIME)?
            .and_then(|b| BlockTime::from_bytes(&b))
            .unwrap_or_default();
        let ctx = BlockContext {
            chain_id: chain_id(view)?,
            height: view.height()?.saturating_add(1),
            time_secs: time.secs,
            time_nanos: time.nanos,
        };
        let env = TxEnv {
            router: &self.router,
            sig_cache: None,
            ctx: &ctx,
            min_gas_prices: &MinGasPrices::default(),
            max_tx_bytes: self.max_tx_bytes,
        };
        let mut layer = Delta::new(view);
        let outcome = execute_tx(&env, &mut layer, &req.tx_bytes, ExecMode::Simulate);
        if !outcome.is_ok() {
            return Err(AppError::new(outcome.codespace, outcome.code, outcome.log));
        }
        Ok(simulate_response(outcome).encode_to_vec())
    }
}

fn chain_id(view: &CommittedView<'_>) -> AppResult<String> {
    let raw = view.get(state_key::CHAIN_ID)?.unwrap_or_default();
    String::from_utf8(raw).map_err(|_| AppError::internal("stored chain id is not UTF-8"))
}

fn simulate_response(outcome: TxOutcome) -> SimulateResponse {
    #[allow(deprecated)]
    SimulateResponse {
        gas_info: Some(GasInfo {
            gas_wanted: outcome.gas_wanted,
            gas_used: outcome.gas_used,
        }),
        result: Some(AbciResult {
            data: outcome.data,
            log: outcome.log,
            events: outcome
                .events
                .into_iter()
                .map(crate::abci::convert::event)
                .collect(),
            msg_responses: outcome.msg_responses,
        }),
    }
}
