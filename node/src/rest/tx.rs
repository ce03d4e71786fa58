//! `/cosmos/tx/v1beta1/...`: a tx by hash, tx search, broadcast (CometBFT's
//! `tx`, `tx_search`, `broadcast_tx_*`), simulate and the encode/decode
//! helpers (protobuf and legacy amino; the query service), and the txs of a
//! block.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};
use axum::Router;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use cosmos_sdk_proto::cosmos::tx::v1beta1::{
    SimulateRequest, SimulateResponse, TxDecodeAminoRequest, TxDecodeAminoResponse,
    TxDecodeRequest, TxDecodeResponse, TxEncodeAminoRequest, TxEncodeAminoResponse,
    TxEncodeRequest, TxEncodeResponse,
};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::comet::CometError;
use super::tendermint::{block, block_id, parse_height};
use super::{
    abci, decode_base64, json as j, json_in, Params, Reply, RestError, RestResult, RestState,
};

/// CometBFT's `tx_search` serves at most 100 per page.
const MAX_LIMIT: u64 = 100;

pub fn routes() -> Router<RestState> {
    Router::new()
        .route("/cosmos/tx/v1beta1/txs", get(search).post(broadcast))
        .route("/cosmos/tx/v1beta1/txs/{hash}", get(get_tx))
        .route("/cosmos/tx/v1beta1/txs/block/{height}", get(block_with_txs))
        .route("/cosmos/tx/v1beta1/simulate", post(simulate))
        .route("/cosmos/tx/v1beta1/encode", post(encode))
        .route("/cosmos/tx/v1beta1/encode/amino", post(encode_amino))
        .route("/cosmos/tx/v1beta1/decode", post(decode))
        .route("/cosmos/tx/v1beta1/decode/amino", post(decode_amino))
}

/// A JSON request body; malformed JSON is 400 InvalidArgument.
fn body_json(body: &Bytes) -> Result<Value, RestError> {
    if body.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_slice(body)
        .map_err(|e| RestError::bad_request(format!("invalid JSON body: {e}")))
}

fn tx_bytes_of(body: &Value) -> Result<Vec<u8>, RestError> {
    bytes_field(body, "tx_bytes")
}

/// A bytes field of a JSON body (proto or lowerCamel name): base64, empty
/// when absent.
fn bytes_field(body: &Value, name: &str) -> Result<Vec<u8>, RestError> {
    let camel = match name {
        "tx_bytes" => "txBytes",
        "amino_binary" => "aminoBinary",
        other => other,
    };
    let v = match &body[name] {
        Value::Null => &body[camel],
        v => v,
    };
    match v {
        Value::Null => Ok(Vec::new()),
        Value::String(s) => decode_base64(s)
            .ok_or_else(|| RestError::bad_request(format!("{name}: illegal base64 data"))),
        _ => Err(RestError::bad_request(format!(
            "{name} must be a base64 string"
        ))),
    }
}

/// A committed tx as a `TxResponse` (from CometBFT's `tx`/`tx_search` item).
fn tx_response(item: &Value, raw: &[u8], timestamp: &str) -> Value {
    let r = &item["tx_result"];
    let data = r["data"]
        .as_str()
        .and_then(|d| B64.decode(d).ok())
        .map(hex::encode_upper)
        .unwrap_or_default();
    json!({
        "height": item["height"].as_str().unwrap_or("0"),
        "txhash": item["hash"].as_str().unwrap_or_default(),
        "codespace": r["codespace"].as_str().unwrap_or_default(),
        "code": r["code"].as_u64().unwrap_or(0),
        "data": data,
        "raw_log": r["log"].as_str().unwrap_or_default(),
        "logs": [],
        "info": r["info"].as_str().unwrap_or_default(),
        "gas_wanted": r["gas_wanted"].as_str().unwrap_or("0"),
        "gas_used": r["gas_used"].as_str().unwrap_or("0"),
        "tx": j::raw_tx_any(raw),
        "timestamp": timestamp,
        "events": j::rpc_events(&r["events"]),
    })
}

