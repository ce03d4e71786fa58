//! `MsgCreateOffer`: a provider's standing supply of one sku.

use gpuchain_proto::market::{MsgCreateOffer, MsgCreateOfferResponse, Offer};
use gpuchain_store::{MsgResponse, StateRead, StateWrite};
use gpuchain_types::{Address, AppResult, BlockContext, Coin};

use super::{check_denom_allowed, check_name, decode, invalid, parse_address, parse_coin, respond};
use crate::error::MarketError;
use crate::event;
use crate::expected::ProviderRegistry;
use crate::keeper::{mark_dirty, proto_coin, save_offer};
use crate::state_ext as se;
use crate::state_key::nv;

pub const TYPE_URL: &str = "/gpuchain.market.v1.MsgCreateOffer";
pub const RESPONSE_TYPE_URL: &str = "/gpuchain.market.v1.MsgCreateOfferResponse";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateOffer {
    pub provider: Address,
    pub sku: String,
    pub gpus_total: u32,
    pub price: Coin,
    pub min_duration: i64,
    pub max_duration: i64,
    pub region: String,
}

/// GPUs of `sku` the provider offers in offers not closed, but `except`.
pub(crate) fn offered_gpus(
    state: &dyn StateRead,
    provider: &Address,
    sku: &str,
    except: u64,
) -> AppResult<u64> {
    let mut sum = 0u64;
    for id in se::nv_ids(state, &nv::offers_by_provider_prefix(provider))? {
        if id == except {
            continue;
        }
        if let Some(o) = se::offer(state, id)? {
            if !o.closed && o.sku == sku {
                sum = sum.saturating_add(u64::from(o.gpus_total));
            }
        }
    }
    Ok(sum)
}

/// Fails with market 20 when the provider's offers of `sku` would exceed its
/// leasable GPUs.
pub(crate) fn check_attested(
    state: &dyn StateRead,
    registry: &dyn ProviderRegistry,
    now: i64,
    provider: &Address,
    sku: &str,
    except: u64,
    gpus: u32,
) -> AppResult<()> {
    let offered = offered_gpus(state, provider, sku, except)?.saturating_add(u64::from(gpus));
    let have = registry.leasable_gpus(state, provider, sku, now)?.len() as u64;
    if offered > have {
        return Err(MarketError::NotEnoughAttestedGpus.wrap(format!(
            "{provider} would offer {offered} gpus of {sku} with {have} leasable"
        )));
    }
    Ok(())
}

impl CreateOffer {
    pub fn check_stateless(value: &[u8]) -> AppResult<Self> {
        let m: MsgCreateOffer = decode(TYPE_URL, value)?;
        let provider = parse_address("provider", &m.provider)?;
        check_name("sku", &m.sku, false)?;
        check_name("region", &m.region, true)?;
        let price = parse_coin("price_per_gpu_hour", &m.price_per_gpu_hour)?;
        if m.gpus_total == 0 {
            return Err(invalid("gpus_total must be positive"));
        }
        if m.min_duration < 0 || m.max_duration <= 0 || m.max_duration < m.min_duration {
            return Err(MarketError::InvalidDuration
                .wrap(format!("min {} max {}", m.min_duration, m.max_duration)));
        }
        Ok(Self {
            provider,
            sku: m.sku,
            gpus_total: m.gpus_total,
            price,
            min_duration: m.min_duration,
            max_duration: m.max_duration,
            region: m.region,
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
        if !registry.sku_exists(state, &self.sku)? {
            return Err(MarketError::UnknownSku.wrap(&self.sku));
        }
        check_denom_allowed(&params, &self.price.denom)?;
        if self.gpus_total > params.max_gpus_per_offer {
            return Err(MarketError::TooManyGpus.wrap(format!("{} gpus", self.gpus_total)));
        }
        if self.min_duration > params.max_duration_secs {
            return Err(MarketError::InvalidDuration.wrap("min_duration above max_duration_secs"));
        }
        match registry.provider(state, &self.provider)? {
            Some(info) if info.active => {}
            _ => return Err(MarketError::ProviderNotActive.wrap(self.provider)),
        }
        check_attested(
            state,
            registry,
            ctx.time_secs,
            &self.provider,
            &self.sku,
            0,
            self.gpus_total,
        )?;
        let id = se::take_next_id(state, "offer")?;
        let offer = Offer {
            id,
            provider: self.provider.to_string(),
            sku: self.sku.clone(),
            gpus_total: self.gpus_total,
            gpus_leased: 0,
            price_per_gpu_hour: Some(proto_coin(self.price.amount, &self.price.denom)),
            min_duration: self.min_duration,
            max_duration: self.max_duration,
            region: self.region.clone(),
            active: true,
            closed: false,
            created_at: ctx.time_secs,
        };
        save_offer(state, None, &offer)?;
        state.nv_put(nv::offers_by_provider(&self.provider, id), Vec::new())?;
        state.nv_put(nv::offers_by_sku(&self.sku, id), Vec::new())?;
        mark_dirty(state, &self.sku)?;
        state.emit(event::offer_created(
            id,
            &self.provider,
            &self.sku,
            self.gpus_total,
            &self.price.to_string(),
        ));
        Ok(respond(
            RESPONSE_TYPE_URL,
            &MsgCreateOfferResponse { offer_id: id },
        ))
    }
}
