//! The module's genesis section (`app_state["attestation"]`):
//! `{"params": {...}}`, absent fields taking their defaults (see
//! [`crate::params::ParamsJson`]). Providers start empty: they register
//! with a bond on-chain.

use gpuchain_store::{StateRead, StateWrite};
use gpuchain_types::{AppError, AppResult};
use serde::{Deserialize, Serialize};

use crate::params::ParamsJson;
use crate::state_ext;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenesisState {
    pub params: ParamsJson,
}

/// The default section.
pub fn default_genesis() -> serde_json::Value {
    serde_json::to_value(GenesisState::default()).unwrap_or(serde_json::Value::Null)
}

/// Parses a section (`null`: defaults); bad JSON is sdk code 17.
pub fn parse_genesis(section: &serde_json::Value) -> AppResult<GenesisState> {
    if section.is_null() {
        return Ok(GenesisState::default());
    }
    serde_json::from_value(section.clone()).map_err(|e| {
        AppError::sdk(
            gpuchain_types::error::code::JSON_UNMARSHAL,
            format!("attestation genesis: {e}"),
        )
    })
}

/// Validates the params (`attestation` code 26) and stores them.
pub fn init_genesis(state: &mut dyn StateWrite, genesis: &GenesisState) -> AppResult<()> {
    let params = genesis.params.to_params()?;
    state_ext::set_params(state, &params)
}

pub fn export_genesis(state: &dyn StateRead) -> AppResult<GenesisState> {
    Ok(GenesisState {
        params: ParamsJson::from(&state_ext::params(state)?),
    })
}

#[cfg(test)]
mod tests {
    use gpuchain_store::{Delta, EmptyState};

    use super::*;

    #[test]
    fn should_store_params_and_export_them_when_genesis_loads() {
        let mut state = Delta::new(&EmptyState);
        let section = serde_json::json!({"params": {"min_bond": "5ugpc", "fail_slash_bps": 100}});
        init_genesis(&mut state, &parse_genesis(&section).unwrap()).unwrap();
        let p = state_ext::params(&state).unwrap();
        assert_eq!(p.min_bond.unwrap().amount, "5");
        assert_eq!(p.fail_slash_bps, 100);
        assert_eq!(p.skus.len(), crate::params::default_skus().len());
        let exported = export_genesis(&state).unwrap();
        assert_eq!(exported.params.min_bond, "5ugpc");
        assert!(default_genesis().get("params").is_some());
    }

    #[test]
    fn should_fail_when_genesis_is_bad() {
        let e = parse_genesis(&serde_json::json!({"nope": 1})).unwrap_err();
        assert_eq!(e.code, 17);
        let mut state = Delta::new(&EmptyState);
        let g = parse_genesis(&serde_json::json!({"params": {"min_bond": "5uatom"}})).unwrap();
        let e = init_genesis(&mut state, &g).unwrap_err();
        assert_eq!((e.codespace.as_ref(), e.code), ("attestation", 26));
    }
}