fn raw_of(item: &Value) -> Vec<u8> {
    item["tx"]
        .as_str()
        .and_then(|t| B64.decode(t).ok())
        .unwrap_or_default()
}

async fn get_tx(State(st): State<RestState>, Path(hash): Path<String>) -> RestResult {
    if hash.is_empty() {
        return Err(RestError::bad_request("tx hash cannot be empty"));
    }
    let raw_hash = hex::decode(&hash)
        .map_err(|e| RestError::bad_request(format!("invalid tx hash {hash:?}: {e}")))?;
    if raw_hash.len() != 32 {
        return Err(RestError::bad_request(format!(
            "invalid tx hash {hash:?}: expected 32 bytes"
        )));
    }
    let item = match st
        .comet
        .call("tx", json!({"hash": B64.encode(&raw_hash), "prove": false}))
        .await
    {
        Ok(v) => v,
        Err(CometError::Rpc { .. }) => {
            return Err(RestError::not_found(format!(
                "tx not found: {}",
                hash.to_uppercase()
            )))
        }
        Err(e) => return Err(e.into()),
    };
    let height: u64 = item["height"]
        .as_str()
        .and_then(|h| h.parse().ok())
        .unwrap_or(0);
    let ts = st.comet.block_time(height).await?;
    let raw = raw_of(&item);
    Ok(Reply::json(json!({
        "tx": j::raw_tx(&raw),
        "tx_response": tx_response(&item, &raw, &ts),
    })))
}

/// `GET /txs?query=...` (v0.50), or the older repeated `events=` (joined
/// with AND); `page` (from 1), `limit` (at most 100), `order_by`.
async fn search(State(st): State<RestState>, RawQuery(q): RawQuery) -> RestResult {
    let p = Params::parse(q.as_deref());
    let events = p.all("events");
    for e in &events {
        if !e.contains('=') {
            return Err(RestError::bad_request(format!(
                "invalid event; event {e} should be of the format: {{eventType}}.{{eventAttribute}}={{value}}"
            )));
        }
    }
    let mut parts: Vec<String> = Vec::new();
    let query = p.str("query");
    if !query.trim().is_empty() {
        parts.push(query.trim().to_string());
    }
    parts.extend(events.iter().map(|e| e.trim().to_string()));
    if parts.is_empty() {
        return Err(RestError::bad_request("query cannot be empty"));
    }
    let query = parts.join(" AND ");
    // v0.50 takes `page`/`limit`; older clients send pagination.offset/limit.
    let pagination = p.page_request()?.unwrap_or_default();
    let limit = match p.u64("limit")? {
        Some(l) if l > 0 => l,
        _ if pagination.limit > 0 => pagination.limit,
        _ => MAX_LIMIT,
    }
    .min(MAX_LIMIT);
    let page = match p.u64("page")? {
        Some(0) => return Err(RestError::bad_request("page must be greater than 0")),
        Some(pg) => pg,
        None => pagination.offset / limit + 1,
    };
    let order_by = match p.get("order_by").unwrap_or_default() {
        "" | "ORDER_BY_UNSPECIFIED" | "0" => "",
        "ORDER_BY_ASC" | "1" => "asc",
        "ORDER_BY_DESC" | "2" => "desc",
        other => {
            return Err(RestError::bad_request(format!(
                "invalid order_by {other:?}"
            )))
        }
    };
    let r = st
        .comet
        .call(
            "tx_search",
            json!({"query": query, "prove": false, "page": page.to_string(),
                   "per_page": limit.to_string(), "order_by": order_by}),
        )
        .await
        .map_err(CometError::bad_request)?;
    let items = r["txs"].as_array().cloned().unwrap_or_default();
    let mut times: HashMap<u64, String> = HashMap::new();
    let mut txs = Vec::with_capacity(items.len());
    let mut responses = Vec::with_capacity(items.len());
    for item in &items {
        let height: u64 = item["height"]
            .as_str()
            .and_then(|h| h.parse().ok())
            .unwrap_or(0);
        let ts = match times.get(&height) {
            Some(t) => t.clone(),
            None => {
                let t = st.comet.block_time(height).await?;
                times.insert(height, t.clone());
                t
            }
        };
        let raw = raw_of(item);
        txs.push(j::raw_tx(&raw));
        responses.push(tx_response(item, &raw, &ts));
    }
    Ok(Reply::json(json!({
        "txs": txs,
        "tx_responses": responses,
        "pagination": null,
        "total": r["total_count"].as_str().unwrap_or("0"),
    })))
}

