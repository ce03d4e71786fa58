//! ABCI queries: gRPC method paths routed to modules, the tx service
//! (Simulate, TxEncode/TxDecode and their amino variants), node info,
//! ABCIQuery, and raw store paths with ICS-23 proofs. Reads committed
//! snapshots only, so it never waits for a block being executed.

use std::sync::Arc;

use cosmos_sdk_proto::cosmos::base::abci::v1beta1::{GasInfo, Result as AbciResult};
use cosmos_sdk_proto::cosmos::base::tendermint::v1beta1::{
    AbciQueryRequest, AbciQueryResponse, ProofOp, ProofOps,
};
use cosmos_sdk_proto::cosmos::tx::v1beta1::{
    AuthInfo, SimulateRequest, SimulateResponse, Tx, TxBody, TxDecodeAminoRequest,
    TxDecodeAminoResponse, TxDecodeRequest, TxDecodeResponse, TxEncodeAminoRequest,
    TxEncodeAminoResponse, TxEncodeRequest, TxEncodeResponse, TxRaw,
};
use gpuchain_auth::error::grpc_invalid_argument;
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
pub const ABCI_QUERY_PATH: &str = "/cosmos.base.tendermint.v1beta1.Service/ABCIQuery";
pub const TX_ENCODE_PATH: &str = "/cosmos.tx.v1beta1.Service/TxEncode";
pub const TX_DECODE_PATH: &str = "/cosmos.tx.v1beta1.Service/TxDecode";
pub const TX_ENCODE_AMINO_PATH: &str = "/cosmos.tx.v1beta1.Service/TxEncodeAmino";
pub const TX_DECODE_AMINO_PATH: &str = "/cosmos.tx.v1beta1.Service/TxDecodeAmino";

