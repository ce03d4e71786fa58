//! `MsgUpdateOffer`: change an offer's price, GPU count or active flag.

use gpuchain_proto::market::{MsgUpdateOffer, MsgUpdateOfferResponse};
use gpuchain_store::{MsgResponse, StateWrite};
use gpuchain_types::{Address, AppResult, BlockContext, Coin};

use super::create_offer::check_attested;
use super::{check_denom_allowed, decode, invalid, not_owner, parse_address, parse_coin, respond};
use crate::error::MarketError;
use crate::event;
use crate::expected::ProviderRegistry;
use crate::keeper::{amount_of, mark_dirty, proto_coin, save_offer};
use crate::state_ext as se;

pub const TYPE_URL: &str = "/gpuchain.market.v1.MsgUpdateOffer";
pub const RESPONSE_TYPE_URL: &str = "/gpuchain.market.v1.MsgUpdateOfferResponse";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateOffer {
    pub provider: Address,
    pub offer_id: u64,
    pub price: Option<Coin>,
    pub gpus_total: Option<u32>,
    pub active: Option<bool>,
}

impl UpdateOffer {
    pub fn check_stateless(value: &[u8]) -> AppResult<Self> {
        let m: MsgUpdateOffer = decode(TYPE_URL, value)?;
        let provider = parse_address("provider", &m.provider)?;
        let price = match &m.price_per_gpu_hour {
            Some(_) => Some(parse_coin("price_per_gpu_hour", &m.price_per_gpu_hour)?),
            None => None,
        };
        if m.gpus_total == Some(0) {
            return Err(invalid("gpus_total must be positive"));
        }
        if price.is_none() && m.gpus_total.is_none() && m.active.is_none() {
            return Err(invalid("nothing to update"));
        }
        Ok(Self {
            provider,
            offer_id: m.offer_id,
            price,
            gpus_total: m.gpus_total,
            active: m.active,
        })
    }

    pub fn signers(&self) -> Vec<Address> {
        vec![self.provider]
    }

    pub fn check_and_execute(
        &self,
        state: &mut dyn StateWrite,
        ctx: &BlockContext,
        registry: &dyn ProviderRegistry,
    ) -> AppResult<MsgResponse> {
        let params = se::params(state)?;
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
        if let Some(price) = &self.price {
            check_denom_allowed(&params, &price.denom)?;
            after.price_per_gpu_hour = Some(proto_coin(price.amount, &price.denom));
        }
        if let Some(n) = self.gpus_total {
            if n > params.max_gpus_per_offer {
                return Err(MarketError::TooManyGpus.wrap(format!("{n} gpus")));
            }
            if n < before.gpus_leased {
                return Err(
                    MarketError::BelowLeased.wrap(format!("{n} < {} leased", before.gpus_leased))
                );
            }
            if n > before.gpus_total {
                check_attested(
                    state,
                    registry,
                    ctx.time_secs,
                    &self.provider,
                    &before.sku,
                    before.id,
                    n,
                )?;
            }
            after.gpus_total = n;
        }
        if let Some(a) = self.active {
            after.active = a;
        }
        save_offer(state, Some(&before), &after)?;
        mark_dirty(state, &after.sku)?;
        let (denom, price) = amount_of(&after.price_per_gpu_hour)?;
        state.emit(event::offer_updated(
            after.id,
            after.gpus_total,
            &format!("{price}{denom}"),
            after.active,
        ));
        Ok(respond(RESPONSE_TYPE_URL, &MsgUpdateOfferResponse {}))
    }
}
