//! `/cosmos/staking/v1beta1/params`, `/pool`, `/validators`: read-only
//! answers from CometBFT's current validator set until gpuchain has a staking
//! module. Explorers (Ping.pub) stop initialising without them. Each
//! validator is `BOND_STATUS_BONDED`, its operator address the `gpuvaloper`
//! bech32 of its consensus address bytes, its tokens its voting power.

use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use axum::Router;
use gpuchain_types::address::VALOPER_PREFIX;
use gpuchain_types::Address;
use serde_json::{json, Value};

use super::tendermint::consensus_pubkey;
use super::{Params, Reply, RestError, RestResult, RestState};

const ZERO_DEC: &str = "0.000000000000000000";
const ZERO_TIME: &str = "1970-01-01T00:00:00Z";
const BONDED: &str = "BOND_STATUS_BONDED";

pub fn routes() -> Router<RestState> {
    Router::new()
        .route("/cosmos/staking/v1beta1/params", get(params))
        .route("/cosmos/staking/v1beta1/pool", get(pool))
        .route("/cosmos/staking/v1beta1/validators", get(validators))
        .route(
            "/cosmos/staking/v1beta1/validators/{validator_addr}",
            get(validator_by_address),
        )
}

/// The SDK's default staking params, with this chain's bond denom.
async fn params(State(st): State<RestState>) -> RestResult {
    Ok(Reply::json(json!({"params": {
        "unbonding_time": "1814400s",
        "max_validators": 100,
        "max_entries": 7,
        "historical_entries": 10000,
        "bond_denom": st.settings.bond_denom,
        "min_commission_rate": ZERO_DEC,
    }})))
}

fn power(v: &Value) -> u128 {
    v["voting_power"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

async fn pool(State(st): State<RestState>) -> RestResult {
    let (_, vals) = st.comet.validators(None).await?;
    let bonded: u128 = vals.iter().map(power).sum();
    Ok(Reply::json(json!({"pool": {
        "not_bonded_tokens": "0",
        "bonded_tokens": bonded.to_string(),
    }})))
}

/// A CometBFT validator as a `cosmos.staking.v1beta1.Validator`.
pub fn validator(v: &Value) -> Result<Value, RestError> {
    let raw = hex::decode(v["address"].as_str().unwrap_or_default())
        .map_err(|e| RestError::internal(format!("cometbft validator address: {e}")))?;
    let addr = <[u8; 20]>::try_from(raw.as_slice())
        .map_err(|_| RestError::internal("cometbft validator address is not 20 bytes"))?;
    let tokens = power(v);
    Ok(json!({
        "operator_address": Address(addr).to_bech32_with_prefix(VALOPER_PREFIX),
        "consensus_pubkey": consensus_pubkey(&v["pub_key"]),
        "jailed": false,
        "status": BONDED,
        "tokens": tokens.to_string(),
        "delegator_shares": format!("{tokens}.000000000000000000"),
        "description": {"moniker": "", "identity": "", "website": "", "security_contact": "", "details": ""},
        "unbonding_height": "0",
        "unbonding_time": ZERO_TIME,
        "commission": {
            "commission_rates": {"rate": ZERO_DEC, "max_rate": ZERO_DEC, "max_change_rate": ZERO_DEC},
            "update_time": ZERO_TIME,
        },
        "min_self_delegation": "1",
        "unbonding_on_hold_ref_count": "0",
        "unbonding_ids": [],
    }))
}

async fn validators(State(st): State<RestState>, RawQuery(q): RawQuery) -> RestResult {
    let p = Params::parse(q.as_deref());
    let page = p.page_request()?.unwrap_or_default();
    let status = p.str("status");
    let (_, vals) = st.comet.validators(None).await?;
    // Every validator is bonded: another status filter matches none.
    let vals: Vec<Value> = match status.as_str() {
        "" | BONDED | "BOND_STATUS_UNSPECIFIED" => vals,
        "BOND_STATUS_UNBONDED" | "BOND_STATUS_UNBONDING" => Vec::new(),
        other => {
            return Err(RestError::bad_request(format!(
                "invalid validator status {other}"
            )))
        }
    };
    let limit = if page.limit == 0 { 100 } else { page.limit };
    let list = vals
        .iter()
        .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(validator)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Reply::json(json!({
        "validators": list,
        "pagination": {"next_key": null, "total": vals.len().to_string()},
    })))
}

async fn validator_by_address(State(st): State<RestState>, Path(addr): Path<String>) -> RestResult {
    let wanted = Address::from_bech32_with_prefix(&addr, VALOPER_PREFIX)
        .map_err(|e| RestError::bad_request(e.log))?;
    let (_, vals) = st.comet.validators(None).await?;
    for v in &vals {
        let raw = hex::decode(v["address"].as_str().unwrap_or_default()).unwrap_or_default();
        if raw.as_slice() == wanted.as_bytes() {
            return Ok(Reply::json(json!({ "validator": validator(v)? })));
        }
    }
    Err(RestError::not_found(format!("validator {addr} not found")))
}
