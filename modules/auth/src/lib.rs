//! gpuchain's `auth` module: the Cosmos SDK's x/auth accounts, as CosmJS,
//! Keplr and cosmrs expect them.
//!
//! - Accounts are `cosmos.auth.v1beta1.BaseAccount`s (address, public key,
//!   account number, sequence), stored as their protobuf encoding.
//! - Other crates use this module through the functions re-exported here
//!   ([`get_account`], [`set_account`], [`ensure_account`], [`params`]);
//!   only this crate knows its keys ([`state_key`]).
//! - [`AuthComponent`] plugs the module into the app: genesis, gRPC queries
//!   and invariants. The module has no Msgs.

#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]

pub mod account;
pub mod error;
pub mod event;
pub mod genesis;
pub mod pagination;
pub mod params;
pub mod query;
pub mod state_ext;
pub mod state_key;

#[cfg(test)]
pub(crate) mod test_util;

use gpuchain_store::{Component, StateRead, StateWrite};
use gpuchain_types::{AppResult, BlockContext};

pub use account::{
    account_address, new_base_account, secp256k1_pubkey_any, secp256k1_pubkey_bytes,
    BASE_ACCOUNT_TYPE_URL, SECP256K1_PUBKEY_TYPE_URL,
};
pub use cosmos_sdk_proto::cosmos::auth::v1beta1::{BaseAccount, Params};
pub use genesis::{add_genesis_account, default_genesis, GenesisAccount, GenesisState};
pub use params::default_params;
pub use state_ext::{
    ensure_account, get_account, has_account, next_account_number, params, set_account,
};

/// The module's name: its key prefix, genesis section and codespace.
pub const MODULE_NAME: &str = "auth";

/// The version of the stored layout, written at genesis under
/// [`state_key::schema_version`] so that a later upgrade can migrate.
pub const SCHEMA_VERSION: u16 = 1;

/// The `auth` module as the app sees it.
#[derive(Clone, Copy, Debug, Default)]
pub struct AuthComponent;

impl Component for AuthComponent {
    fn name(&self) -> &'static str {
        MODULE_NAME
    }

    fn init_genesis(
        &self,
        state: &mut dyn StateWrite,
        genesis: &serde_json::Value,
        _ctx: &BlockContext,
    ) -> AppResult<()> {
        let parsed = genesis::parse_genesis(genesis)?;
        genesis::init_genesis(state, &parsed)
    }

    fn query(&self, state: &dyn StateRead, path: &str, data: &[u8]) -> Option<AppResult<Vec<u8>>> {
        query::handle(state, path, data)
    }

    fn check_invariants(&self, state: &dyn StateRead) -> AppResult<()> {
        state_ext::check_invariants(state)
    }
}
