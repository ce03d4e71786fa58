//! `/cosmos/base/tendermint/v1beta1/...`: node info and ABCI queries (from
//! the query service), and blocks, syncing and validator sets converted from
//! CometBFT's JSON-RPC into the gateway's shapes (hashes and addresses as
//! base64, `sdk_block` with a bech32 `gpuvalcons` proposer).

use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use axum::Router;
use cosmos_sdk_proto::cosmos::base::tendermint::v1beta1::{
    AbciQueryRequest, AbciQueryResponse, GetNodeInfoRequest, GetNodeInfoResponse,
};
use gpuchain_types::address::VALCONS_PREFIX;
use gpuchain_types::Address;
use serde_json::{json, Map, Value};

use super::{abci, decode_base64, json as j, Params, Reply, RestError, RestResult, RestState};

const BASE: &str = "/cosmos/base/tendermint/v1beta1";

pub fn routes() -> Router<RestState> {
    Router::new()
        .route(&format!("{BASE}/node_info"), get(node_info))
        .route(&format!("{BASE}/abci_query"), get(abci_query))
        .route(&format!("{BASE}/syncing"), get(syncing))
        .route(&format!("{BASE}/blocks/latest"), get(latest_block))
        .route(&format!("{BASE}/blocks/{{height}}"), get(block_by_height))
        .route(
            &format!("{BASE}/validatorsets/latest"),
            get(latest_validator_set),
        )
        .route(
            &format!("{BASE}/validatorsets/{{height}}"),
            get(validator_set_by_height),
        )
}

async fn node_info(State(st): State<RestState>) -> RestResult {
    let (r, h): (GetNodeInfoResponse, _) = abci(
        &st,
        "/cosmos.base.tendermint.v1beta1.Service/GetNodeInfo",
        &GetNodeInfoRequest {},
        0,
    )
    .await?;
    Ok(Reply::at(j::node_info(&r), h))
}

