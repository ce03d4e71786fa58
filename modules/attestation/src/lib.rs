//! gpuchain's `attestation` module: providers, bonds, agents, inventory
//! reports and GPU challenges (../shared/spec/attestation.md).
//!
//! - Providers lock a bond ([`msg::register_provider`]) in the
//!   `gpuchain_bank::ATTESTATION` module account; slashes take from it.
//! - Agents (host keys) sign inventory reports and challenge answers.
//! - L0: agent-signed, fresh inventory mapped to the SKU registry
//!   ([`msg::submit_inventory`]).
//! - L1: seeded GPU challenges ([`challenge`]) issued at random and on every
//!   lease acknowledgement, committed and opened by the agent, verified
//!   on-chain ([`verify`]); failure slashes, compensates tenants, closes the
//!   affected lease and jails the provider.
//! - The market asks its questions through the functions re-exported here
//!   ([`provider_info`], [`is_agent`], [`sku_exists`], [`leasable_gpus`],
//!   [`slash_bond_to`], [`on_lease_acked`]); this module asks the market
//!   through [`expected::LeaseBook`].
//!
//! Decisions (see each handler's docs):
//! - A provider is active when bonded, not unbonding, not jailed and with a
//!   bond >= `min_bond` (a slash below it makes it inactive until
//!   `MsgAddBond`). Its attestation level is 1 while its last resolved
//!   challenge passed, else 0.
//! - An agent serves exactly one provider and is never a provider itself.
//! - Unknown GPU names are recorded but not leasable; a known name with a
//!   memory outside its SKU's range is rejected.
//! - Time- and height-ordered queues (unbonding, deadlines, random
//!   challenges, beacons, recent block hashes) live in the non-verifiable
//!   store and are read in bounded ranges in begin/end-block.

#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]

pub mod challenge;
pub mod error;
pub mod event;
pub mod expected;
pub mod genesis;
pub mod keeper;
pub mod msg;
pub mod params;
pub mod query;
pub mod state_ext;
pub mod state_key;
pub mod verify;

#[cfg(test)]
mod challenge_tests;
#[cfg(test)]
pub(crate) mod test_util;

use std::sync::Arc;

use gpuchain_proto::attestation::ProviderStatus;
use gpuchain_store::{Component, MsgResponse, StateRead, StateWrite};
use gpuchain_types::{Address, AppError, AppResult, BlockContext};

pub use challenge::{challenge_seed, on_lease_acked};
pub use error::AttestationError;
pub use expected::LeaseBook;
pub use keeper::{
    gpu_leasable, is_agent, leasable_gpus, provider_info, provider_info_at, sku_exists,
    slash_bond_to, ProviderInfo,
};
pub use params::{default_params, BOND_DENOM, TEST_CPU_NAME, TEST_CPU_SKU};
pub use verify::{ChallengeVerifier, OpeningVerifier, Verdict};

use msg::add_bond::AddBond;
use msg::agents::{AuthorizeAgent, RevokeAgent};
use msg::challenge_commit::ChallengeCommit;
use msg::challenge_open::ChallengeOpen;
use msg::register_provider::RegisterProvider;
use msg::submit_inventory::SubmitInventory;
use msg::unbond_provider::UnbondProvider;
use msg::update_provider::UpdateProvider;

/// The module's name: its key prefix, genesis section and codespace.
pub const MODULE_NAME: &str = "attestation";

/// The Msgs this module handles.
pub const MSG_TYPES: &[&str] = &[
    msg::register_provider::TYPE_URL,
    msg::update_provider::TYPE_URL,
    msg::add_bond::TYPE_URL,
    msg::unbond_provider::TYPE_URL,
    msg::agents::AUTHORIZE_TYPE_URL,
    msg::agents::REVOKE_TYPE_URL,
    msg::submit_inventory::TYPE_URL,
    msg::challenge_commit::TYPE_URL,
    msg::challenge_open::TYPE_URL,
];

/// The `attestation` module as the app sees it.
#[derive(Clone)]
pub struct AttestationComponent {
    leases: Arc<dyn LeaseBook>,
    verifier: Arc<dyn OpeningVerifier>,
}

impl AttestationComponent {
    /// The module over the market's lease book, verifying openings with
    /// [`ChallengeVerifier`].
    pub fn new(leases: Arc<dyn LeaseBook>) -> Self {
        Self::with_verifier(leases, Arc::new(ChallengeVerifier))
    }

    /// The module with another opening verifier (tests, simulations).
    pub fn with_verifier(leases: Arc<dyn LeaseBook>, verifier: Arc<dyn OpeningVerifier>) -> Self {
        Self { leases, verifier }
    }
}

