//! gpuchain's `auth` module: the Cosmos SDK's x/auth accounts, as CosmJS,
//! Keplr and cosmrs expect them.
//!
//! - Accounts are `cosmos.auth.v1beta1.BaseAccount`s (address, public key,
//!   account number, sequence), stored as their protobuf encoding.
//! - Other crates use this module through the functions re-exported here
//!   ([`get_account`], [`set_account`], [`update_account`], [`ensure_account`], [`params`]);
//!   only this crate knows its keys ([`state_key`]).
//! - [`AuthComponent`] plugs the module into the app: genesis, gRPC queries
//!   and invariants. The module has no Msgs. The app tells it the module
//!   accounts other modules own ([`ModuleAccountSpec`]), which
//!   `ModuleAccounts` / `ModuleAccountByName` report.
//! - Besides the accounts (in the app hash), the module keeps a
//!   non-verifiable index from account number to address
//!   (`AccountAddressByID`); a node that lacks it (state from before the
//!   index) rebuilds it at the start of the next block.

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
pub mod module_account;
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
pub use module_account::{ModuleAccountSpec, MODULE_ACCOUNT_TYPE_URL};
pub use params::default_params;
pub use state_ext::{
    account_address_by_number, ensure_account, get_account, has_account, next_account_number,
    params, set_account, update_account,
};

/// The module's name: its key prefix, genesis section and codespace.
pub const MODULE_NAME: &str = "auth";

/// The version of the stored layout, written at genesis under
/// [`state_key::schema_version`] so that a later upgrade can migrate.
pub const SCHEMA_VERSION: u16 = 1;

/// The `auth` module as the app sees it, with the module accounts the app
/// registered.
#[derive(Clone, Debug, Default)]
pub struct AuthComponent {
    module_accounts: Vec<ModuleAccountSpec>,
}

impl AuthComponent {
    /// The module with no module accounts registered.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers module accounts (kept sorted by name; the first
    /// registration of a name wins).
    pub fn with_module_accounts(
        mut self,
        specs: impl IntoIterator<Item = ModuleAccountSpec>,
    ) -> Self {
        let mut all = std::mem::take(&mut self.module_accounts);
        all.extend(specs);
        self.module_accounts = module_account::normalize(all);
        self
    }

    /// The registered module accounts, sorted by name.
    pub fn module_accounts(&self) -> &[ModuleAccountSpec] {
        &self.module_accounts
    }
}

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
        query::handle(state, &self.module_accounts, path, data)
    }

    /// Builds the non-verifiable indexes if this node lacks them.
    fn begin_block(&self, state: &mut dyn StateWrite, _ctx: &BlockContext) -> AppResult<()> {
        state_ext::ensure_nv_indexes(state).map(|_| ())
    }

    fn check_invariants(&self, state: &dyn StateRead) -> AppResult<()> {
        state_ext::check_invariants(state)
    }
}
