//! gpuchain's `bank` module: the Cosmos SDK's x/bank — balances, total
//! supply, denom metadata, send flags, `MsgSend`/`MsgMultiSend` and the bank
//! gRPC queries, with SDK v0.50's events and error codes.
//!
//! - Other crates read balances and move coins only through the functions
//!   re-exported here ([`send_coins`], [`send_coins_to_module`], ...); the
//!   keys ([`state_key`]) and raw writes stay inside this crate.
//! - Coins come into existence only through genesis balances; there is no
//!   public mint.
//! - [`BankComponent`] plugs the module into the app.
//! - Besides the balances (in the app hash), the module keeps a
//!   non-verifiable index of each denom's owners (`DenomOwners`); a node
//!   that lacks it (state from before the index) rebuilds it at the start of
//!   the next block.

#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]

mod amino;
pub mod error;
pub mod event;
pub mod genesis;
pub mod keeper;
pub mod msg;
pub mod params;
pub mod query;
pub mod state_ext;
pub mod state_key;

#[cfg(test)]
pub(crate) mod test_util;

use gpuchain_store::{Component, MsgResponse, StateRead, StateWrite};
use gpuchain_types::{Address, AppResult, BlockContext};

pub use cosmos_sdk_proto::cosmos::bank::v1beta1::{Metadata, Params, SendEnabled};
pub use error::BankError;
pub use genesis::{add_genesis_balance, default_genesis, ugpc_metadata, GenesisState};
pub use keeper::{
    burn, fee_collector, is_blocked_address, is_module_account, send_coins, send_coins_from_module,
    send_coins_to_module, ATTESTATION, DISTRIBUTION, ESCROW, FEE_COLLECTOR, MODULE_ACCOUNTS,
    MODULE_ACCOUNT_PERMISSIONS,
};
pub use msg::multi_send::MultiSend;
pub use msg::send::Send;
pub use params::default_params;
pub use state_ext::{
    all_balances, all_denom_metadata, all_send_enabled, balance, denom_metadata, is_send_enabled,
    params, supply_of, total_supply,
};

/// The module's name: its key prefix, genesis section and codespace.
pub const MODULE_NAME: &str = "bank";

/// The staking and fee denom.
pub const BASE_DENOM: &str = "ugpc";

/// The version of the stored layout, written at genesis under
/// [`state_key::schema_version`] so that a later upgrade can migrate.
pub const SCHEMA_VERSION: u16 = 1;

/// The Msgs this module handles.
pub const MSG_TYPES: &[&str] = &[msg::send::TYPE_URL, msg::multi_send::TYPE_URL];

/// The `bank` module as the app sees it.
#[derive(Clone, Copy, Debug, Default)]
pub struct BankComponent;

impl Component for BankComponent {
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

    fn msg_types(&self) -> &'static [&'static str] {
        MSG_TYPES
    }

    fn check_msg(&self, type_url: &str, value: &[u8]) -> AppResult<Vec<Address>> {
        match type_url {
            msg::send::TYPE_URL => Ok(Send::check_stateless(value)?.signers()),
            msg::multi_send::TYPE_URL => Ok(MultiSend::check_stateless(value)?.signers()),
            other => Err(unknown_msg(other)),
        }
    }

    fn deliver_msg(
        &self,
        state: &mut dyn StateWrite,
        _ctx: &BlockContext,
        type_url: &str,
        value: &[u8],
    ) -> AppResult<MsgResponse> {
        match type_url {
            msg::send::TYPE_URL => Send::check_stateless(value)?.check_and_execute(state),
            msg::multi_send::TYPE_URL => {
                MultiSend::check_stateless(value)?.check_and_execute(state)
            }
            other => Err(unknown_msg(other)),
        }
    }

    fn amino_json(&self, type_url: &str, value: &[u8]) -> Option<AppResult<serde_json::Value>> {
        amino::amino_json(type_url, value)
    }

    fn amino_names(&self) -> &'static [(&'static str, &'static str)] {
        amino::AMINO_NAMES
    }

    fn msg_from_amino_json(
        &self,
        type_url: &str,
        value: &serde_json::Value,
    ) -> Option<AppResult<Vec<u8>>> {
        amino::msg_from_amino_json(type_url, value)
    }

    fn amino_binary(&self, type_url: &str, value: &[u8]) -> Option<AppResult<Vec<u8>>> {
        amino::amino_binary(type_url, value)
    }

    fn msg_from_amino_binary(&self, type_url: &str, bytes: &[u8]) -> Option<AppResult<Vec<u8>>> {
        amino::msg_from_amino_binary(type_url, bytes)
    }

    fn query(&self, state: &dyn StateRead, path: &str, data: &[u8]) -> Option<AppResult<Vec<u8>>> {
        query::handle(state, path, data)
    }

    /// Builds the non-verifiable indexes if this node lacks them.
    fn begin_block(&self, state: &mut dyn StateWrite, _ctx: &BlockContext) -> AppResult<()> {
        state_ext::ensure_nv_indexes(state).map(|_| ())
    }

    fn check_invariants(&self, state: &dyn StateRead) -> AppResult<()> {
        state_ext::check_invariants(state)
    }
}

/// A type URL this module does not handle: `tx parse error` (code 2), as the
/// SDK's decoder reports an unregistered type.
fn unknown_msg(type_url: &str) -> gpuchain_types::AppError {
    gpuchain_auth::error::sdk_wrapped(
        gpuchain_types::error::code::TX_DECODE,
        format!("unable to resolve type URL {type_url}"),
    )
}

#[cfg(test)]
mod tests {
    use gpuchain_store::Delta;

    use super::*;
    use crate::test_util::MemState;

    #[test]
    fn should_fail_with_code_2_when_type_url_unknown() {
        let url = "/cosmos.bank.v1beta1.MsgUnknown";
        let e = BankComponent.check_msg(url, &[]).unwrap_err();
        assert_eq!((e.codespace.as_ref(), e.code), ("sdk", 2));
        assert_eq!(
            e.log,
            "unable to resolve type URL /cosmos.bank.v1beta1.MsgUnknown: tx parse error"
        );
        let mut state = Delta::new(&MemState);
        let e = BankComponent
            .deliver_msg(&mut state, &BlockContext::default(), url, &[])
            .unwrap_err();
        assert_eq!(e.code, 2);
    }

    #[test]
    fn should_list_both_msgs_when_asked_for_types() {
        assert_eq!(
            BankComponent.msg_types(),
            &[
                "/cosmos.bank.v1beta1.MsgSend",
                "/cosmos.bank.v1beta1.MsgMultiSend"
            ]
        );
        assert_eq!(BankComponent.name(), "bank");
    }
}