/// The first path segments ABCIQuery passes on, as the SDK's (`app`,
/// `store`, `p2p`, `custom`): gRPC method paths go to their own services.
const ABCI_QUERY_PREFIXES: &[&str] = &["app", "store", "p2p", "custom"];

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
            ABCI_QUERY_PATH => self.abci_query(data).map(ok),
            TX_ENCODE_PATH => tx_encode(data).map(ok),
            TX_DECODE_PATH => self.tx_decode(data).map(ok),
            TX_ENCODE_AMINO_PATH => self.tx_encode_amino(data).map(ok),
            TX_DECODE_AMINO_PATH => self.tx_decode_amino(data).map(ok),
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

    /// `ABCIQuery`: an ABCI query (`/store/...`, `/app/...`) through the
    /// gRPC service, its outcome (failures included) as the response's code
    /// and log, as the SDK's CometBFT service answers. Other paths (gRPC
    /// methods) are `InvalidArgument` (code 18).
    fn abci_query(&self, data: &[u8]) -> AppResult<Vec<u8>> {
        let req = AbciQueryRequest::decode(data).map_err(|e| {
            AppError::invalid_request(format!(
                "failed to decode request of {ABCI_QUERY_PATH}: {e}"
            ))
        })?;
        if req.path.is_empty() {
            return Err(grpc_invalid_argument("empty query path"));
        }
        let first = req.path.strip_prefix('/').unwrap_or(&req.path);
        let first = first.split('/').next().unwrap_or_default();
        if !ABCI_QUERY_PREFIXES.contains(&first) {
            return Err(grpc_invalid_argument(format!(
                "unsupported ABCI query path: {}",
                req.path
            )));
        }
        let failed = |e: AppError| AbciQueryResponse {
            code: e.code,
            log: e.log,
            codespace: e.codespace.into_owned(),
            height: req.height,
            ..Default::default()
        };
        let Ok(height) = u64::try_from(req.height) else {
            return Ok(failed(AppError::invalid_request(
                "cannot query with height < 0; please provide a valid height",
            ))
            .encode_to_vec());
        };
        let resp = match self.query(&req.path, &req.data, height, req.prove) {
            Ok(out) => AbciQueryResponse {
                key: out.key,
                value: out.value,
                height: i64::try_from(out.height).unwrap_or(i64::MAX),
                proof_ops: (!out.proof_ops.is_empty()).then(|| ProofOps {
                    ops: out
                        .proof_ops
                        .into_iter()
                        .map(|(r#type, key, data)| ProofOp { r#type, key, data })
                        .collect(),
                }),
                ..Default::default()
            },
            Err(e) => failed(e),
        };
        Ok(resp.encode_to_vec())
    }

    /// `TxDecode`: raw tx bytes to the `Tx`, decoded as the node decodes
    /// txs (no unknown or non-canonical fields, Msg types this chain knows)
    /// but without the checks that need state or a signature.
    fn tx_decode(&self, data: &[u8]) -> AppResult<Vec<u8>> {
        let req = TxDecodeRequest::decode(data).map_err(|e| {
            AppError::invalid_request(format!("failed to decode request of {TX_DECODE_PATH}: {e}"))
        })?;
        if req.tx_bytes.is_empty() {
            return Err(grpc_invalid_argument("invalid empty tx bytes"));
        }
        if req.tx_bytes.len() > self.max_tx_bytes {
            return Err(AppError::sdk(
                code::TX_TOO_LARGE,
                format!(
                    "tx size {} exceeds limit {}",
                    req.tx_bytes.len(),
                    self.max_tx_bytes
                ),
            ));
        }
        let tx = decode_tx_parts(&self.router, &req.tx_bytes)?;
        Ok(TxDecodeResponse { tx: Some(tx) }.encode_to_vec())
    }

    /// `TxEncodeAmino`: a legacy `StdTx` in amino JSON to its amino binary.
    fn tx_encode_amino(&self, data: &[u8]) -> AppResult<Vec<u8>> {
        let req = TxEncodeAminoRequest::decode(data).map_err(|e| {
            AppError::invalid_request(format!(
                "failed to decode request of {TX_ENCODE_AMINO_PATH}: {e}"
            ))
        })?;
        if req.amino_json.is_empty() {
            return Err(grpc_invalid_argument("invalid empty tx json"));
        }
        let amino_binary = crate::tx::std_tx::encode_amino_json(&self.router, &req.amino_json)?;
        Ok(TxEncodeAminoResponse { amino_binary }.encode_to_vec())
    }

    /// `TxDecodeAmino`: a legacy `StdTx`'s amino binary to its amino JSON.
    fn tx_decode_amino(&self, data: &[u8]) -> AppResult<Vec<u8>> {
        let req = TxDecodeAminoRequest::decode(data).map_err(|e| {
            AppError::invalid_request(format!(
                "failed to decode request of {TX_DECODE_AMINO_PATH}: {e}"
            ))
        })?;
        if req.amino_binary.is_empty() {
            return Err(grpc_invalid_argument("invalid empty tx bytes"));
        }
        let amino_json = crate::tx::std_tx::decode_amino_binary(&self.router, &req.amino_binary)?;
        Ok(TxDecodeAminoResponse { amino_json }.encode_to_vec())
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
            block_hash: Vec::new(),
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

/// `TxEncode`: a `Tx` to its `TxRaw` bytes (body and auth info encoded
/// canonically, as the SDK's codec does).
fn tx_encode(data: &[u8]) -> AppResult<Vec<u8>> {
    let req = TxEncodeRequest::decode(data).map_err(|e| {
        AppError::invalid_request(format!("failed to decode request of {TX_ENCODE_PATH}: {e}"))
    })?;
    let tx = req
        .tx
        .ok_or_else(|| grpc_invalid_argument("invalid empty tx"))?;
    let raw = TxRaw {
        body_bytes: tx.body.unwrap_or_default().encode_to_vec(),
        auth_info_bytes: tx.auth_info.unwrap_or_default().encode_to_vec(),
        signatures: tx.signatures,
    };
    Ok(TxEncodeResponse {
        tx_bytes: raw.encode_to_vec(),
    }
    .encode_to_vec())
}

/// Decodes `TxRaw` bytes into a `Tx`: `tx parse error` (code 2) for bytes
/// that are not a tx, carry unknown or non-canonically encoded fields (which
/// the SDK's decoder rejects too), or hold a Msg type no module handles.
fn decode_tx_parts(router: &Router, tx_bytes: &[u8]) -> AppResult<Tx> {
    fn canonical(what: &str, bytes: &[u8], msg: &impl Message) -> AppResult<()> {
        if msg.encode_to_vec() == bytes {
            Ok(())
        } else {
            Err(AppError::tx_decode(format!(
                "{what} has unknown or non-canonically encoded fields: tx parse error"
            )))
        }
    }
    let raw =
        TxRaw::decode(tx_bytes).map_err(|e| AppError::tx_decode(format!("tx parse error: {e}")))?;
    let body = TxBody::decode(raw.body_bytes.as_slice())
        .map_err(|e| AppError::tx_decode(format!("tx body parse error: {e}")))?;
    let auth_info = AuthInfo::decode(raw.auth_info_bytes.as_slice())
        .map_err(|e| AppError::tx_decode(format!("tx auth info parse error: {e}")))?;
    canonical("tx", tx_bytes, &raw)?;
    canonical("tx body", &raw.body_bytes, &body)?;
    canonical("tx auth info", &raw.auth_info_bytes, &auth_info)?;
    for msg in &body.messages {
        router.route(&msg.type_url)?;
    }
    Ok(Tx {
        body: Some(body),
        auth_info: Some(auth_info),
        signatures: raw.signatures,
    })
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
