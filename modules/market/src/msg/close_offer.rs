//! `MsgCloseOffer`: the offer is never matched again; its leases go on.

use gpuchain_proto::market::{MsgCloseOffer, MsgCloseOfferResponse};
use gpuchain_store::{MsgResponse, StateWrite};
use gpuchain_types::{Address, AppResult};

use super::{decode, not_owner, parse_address, respond};
use crate::error::MarketError;
use crate::event;
use crate::keeper::save_offer;
use crate::state_ext as se;

pub const TYPE_URL: &str = "/gpuchain.market.v1.MsgCloseOffer";
pub const RESPONSE_TYPE_URL: &str = "/gpuchain.market.v1.MsgCloseOfferResponse";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloseOffer {
    pub provider: Address,
    pub offer_id: u64,
}

impl CloseOffer {
    pub fn check_stateless(value: &[u8]) -> AppResult<Self> {
        let m: MsgCloseOffer = decode(TYPE_URL, value)?;
        Ok(Self {
            provider: parse_address("provider", &m.provider)?,
            offer_id: m.offer_id,
        })
    }

    pub fn signers(&self) -> Vec<Address> {
        vec![self.provider]
    }

    pub fn check_and_execute(&self, state: &mut dyn StateWrite) -> AppResult<MsgResponse> {
        let before = se::offer(state, self.offer_id)?
            .ok_or_else(|| MarketError::OfferNotFound.wrap(format!("offer {}", self.offer_id)))?;
        if before.provider != self.provider.to_string() {
            return Err(not_owner(format!(
                "{} does not own offer {}",
                self.provider, self.offer_id
            )));
        }
        if before.closed {
            return Err(MarketError::OfferClosed.wrap(format!("offer {}", self.offer_id)));
        }
        let mut after = before.clone();
        after.closed = true;
        after.active = false;
        save_offer(state, Some(&before), &after)?;
        state.emit(event::offer_closed(after.id));
        Ok(respond(RESPONSE_TYPE_URL, &MsgCloseOfferResponse {}))
    }
}