/// `GET /abci_query?path=&data=&height=&prove=` (data base64): an ABCI
/// query (`/store/<module>/key`, ...) through the service; its outcome,
/// a failure included, is the answer's `code`/`log`.
async fn abci_query(State(st): State<RestState>, RawQuery(q): RawQuery) -> RestResult {
    let p = Params::parse(q.as_deref());
    let data = match p.get("data") {
        None | Some("") => Vec::new(),
        Some(d) => decode_base64(d).ok_or_else(|| {
            RestError::bad_request("type mismatch, parameter: data, error: illegal base64 data")
        })?,
    };
    let height = match p.get("height") {
        None | Some("") => 0,
        Some(h) => h.parse::<i64>().map_err(|e| {
            RestError::bad_request(format!(
                "type mismatch, parameter: height, error: strconv.ParseInt: parsing {h:?}: {e}"
            ))
        })?,
    };
    let req = AbciQueryRequest {
        data,
        path: p.str("path"),
        height,
        prove: p.bool("prove")?.unwrap_or(false),
    };
    let (r, _): (AbciQueryResponse, _) = abci(
        &st,
        "/cosmos.base.tendermint.v1beta1.Service/ABCIQuery",
        &req,
        0,
    )
    .await?;
    let proof_ops = r
        .proof_ops
        .as_ref()
        .map(|p| {
            let ops: Vec<Value> = p
                .ops
                .iter()
                .map(|o| json!({"type": o.r#type, "key": j::bytes(&o.key), "data": j::bytes(&o.data)}))
                .collect();
            json!({ "ops": ops })
        })
        .unwrap_or(Value::Null);
    let height = u64::try_from(r.height).unwrap_or(0);
    let body = json!({
        "code": r.code,
        "log": r.log,
        "info": r.info,
        "index": j::int(r.index),
        "key": j::bytes(&r.key),
        "value": j::bytes(&r.value),
        "proof_ops": proof_ops,
        "height": j::int(r.height),
        "codespace": r.codespace,
    });
    Ok(if height > 0 {
        Reply::at(body, height)
    } else {
        Reply::json(body)
    })
}

async fn syncing(State(st): State<RestState>) -> RestResult {
    let s = st.comet.call("status", json!({})).await?;
    let catching_up = s["sync_info"]["catching_up"].as_bool().unwrap_or(false);
    Ok(Reply::json(json!({ "syncing": catching_up })))
}

/// A height in a path: a positive integer, else 400 (as the gateway's
/// `strconv.ParseInt` failure).
pub fn parse_height(s: &str) -> Result<u64, RestError> {
    match s.parse::<i64>() {
        Ok(h) if h > 0 => Ok(h as u64),
        Ok(_) => Err(RestError::bad_request(
            "requested block height must be greater than 0",
        )),
        Err(e) => Err(RestError::bad_request(format!(
            "type mismatch, parameter: height, error: strconv.ParseInt: parsing {s:?}: {e}"
        ))),
    }
}

async fn latest_block(State(st): State<RestState>) -> RestResult {
    let b = st.comet.block(None).await?;
    Ok(Reply::json(block_response(&b)?))
}

async fn block_by_height(State(st): State<RestState>, Path(height): Path<String>) -> RestResult {
    let h = parse_height(&height)?;
    let b = st.comet.block(Some(h)).await?;
    Ok(Reply::json(block_response(&b)?))
}

/// `{block_id, block, sdk_block}` from CometBFT's `block` result.
pub fn block_response(b: &Value) -> Result<Value, RestError> {
    Ok(json!({
        "block_id": block_id(&b["block_id"])?,
        "block": block(&b["block"], false)?,
        "sdk_block": block(&b["block"], true)?,
    }))
}

fn hexb(v: &Value) -> Result<Value, RestError> {
    j::hex_to_bytes(v).map_err(|e| RestError::internal(format!("cometbft block: {e}")))
}

fn int_str(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(s.clone()),
        Value::Number(n) => Value::String(n.to_string()),
        _ => Value::String("0".into()),
    }
}

fn time(v: &Value) -> Value {
    Value::String(j::timestamp(v.as_str().unwrap_or_default()))
}

/// `BlockID` (`parts` becomes `part_set_header`, total a number).
pub fn block_id(v: &Value) -> Result<Value, RestError> {
    let parts = &v["parts"];
    let total = match &parts["total"] {
        Value::Number(n) => n.as_u64().unwrap_or(0),
        Value::String(s) => s.parse().unwrap_or(0),
        _ => 0,
    };
    Ok(json!({
        "hash": hexb(&v["hash"])?,
        "part_set_header": {"total": total, "hash": hexb(&parts["hash"])?},
    }))
}

fn header(h: &Value, sdk: bool) -> Result<Value, RestError> {
    let mut m = Map::new();
    m.insert(
        "version".into(),
        json!({"block": int_str(&h["version"]["block"]), "app": int_str(&h["version"]["app"])}),
    );
    m.insert("chain_id".into(), h["chain_id"].clone());
    m.insert("height".into(), int_str(&h["height"]));
    m.insert("time".into(), time(&h["time"]));
    m.insert("last_block_id".into(), block_id(&h["last_block_id"])?);
    for k in [
        "last_commit_hash",
        "data_hash",
        "validators_hash",
        "next_validators_hash",
        "consensus_hash",
        "app_hash",
        "last_results_hash",
        "evidence_hash",
    ] {
        m.insert(k.into(), hexb(&h[k])?);
    }
    let proposer = if sdk {
        let raw = hex::decode(h["proposer_address"].as_str().unwrap_or_default())
            .map_err(|e| RestError::internal(format!("cometbft block: proposer: {e}")))?;
        Value::String(valcons(&raw))
    } else {
        hexb(&h["proposer_address"])?
    };
    m.insert("proposer_address".into(), proposer);
    Ok(Value::Object(m))
}

/// A consensus address (20 bytes) as `gpuvalcons1...`.
pub fn valcons(raw: &[u8]) -> String {
    match <[u8; 20]>::try_from(raw) {
        Ok(a) => Address(a).to_bech32_with_prefix(VALCONS_PREFIX),
        Err(_) => String::new(),
    }
}

fn block_id_flag(v: &Value) -> Value {
    let n = match v {
        Value::Number(n) => n.as_u64().unwrap_or(0),
        Value::String(s) => s.parse().unwrap_or(0),
        _ => 0,
    };
    Value::String(
        match n {
            1 => "BLOCK_ID_FLAG_ABSENT",
            2 => "BLOCK_ID_FLAG_COMMIT",
            3 => "BLOCK_ID_FLAG_NIL",
            _ => "BLOCK_ID_FLAG_UNKNOWN",
        }
        .into(),
    )
}

fn commit(c: &Value) -> Result<Value, RestError> {
    if c.is_null() {
        return Ok(Value::Null);
    }
    let sigs = c["signatures"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|s| {
            Ok(json!({
                "block_id_flag": block_id_flag(&s["block_id_flag"]),
                "validator_address": hexb(&s["validator_address"])?,
                "timestamp": time(&s["timestamp"]),
                "signature": match &s["signature"] {
                    Value::String(x) if !x.is_empty() => Value::String(x.clone()),
                    _ => Value::Null,
                },
            }))
        })
        .collect::<Result<Vec<_>, RestError>>()?;
    let round = c["round"]
        .as_i64()
        .or_else(|| c["round"].as_str().and_then(|s| s.parse().ok()))
        .unwrap_or(0);
    Ok(json!({
        "height": int_str(&c["height"]),
        "round": round,
        "block_id": block_id(&c["block_id"])?,
        "signatures": sigs,
    }))
}

/// A CometBFT block; with `sdk` the SDK's `Block` (bech32 proposer).
pub fn block(b: &Value, sdk: bool) -> Result<Value, RestError> {
    let txs = b["data"]["txs"].as_array().cloned().unwrap_or_default();
    let evidence = b["evidence"]["evidence"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    Ok(json!({
        "header": header(&b["header"], sdk)?,
        "data": {"txs": txs},
        "evidence": {"evidence": evidence},
        "last_commit": commit(&b["last_commit"])?,
    }))
}

/// A CometBFT validator as `cosmos.base.tendermint.v1beta1.Validator`.
fn validator(v: &Value) -> Result<Value, RestError> {
    let raw = hex::decode(v["address"].as_str().unwrap_or_default())
        .map_err(|e| RestError::internal(format!("cometbft validator address: {e}")))?;
    Ok(json!({
        "address": valcons(&raw),
        "pub_key": consensus_pubkey(&v["pub_key"]),
        "voting_power": int_str(&v["voting_power"]),
        "proposer_priority": int_str(&v["proposer_priority"]),
    }))
}

/// CometBFT's `{type: "tendermint/PubKeyEd25519", value}` as an SDK Any.
pub fn consensus_pubkey(k: &Value) -> Value {
    let type_url = match k["type"].as_str().unwrap_or_default() {
        "tendermint/PubKeySecp256k1" => "/cosmos.crypto.secp256k1.PubKey",
        _ => "/cosmos.crypto.ed25519.PubKey",
    };
    json!({"@type": type_url, "key": k["value"]})
}

async fn validator_set(st: &RestState, height: Option<u64>, q: Option<&str>) -> RestResult {
    let p = Params::parse(q);
    let page = p.page_request()?.unwrap_or_default();
    let (block_height, vals) = st.comet.validators(height).await?;
    let total = vals.len() as u64;
    let limit = if page.limit == 0 { 100 } else { page.limit };
    let list = vals
        .iter()
        .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(validator)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Reply::json(json!({
        "block_height": block_height.to_string(),
        "validators": list,
        "pagination": {"next_key": null, "total": total.to_string()},
    })))
}

async fn latest_validator_set(State(st): State<RestState>, RawQuery(q): RawQuery) -> RestResult {
    validator_set(&st, None, q.as_deref()).await
}

async fn validator_set_by_height(
    State(st): State<RestState>,
    Path(height): Path<String>,
    RawQuery(q): RawQuery,
) -> RestResult {
    let h = parse_height(&height)?;
    validator_set(&st, Some(h), q.as_deref()).await
}
