//! gpuchain's `market` module: providers' offers, tenants' orders matched in
//! the same block into leases, billed per second through the escrow module
//! (../shared/spec/market.md).
//!
//! - Each order opens escrow account `id = order id` at `MsgCreateOrder`;
//!   the lease matched from it (its own id sequence) bills that account.
//! - Matching reads an ordered book index (sku, denom, price, offer id) in
//!   bounded chunks; end-block reads time-ordered indexes (ack deadlines,
//!   due times, order expiries) only up to the block time.
//! - The attestation module is reached only through
//!   [`expected::ProviderRegistry`]; it calls back [`lease_of_gpu`],
//!   [`close_lease_faulted`], [`open_lease_count`] and [`get_lease`].

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
pub mod expected;
pub mod genesis;
mod host_fit;
pub mod invariants;
pub mod keeper;
pub mod msg;
pub mod params;
pub mod query;
pub mod state_ext;
pub mod state_key;

#[cfg(test)]
pub(crate) mod test_util;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use gpuchain_store::{Component, MsgResponse, StateRead, StateWrite};
use gpuchain_types::{Address, AppResult, BlockContext};

pub use error::MarketError;
pub use expected::{HostedGpu, ProviderInfo, ProviderRegistry};
pub use gpuchain_escrow::Settlement;
pub use invariants::check_invariants;
pub use keeper::{close_lease_faulted, get_lease, lease_of_gpu, open_lease_count};
pub use params::{default_params, Params};
pub use state_ext::{offer as get_offer, order as get_order, params as get_params};

use msg::{
    ack_lease::AckLease, cancel_order::CancelOrder, close_lease::CloseLease,
    close_offer::CloseOffer, create_offer::CreateOffer, create_order::CreateOrder,
    deposit_lease::DepositLease, update_offer::UpdateOffer, withdraw_all::WithdrawAll,
    withdraw_lease::WithdrawLease,
};

/// The module's name: its key prefix, genesis section and codespace.
pub const MODULE_NAME: &str = "market";

/// The Msgs this module handles.
pub const MSG_TYPES: &[&str] = &[
    msg::create_offer::TYPE_URL,
    msg::update_offer::TYPE_URL,
    msg::close_offer::TYPE_URL,
    msg::create_order::TYPE_URL,
    msg::cancel_order::TYPE_URL,
    msg::ack_lease::TYPE_URL,
    msg::deposit_lease::TYPE_URL,
    msg::withdraw_lease::TYPE_URL,
    msg::withdraw_all::TYPE_URL,
    msg::close_lease::TYPE_URL,
];

/// The `market` module as the app sees it.
#[derive(Clone)]
pub struct MarketComponent {
    registry: Arc<dyn ProviderRegistry>,
}

impl MarketComponent {
    pub fn new(registry: Arc<dyn ProviderRegistry>) -> Self {
        Self { registry }
    }
}

impl Component for MarketComponent {
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
        Ok(match type_url {
            msg::create_offer::TYPE_URL => CreateOffer::check_stateless(value)?.signers(),
            msg::update_offer::TYPE_URL => UpdateOffer::check_stateless(value)?.signers(),
            msg::close_offer::TYPE_URL => CloseOffer::check_stateless(value)?.signers(),
            msg::create_order::TYPE_URL => CreateOrder::check_stateless(value)?.signers(),
            msg::cancel_order::TYPE_URL => CancelOrder::check_stateless(value)?.signers(),
            msg::ack_lease::TYPE_URL => AckLease::check_stateless(value)?.signers(),
            msg::deposit_lease::TYPE_URL => DepositLease::check_stateless(value)?.signers(),
            msg::withdraw_lease::TYPE_URL => WithdrawLease::check_stateless(value)?.signers(),
            msg::withdraw_all::TYPE_URL => WithdrawAll::check_stateless(value)?.signers(),
            msg::close_lease::TYPE_URL => CloseLease::check_stateless(value)?.signers(),
            other => return Err(unknown_msg(other)),
        })
    }

    fn deliver_msg(
        &self,
        state: &mut dyn StateWrite,
        ctx: &BlockContext,
        type_url: &str,
        value: &[u8],
    ) -> AppResult<MsgResponse> {
        let reg = self.registry.as_ref();
        match type_url {
            msg::create_offer::TYPE_URL => {
                CreateOffer::check_stateless(value)?.check_and_execute(state, ctx, reg)
            }
            msg::update_offer::TYPE_URL => {
                UpdateOffer::check_stateless(value)?.check_and_execute(state, ctx, reg)
            }
            msg::close_offer::TYPE_URL => {
                CloseOffer::check_stateless(value)?.check_and_execute(state)
            }
            msg::create_order::TYPE_URL => {
                CreateOrder::check_stateless(value)?.check_and_execute(state, ctx, reg)
            }
            msg::cancel_order::TYPE_URL => {
                CancelOrder::check_stateless(value)?.check_and_execute(state, ctx)
            }
            msg::ack_lease::TYPE_URL => {
                AckLease::check_stateless(value)?.check_and_execute(state, ctx, reg)
            }
            msg::deposit_lease::TYPE_URL => {
                DepositLease::check_stateless(value)?.check_and_execute(state)
            }
            msg::withdraw_lease::TYPE_URL => {
                WithdrawLease::check_stateless(value)?.check_and_execute(state, ctx)
            }
            msg::withdraw_all::TYPE_URL => {
                WithdrawAll::check_stateless(value)?.check_and_execute(state, ctx)
            }
            msg::close_lease::TYPE_URL => {
                CloseLease::check_stateless(value)?.check_and_execute(state, ctx)
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

    fn query(&self, state: &dyn StateRead, path: &str, data: &[u8]) -> Option<AppResult<Vec<u8>>> {
        query::handle(state, self.registry.as_ref(), path, data)
    }

    /// Rebuilds the indexes if this node lacks them, then records the block
    /// time, which the `Lease` query's `owed` reads.
    fn begin_block(&self, state: &mut dyn StateWrite, ctx: &BlockContext) -> AppResult<()> {
        keeper::ensure_indexes(state)?;
        state_ext::set_block_time(state, ctx.time_secs)
    }

    fn end_block(&self, state: &mut dyn StateWrite, ctx: &BlockContext) -> AppResult<()> {
        keeper::end_block(state, self.registry.as_ref(), ctx)
    }

    fn check_invariants(&self, state: &dyn StateRead) -> AppResult<()> {
        invariants::check_invariants(state)
    }
}

fn unknown_msg(type_url: &str) -> gpuchain_types::AppError {
    gpuchain_auth::error::sdk_wrapped(
        gpuchain_types::error::code::TX_DECODE,
        format!("unable to resolve type URL {type_url}"),
    )
}
