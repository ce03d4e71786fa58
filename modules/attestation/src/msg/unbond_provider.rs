//! `MsgUnbondProvider`: with no open leases, the provider stops being
//! active at once and gets what is left of its bond back `unbonding_period`
//! later (end-block reads the time-ordered `unbonding` queue). Meanwhile its
//! bond can still be slashed. When the bond returns, the provider, its
//! agents and its GPUs are removed (their uuids may be claimed again); its
//! challenge history stays.

use gpuchain_proto::attestation::{MsgUnbondProvider, MsgUnbondProviderResponse, ProviderStatus};
use gpuchain_store::{MsgResponse, StateWrite};
use gpuchain_types::{Address, AppResult, BlockContext};

use super::{decode, parse_address, respond};
use crate::error::AttestationError;
use crate::expected::LeaseBook;
use crate::keeper::{bond_amount, fmt_ugpc, ugpc};
use crate::{event, state_ext, state_key};

pub const TYPE_URL: &str = "/gpuchain.attestation.v1.MsgUnbondProvider";
pub const RESPONSE_TYPE_URL: &str = "/gpuchain.attestation.v1.MsgUnbondProviderResponse";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnbondProvider {
    pub owner: Address,
}

impl UnbondProvider {
    pub fn check_stateless(value: &[u8]) -> AppResult<Self> {
        let msg: MsgUnbondProvider = decode(TYPE_URL, value)?;
        Ok(Self {
            owner: parse_address("owner", &msg.owner)?,
        })
    }

    pub fn signers(&self) -> Vec<Address> {
        vec![self.owner]
    }

    /// Registered (3), not already unbonding (6), no open leases (7).
    pub fn check_and_execute(
        &self,
        state: &mut dyn StateWrite,
        ctx: &BlockContext,
        leases: &dyn LeaseBook,
    ) -> AppResult<MsgResponse> {
        let mut p = state_ext::provider(state, &self.owner)?
            .ok_or_else(|| AttestationError::ProviderNotFound.wrap(self.owner))?;
        if p.status != ProviderStatus::Bonded as i32 {
            return Err(AttestationError::ProviderUnbonding.wrap(self.owner));
        }
        let open = leases.open_lease_count(state, &self.owner)?;
        if open > 0 {
            return Err(
                AttestationError::OpenLeases.wrap(format!("{} has {open} open leases", self.owner))
            );
        }
        let params = state_ext::params(state)?;
        let completes_at = ctx.time_secs.saturating_add(params.unbonding_period_secs);
        p.status = ProviderStatus::Unbonding as i32;
        p.unbonding_completes_at = completes_at;
        state_ext::set_provider(state, &p)?;
        state.nv_put(
            state_key::nv::unbonding::entry(completes_at, &self.owner),
            vec![],
        )?;
        state.emit(event::provider_unbonding(
            &self.owner,
            &fmt_ugpc(bond_amount(&p)?),
            completes_at,
        ));
        Ok(respond(
            RESPONSE_TYPE_URL,
            MsgUnbondProviderResponse { completes_at },
        ))
    }
}

/// End-block: returns the bonds of at most `limit` providers whose
/// unbonding completes at or before the block time, and removes them.
pub(crate) fn complete_due(
    state: &mut dyn StateWrite,
    ctx: &BlockContext,
    limit: usize,
) -> AppResult<()> {
    let prefix = state_key::nv::unbonding::prefix();
    let end = state_key::nv::unbonding::before(ctx.time_secs.saturating_add(1));
    for suffix in state_ext::nv_due(state, &prefix, &end, limit)? {
        let (t, rest) = state_ext::split_time(&suffix)?;
        let arr: [u8; 20] = rest
            .try_into()
            .map_err(|_| gpuchain_auth::error::corrupt("unbonding queue key"))?;
        let owner = Address(arr);
        state.nv_delete(state_key::nv::unbonding::entry(t, &owner))?;
        let Some(p) = state_ext::provider(state, &owner)? else {
            continue;
        };
        if p.status != ProviderStatus::Unbonding as i32 || p.unbonding_completes_at != t {
            continue;
        }
        let returned = ugpc(bond_amount(&p)?);
        if !returned.is_empty() {
            gpuchain_bank::send_coins_from_module(
                state,
                gpuchain_bank::ATTESTATION,
                &owner,
                &returned,
            )?;
        }
        for g in state_ext::gpus_of(state, &owner)? {
            state_ext::delete_gpu(state, &g)?;
        }
        for agent in state_ext::agents(state, &owner)? {
            state_ext::remove_agent(state, &owner, &agent)?;
        }
        state_ext::delete_provider(state, &owner)?;
        state.emit(event::provider_unbonded(
            &owner,
            &fmt_ugpc(returned.amount_of(crate::params::BOND_DENOM)),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;

    #[test]
    fn should_return_bond_after_unbonding_period_when_no_leases() {
        let mut t = Setup::with_provider(1);
        t.authorize(1, 2);
        t.inventory(1, 2, &[cpu_gpu("GPU-a")]).unwrap();
        let resp = t.unbond(1).unwrap();
        let completes = t.ctx.time_secs + UNBONDING;
        assert_eq!(
            gpuchain_proto::attestation::MsgUnbondProviderResponse::decode(resp.value.as_slice())
                .unwrap()
                .completes_at,
            completes
        );
        assert!(
            !crate::provider_info(&t.state, &addr(1))
                .unwrap()
                .unwrap()
                .active
        );
        // Not yet: one second early.
        t.advance_to(completes - 1);
        assert_eq!(t.bond(1), 1000);
        assert_eq!(t.balance(&addr(1)), FUNDS - 1000);
        t.advance_to(completes);
        assert_eq!(t.balance(&addr(1)), FUNDS);
        assert_eq!(t.module_balance(), 0);
        assert!(state_ext::provider(&t.state, &addr(1)).unwrap().is_none());
        assert!(state_ext::gpu(&t.state, "GPU-a").unwrap().is_none());
        assert_eq!(state_ext::agent_owner(&t.state, &addr(2)).unwrap(), None);
        assert!(t.has_event("provider_unbonded"));
        t.check_invariants();
        // The uuid is free again.
        t.register(3);
        t.inventory(3, 3, &[cpu_gpu("GPU-a")]).unwrap();
    }

    #[test]
    fn should_fail_with_code_7_and_change_nothing_when_leases_open() {
        let mut t = Setup::with_provider(1);
        t.leases.set_open_count(&addr(1), 1);
        t.assert_rejected(TYPE_URL, &unbond_msg(1), "attestation", 7);
        t.leases.set_open_count(&addr(1), 0);
        t.unbond(1).unwrap();
        t.assert_rejected(TYPE_URL, &unbond_msg(1), "attestation", 6);
        t.assert_rejected(TYPE_URL, &unbond_msg(9), "attestation", 3);
    }

    use prost::Message;
}
