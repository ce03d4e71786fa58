//! `/cosmos/base/node/v1beta1/config` and `/status`: this node's settings
//! and its latest block.

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use super::{json as j, Reply, RestResult, RestState};

pub fn routes() -> Router<RestState> {
    Router::new()
        .route("/cosmos/base/node/v1beta1/config", get(config))
        .route("/cosmos/base/node/v1beta1/status", get(status))
}

async fn config(State(st): State<RestState>) -> RestResult {
    let s = &st.settings;
    Ok(Reply::json(json!({
        "minimum_gas_price": j::dec_coins(&s.minimum_gas_prices),
        "pruning_keep_recent": s.pruning_keep_recent.to_string(),
        "pruning_interval": "0",
        "halt_height": "0",
    })))
}

fn hex_b64(v: &Value) -> Value {
    v.as_str()
        .and_then(|s| hex::decode(s).ok())
        .map(|b| j::bytes(&b))
        .unwrap_or(Value::Null)
}

async fn status(State(st): State<RestState>) -> RestResult {
    let s = st.comet.call("status", json!({})).await?;
    let h = st.comet.call("header", json!({})).await?;
    let header = &h["header"];
    let num = |v: &Value| v.as_str().unwrap_or("0").to_string();
    Ok(Reply::json(json!({
        "earliest_store_height": num(&s["sync_info"]["earliest_block_height"]),
        "height": num(&header["height"]),
        "timestamp": j::timestamp(header["time"].as_str().unwrap_or_default()),
        "app_hash": hex_b64(&header["app_hash"]),
        "validator_hash": hex_b64(&header["validators_hash"]),
    })))
}