impl Component for AttestationComponent {
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
            msg::register_provider::TYPE_URL => RegisterProvider::check_stateless(value)?.signers(),
            msg::update_provider::TYPE_URL => UpdateProvider::check_stateless(value)?.signers(),
            msg::add_bond::TYPE_URL => AddBond::check_stateless(value)?.signers(),
            msg::unbond_provider::TYPE_URL => UnbondProvider::check_stateless(value)?.signers(),
            msg::agents::AUTHORIZE_TYPE_URL => AuthorizeAgent::check_stateless(value)?.signers(),
            msg::agents::REVOKE_TYPE_URL => RevokeAgent::check_stateless(value)?.signers(),
            msg::submit_inventory::TYPE_URL => SubmitInventory::check_stateless(value)?.signers(),
            msg::challenge_commit::TYPE_URL => ChallengeCommit::check_stateless(value)?.signers(),
            msg::challenge_open::TYPE_URL => ChallengeOpen::check_stateless(value)?.signers(),
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
        let leases = self.leases.as_ref();
        match type_url {
            msg::register_provider::TYPE_URL => {
                RegisterProvider::check_stateless(value)?.check_and_execute(state, ctx)
            }
            msg::update_provider::TYPE_URL => {
                UpdateProvider::check_stateless(value)?.check_and_execute(state)
            }
            msg::add_bond::TYPE_URL => AddBond::check_stateless(value)?.check_and_execute(state),
            msg::unbond_provider::TYPE_URL => {
                UnbondProvider::check_stateless(value)?.check_and_execute(state, ctx, leases)
            }
            msg::agents::AUTHORIZE_TYPE_URL => {
                AuthorizeAgent::check_stateless(value)?.check_and_execute(state)
            }
            msg::agents::REVOKE_TYPE_URL => {
                RevokeAgent::check_stateless(value)?.check_and_execute(state)
            }
            msg::submit_inventory::TYPE_URL => {
                SubmitInventory::check_stateless(value)?.check_and_execute(state, ctx, leases)
            }
            msg::challenge_commit::TYPE_URL => {
                ChallengeCommit::check_stateless(value)?.check_and_execute(state, ctx)
            }
            msg::challenge_open::TYPE_URL => ChallengeOpen::check_stateless(value)?
                .check_and_execute(state, ctx, leases, self.verifier.as_ref()),
            other => Err(unknown_msg(other)),
        }
    }

    fn query(&self, state: &dyn StateRead, path: &str, data: &[u8]) -> Option<AppResult<Vec<u8>>> {
        query::handle(state, path, data)
    }

    /// Records the block's hash and time; hands beacons to last block's
    /// commits.
    fn begin_block(&self, state: &mut dyn StateWrite, ctx: &BlockContext) -> AppResult<()> {
        challenge::begin_block(state, ctx)
    }

    /// Missed deadlines, random challenges, completed unbondings.
    fn end_block(&self, state: &mut dyn StateWrite, ctx: &BlockContext) -> AppResult<()> {
        challenge::end_block(state, ctx, self.leases.as_ref())
    }

    fn check_invariants(&self, state: &dyn StateRead) -> AppResult<()> {
        check_invariants(state)
    }
}

/// The attestation module account holds exactly the providers' bonds, and
/// no bonded provider's bond is in another denom.
pub fn check_invariants(state: &dyn StateRead) -> AppResult<()> {
    let mut sum = 0u128;
    for (_, p) in state_ext::all_providers(state)? {
        if p.status == ProviderStatus::Unspecified as i32 {
            return Err(AppError::internal(format!(
                "provider {} has no status",
                p.owner
            )));
        }
        if p.bond.as_ref().is_some_and(|b| b.denom != BOND_DENOM) {
            return Err(AppError::internal(format!(
                "provider {} bond not in ugpc",
                p.owner
            )));
        }
        sum = sum
            .checked_add(keeper::bond_amount(&p)?)
            .ok_or_else(|| AppError::internal("bonds overflow"))?;
    }
    let held = gpuchain_bank::balance(
        state,
        &Address::module(gpuchain_bank::ATTESTATION),
        BOND_DENOM,
    )?;
    if held != sum {
        return Err(AppError::internal(format!(
            "attestation module holds {held}{BOND_DENOM}, bonds sum to {sum}{BOND_DENOM}"
        )));
    }
    Ok(())
}

/// A type URL this module does not handle: code 2.
fn unknown_msg(type_url: &str) -> AppError {
    gpuchain_auth::error::sdk_wrapped(
        gpuchain_types::error::code::TX_DECODE,
        format!("unable to resolve type URL {type_url}"),
    )
}
