//! `MsgWithdrawLease`: the provider collects what one lease owes it now.

use gpuchain_proto::market::{LeaseState, MsgWithdrawLease, MsgWithdrawLeaseResponse};
use gpuchain_store::{MsgResponse, StateWrite};
use gpuchain_types::{Address, AppResult, BlockContext};

use super::{decode, not_owner, parse_address, respond};
use crate::error::MarketError;
use crate::keeper::{amount_of, emit_payment, proto_coin};
use crate::state_ext as se;

pub const TYPE_URL: &str = "/gpuchain.market.v1.MsgWithdrawLease";
pub const RESPONSE_TYPE_URL: &str = "/gpuchain.market.v1.MsgWithdrawLeaseResponse";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WithdrawLease {
    pub provider: Address,
    pub lease_id: u64,
}

impl WithdrawLease {
    pub fn check_stateless(value: &[u8]) -> AppResult<Self> {
        let m: MsgWithdrawLease = decode(TYPE_URL, value)?;
        Ok(Self {
            provider: parse_address("provider", &m.provider)?,
            lease_id: m.lease_id,
        })
    }

    pub fn signers(&self) -> Vec<Address> {
        vec![self.provider]
    }

    pub fn check_and_execute(
        &self,
        state: &mut dyn StateWrite,
        ctx: &BlockContext,
    ) -> AppResult<MsgResponse> {
        let params = se::params(state)?;
        let lease = se::lease(state, self.lease_id)?
            .ok_or_else(|| MarketError::LeaseNotFound.wrap(format!("lease {}", self.lease_id)))?;
        if lease.provider != self.provider.to_string() {
            return Err(not_owner(format!(
                "{} is not the provider of lease {}",
                self.provider, self.lease_id
            )));
        }
        match LeaseState::try_from(lease.state) {
            Ok(LeaseState::Active) => {}
            Ok(LeaseState::Closed) => {
                return Err(MarketError::LeaseClosed.wrap(format!("lease {}", lease.id)))
            }
            _ => return Err(MarketError::LeaseNotActive.wrap(format!("lease {}", lease.id))),
        }
        let payment =
            gpuchain_escrow::settle(state, lease.order_id, ctx.time_secs, params.take_rate_bps)?;
        emit_payment(state, &lease, &payment)?;
        let (denom, _) = amount_of(&lease.price_per_gpu_hour)?;
        Ok(respond(
            RESPONSE_TYPE_URL,
            &MsgWithdrawLeaseResponse {
                amount: Some(proto_coin(payment.to_provider, &denom)),
                take: Some(proto_coin(payment.take, &denom)),
            },
        ))
    }
}
