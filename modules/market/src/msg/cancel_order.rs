//! `MsgCancelOrder`: the tenant withdraws an open order, refunded in full.

use gpuchain_proto::market::{MsgCancelOrder, MsgCancelOrderResponse, OrderState};
use gpuchain_store::{MsgResponse, StateWrite};
use gpuchain_types::{Address, AppResult, BlockContext};

use super::{decode, not_owner, parse_address, respond};
use crate::error::MarketError;
use crate::keeper::{amount_of, end_order, proto_coin};
use crate::state_ext as se;

pub const TYPE_URL: &str = "/gpuchain.market.v1.MsgCancelOrder";
pub const RESPONSE_TYPE_URL: &str = "/gpuchain.market.v1.MsgCancelOrderResponse";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CancelOrder {
    pub tenant: Address,
    pub order_id: u64,
}

impl CancelOrder {
    pub fn check_stateless(value: &[u8]) -> AppResult<Self> {
        let m: MsgCancelOrder = decode(TYPE_URL, value)?;
        Ok(Self {
            tenant: parse_address("tenant", &m.tenant)?,
            order_id: m.order_id,
        })
    }

    pub fn signers(&self) -> Vec<Address> {
        vec![self.tenant]
    }

    pub fn check_and_execute(
        &self,
        state: &mut dyn StateWrite,
        ctx: &BlockContext,
    ) -> AppResult<MsgResponse> {
        let params = se::params(state)?;
        let mut order = se::order(state, self.order_id)?
            .ok_or_else(|| MarketError::OrderNotFound.wrap(format!("order {}", self.order_id)))?;
        if order.tenant != self.tenant.to_string() {
            return Err(not_owner(format!(
                "{} does not own order {}",
                self.tenant, self.order_id
            )));
        }
        if order.state != OrderState::Open as i32 {
            return Err(MarketError::OrderNotOpen.wrap(format!("order {}", self.order_id)));
        }
        let refund = end_order(
            state,
            &params,
            ctx.time_secs,
            &mut order,
            OrderState::Cancelled,
        )?;
        let (denom, _) = amount_of(&order.deposit)?;
        Ok(respond(
            RESPONSE_TYPE_URL,
            &MsgCancelOrderResponse {
                refund: Some(proto_coin(refund, &denom)),
            },
        ))
    }
}