fn broadcast_mode(v: &Value) -> Result<&'static str, RestError> {
    let mode = match v {
        Value::Null => 0,
        Value::Number(n) => n.as_i64().unwrap_or(-1),
        Value::String(s) => match s.as_str() {
            "BROADCAST_MODE_UNSPECIFIED" => 0,
            "BROADCAST_MODE_BLOCK" => 1,
            "BROADCAST_MODE_SYNC" => 2,
            "BROADCAST_MODE_ASYNC" => 3,
            other => other.parse().unwrap_or(-1),
        },
        _ => -1,
    };
    match mode {
        2 => Ok("broadcast_tx_sync"),
        3 => Ok("broadcast_tx_async"),
        1 => Err(RestError::bad_request(
            "unsupported return type BROADCAST_MODE_BLOCK; supported types: sync, async: invalid request",
        )),
        0 => Err(RestError::bad_request(
            "invalid broadcast mode BROADCAST_MODE_UNSPECIFIED; supported types: sync, async",
        )),
        _ => Err(RestError::bad_request(format!("invalid broadcast mode {v}"))),
    }
}

/// `POST /txs {tx_bytes, mode}` -> `{tx_response}`. CometBFT's mempool
/// refusals become a response with the SDK's code, as the SDK's client does
/// (`tx already exists in cache` 19, `mempool is full` 20, `tx too large` 21).
async fn broadcast(State(st): State<RestState>, body: Bytes) -> RestResult {
    let body = body_json(&body)?;
    let tx = tx_bytes_of(&body)?;
    if tx.is_empty() {
        return Err(RestError::bad_request("invalid empty tx"));
    }
    let method = broadcast_mode(&body["mode"])?;
    let txhash = hex::encode_upper(Sha256::digest(&tx));
    let response = |code: u64, codespace: &str, data: String, log: &str| {
        json!({"tx_response": {
            "height": "0", "txhash": txhash, "codespace": codespace, "code": code,
            "data": data, "raw_log": log, "logs": [], "info": "", "gas_wanted": "0",
            "gas_used": "0", "tx": null, "timestamp": "", "events": [],
        }})
    };
    match st.comet.call(method, json!({"tx": B64.encode(&tx)})).await {
        Ok(r) => {
            let data = r["data"]
                .as_str()
                .and_then(|d| B64.decode(d).ok())
                .map(hex::encode_upper)
                .unwrap_or_default();
            Ok(Reply::json(response(
                r["code"].as_u64().unwrap_or(0),
                r["codespace"].as_str().unwrap_or_default(),
                data,
                r["log"].as_str().unwrap_or_default(),
            )))
        }
        Err(e @ CometError::Rpc { .. }) => {
            let text = e.text();
            let code = if text.contains("tx already exists in cache") {
                19
            } else if text.contains("mempool is full") {
                20
            } else if text.contains("tx too large") {
                21
            } else {
                return Err(RestError::internal(text));
            };
            Ok(Reply::json(response(code, "sdk", String::new(), &text)))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /simulate {tx_bytes}` -> `{gas_info, result}`.
async fn simulate(State(st): State<RestState>, body: Bytes) -> RestResult {
    let body = body_json(&body)?;
    let tx_bytes = tx_bytes_of(&body)?;
    if tx_bytes.is_empty() {
        return Err(RestError::bad_request("empty txBytes is not allowed"));
    }
    #[allow(deprecated)]
    let req = SimulateRequest { tx: None, tx_bytes };
    let (r, h): (SimulateResponse, _) =
        abci(&st, "/cosmos.tx.v1beta1.Service/Simulate", &req, 0).await?;
    Ok(Reply::at(j::simulate_response(&r), h))
}

/// `GET /txs/block/{height}` -> `{txs, block_id, block, pagination}`.
async fn block_with_txs(
    State(st): State<RestState>,
    Path(height): Path<String>,
    RawQuery(q): RawQuery,
) -> RestResult {
    let h = parse_height(&height)?;
    let page = Params::parse(q.as_deref())
        .page_request()?
        .unwrap_or_default();
    let b = st.comet.block(Some(h)).await?;
    let all = b["block"]["data"]["txs"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let limit = if page.limit == 0 {
        MAX_LIMIT
    } else {
        page.limit
    };
    let txs: Vec<Value> = all
        .iter()
        .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|t| {
            let raw = t
                .as_str()
                .and_then(|s| B64.decode(s).ok())
                .unwrap_or_default();
            j::raw_tx(&raw)
        })
        .collect();
    Ok(Reply::json(json!({
        "txs": txs,
        "block_id": block_id(&b["block_id"])?,
        "block": block(&b["block"], false)?,
        "pagination": {"next_key": null, "total": all.len().to_string()},
    })))
}

/// `POST /encode {tx}` -> `{tx_bytes}`: a `Tx` in the gateway's JSON to
/// its `TxRaw` bytes.
async fn encode(State(st): State<RestState>, body: Bytes) -> RestResult {
    let body = body_json(&body)?;
    let tx = match &body["tx"] {
        Value::Null => None,
        v => Some(json_in::tx(v).map_err(RestError::bad_request)?),
    };
    let (r, h): (TxEncodeResponse, _) = abci(
        &st,
        "/cosmos.tx.v1beta1.Service/TxEncode",
        &TxEncodeRequest { tx },
        0,
    )
    .await?;
    Ok(Reply::at(json!({"tx_bytes": j::bytes(&r.tx_bytes)}), h))
}

/// `POST /decode {tx_bytes}` -> `{tx}`.
async fn decode(State(st): State<RestState>, body: Bytes) -> RestResult {
    let body = body_json(&body)?;
    let tx_bytes = tx_bytes_of(&body)?;
    let (r, h): (TxDecodeResponse, _) = abci(
        &st,
        "/cosmos.tx.v1beta1.Service/TxDecode",
        &TxDecodeRequest { tx_bytes },
        0,
    )
    .await?;
    let tx = r.tx.as_ref().map(j::tx).unwrap_or(Value::Null);
    Ok(Reply::at(json!({ "tx": tx }), h))
}

/// `POST /encode/amino {amino_json}` -> `{amino_binary}`: a legacy
/// `StdTx`'s amino JSON (a string) to its amino binary.
async fn encode_amino(State(st): State<RestState>, body: Bytes) -> RestResult {
    let body = body_json(&body)?;
    let amino_json = match (&body["amino_json"], &body["aminoJson"]) {
        (Value::String(s), _) | (Value::Null, Value::String(s)) => s.clone(),
        (Value::Null, Value::Null) => String::new(),
        _ => return Err(RestError::bad_request("amino_json must be a string")),
    };
    let (r, h): (TxEncodeAminoResponse, _) = abci(
        &st,
        "/cosmos.tx.v1beta1.Service/TxEncodeAmino",
        &TxEncodeAminoRequest { amino_json },
        0,
    )
    .await?;
    Ok(Reply::at(
        json!({"amino_binary": j::bytes(&r.amino_binary)}),
        h,
    ))
}

/// `POST /decode/amino {amino_binary}` -> `{amino_json}`.
async fn decode_amino(State(st): State<RestState>, body: Bytes) -> RestResult {
    let body = body_json(&body)?;
    let amino_binary = bytes_field(&body, "amino_binary")?;
    let (r, h): (TxDecodeAminoResponse, _) = abci(
        &st,
        "/cosmos.tx.v1beta1.Service/TxDecodeAmino",
        &TxDecodeAminoRequest { amino_binary },
        0,
    )
    .await?;
    Ok(Reply::at(json!({"amino_json": r.amino_json}), h))
}
