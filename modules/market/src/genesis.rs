//! The `market` genesis section: `{"params": {...}, "next_offer_id",
//! "next_order_id", "next_lease_id"}`; absent (`null`) means defaults.
//! Offers, orders and leases are not imported yet: a non-empty list is
//! rejected (market 26).

use gpuchain_store::{StateRead, StateWrite};
use gpuchain_types::{AppError, AppResult};
use serde::{Deserialize, Serialize};

use crate::error::MarketError;
use crate::params::{default_params, validate_params, Params};
use crate::state_ext as se;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamsJson {
    pub min_prepaid_secs: i64,
    pub ack_timeout_secs: i64,
    pub take_rate_bps: u32,
    pub ack_timeout_slash_bps: u32,
    pub allowed_denoms: Vec<String>,
    pub max_gpus_per_order: u32,
    pub max_duration_secs: i64,
    pub max_open_orders_per_tenant: u32,
    pub order_retry_per_block: u32,
    pub max_order_ttl_secs: i64,
    pub max_access_bytes: u32,
    pub max_gpus_per_offer: u32,
    pub max_match_candidates: u32,
}

impl From<&Params> for ParamsJson {
    fn from(p: &Params) -> Self {
        Self {
            min_prepaid_secs: p.min_prepaid_secs,
            ack_timeout_secs: p.ack_timeout_secs,
            take_rate_bps: p.take_rate_bps,
            ack_timeout_slash_bps: p.ack_timeout_slash_bps,
            allowed_denoms: p.allowed_denoms.clone(),
            max_gpus_per_order: p.max_gpus_per_order,
            max_duration_secs: p.max_duration_secs,
            max_open_orders_per_tenant: p.max_open_orders_per_tenant,
            order_retry_per_block: p.order_retry_per_block,
            max_order_ttl_secs: p.max_order_ttl_secs,
            max_access_bytes: p.max_access_bytes,
            max_gpus_per_offer: p.max_gpus_per_offer,
            max_match_candidates: p.max_match_candidates,
        }
    }
}

impl From<&ParamsJson> for Params {
    fn from(p: &ParamsJson) -> Self {
        Params {
            min_prepaid_secs: p.min_prepaid_secs,
            ack_timeout_secs: p.ack_timeout_secs,
            take_rate_bps: p.take_rate_bps,
            ack_timeout_slash_bps: p.ack_timeout_slash_bps,
            allowed_denoms: p.allowed_denoms.clone(),
            max_gpus_per_order: p.max_gpus_per_order,
            max_duration_secs: p.max_duration_secs,
            max_open_orders_per_tenant: p.max_open_orders_per_tenant,
            order_retry_per_block: p.order_retry_per_block,
            max_order_ttl_secs: p.max_order_ttl_secs,
            max_access_bytes: p.max_access_bytes,
            max_gpus_per_offer: p.max_gpus_per_offer,
            max_match_candidates: p.max_match_candidates,
        }
    }
}

fn one() -> u64 {
    1
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisState {
    pub params: ParamsJson,
    #[serde(default = "one")]
    pub next_offer_id: u64,
    #[serde(default = "one")]
    pub next_order_id: u64,
    #[serde(default = "one")]
    pub next_lease_id: u64,
    #[serde(default)]
    pub offers: Vec<serde_json::Value>,
    #[serde(default)]
    pub orders: Vec<serde_json::Value>,
    #[serde(default)]
    pub leases: Vec<serde_json::Value>,
}

impl Default for GenesisState {
    fn default() -> Self {
        Self {
            params: ParamsJson::from(&default_params()),
            next_offer_id: 1,
            next_order_id: 1,
            next_lease_id: 1,
            offers: Vec::new(),
            orders: Vec::new(),
            leases: Vec::new(),
        }
    }
}

impl GenesisState {
    pub fn validate(&self) -> AppResult<()> {
        validate_params(&Params::from(&self.params))
            .map_err(|e| MarketError::InvalidGenesis.wrap(e.log))?;
        if self.next_offer_id == 0 || self.next_order_id == 0 || self.next_lease_id == 0 {
            return Err(MarketError::InvalidGenesis.wrap("next ids start at 1"));
        }
        if !self.offers.is_empty() || !self.orders.is_empty() || !self.leases.is_empty() {
            return Err(MarketError::InvalidGenesis
                .wrap("importing offers, orders or leases is not supported"));
        }
        Ok(())
    }
}

/// The default section as JSON.
pub fn default_genesis() -> serde_json::Value {
    serde_json::to_value(GenesisState::default()).unwrap_or(serde_json::Value::Null)
}

/// Parses and validates a section (`null`: defaults). Market 26 otherwise.
pub fn parse_genesis(section: &serde_json::Value) -> AppResult<GenesisState> {
    let g = if section.is_null() {
        GenesisState::default()
    } else {
        serde_json::from_value(section.clone())
            .map_err(|e| MarketError::InvalidGenesis.wrap(format!("market genesis: {e}")))?
    };
    g.validate()?;
    Ok(g)
}

pub fn init_genesis(state: &mut dyn StateWrite, g: &GenesisState) -> AppResult<()> {
    se::set_params(state, &Params::from(&g.params))?;
    se::set_next_id(state, "offer", g.next_offer_id)?;
    se::set_next_id(state, "order", g.next_order_id)?;
    se::set_next_id(state, "lease", g.next_lease_id)?;
    state
        .nv_put(
            crate::state_key::nv::version(),
            crate::state_key::nv::INDEXES_VERSION.to_be_bytes().to_vec(),
        )
        .map_err(AppError::from)
}

/// The params and next ids now (offers, orders and leases not exported).
pub fn export_genesis(state: &dyn StateRead) -> AppResult<GenesisState> {
    Ok(GenesisState {
        params: ParamsJson::from(&se::params(state)?),
        next_offer_id: se::peek_next_id(state, "offer")?,
        next_order_id: se::peek_next_id(state, "order")?,
        next_lease_id: se::peek_next_id(state, "lease")?,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use gpuchain_store::{Delta, EmptyState};
    use serde_json::json;

    use super::*;

    #[test]
    fn should_load_defaults_when_section_is_null() {
        let g = parse_genesis(&serde_json::Value::Null).unwrap();
        assert_eq!(g, GenesisState::default());
        let mut s = Delta::new(&EmptyState);
        init_genesis(&mut s, &g).unwrap();
        assert_eq!(se::params(&s).unwrap(), default_params());
        assert_eq!(export_genesis(&s).unwrap(), g);
        assert_eq!(parse_genesis(&default_genesis()).unwrap(), g);
    }

    #[test]
    fn should_fail_with_code_26_when_genesis_is_invalid() {
        let mut bad_rate = default_genesis();
        bad_rate["params"]["take_rate_bps"] = json!(20000);
        let mut unknown = default_genesis();
        unknown["bogus"] = json!(1);
        let mut zero_id = default_genesis();
        zero_id["next_lease_id"] = json!(0);
        let mut offers = default_genesis();
        offers["offers"] = json!([{}]);
        for g in [bad_rate, unknown, zero_id, offers, json!("x")] {
            let e = parse_genesis(&g).unwrap_err();
            assert_eq!((e.codespace.as_ref(), e.code), ("market", 26), "{g}");
        }
    }
}
