//! `MsgDepositLease`: anyone tops up an open lease; its due time moves.

use gpuchain_proto::market::{LeaseState, MsgDepositLease, MsgDepositLeaseResponse};
use gpuchain_store::{MsgResponse, StateWrite};
use gpuchain_types::{Address, AppResult, Coin};

use super::{decode, parse_address, parse_coin, respond};
use crate::error::MarketError;
use crate::event;
use crate::keeper::amount_of;
use crate::state_ext as se;
use crate::state_key::nv;

pub const TYPE_URL: &str = "/gpuchain.market.v1.MsgDepositLease";
pub const RESPONSE_TYPE_URL: &str = "/gpuchain.market.v1.MsgDepositLeaseResponse";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DepositLease {
    pub depositor: Address,
    pub lease_id: u64,
    pub amount: Coin,
}

impl DepositLease {
    pub fn check_stateless(value: &[u8]) -> AppResult<Self> {
        let m: MsgDepositLease = decode(TYPE_URL, value)?;
        Ok(Self {
            depositor: parse_address("depositor", &m.depositor)?,
            lease_id: m.lease_id,
            amount: parse_coin("amount", &m.amount)?,
        })
    }

    pub fn signers(&self) -> Vec<Address> {
        vec![self.depositor]
    }

    pub fn check_and_execute(&self, state: &mut dyn StateWrite) -> AppResult<MsgResponse> {
        let mut lease = se::lease(state, self.lease_id)?
            .ok_or_else(|| MarketError::LeaseNotFound.wrap(format!("lease {}", self.lease_id)))?;
        if lease.state == LeaseState::Closed as i32 {
            return Err(MarketError::LeaseClosed.wrap(format!("lease {}", self.lease_id)));
        }
        let (denom, _) = amount_of(&lease.price_per_gpu_hour)?;
        if denom != self.amount.denom {
            return Err(MarketError::DenomMismatch.wrap(format!(
                "lease {} is paid in {denom}, not {}",
                lease.id, self.amount.denom
            )));
        }
        gpuchain_escrow::deposit(state, lease.order_id, &self.depositor, &self.amount)?;
        if lease.state == LeaseState::Active as i32 {
            if let Some(due) = gpuchain_escrow::get(state, lease.order_id)?.and_then(|a| a.due_at())
            {
                if due != lease.due_at {
                    state.nv_delete(nv::due(lease.due_at, lease.id))?;
                    state.nv_put(nv::due(due, lease.id), Vec::new())?;
                    lease.due_at = due;
                    se::put_lease(state, &lease)?;
                }
            }
        }
        state.emit(event::lease_deposit(
            lease.id,
            &self.depositor,
            &self.amount.to_string(),
            lease.due_at,
        ));
        Ok(respond(
            RESPONSE_TYPE_URL,
            &MsgDepositLeaseResponse {
                due_at: lease.due_at,
            },
        ))
    }
}
