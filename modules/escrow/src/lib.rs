//! gpuchain's `escrow` module: deposits held per lease and streamed to
//! providers per second (../shared/spec/market.md, "Escrow").
//!
//! - Every deposit sits in one module account ([`gpuchain_bank::ESCROW`]);
//!   each [`EscrowAccount`] records, per lease (or open order), what was
//!   deposited, paid out (take included), taken and refunded, and the rate.
//! - The market module drives it through [`open`], [`deposit`], [`start`],
//!   [`settle`] and [`close`]; the module has no Msgs of its own.
//! - [`EscrowComponent`] plugs it into the app: genesis, the
//!   `/gpuchain.escrow.v1.Query/*` queries, the block time for `owed_now`,
//!   and the invariants.

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
pub mod genesis;
pub mod keeper;
pub mod query;
pub mod state_ext;
pub mod state_key;

#[cfg(test)]
mod tests;

use gpuchain_store::{Component, StateRead, StateWrite};
use gpuchain_types::{AppResult, BlockContext};

pub use account::{take_of, EscrowAccount, Payment, Settlement};
pub use error::EscrowError;
pub use keeper::{check_invariants, close, deposit, get, module_address, open, settle, start};

/// The module's name: its key prefix, genesis section and codespace.
pub const MODULE_NAME: &str = "escrow";

/// The version of the stored layout, written at genesis under
/// [`state_key::schema_version`].
pub const SCHEMA_VERSION: u16 = 1;

/// The `escrow` module as the app sees it.
#[derive(Clone, Copy, Debug, Default)]
pub struct EscrowComponent;

impl Component for EscrowComponent {
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

    /// Records the block time, which the `Account` query's `owed_now` reads.
    fn begin_block(&self, state: &mut dyn StateWrite, ctx: &BlockContext) -> AppResult<()> {
        state_ext::set_block_time(state, ctx.time_secs)
    }

    fn check_invariants(&self, state: &dyn StateRead) -> AppResult<()> {
        keeper::check_invariants(state)
    }
}
