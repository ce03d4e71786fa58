//! `MsgCloseLease`: the tenant or the provider ends a lease; it settles to
//! now and the rest goes back to the tenant.

use gpuchain_proto::market::{CloseReason, MsgCloseLease, MsgCloseLeaseResponse};
use gpuchain_store::{MsgResponse, StateWrite};
use gpuchain_types::{Address, AppResult, BlockContext};

use super::{decode, not_owner, parse_address, respond};
use crate::error::MarketError;
use crate::keeper::{amount_of, close_lease, proto_coin};
use crate::state_ext as se;

pub const TYPE_URL: &str = "/gpuchain.market.v1.MsgCloseLease";
pub const RESPONSE_TYPE_URL: &str = "/gpuchain.market.v1.MsgCloseLeaseResponse";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloseLease {
    pub signer: Address,
    pub lease_id: u64,
}

impl CloseLease {
    pub fn check_stateless(value: &[u8]) -> AppResult<Self> {
        let m: MsgCloseLease = decode(TYPE_URL, value)?;
        Ok(Self {
            signer: parse_address("signer", &m.signer)?,
            lease_id: m.lease_id,
        })
    }

    pub fn signers(&self) -> Vec<Address> {
        vec![self.signer]
    }

    pub fn check_and_execute(
        &self,
        state: &mut dyn StateWrite,
        ctx: &BlockContext,
    ) -> AppResult<MsgResponse> {
        let params = se::params(state)?;
        let mut lease = se::lease(state, self.lease_id)?
            .ok_or_else(|| MarketError::LeaseNotFound.wrap(format!("lease {}", self.lease_id)))?;
        let signer = self.signer.to_string();
        let reason = if signer == lease.tenant {
            CloseReason::TenantClosed
        } else if signer == lease.provider {
            CloseReason::ProviderClosed
        } else {
            return Err(not_owner(format!(
                "{signer} is neither tenant nor provider of lease {}",
                lease.id
            )));
        };
        let s = close_lease(state, &params, ctx.time_secs, &mut lease, reason)?;
        let (denom, _) = amount_of(&lease.price_per_gpu_hour)?;
        Ok(respond(
            RESPONSE_TYPE_URL,
            &MsgCloseLeaseResponse {
                payment: Some(proto_coin(s.payment.to_provider, &denom)),
                take: Some(proto_coin(s.payment.take, &denom)),
                refund: Some(proto_coin(s.refund, &denom)),
            },
        ))
    }
}
